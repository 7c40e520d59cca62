// Validate every formula of a Markdown article with MathJax (mathjax-full 3), the TeX input jax
// with only the base and ams packages: an undefined macro or any other TeX error is an error here
// (no 'noundefined', no 'noerrors'), not red text on a page.
// Usage: node validate_tex_math.mjs FILE.md …   Prints JSON {file: {count, errors: [...]}}.
import fs from 'node:fs';
import { mathjax } from 'mathjax-full/js/mathjax.js';
import { TeX } from 'mathjax-full/js/input/tex.js';
import { SVG } from 'mathjax-full/js/output/svg.js';
import { liteAdaptor } from 'mathjax-full/js/adaptors/liteAdaptor.js';
import { RegisterHTMLHandler } from 'mathjax-full/js/handlers/html.js';
import 'mathjax-full/js/input/tex/base/BaseConfiguration.js';
import 'mathjax-full/js/input/tex/ams/AmsConfiguration.js';

const adaptor = liteAdaptor();
RegisterHTMLHandler(adaptor);
const tex = new TeX({
  packages: ['base', 'ams'],
  formatError: (jax, err) => { throw err; },
});
const doc = mathjax.document('', { InputJax: tex, OutputJax: new SVG({ fontCache: 'none' }) });

// $$…$$ blocks first (removed from the text), then $…$ inline
function formulas(text) {
  const out = [];
  const rest = text.replace(/\$\$([\s\S]*?)\$\$/g, (_, m) => { out.push([m, true]); return ' '; });
  for (const m of rest.matchAll(/\$([^$\n]+?)\$/g)) out.push([m[1], false]);
  return out;
}

const result = {};
for (const file of process.argv.slice(2)) {
  const found = formulas(fs.readFileSync(file, 'utf8'));
  const errors = [];
  for (const [src, display] of found) {
    try {
      const node = doc.convert(src, { display });
      const html = adaptor.outerHTML(node);
      if (html.includes('merror') || html.includes('data-mjx-error')) errors.push({ tex: src, error: 'merror' });
    } catch (e) {
      errors.push({ tex: src, error: String(e && e.message || e) });
    }
  }
  result[file] = { count: found.length, errors };
}
process.stdout.write(JSON.stringify(result, null, 1));
