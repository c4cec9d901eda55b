// bench/api: concurrent clients take card payments over HTTP — create (secret key), then the
// checkout's confirm with the card (publishable key + client secret) — against the API and the
// acquirer simulator, each its own process as `npm start` runs them, on a fresh embedded
// PostgreSQL with durable commits. Beside it, measured in the same run: one client alone (latency
// without queueing), the bare HTTP and SQL round-trip rates of this machine (the floor a payment
// made of 3 HTTP exchanges and its counted statements cannot beat), and bench/ledger's workload
// on the same database. Not a test: no thresholds.
//
//   pnpm bench:api [--clients 32] [--seconds 15] [--warmup 3] [--merchants 16]
//   BENCH_STATEMENTS=25       also list the 25 most frequent SQL statements per payment
//   BENCH_CPU_PROFILE_DIR=dir write V8 CPU profiles of the API and simulator processes there
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { newId } from '@kassa/contracts';
import { createDatabaseClients, issueApiKey } from '@kassa/db';
import { freePort } from '@kassa/db/testing';
import { sealAll, verifyLedger } from '@kassa/ledger';
import { newMasterKeySpec } from '@kassa/vault';
import { ledgerWorkload } from '../ledger/workload.ts';
import { benchDatabase, fmt, option, percentile, runFor } from '../lib.ts';

const clients = option('clients', 32);
const seconds = option('seconds', 15);
const warmup = option('warmup', 3);
const merchantCount = option('merchants', 16);

const db = await benchDatabase({ statements: true });
const tsx = createRequire(import.meta.url).resolve('tsx');
const entry = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const acquirerKey = randomBytes(32).toString('base64url');
const [apiPort, acquirerPort] = [await freePort(), await freePort()];
const api = `http://127.0.0.1:${apiPort}`;
const acquirerUrl = `http://127.0.0.1:${acquirerPort}`;

const children: ChildProcess[] = [];
async function start(name: string, script: string, env: Record<string, string>, ready: string) {
  // BENCH_CPU_PROFILE_DIR: write a V8 CPU profile of each process there (open in DevTools).
  const profile = process.env.BENCH_CPU_PROFILE_DIR
    ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROFILE_DIR]
    : [];
  const child = spawn(process.execPath, [...profile, '--import', tsx, entry(script)], {
    env: { ...process.env, DATABASE_URL: db.url, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited`);
    if (Date.now() > deadline) throw new Error(`${name} did not start`);
    try {
      if ((await fetch(ready)).ok) return child;
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const acquirer = await start(
  'acquirer',
  '../../apps/acquirer-sim/src/main.ts',
  {
    ACQUIRER_PORT: String(acquirerPort),
    ACQUIRER_API_KEY: acquirerKey,
    DATABASE_POOL_MAX: '16',
  },
  `${acquirerUrl}/healthz`,
);
const apiProcess = await start(
  'api',
  '../../apps/api/src/main.ts',
  {
    API_PORT: String(apiPort),
    DATABASE_POOL_MAX: '24',
    KASSA_SECRET_KEY: randomBytes(32).toString('base64url'),
    NEXTAUTH_SECRET: randomBytes(32).toString('base64url'),
    KASSA_VAULT_KEYS: newMasterKeySpec('kbench'),
    KASSA_VAULT_FINGERPRINT_KEY: randomBytes(32).toString('base64url'),
    ACQUIRER_URL: acquirerUrl,
    ACQUIRER_API_KEY: acquirerKey,
  },
  `${api}/readyz`,
);

// Merchants, each with a secret and a publishable test key.
const clientsDb = createDatabaseClients(db.url, { poolMax: 2 });
const merchants: Array<{ secret: string; publishable: string }> = [];
for (let i = 0; i < merchantCount; i += 1) {
  const merchant = await clientsDb.prisma.merchant.create({
    data: { id: newId('merchant'), name: `Bench merchant ${i}` },
  });
  const key = (kind: 'secret' | 'publishable') =>
    issueApiKey(clientsDb.prisma, { merchantId: merchant.id, kind, mode: 'test' }).then(
      (k) => k.secret,
    );
  merchants.push({ secret: await key('secret'), publishable: await key('publishable') });
}
await clientsDb.close();

async function trpc(path: string, key: string, input: unknown) {
  const response = await fetch(`${api}/trpc/${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(input),
  });
  const body = (await response.json()) as { result?: { data: Record<string, unknown> } };
  return { status: response.status, data: body.result?.data };
}

const cards = ['4242424242424242', '5555555555554444', '378282246310005', '6011111111111117'];
const errors = new Map<string, number>();
const fail = (what: string) => errors.set(what, (errors.get(what) ?? 0) + 1);

async function onePayment(client: number, n: number) {
  const merchant = merchants[client % merchants.length] as (typeof merchants)[number];
  const created = await trpc('paymentIntents.create', merchant.secret, {
    amount: 1_000 + (n % 9_000),
    currency: 'usd',
  });
  if (created.status !== 200) return fail(`create ${created.status}`);
  const confirmStart = performance.now();
  const number = cards[n % cards.length] as string;
  const confirmed = await trpc('checkout.paymentIntents.confirm', merchant.publishable, {
    client_secret: created.data?.client_secret,
    payment_method_data: {
      type: 'card',
      card: {
        number,
        exp_month: 12,
        exp_year: new Date().getUTCFullYear() + 5,
        cvc: number.startsWith('37') ? '1234' : '123',
      },
    },
  });
  if (confirmed.status !== 200 || confirmed.data?.status !== 'succeeded') {
    return fail(`confirm ${confirmed.status}`);
  }
  return performance.now() - confirmStart;
}

/** CPU seconds (user + system) used so far by a process, from /proc (Linux). */
function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}
/** CPU seconds used so far by every PostgreSQL process on the machine (server and backends). */
function postgresCpuSeconds(): number {
  let total = 0;
  try {
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        if (command.startsWith('postgres:') || command.split('\0')[0]?.endsWith('/bin/postgres')) {
          total += cpuSeconds(Number(pid));
        }
      } catch {}
    }
  } catch {
    return Number.NaN;
  }
  return total;
}

async function run(durationSeconds: number, concurrency = clients) {
  const latencies: number[] = [];
  const payments: number[] = [];
  let n = 0;
  const { elapsed } = await runFor(concurrency, durationSeconds, async (client) => {
    const t = performance.now();
    const confirmMs = await onePayment(client, n++);
    if (typeof confirmMs === 'number') {
      latencies.push(confirmMs);
      payments.push(performance.now() - t);
    }
  });
  return { latencies, payments, elapsed };
}

console.log('bench/api');
console.log(`  ${db.settings}`);
console.log(
  `  ${clients} concurrent clients, ${merchantCount} merchants, ${warmup} s warm-up, ${seconds} s measured; API, acquirer simulator and this client are separate Node processes\n`,
);
await run(warmup);
errors.clear();
await db.pool.query('SELECT pg_stat_statements_reset()');
const cpuBefore = {
  api: cpuSeconds(apiProcess.pid),
  acquirer: cpuSeconds(acquirer.pid),
  postgres: postgresCpuSeconds(),
  client: process.cpuUsage(),
};
const measured = await run(seconds);
const cpuShare = (before: number, after: number) =>
  fmt(((after - before) / measured.elapsed) * 100);
const clientCpu = process.cpuUsage(cpuBefore.client);
const confirmed = measured.latencies.length;

console.log(
  'payments (create + confirm with the card: vault, acquirer over HTTP, one ledger sale entry, automatic capture)',
);
console.log(
  `  confirmed/s        ${fmt(confirmed / measured.elapsed)}   (${fmt(confirmed)} in ${fmt(measured.elapsed, 1)} s)`,
);
console.log(
  `  confirm latency    p50 ${fmt(percentile(measured.latencies, 50), 1)} ms, p99 ${fmt(percentile(measured.latencies, 99), 1)} ms`,
);
console.log(
  `  payment latency    p50 ${fmt(percentile(measured.payments, 50), 1)} ms, p99 ${fmt(percentile(measured.payments, 99), 1)} ms (create + confirm)`,
);
console.log(
  `  failures           ${errors.size === 0 ? 'none' : [...errors].map(([k, v]) => `${k} ×${v}`).join(', ')}`,
);
console.log(
  `  CPU (of one core)  api ${cpuShare(cpuBefore.api, cpuSeconds(apiProcess.pid))}%, acquirer ${cpuShare(cpuBefore.acquirer, cpuSeconds(acquirer.pid))}%, postgres ${cpuShare(cpuBefore.postgres, postgresCpuSeconds())}%, client ${fmt(((clientCpu.user + clientCpu.system) / 1e6 / measured.elapsed) * 100)}%`,
);

// Statements the measured payments ran, by process: the simulator's touch its own schema.
const statements = (
  await db.pool.query<{ query: string; calls: string; ms: number }>(
    `SELECT query, calls::text, total_exec_time AS ms FROM pg_stat_statements
      WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND query NOT LIKE '%pg_stat_statements%'
      ORDER BY calls DESC`,
  )
).rows;
const perPayment = (rows: typeof statements) =>
  rows.reduce((sum, r) => sum + Number(r.calls), 0) / Math.max(1, confirmed);
const isAcquirer = (r: (typeof statements)[number]) => r.query.includes('acquirer_sim');
const isControl = (r: (typeof statements)[number]) =>
  /^(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)/i.test(r.query.trim());
console.log(
  `  SQL per payment    api ${fmt(perPayment(statements.filter((r) => !isAcquirer(r) && !isControl(r))), 1)} statements, acquirer ${fmt(perPayment(statements.filter(isAcquirer)), 1)}, plus ${fmt(perPayment(statements.filter(isControl)), 1)} BEGIN/COMMIT of both (pg_stat_statements)`,
);
if (process.env.BENCH_STATEMENTS) {
  for (const r of statements.slice(0, Number(process.env.BENCH_STATEMENTS) || 25)) {
    console.log(
      `    ${fmt(Number(r.calls) / Math.max(1, confirmed), 2).padStart(6)}/payment ${fmt(r.ms / Number(r.calls), 3).padStart(7)} ms  ${r.query.replace(/\s+/g, ' ').slice(0, 110)}`,
    );
  }
}

// The same payment with nobody else on the machine: its latency without queueing.
const alone = await run(Math.min(5, seconds), 1);
console.log(
  `  one client alone   confirm p50 ${fmt(percentile(alone.latencies, 50), 1)} ms, p99 ${fmt(percentile(alone.latencies, 99), 1)} ms; ${fmt(alone.latencies.length / alone.elapsed)} confirmed/s`,
);

// Floors measured on this machine in this run: what the bare round trips a payment is made of
// cost, with no work behind them. A payment needs 3 HTTP exchanges (create, confirm, the
// acquirer call) and the SQL statements counted above.
async function loop(concurrency: number, durationSeconds: number, work: () => Promise<unknown>) {
  const { latencies, elapsed } = await runFor(concurrency, durationSeconds, async () => {
    await work();
  });
  return latencies.length / elapsed;
}
const httpRate = await loop(clients, 3, async () => (await fetch(`${api}/healthz`)).arrayBuffer());
const sqlRate = await loop(clients, 3, () => db.pool.query('SELECT $1::int', [1]));
const statementsPerPayment = perPayment(statements);
const baselines = `baselines, same run (${clients} concurrent loops, 3 s each)\n  bare HTTP          ${fmt(httpRate)} GET /healthz/s on the API process\n  bare SQL           ${fmt(sqlRate)} SELECT $1/s over a pool of 40\n  floor for a payment ${fmt(1 / (3 / httpRate + statementsPerPayment / sqlRate))}/s: 3 bare HTTP exchanges + ${fmt(statementsPerPayment, 1)} bare statements, nothing else`;

for (const child of children) child.kill('SIGTERM');
await Promise.all(children.map((c) => new Promise((resolve) => c.once('exit', resolve))));

await sealAll(db.pool);
const verifyStart = performance.now();
const report = await verifyLedger(db.pool);
const [counts] = (
  await db.pool.query<{ succeeded: string; authorizations: string }>(
    `SELECT (SELECT count(*) FROM payment_intents WHERE status = 'succeeded') AS succeeded,
            (SELECT count(*) FROM acquirer_sim.authorizations) AS authorizations`,
  )
).rows;
console.log(
  `  check              ${counts?.succeeded} payments succeeded in the database, ${counts?.authorizations} authorizations at the acquirer; kassa ledger verify ${report.ok ? 'OK' : `FAILED (${report.problems[0]?.message})`} (${fmt(report.events)} events, ${fmt((performance.now() - verifyStart) / 1000, 1)} s)`,
);

console.log(baselines);
const ledger = await ledgerWorkload(db.pool, {
  writers: 8,
  batch: 250,
  seconds: 5,
  merchants: 200,
});
console.log(
  'bench/ledger workload on the same database, same run (8 writers, 250 entries per transaction)',
);
console.log(
  `  entries/s          ${fmt(ledger.entriesPerSecond)}   postings/s ${fmt(ledger.postingsPerSecond)}   (${fmt(ledger.sustained)} entries/s appended and sealed)`,
);
await db.close();
