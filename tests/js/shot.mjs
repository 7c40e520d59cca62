// Screenshot one element (or the full page) of a local HTML file in Debian's headless Chromium with
// the network off: a look at what a reader sees, for the notes of a change.
// Usage: node shot.mjs CHROMIUM FILE.html WIDTH OUT.png [CSS-SELECTOR]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const [executablePath, file, width, out, selector] = process.argv.slice(2);
const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'derivator-shot-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath, headless: true, viewport: { width: Number(width), height: 900 },
  args: ['--no-sandbox', '--disable-gpu', '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1'],
});
try {
  const page = await context.newPage();
  await page.goto('file://' + path.resolve(file), { waitUntil: 'load' });
  if (selector && selector.startsWith('@')) {
    // the viewport, scrolled to the element, every <details> opened: the page as a reader sees it
    await page.evaluate(() => { for (const d of document.querySelectorAll('details')) d.open = true; });
    await page.locator(selector.slice(1)).first().evaluate((e) => e.scrollIntoView({ block: 'start' }));
    await page.screenshot({ path: out });
  } else if (selector) {
    const el = page.locator(selector).first();
    await el.evaluate((e) => { if (e.tagName === 'DETAILS') e.open = true; });
    await el.screenshot({ path: out });
  } else {
    await page.screenshot({ path: out, fullPage: false });
  }
} finally {
  await context.close();
  fs.rmSync(userDataDir, { recursive: true, force: true });
}
