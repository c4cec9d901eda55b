import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The published build (scripts/build.ts): built here, then loaded the way consumers load it.
const root = fileURLToPath(new URL('..', import.meta.url));
const tsx = createRequire(import.meta.url).resolve('tsx');
let buildOutput: string;
let dist: string;

beforeAll(async () => {
  dist = await mkdtemp(join(tmpdir(), 'kassa-sdk-build-'));
  buildOutput = execFileSync(
    process.execPath,
    ['--import', tsx, `${root}scripts/build.ts`, '--out', dist],
    { encoding: 'utf8' },
  );
}, 120_000);

afterAll(() => rm(dist, { recursive: true, force: true }));

describe('the build', () => {
  it('refers to nothing outside itself: no workspace package, no zod, no Node built-in', async () => {
    const files = (await readdir(dist, { recursive: true })).filter((f) =>
      /\.(mjs|cjs|d\.ts)$/.test(f),
    );
    expect(files).toEqual(
      expect.arrayContaining(['index.mjs', 'index.cjs', 'index.edge.min.mjs', 'types/index.d.ts']),
    );
    for (const file of files) {
      const text = await readFile(join(dist, file), 'utf8');
      expect(text, file).not.toMatch(/@kassa\/|from ['"]zod['"]|require\(['"]zod|['"]node:/);
    }
    expect(buildOutput).toMatch(/edge build [\d.]+ KB minified, [\d.]+ KB gzipped/);
  });

  it('loads as ESM and as CommonJS, and works without the monorepo', async () => {
    const esm = await import(join(dist, 'index.mjs'));
    const cjs = createRequire(import.meta.url)(join(dist, 'index.cjs'));
    for (const sdk of [esm, cjs]) {
      const kassa = new sdk.Kassa('sk_test_build000000000000000000000000');
      expect(kassa.paymentIntents).toBeDefined();
      expect(new sdk.default('sk_test_build000000000000000000000000')).toBeInstanceOf(sdk.Kassa);
      const payload = '{"id":"evt_1"}';
      const header = await kassa.webhooks.generateTestHeaderString({ payload, secret: 's' });
      expect((await kassa.webhooks.constructEvent(payload, header, 's')).id).toBe('evt_1');
      expect(new sdk.KassaCardError('x', { type: 'card_error' })).toBeInstanceOf(sdk.KassaError);
    }
  });
});
