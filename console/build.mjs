// Bundles the console (console/main.tsx and client/) into dist/console: one script, one
// stylesheet, one page. No asset is fetched from the internet at run time.
import { copyFile, mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { readFile } from 'node:fs/promises';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', 'dist', 'console');
await mkdir(out, { recursive: true });
await build({
  entryPoints: [join(here, 'main.tsx')],
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2022'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  outfile: join(out, 'app.js'),
  legalComments: 'none',
  logLevel: 'warning',
});
await copyFile(join(here, 'index.html'), join(out, 'index.html'));
await copyFile(join(here, 'styles.css'), join(out, 'styles.css'));
const sizes = {};
for (const file of ['app.js', 'styles.css', 'index.html']) {
  const bytes = await readFile(join(out, file));
  sizes[file] = { bytes: (await stat(join(out, file))).size, gzip: gzipSync(bytes).length };
}
await writeFile(join(out, 'sizes.json'), JSON.stringify(sizes, null, 2) + '\n');
const kb = (n) => (n / 1024).toFixed(1) + ' KiB';
// stderr: `npm run --silent cli` keeps its stdout for the command's own output.
console.error(`console: app.js ${kb(sizes['app.js'].bytes)} (${kb(sizes['app.js'].gzip)} gzip), styles.css ${kb(sizes['styles.css'].bytes)}`);
