// The boxes a browser gives the texts of SVG figures, and their lines: what a test needs to say
// that no label sits on an arrow.  Debian's headless Chromium (playwright-core), network off.
// Usage: node svg_boxes.mjs CHROMIUM FILE.svg…   Prints {file: {texts: [{text, box}], lines: […]}}
// with boxes [x, y, width, height] and lines [x1, y1, x2, y2] in the SVG's own units.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const [executablePath, ...files] = process.argv.slice(2);
const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'derivator-svg-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath, headless: true, viewport: { width: 1000, height: 800 },
  args: ['--no-sandbox', '--disable-gpu', '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1'],
});
const report = {};
try {
  for (const file of files) {
    const page = await context.newPage();
    await page.goto('file://' + path.resolve(file), { waitUntil: 'load' });
    report[file] = await page.evaluate(() => {
      const svg = document.querySelector('svg');
      const texts = [...svg.querySelectorAll('text')].map((t) => {
        const b = t.getBBox();
        return { text: t.textContent, box: [b.x, b.y, b.width, b.height] };
      });
      const lines = [...svg.querySelectorAll('line')].map((l) =>
        ['x1', 'y1', 'x2', 'y2'].map((k) => Number(l.getAttribute(k))));
      return { texts, lines };
    });
    await page.close();
  }
} finally {
  await context.close();
  fs.rmSync(userDataDir, { recursive: true, force: true });
}
process.stdout.write(JSON.stringify(report, null, 1));
