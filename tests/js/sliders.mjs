// Move the worked example's sliders in Debian's headless Chromium, with the network off, and report
// every number the page then shows ([data-q]: the sliders' outputs, the table, Figure 2's numbers).
// Usage: node sliders.mjs CHROMIUM FILE.html SETTINGS-JSON OUT.png
// SETTINGS-JSON: a list of {"a_below": …, "w": …, "b": …, "y": …}; the report lists, per setting,
// each key with every text shown for it.  A screenshot of the page at the last setting goes to OUT.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const [executablePath, file, settingsJson, out] = process.argv.slice(2);
const settings = JSON.parse(settingsJson);
const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'derivator-sliders-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath, headless: true, viewport: { width: 1280, height: 900 },
  args: ['--no-sandbox', '--disable-gpu', '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1'],
});
const report = { errors: [], requests: [], results: [] };
try {
  const page = await context.newPage();
  page.on('pageerror', (err) => report.errors.push(String(err)));
  page.on('console', (msg) => { if (msg.type() === 'error') report.errors.push(msg.text()); });
  page.on('request', (req) => { if (!req.url().startsWith('file:')) report.requests.push(req.url()); });
  await page.goto('file://' + path.resolve(file), { waitUntil: 'load' });
  report.sliders = await page.evaluate(() => document.querySelectorAll('input[data-slider]').length);
  for (const s of settings) {
    const shown = await page.evaluate((s) => {
      for (const [k, v] of Object.entries(s)) {
        const el = document.querySelector('input[data-slider="' + k + '"]');
        el.value = String(v);
        el.dispatchEvent(new Event('input', { bubbles: true }));
      }
      const out = {};
      for (const el of document.querySelectorAll('[data-q]')) {
        const k = el.dataset.q;
        (out[k] = out[k] || []).push({ tag: el.tagName.toLowerCase(), text: el.textContent });
      }
      return out;
    }, s);
    report.results.push({ setting: s, shown });
  }
  const widget = page.locator('section.widget');
  await widget.scrollIntoViewIfNeeded();
  await page.screenshot({ path: out });
} finally {
  await context.close();
  fs.rmSync(userDataDir, { recursive: true, force: true });
}
process.stdout.write(JSON.stringify(report));
