import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { useTestDatabase } from '@kassa/db/testing';
import { describe, expect, it } from 'vitest';

const db = useTestDatabase();
const tsx = createRequire(import.meta.url).resolve('tsx');

describe('graceful shutdown', () => {
  it('on SIGTERM stops accepting, finishes the in-flight request, closes the pool, exits 0', async () => {
    const child = spawn(
      process.execPath,
      ['--import', tsx, join(import.meta.dirname, 'fixtures', 'api-process.ts')],
      {
        env: { ...process.env, DATABASE_URL: db.current.url },
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    const logs: Array<{ msg?: string; port?: number }> = [];
    const waiters: Array<{ msg: string; resolve: () => void }> = [];
    /** Resolves once the process has logged `msg` (at once if it already has). */
    const logged = (msg: string) =>
      new Promise<void>((resolve) => {
        if (logs.some((l) => l.msg === msg)) resolve();
        else waiters.push({ msg, resolve });
      });
    const listening = new Promise<number>((resolve) => {
      lines.on('line', (line) => {
        const entry = JSON.parse(line);
        logs.push(entry);
        if (entry.port) resolve(entry.port);
        for (const w of waiters) if (w.msg === entry.msg) w.resolve();
      });
    });
    const exited = once(child, 'exit');
    const base = `http://127.0.0.1:${await listening}`;

    const inFlight = fetch(`${base}/test/slow`).then(async (r) => ({
      status: r.status,
      body: await r.json(),
    }));
    await logged('slow request started');
    child.kill('SIGTERM');
    await logged('closing');
    // While closing, a new connection is refused (or answered 503), never served.
    const late = await fetch(`${base}/healthz`).then(
      (r) => r.status,
      () => 'refused' as const,
    );
    child.stdin?.write('release\n');

    expect(await inFlight).toEqual({ status: 200, body: { finished: true, db: 1 } });
    expect([503, 'refused']).toContain(late);
    const [code] = await exited;
    expect({ code, logs: code === 0 ? [] : logs }).toEqual({ code: 0, logs: [] });
    const messages = logs.map((l) => l.msg);
    expect(messages).toContain('shutting down: finishing in-flight requests');
    expect(messages).not.toContain('second SIGTERM, exiting');
    // The slow request used the pool at its very end (db: 1 above); the pool closed after it,
    // then the process said goodbye.
    expect(messages.indexOf('database pool closed')).toBeGreaterThan(
      messages.indexOf('shutting down: finishing in-flight requests'),
    );
    expect(messages.at(-1)).toBe('shut down cleanly');
  });
});
