// Bundles client/pay-form.ts (the pay page's only script) into public/_kassa/pay-form.js, and
// prints its size. Run before `next build` and `next dev` (the package scripts and run-next.mjs
// do). The file name stays fixed; the page asks for it with ?v=<content hash>.
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = join(import.meta.dirname, '..');
const result = await build({
  entryPoints: [join(root, 'client', 'pay-form.ts')],
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2020'],
  platform: 'browser',
  write: false,
  legalComments: 'none',
});
const code = result.outputFiles[0].contents;
await mkdir(join(root, 'public', '_kassa'), { recursive: true });
await writeFile(join(root, 'public', '_kassa', 'pay-form.js'), code);
const hash = createHash('sha256').update(code).digest('hex').slice(0, 12);
await writeFile(
  join(root, 'public', '_kassa', 'pay-form.json'),
  `${JSON.stringify({ file: '/_kassa/pay-form.js', hash }, null, 2)}\n`,
);
console.log(
  `built public/_kassa/pay-form.js: ${(code.length / 1024).toFixed(1)} KB minified, ${(gzipSync(code).length / 1024).toFixed(1)} KB gzipped`,
);
