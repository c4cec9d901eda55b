// The published build of @kassa/sdk, in dist/:
//   index.mjs, index.cjs    ESM and CommonJS (Node 18+, Bun, Deno), not minified
//   index.edge.min.mjs      the same code minified, for edge runtimes and bundlers
//   types/                  declarations (plain interfaces: see scripts/types.ts)
// Bundled for platform "neutral": a Node built-in on the request path fails the build.
import { execFileSync } from 'node:child_process';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
// `--out <dir>` builds elsewhere (tests build into a folder of their own).
const outIndex = process.argv.indexOf('--out');
const dist = outIndex > 0 ? (process.argv[outIndex + 1] as string) : `${root}dist`;
await rm(dist, { recursive: true, force: true });

const common = {
  entryPoints: [`${root}src/index.ts`],
  bundle: true,
  platform: 'neutral' as const,
  target: 'es2022',
  logLevel: 'warning' as const,
  legalComments: 'none' as const,
};
await build({ ...common, format: 'esm', outfile: `${dist}/index.mjs` });
await build({ ...common, format: 'cjs', outfile: `${dist}/index.cjs` });
await build({ ...common, format: 'esm', minify: true, outfile: `${dist}/index.edge.min.mjs` });

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(
  process.execPath,
  [tsc, '-p', `${root}tsconfig.build.json`, '--outDir', `${dist}/types`],
  { stdio: 'inherit' },
);
// The sources import './x.ts'; declarations must say './x.js' for consumers to resolve them.
for (const file of await readdir(`${dist}/types`, { recursive: true })) {
  if (!file.endsWith('.d.ts')) continue;
  const path = `${dist}/types/${file}`;
  const text = await readFile(path, 'utf8');
  await writeFile(path, text.replace(/(from '\.{1,2}\/[^']+)\.ts'/g, "$1.js'"));
}

const edge = await readFile(`${dist}/index.edge.min.mjs`);
process.stdout.write(
  `built dist/: edge build ${(edge.length / 1024).toFixed(1)} KB minified, ${(gzipSync(edge, { level: 9 }).length / 1024).toFixed(1)} KB gzipped\n`,
);
