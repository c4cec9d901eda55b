import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from '../src/embedded.ts';
import { freePort, scratchDataDir } from '../src/testing/index.ts';

const fixture = join(import.meta.dirname, 'fixtures', 'embedded-process.ts');
const tsx = createRequire(import.meta.url).resolve('tsx');

let dataDir: string;
let port: number;
const children: ChildProcess[] = [];

interface Report {
  pid: number;
  role: 'owner' | 'guest';
  ownerPid: number;
}

/** Starts the fixture process and resolves with the line it prints once it holds the database. */
function spawnFixture(): { child: ChildProcess; report: Promise<Report> } {
  const child = spawn(process.execPath, ['--import', tsx, fixture, dataDir, String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const report = new Promise<Report>((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', (line) =>
      resolve(JSON.parse(line) as Report),
    );
    child.once('exit', (code) => reject(new Error(`fixture exited with ${code}: ${stderr}`)));
  });
  return { child, report };
}

/**
 * The fixture, started again on another port when another process (a test database of another
 * package, started at the same moment) took the one freePort chose before PostgreSQL bound it.
 */
function startProcess(): { readonly child: ChildProcess; report: Promise<Report> } {
  let current = spawnFixture();
  const report = (async () => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await current.report;
      } catch (error) {
        if (attempt >= 3 || !String(error).includes('is in use')) throw error;
        port = await freePort();
        current = spawnFixture();
      }
    }
  })();
  return {
    get child() {
      return current.child;
    },
    report,
  };
}

async function visitors(url: string): Promise<Array<{ pid: number; role: string }>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query('SELECT pid, role FROM visitors ORDER BY role')).rows;
  } finally {
    await client.end();
  }
}

beforeEach(async () => {
  dataDir = await scratchDataDir();
  port = await freePort();
});

afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  }
  await rm(dataDir, { recursive: true, force: true });
});

// Each test starts, kills and restarts real PostgreSQL servers and processes: on CI's two loaded
// cores some take close to 30 s. The limit only stops a hang.
describe('embedded PostgreSQL', { timeout: 120_000 }, () => {
  it('keeps its data and credentials across restarts', async () => {
    const first = await startEmbeddedPostgres({ dataDir, port });
    expect(first.role).toBe('owner');
    const client = new pg.Client({ connectionString: first.url('postgres') });
    await client.connect();
    await client.query('CREATE TABLE kept (note text)');
    await client.query("INSERT INTO kept VALUES ('still here')");
    await client.end();
    await first.stop();
    expect(existsSync(join(dataDir, 'postgres.owner.json'))).toBe(false);

    const second = await startEmbeddedPostgres({ dataDir, port });
    try {
      expect(second.password).toBe(first.password);
      const again = new pg.Client({ connectionString: second.url('postgres') });
      await again.connect();
      expect((await again.query('SELECT note FROM kept')).rows).toEqual([{ note: 'still here' }]);
      await again.end();
    } finally {
      await second.stop();
    }
    const credentials = JSON.parse(
      await readFile(join(dataDir, 'postgres.credentials.json'), 'utf8'),
    );
    expect(credentials.initialised).toBe(true);
  });

  it('says which port is taken when it cannot listen, and leaves nothing running', async () => {
    const squatter = createServer().listen(port, '127.0.0.1');
    await once(squatter, 'listening');
    try {
      const error = await startEmbeddedPostgres({ dataDir, port }).catch((e: unknown) => e);
      expect((error as Error).message).toContain(
        `Port ${port} is in use; set KASSA_EMBEDDED_PG_PORT to a free port.`,
      );
      expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
      expect(existsSync(join(dataDir, 'postgres.lock'))).toBe(false);
    } finally {
      squatter.close();
    }
  });

  it('two processes started at once on one folder share one server: one owns it, one joins', async () => {
    const a = startProcess();
    const b = startProcess();
    const reports = await Promise.all([a.report, b.report]);

    expect(reports.map((r) => r.role).sort()).toEqual(['guest', 'owner']);
    const owner = reports.find((r) => r.role === 'owner') as Report;
    expect(reports.every((r) => r.ownerPid === owner.pid)).toBe(true);

    // Both wrote through the same server; stop both, then the folder still opens cleanly.
    const ownerChild = owner.pid === a.child.pid ? a.child : b.child;
    const guestChild = ownerChild === a.child ? b.child : a.child;
    guestChild.kill('SIGTERM');
    await once(guestChild, 'exit');
    ownerChild.kill('SIGTERM');
    await once(ownerChild, 'exit');

    const reopened = await startEmbeddedPostgres({ dataDir, port });
    try {
      expect(await visitors(reopened.url('kassa'))).toEqual([
        { pid: reports.find((r) => r.role === 'guest')?.pid, role: 'guest' },
        { pid: owner.pid, role: 'owner' },
      ]);
    } finally {
      await reopened.stop();
    }
  });

  it('joins, and does not stop, the server of an owner that is alive but missed its heartbeat', async () => {
    const stalled = startProcess();
    const report = await stalled.report;
    const postmasterPid = Number(
      (await readFile(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8')).split('\n')[0],
    );
    stalled.child.kill('SIGSTOP'); // suspended: no heartbeat, but its PostgreSQL still runs
    await new Promise((resolve) => setTimeout(resolve, 2500)); // its lock is now stale
    const logs: string[] = [];
    try {
      const second = await startEmbeddedPostgres({
        dataDir,
        port,
        lockStaleMs: 2000,
        log: (m) => logs.push(m),
      });
      expect(logs.join('\n')).toContain(
        `process ${report.pid} missed its lock heartbeat but is alive`,
      );
      expect(second.role).toBe('guest');
      expect(second.ownerPid).toBe(report.pid);
      expect(await visitors(second.url('kassa'))).toEqual([{ pid: report.pid, role: 'owner' }]);
      expect(() => process.kill(postmasterPid, 0)).not.toThrow();
    } finally {
      stalled.child.kill('SIGCONT');
    }
    // Resumed, the owner still stops its server cleanly although its lock was taken over.
    stalled.child.kill('SIGTERM');
    const [code] = await once(stalled.child, 'exit');
    expect(code).toBe(0);
    expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
  });

  it('recovers the folder after its owner was killed, stopping the PostgreSQL it left running', async () => {
    const crashed = startProcess();
    const report = await crashed.report;
    crashed.child.kill('SIGKILL');
    await once(crashed.child, 'exit');
    const postmasterPid = Number(
      (await readFile(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8')).split('\n')[0],
    );
    expect(() => process.kill(postmasterPid, 0)).not.toThrow(); // orphaned, still running

    const next = await startEmbeddedPostgres({ dataDir, port, lockStaleMs: 3000 });
    try {
      expect(next.role).toBe('owner');
      expect(() => process.kill(postmasterPid, 0)).toThrow(); // the orphan was shut down
      expect(await visitors(next.url('kassa'))).toEqual([{ pid: report.pid, role: 'owner' }]);
    } finally {
      await next.stop();
    }
  });
});
