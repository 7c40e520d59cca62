// Render HTML articles in Debian's headless Chromium (playwright-core, no downloaded browser) and
// report what a reader would see: MathJax errors, raw TeX left over, requests to other hosts,
// console errors, and how many formulas were typeset.  A full-page screenshot goes next to OUT.
// Usage: node render_html.mjs CHROMIUM ORIGIN OUTDIR PAGE…   (PAGE: a path under ORIGIN)
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { chromium } from 'playwright-core';

const [executablePath, origin, outdir, ...pages] = process.argv.slice(2);
const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'derivator-chromium-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath,
  headless: true,
  viewport: { width: 1000, height: 1200 },
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
         '--no-first-run', '--disable-sync', '--disable-quic'],
});
const report = {};
try {
  for (const page_path of pages) {
    const page = await context.newPage();
    const r = { foreign: [], console: [], failed: [] };
    page.on('request', (req) => { if (!req.url().startsWith(origin + '/') && !req.url().startsWith('data:')) r.foreign.push(req.url()); });
    page.on('requestfailed', (req) => r.failed.push(req.url()));
    page.on('console', (msg) => { if (msg.type() === 'error') r.console.push(msg.text()); });
    page.on('pageerror', (err) => r.console.push(String(err)));
    await page.route((url) => !url.href.startsWith(origin + '/'), (route) => route.abort());
    await page.goto(origin + '/' + page_path, { waitUntil: 'load', timeout: 60000 });
    await page.waitForFunction(() => window.MathJax && window.MathJax.startup && window.MathJax.startup.promise,
                               null, { timeout: 60000 });
    await page.evaluate(() => window.MathJax.startup.promise);
    Object.assign(r, await page.evaluate(() => {
      const main = document.querySelector('main');
      const text = document.body.innerText;
      return {
        emitted: Number(main.dataset.formulas),
        rendered: document.querySelectorAll('mjx-container').length,
        merror: document.querySelectorAll('mjx-merror, [data-mjx-error]').length,
        raw_dollars: (text.match(/\$\$/g) || []).length,
        raw_delims: (text.match(/\\\(|\\\)|\\\[|\\\]/g) || []).length,
        svgs: document.querySelectorAll('figure svg').length,
      };
    }));
    const shot = path.join(outdir, path.basename(page_path).replace(/\.html$/, '.png'));
    await page.screenshot({ path: shot, fullPage: false });
    r.screenshot = shot;
    report[page_path] = r;
    await page.close();
  }
} finally {
  await context.close();
  fs.rmSync(userDataDir, { recursive: true, force: true });
}
process.stdout.write(JSON.stringify(report, null, 1));
