// Render HTML articles in Debian's headless Chromium (playwright-core, no downloaded browser) with
// the network off (every host but 127.0.0.1 unresolvable, other requests aborted) and report what a
// reader would see: math errors (MathJax's, or MathML's merror), raw TeX left over, requests to other hosts,
// console errors, how many formulas were typeset, and at phone width (420 px) whether anything
// but a display's own box is wider than the page.  Full-page screenshots (desktop, phone; JPEG) go to OUT.
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
         '--no-first-run', '--disable-sync', '--disable-quic',
         '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1'],
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
    // MathJax pages typeset in the browser; MathML pages are typeset as they load
    r.mathjax = await page.evaluate(() => document.getElementById('MathJax-script') !== null);
    if (r.mathjax) {
      await page.waitForFunction(() => window.MathJax && window.MathJax.startup && window.MathJax.startup.promise,
                                 null, { timeout: 60000 });
      await page.evaluate(() => window.MathJax.startup.promise);
    }
    Object.assign(r, await page.evaluate(() => {
      const main = document.querySelector('main');
      const text = document.body.innerText;
      return {
        // the formulas of the text (as many as the Markdown has) and those of the sliders (HTML only)
        emitted: Number(main.dataset.formulas) + Number(main.dataset.widgetFormulas || 0),
        // MathJax keeps a hidden MathML copy inside each of its containers: count what it typeset
        rendered: document.querySelectorAll('mjx-container').length || document.querySelectorAll('main math').length,
        merror: document.querySelectorAll('mjx-merror, [data-mjx-error], merror').length,
        // typeset MathML has a box of its own: a formula drawn as text would have no height
        flat_math: [...document.querySelectorAll('main math')].filter((m) => m.getBoundingClientRect().height < 8).length,
        raw_dollars: (text.match(/\$\$/g) || []).length,
        raw_delims: (text.match(/\\\(|\\\)|\\\[|\\\]/g) || []).length,
        svgs: document.querySelectorAll('figure svg').length,
        // rows of a multi-row display set in display style (a table's cells default to compact:
        // fractions at script size, a sum's limits beside it), and each Σ's limits under it
        compact_cells: [...document.querySelectorAll('.display mtable.aligned > mtr > mtd')]
          .filter((c) => getComputedStyle(c).mathStyle !== 'normal').length,
        side_limits: [...document.querySelectorAll('.display munderover, .display munder')].filter((u) => {
          // in compact style (a matrix's cell, a fraction's numerator) limits go beside, as in TeX
          const [op, below] = u.children;
          return getComputedStyle(u).mathStyle === 'normal'
            && below.getBoundingClientRect().top < op.getBoundingClientRect().bottom - 2;
        }).length,
        sums_in_displays: document.querySelectorAll('.display munderover, .display munder').length,
      };
    }));
    // JPEG: a full page is some 30,000 px tall, and encoding it as PNG took most of the time
    const shot = path.join(outdir, path.basename(page_path).replace(/\.html$/, '.jpg'));
    await page.screenshot({ path: shot, fullPage: true, type: 'jpeg', quality: 80 });
    r.screenshot = shot;
    // a phone: the page itself must not scroll sideways; a wide display may scroll inside its box
    await page.setViewportSize({ width: 420, height: 900 });
    await page.waitForTimeout(300);
    Object.assign(r, await page.evaluate(() => {
      const doc = document.documentElement;
      const inside = (el) => el.closest('.display, pre, mjx-container[display="true"], .figure-scroll') !== null;
      const wide = [];
      for (const el of document.querySelectorAll('main *')) {
        const box = el.getBoundingClientRect();
        if (box.right > doc.clientWidth + 0.5 && !inside(el)) wide.push(el.tagName.toLowerCase() + ': ' + (el.textContent || '').slice(0, 60));
      }
      const displays = [...document.querySelectorAll('.display')];
      return {
        phone_overflow: doc.scrollWidth - doc.clientWidth,
        phone_wide: wide.slice(0, 10),
        displays: displays.length,
        displays_scrolling: displays.filter((d) => d.scrollWidth > d.clientWidth + 1).length,
        scrolling: displays.filter((d) => d.scrollWidth > d.clientWidth + 1).map((d) => `${d.id}: ${d.scrollWidth} px in ${d.clientWidth}`),
        ids_repeated: (() => { const seen = {}; for (const el of document.querySelectorAll('[id]')) seen[el.id] = (seen[el.id] || 0) + 1; return Object.keys(seen).filter((k) => seen[k] > 1); })(),
      };
    }));
    const phone = path.join(outdir, path.basename(page_path).replace(/\.html$/, '.phone.jpg'));
    await page.screenshot({ path: phone, fullPage: true, type: 'jpeg', quality: 80 });
    r.phone_screenshot = phone;
    report[page_path] = r;
    await page.close();
  }
} finally {
  await context.close();
  fs.rmSync(userDataDir, { recursive: true, force: true });
}
process.stdout.write(JSON.stringify(report, null, 1));
