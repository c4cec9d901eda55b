import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { hashApiKey } from '@kassa/db';
import { scratchDataDir } from '@kassa/db/testing';
import { testCard } from '@kassa/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanUpDev, devEnv, startKassa } from './run-cli.ts';

let dataDir: string;
let env: Record<string, string>;

beforeAll(async () => {
  dataDir = await scratchDataDir('kassa-dev-');
  env = await devEnv(dataDir);
});

afterAll(() => cleanUpDev(dataDir, started));

const started: Array<ReturnType<typeof startKassa>> = [];
function startDev() {
  const kassa = startKassa(['dev'], env);
  started.push(kassa);
  return kassa;
}

function keysIn(output: string) {
  return {
    secret: /Secret key\s+(sk_test_\w+)/.exec(output)?.[1],
    publishable: /Publishable key\s+(pk_test_\w+)/.exec(output)?.[1],
  };
}

/** Starts kassa dev and returns it with the pids of the API and acquirer processes it supervises. */
async function startDevAndFindApi() {
  const kassa = startDev();
  await kassa.waitFor('Press Ctrl-C to stop.');
  const pid = (script: string) =>
    Number(
      execFileSync('pgrep', ['-f', '-P', String(kassa.child.pid), script], {
        encoding: 'utf8',
      }).trim(),
    );
  return {
    kassa,
    apiPid: pid('api/src/main.ts'),
    acquirerPid: pid('acquirer-sim/src/main.ts'),
    webhooksPid: pid('workers/src/webhooks/main.ts'),
    checkoutPid: pid('checkout/scripts/run-next.mjs'),
  };
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function stop(kassa: ReturnType<typeof startKassa>) {
  const exited = once(kassa.child, 'exit');
  kassa.interrupt();
  const [code] = await exited;
  return code;
}

describe('kassa dev (npm start)', () => {
  let firstKeys: ReturnType<typeof keysIn>;
  let firstPassword: string | undefined;

  it('on first start creates and migrates the embedded database, seeds, starts the API, prints URLs and keys', async () => {
    const kassa = startDev();
    const output = await kassa.waitFor('Press Ctrl-C to stop.');
    const api = `http://127.0.0.1:${env.API_PORT}`;

    expect(output).toContain('initialising embedded PostgreSQL');
    expect(output).toContain('applying migration');
    expect(output).toContain(`API              ${api}`);
    expect(output).toContain(', created now');
    firstKeys = keysIn(output);
    expect(firstKeys.secret).toMatch(/^sk_test_[0-9A-Za-z]{32}$/);
    expect(firstKeys.publishable).toMatch(/^pk_test_[0-9A-Za-z]{32}$/);

    const ready = await fetch(`${api}/readyz`);
    expect(ready.status).toBe(200);
    const acquirer = `http://127.0.0.1:${env.ACQUIRER_PORT}`;
    expect(output).toContain(`Acquirer (sim)   ${acquirer}`);
    expect((await fetch(`${acquirer}/healthz`)).status).toBe(200);

    // The printed keys are the ones stored (as hashes) in the database the API uses.
    const credentials = JSON.parse(
      await readFile(join(dataDir, 'postgres.credentials.json'), 'utf8'),
    );
    const client = new pg.Client({
      connectionString: `postgresql://${credentials.user}:${credentials.password}@127.0.0.1:${env.KASSA_EMBEDDED_PG_PORT}/kassa`,
    });
    await client.connect();
    const { rows } = await client.query(
      'SELECT kind, mode, prefix, hash FROM api_keys ORDER BY kind::text',
    );
    await client.end();
    expect(rows).toEqual([
      {
        kind: 'publishable',
        mode: 'test',
        prefix: firstKeys.publishable?.slice(0, 14),
        hash: hashApiKey(firstKeys.publishable as string),
      },
      {
        kind: 'secret',
        mode: 'test',
        prefix: firstKeys.secret?.slice(0, 14),
        hash: hashApiKey(firstKeys.secret as string),
      },
    ]);

    // A payment through the running platform: the demo keys, the API, the vault, the simulator.
    const trpc = async (path: string, key: string, input: unknown) => {
      const response = await fetch(`${api}/trpc/${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(input),
      });
      return (await response.json()) as { result?: { data: Record<string, string> } };
    };
    // A webhook endpoint of the merchant's, which the webhooks worker under kassa dev delivers to.
    const deliveries: Array<{ signature: string; type: string }> = [];
    const receiver = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => {
        body += chunk;
      });
      request.on('end', () => {
        deliveries.push({
          signature: String(request.headers['kassa-signature']),
          type: JSON.parse(body).type,
        });
        response.writeHead(200).end();
      });
    });
    receiver.listen(0, '127.0.0.1');
    await once(receiver, 'listening');
    const hook = await trpc('webhookEndpoints.create', firstKeys.secret as string, {
      url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`,
      enabled_events: ['payment_intent.succeeded'],
    });
    expect(hook.result?.data.secret).toMatch(/^whsec_/);

    const created = await trpc('paymentIntents.create', firstKeys.secret as string, {
      amount: 1_999,
      currency: 'eur',
    });
    const paid = await trpc('checkout.paymentIntents.confirm', firstKeys.publishable as string, {
      client_secret: created.result?.data.client_secret,
      payment_method_data: testCard(),
    });
    expect(paid.result?.data).toMatchObject({ id: created.result?.data.id, status: 'succeeded' });
    while (deliveries.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(deliveries[0]).toMatchObject({
      type: 'payment_intent.succeeded',
      signature: expect.stringMatching(/^t=\d+,v1=[0-9a-f]{64}$/),
    });
    receiver.close();

    // The hosted checkout runs too: a session's page shows its order.
    const session = await trpc('checkoutSessions.create', firstKeys.secret as string, {
      amount: 4_200,
      currency: 'eur',
      success_url: 'https://shop.example/thanks',
      cancel_url: 'https://shop.example/cart',
    });
    expect(session.result?.data.url).toBe(`${env.CHECKOUT_URL}/pay/${session.result?.data.id}`);
    const pay = await fetch(session.result?.data.url as string);
    expect(pay.status).toBe(200);
    expect(await pay.text()).toContain('€42.00');
    expect(output).toContain(`Checkout         ${env.CHECKOUT_URL}/pay/`);

    // The dashboard runs too, and the demo owner signs in with the password the banner shows.
    const password = demoPassword(output);
    firstPassword = password;
    expect(output).toContain(`Dashboard        ${env.DASHBOARD_URL}`);
    expect(password).toMatch(/^[A-Za-z0-9]{5}(-[A-Za-z0-9]{5}){3}$/);
    const home = await signInToDashboard(
      env.DASHBOARD_URL as string,
      'owner@demo.kassa.test',
      password as string,
    );
    expect(home).toContain('Demo Merchant');

    // Ctrl-C stops the API, then the database, and exits cleanly.
    expect(await stop(kassa)).toBe(0);
    expect(kassa.output()).toContain('Kassa stopped.');
    // The API got exactly one signal (from kassa, not also from the terminal) and drained.
    expect(kassa.output()).toContain('shut down cleanly');
    expect(kassa.output()).not.toMatch(/second SIG\w+, exiting/);
    expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
    expect(
      await fetch(`${api}/healthz`).then(
        () => 'up',
        () => 'down',
      ),
    ).toBe('down');
  });

  it('on the next start keeps the data: no migration, no new merchant, the same keys', async () => {
    const kassa = startDev();
    const output = await kassa.waitFor('Press Ctrl-C to stop.');

    expect(output).not.toContain('initialising embedded PostgreSQL');
    expect(output).not.toContain('applying migration');
    expect(output).not.toContain('created now');
    expect(keysIn(output)).toEqual(firstKeys);
    expect(demoPassword(output)).toBe(firstPassword);
    expect(await stop(kassa)).toBe(0);
  });

  it('stops everything and exits non-zero when a process dies', async () => {
    const { kassa, apiPid } = await startDevAndFindApi();
    const exited = once(kassa.child, 'exit');
    process.kill(apiPid, 'SIGKILL');
    const [code] = await exited;

    expect(code).toBe(1);
    expect(kassa.output()).toContain('api exited unexpectedly (SIGKILL); stopping Kassa.');
    expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
  });

  it('if kassa itself is killed outright, the processes it started shut down too', async () => {
    const { kassa, apiPid, acquirerPid, webhooksPid, checkoutPid } = await startDevAndFindApi();
    kassa.child.kill('SIGKILL');
    while ([apiPid, acquirerPid, webhooksPid, checkoutPid].some(isAlive)) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // PostgreSQL, in its own process group, outlives a SIGKILL of its owner; the next start
    // recovers the folder (packages/db/test/embedded.test.ts). Last test here: stop it now.
    const pidFile = join(dataDir, 'postgres', 'postmaster.pid');
    const postmaster = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
    process.kill(postmaster, 'SIGINT');
    while (existsSync(pidFile)) await new Promise((resolve) => setTimeout(resolve, 100));
  });
});

/**
 * Signs in as a browser would, through next-auth's own endpoints (its CSRF token, then the
 * credentials callback), and returns the home page's HTML under that session.
 */
async function signInToDashboard(base: string, email: string, password: string) {
  const jar = new Map<string, string>();
  const keep = (response: Response) => {
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = ''] = cookie.split(';');
      const [name = '', ...value] = pair.split('=');
      jar.set(name, value.join('='));
    }
  };
  const cookie = () => [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
  const csrf = await fetch(`${base}/api/auth/csrf`);
  keep(csrf);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const signIn = await fetch(`${base}/api/auth/callback/credentials`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookie() },
    body: new URLSearchParams({ csrfToken, email, password, json: 'true' }),
  });
  keep(signIn);
  expect(jar.has('next-auth.session-token'), 'signed in').toBe(true);
  const home = await fetch(`${base}/`, { headers: { cookie: cookie() }, redirect: 'manual' });
  expect(home.status).toBe(200);
  return home.text();
}

/** The demo owner's dashboard password as the banner prints it. */
const demoPassword = (output: string) =>
  /Dashboard +\S+ +\(sign in as owner@demo\.kassa\.test, password (\S+);/.exec(output)?.[1];
