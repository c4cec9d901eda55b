// bench/api: concurrent clients take card payments over HTTP — create (secret key), then the
// checkout's confirm with the card (publishable key + client secret) — against the API and the
// acquirer simulator, each its own process as `npm start` runs them, on a fresh embedded
// PostgreSQL with durable commits. Beside it, measured in the same run: one client alone (latency
// without queueing), the bare HTTP and SQL round-trip rates of this machine (the floor a payment
// made of 3 HTTP exchanges and its counted statements cannot beat), and bench/ledger's workload
// on the same database. The payments run twice, against two API processes on the same
// database: without risk scoring, then with the fraud service in the confirm path (FRAUD_URL),
// so the cost of scoring is read beside its own baseline. Not a test: no thresholds.
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
const fraudKey = randomBytes(32).toString('base64url');
const [apiPort, scoredApiPort, acquirerPort, fraudPort] = [
  await freePort(),
  await freePort(),
  await freePort(),
  await freePort(),
];
const plainApi = `http://127.0.0.1:${apiPort}`;
const scoredApi = `http://127.0.0.1:${scoredApiPort}`;
const acquirerUrl = `http://127.0.0.1:${acquirerPort}`;
const fraudUrl = `http://127.0.0.1:${fraudPort}`;
/** The API the payments go to: without scoring, then with it. */
let api = plainApi;

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
const fraud = await start(
  'fraud',
  '../../apps/workers/src/fraud/main.ts',
  {
    FRAUD_PORT: String(fraudPort),
    FRAUD_API_KEY: fraudKey,
    KASSA_BUS: 'postgres',
    DATABASE_POOL_MAX: '16',
  },
  `${fraudUrl}/readyz`,
);
const apiEnv = {
  DATABASE_POOL_MAX: '24',
  KASSA_SECRET_KEY: randomBytes(32).toString('base64url'),
  NEXTAUTH_SECRET: randomBytes(32).toString('base64url'),
  KASSA_VAULT_KEYS: newMasterKeySpec('kbench'),
  KASSA_VAULT_FINGERPRINT_KEY: randomBytes(32).toString('base64url'),
  ACQUIRER_URL: acquirerUrl,
  ACQUIRER_API_KEY: acquirerKey,
};
const plainProcess = await start(
  'api',
  '../../apps/api/src/main.ts',
  { ...apiEnv, API_PORT: String(apiPort) },
  `${plainApi}/readyz`,
);
// The same API with the fraud service in its confirm path (its own process, as in production).
const scoredProcess = await start(
  'api (scored)',
  '../../apps/api/src/main.ts',
  {
    ...apiEnv,
    API_PORT: String(scoredApiPort),
    FRAUD_URL: fraudUrl,
    FRAUD_API_KEY: fraudKey,
  },
  `${scoredApi}/readyz`,
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

/**
 * A new Visa number for every payment (valid Luhn; the simulator approves it): a shop's
 * shoppers pay with their own cards, and the default risk rule blocks the sixth payment of one
 * card in an hour.
 */
function newCard(): string {
  const digits = [4, ...Array.from({ length: 14 }, () => Math.floor(Math.random() * 10))];
  const sum = digits
    .slice()
    .reverse()
    .reduce((total, d, i) => total + (i % 2 === 0 ? (d * 2 > 9 ? d * 2 - 9 : d * 2) : d), 0);
  return [...digits, (10 - (sum % 10)) % 10].join('');
}
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
  const number = newCard();
  const confirmed = await trpc('checkout.paymentIntents.confirm', merchant.publishable, {
    client_secret: created.data?.client_secret,
    payment_method_data: {
      type: 'card',
      card: {
        number,
        exp_month: 12,
        exp_year: new Date().getUTCFullYear() + 5,
        cvc: '123',
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
  `  ${clients} concurrent clients, ${merchantCount} merchants, ${warmup} s warm-up, ${seconds} s measured, each card new; API, fraud service, acquirer simulator and this client are separate Node processes\n`,
);

/** One measured window against `base`: throughput, latency, CPU and SQL per payment. */
async function measure(label: string, base: string, apiProcess: ChildProcess) {
  api = base;
  await run(warmup);
  errors.clear();
  await db.pool.query('SELECT pg_stat_statements_reset()');
  const cpuBefore = {
    api: cpuSeconds(apiProcess.pid),
    acquirer: cpuSeconds(acquirer.pid),
    fraud: cpuSeconds(fraud.pid),
    postgres: postgresCpuSeconds(),
    client: process.cpuUsage(),
  };
  const measured = await run(seconds);
  const cpuShare = (before: number, after: number) =>
    fmt(((after - before) / measured.elapsed) * 100);
  const clientCpu = process.cpuUsage(cpuBefore.client);
  const confirmed = measured.latencies.length;
  console.log(label);
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
    `  CPU (of one core)  api ${cpuShare(cpuBefore.api, cpuSeconds(apiProcess.pid))}%, acquirer ${cpuShare(cpuBefore.acquirer, cpuSeconds(acquirer.pid))}%, fraud ${cpuShare(cpuBefore.fraud, cpuSeconds(fraud.pid))}%, postgres ${cpuShare(cpuBefore.postgres, postgresCpuSeconds())}%, client ${fmt(((clientCpu.user + clientCpu.system) / 1e6 / measured.elapsed) * 100)}%`,
  );
  // Statements the measured payments ran, by process: the simulator's touch its own schema, the
  // fraud service's the risk tables.
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
  const isRisk = (r: (typeof statements)[number]) =>
    /risk_observations|risk_amount_days|risk_list_items|bus_offsets|bus_members/.test(r.query) &&
    !r.query.includes('risk_assessments');
  const isControl = (r: (typeof statements)[number]) =>
    /^(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)/i.test(r.query.trim());
  const apiStatements = statements.filter((r) => !isAcquirer(r) && !isControl(r) && !isRisk(r));
  console.log(
    `  SQL per payment    api ${fmt(perPayment(apiStatements), 1)} statements, acquirer ${fmt(perPayment(statements.filter(isAcquirer)), 1)}, fraud service ${fmt(perPayment(statements.filter(isRisk)), 1)}, plus ${fmt(perPayment(statements.filter(isControl)), 1)} BEGIN/COMMIT (pg_stat_statements)`,
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
  return {
    rate: confirmed / measured.elapsed,
    p50: percentile(measured.latencies, 50),
    statements: perPayment(statements),
  };
}

const plain = await measure(
  'payments without risk scoring (create + confirm with the card: vault, acquirer over HTTP, one ledger sale entry, automatic capture)',
  plainApi,
  plainProcess,
);
const scored = await measure(
  'payments with risk scoring (the same, with the fraud service asked during confirm; its consumer keeps the features from the bus)',
  scoredApi,
  scoredProcess,
);
console.log(
  `scoring's cost, same run: ${fmt((1 - scored.rate / plain.rate) * 100, 1)}% fewer payments/s, confirm p50 +${fmt(scored.p50 - plain.p50, 1)} ms`,
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
const httpRate = await loop(clients, 3, async () =>
  (await fetch(`${plainApi}/healthz`)).arrayBuffer(),
);
const sqlRate = await loop(clients, 3, () => db.pool.query('SELECT $1::int', [1]));
const floor = (exchanges: number, statements: number) =>
  `${fmt(1 / (exchanges / httpRate + statements / sqlRate))}/s (${exchanges} bare HTTP exchanges + ${fmt(statements, 1)} bare statements, nothing else)`;
const baselines = `baselines, same run (${clients} concurrent loops, 3 s each)\n  bare HTTP          ${fmt(httpRate)} GET /healthz/s on the API process\n  bare SQL           ${fmt(sqlRate)} SELECT $1/s over a pool of 40\n  floor, unscored    ${floor(3, plain.statements)}\n  floor, scored      ${floor(4, scored.statements)}`;

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
