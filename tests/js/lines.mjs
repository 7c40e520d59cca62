// Where the lines of an HTML page break around inline math, in Debian's headless Chromium with the
// network off: for every inline <math> followed by punctuation (",", ".", ";", "，", "。" …), whether
// the punctuation stands on the formula's line, at each viewport width given.
// Usage: node lines.mjs CHROMIUM FILE.html… WIDTH…   Prints {file: {width: {checked, apart: [{math, punct}]}}}
// (one browser for every file: a launch costs about as much as a page)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const [executablePath, ...rest] = process.argv.slice(2);
const files = rest.filter((a) => a.endsWith('.html'));
const widths = rest.filter((a) => !a.endsWith('.html'));
const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'derivator-lines-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath, headless: true, viewport: { width: 1280, height: 900 },
  args: ['--no-sandbox', '--disable-gpu', '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1'],
});
const report = {};
try {
  for (const file of files) {
    const page = await context.newPage();
    report[file] = {};
    await page.goto('file://' + path.resolve(file), { waitUntil: 'load' });
    await page.evaluate(() => { for (const d of document.querySelectorAll('details')) d.open = true; });
    for (const width of widths) {
      await page.setViewportSize({ width: Number(width), height: 900 });
      report[file][width] = await page.evaluate(() => {
        const punct = /^[.,;:!?)\]\u3001\u3002\uff0c\uff1b\uff1a\uff09\uff01\uff1f]/;
        let checked = 0;
        const apart = [];
        for (const m of document.querySelectorAll('math[display="inline"], math:not([display])')) {
          // the first character after the formula, wherever the markup puts it
          const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
          walker.currentNode = m;
          let node = walker.nextNode();
          while (node && m.contains(node)) node = walker.nextNode();
          if (!node || !punct.test(node.data)) continue;
          const rects = m.getClientRects();
          if (!rects.length) continue; // hidden (a closed <details>)
          checked += 1;
          const last = rects[rects.length - 1];
          const range = document.createRange();
          range.setStart(node, 0);
          range.setEnd(node, 1);
          const p = range.getBoundingClientRect();
          const middle = (p.top + p.bottom) / 2;
          if (!(middle > last.top && middle < last.bottom && p.left >= last.right - 1)) {
            apart.push({ math: m.textContent.slice(0, 40), punct: node.data.slice(0, 10) });
          }
        }
        return { checked, apart };
      });
    }
    await page.close();
  }
} finally {
  await context.close();
  fs.rmSync(userDataDir, { recursive: true, force: true });
}
process.stdout.write(JSON.stringify(report));
