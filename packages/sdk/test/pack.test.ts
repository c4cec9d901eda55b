import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { useApiProcess } from '@kassa/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The package as npm users get it: packed (the publishConfig applied, the build run by
// prepack), installed into a fresh project outside the monorepo, and the README's quick start
// run there with plain Node against the real API. A TypeScript file typechecks against the
// installed declarations.
const root = fileURLToPath(new URL('..', import.meta.url));
const repo = fileURLToPath(new URL('../../..', import.meta.url));
const { env } = useApiProcess();
let project: string;

/** pnpm: on PATH (as `npm test` provides it), or the copy bootstrap keeps in .kassa/tools. */
function pnpm(): string {
  if (spawnSync('pnpm', ['--version']).status === 0) return 'pnpm';
  const version = (
    createRequire(import.meta.url)(`${repo}package.json`) as { packageManager: string }
  ).packageManager.replace(/^pnpm@/, '');
  return join(repo, '.kassa', 'tools', `pnpm-${version}`, 'node_modules', '.bin', 'pnpm');
}

beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), 'kassa-sdk-consumer-'));
  execFileSync(pnpm(), ['pack', '--pack-destination', project], { cwd: root, stdio: 'pipe' });
  const tarball = (await readdir(project)).find((f) => f.endsWith('.tgz')) as string;
  await writeFile(
    join(project, 'package.json'),
    JSON.stringify({ name: 'merchant-app', private: true, type: 'module' }),
  );
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--offline', `./${tarball}`], {
    cwd: project,
    stdio: 'pipe',
  });
}, 180_000);

afterAll(async () => {
  await rm(project, { recursive: true, force: true });
});

describe('the packed SDK in a project of its own', () => {
  it('runs the quick start with plain Node (ESM and CommonJS)', async () => {
    await writeFile(
      join(project, 'quickstart.mjs'),
      `import Kassa from '@kassa/sdk';
const kassa = new Kassa(process.env.KASSA_SECRET_KEY, { baseUrl: process.env.KASSA_API_URL });
const payment = await kassa.paymentIntents.create(
  { amount: 1999, currency: 'eur', metadata: { order: '1042' } },
  { idempotencyKey: 'order-1042' },
);
console.log(JSON.stringify({ id: payment.id, status: payment.status }));
`,
    );
    await writeFile(
      join(project, 'quickstart.cjs'),
      `const { Kassa } = require('@kassa/sdk');
new Kassa(process.env.KASSA_SECRET_KEY, { baseUrl: process.env.KASSA_API_URL })
  .balance.retrieve().then((b) => console.log(JSON.stringify(b)));
`,
    );
    // Asynchronously: the API answering it runs in this very process.
    const run = async (file: string) =>
      (
        await promisify(execFile)(process.execPath, [file], {
          cwd: project,
          encoding: 'utf8',
          env: {
            PATH: process.env.PATH,
            NODE_ENV: 'production',
            KASSA_SECRET_KEY: env.merchant.secretKey,
            KASSA_API_URL: env.base,
          },
        })
      ).stdout;
    expect(JSON.parse(await run('quickstart.mjs'))).toMatchObject({
      id: expect.stringMatching(/^pi_/),
      status: 'requires_payment_method',
    });
    expect(JSON.parse(await run('quickstart.cjs'))).toMatchObject({ object: 'balance' });
  });

  it('typechecks a TypeScript integration against the installed declarations', async () => {
    await writeFile(
      join(project, 'integration.ts'),
      `import Kassa, { KassaCardError, type PaymentIntent } from '@kassa/sdk';
const kassa = new Kassa('sk_test_x');
export async function pay(): Promise<PaymentIntent['status']> {
  try {
    const pi = await kassa.paymentIntents.create({ amount: 100, currency: 'eur' });
    for await (const refund of kassa.refunds.list({ payment_intent: pi.id })) refund.amount.toFixed();
    return pi.status;
  } catch (error) {
    if (error instanceof KassaCardError) return 'requires_payment_method';
    throw error;
  }
}
// @ts-expect-error amount is a number of minor units
kassa.paymentIntents.create({ amount: '1.00', currency: 'eur' });
`,
    );
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    const result = spawnSync(
      process.execPath,
      [
        tsc,
        '--noEmit',
        '--strict',
        '--module',
        'nodenext',
        '--moduleResolution',
        'nodenext',
        '--target',
        'es2022',
        '--lib',
        'es2022,dom',
        'integration.ts',
      ],
      { cwd: project, encoding: 'utf8' },
    );
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
