import { query, withTransaction } from '@kassa/db';
import { useTestDatabase } from '@kassa/db/testing';
import { describe, expect, it } from 'vitest';
import {
  appendToStream,
  canonicalEvent,
  chainHash,
  GENESIS_HASH,
  IdempotencyConflictError,
  InvalidEventError,
  readLog,
  readStream,
  StreamVersionConflictError,
  sealAll,
} from '../src/index.ts';

const db = useTestDatabase();
const created = (n: number) => ({ type: 'thing.created', data: { n } });

async function append(input: Parameters<typeof appendToStream>[1]) {
  return withTransaction(db.current.pool, (tx) => appendToStream(tx, input));
}

async function count(table: string): Promise<number> {
  const [row] = await query<{ n: bigint }>(
    db.current.pool,
    `SELECT count(*)::bigint AS n FROM ${table}`,
  );
  return Number(row?.n);
}

describe('appending', () => {
  it('numbers a stream 1, 2, 3... and reads it back in order', async () => {
    const first = await append({
      stream: 'thing:a',
      expectedVersion: 'no_stream',
      events: [created(1), created(2)],
      merchantId: 'mch_x',
    });
    const second = await append({
      stream: 'thing:a',
      expectedVersion: 2,
      events: [created(3)],
      merchantId: 'mch_x',
    });

    expect(first.events.map((e) => e.version)).toEqual([1, 2]);
    expect(second.version).toBe(3);
    expect(first.events[0]?.id).toMatch(/^evt_[0-9A-Za-z]{24}$/);
    const events = await readStream(db.current.pool, 'thing:a');
    expect(events.map((e) => [e.version, e.data.n, e.merchantId])).toEqual([
      [1, 1, 'mch_x'],
      [2, 2, 'mch_x'],
      [3, 3, 'mch_x'],
    ]);
  });

  it('refuses a stale expected version and writes nothing', async () => {
    await append({ stream: 'thing:b', expectedVersion: 'no_stream', events: [created(1)] });
    const before = await count('ledger_events');

    await expect(
      append({ stream: 'thing:b', expectedVersion: 0, events: [created(2)] }),
    ).rejects.toBeInstanceOf(StreamVersionConflictError);
    await expect(
      append({ stream: 'thing:b', expectedVersion: 5, events: [created(2)] }),
    ).rejects.toMatchObject({
      code: 'stream_version_conflict',
    });
    await expect(
      append({ stream: 'thing:b', expectedVersion: 'no_stream', events: [created(2)] }),
    ).rejects.toBeInstanceOf(StreamVersionConflictError);
    expect(await count('ledger_events')).toBe(before);
  });

  it('lets exactly one of many concurrent writers with the same expected version through', async () => {
    await append({ stream: 'thing:race', expectedVersion: 'no_stream', events: [created(0)] });
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) =>
        append({ stream: 'thing:race', expectedVersion: 1, events: [created(i)] }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((r) => r.status === 'rejected')) {
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(StreamVersionConflictError);
    }
    expect((await readStream(db.current.pool, 'thing:race')).map((e) => e.version)).toEqual([1, 2]);
  });

  it('rejects malformed streams, types and empty appends', async () => {
    for (const input of [
      { stream: 'no-kind', expectedVersion: 'any' as const, events: [created(1)] },
      {
        stream: 'thing:c',
        expectedVersion: 'any' as const,
        events: [{ type: 'Created', data: {} }],
      },
      { stream: 'thing:c', expectedVersion: 'any' as const, events: [] },
      { stream: 'thing:c', expectedVersion: -1, events: [created(1)] },
    ]) {
      await expect(append(input)).rejects.toBeInstanceOf(InvalidEventError);
    }
  });
});

describe('idempotent appends', () => {
  it('returns the first result for a repeated key and writes nothing more', async () => {
    const input = {
      stream: 'thing:idem',
      expectedVersion: 'any' as const,
      events: [created(1)],
      idempotencyKey: 'k-1',
    };
    const first = await append(input);
    const before = await count('ledger_events');
    const again = await append(input);

    expect(again.replayed).toBe(true);
    expect({ ...again, replayed: false }).toEqual(first);
    expect(await count('ledger_events')).toBe(before);
    const [event] = await readStream(db.current.pool, 'thing:idem');
    expect(event?.metadata.idempotencyKey).toBe('k-1');
  });

  it('fails with a typed conflict when the same key comes with different content', async () => {
    await append({
      stream: 'thing:idem2',
      expectedVersion: 'any',
      events: [created(1)],
      idempotencyKey: 'k-2',
    });
    await expect(
      append({
        stream: 'thing:idem2',
        expectedVersion: 'any',
        events: [created(2)],
        idempotencyKey: 'k-2',
      }),
    ).rejects.toBeInstanceOf(IdempotencyConflictError);
  });

  it('appends once when many requests with one key arrive at the same time', async () => {
    const input = {
      stream: 'thing:idem3',
      expectedVersion: 'any' as const,
      events: [created(7)],
      idempotencyKey: 'k-3',
    };
    const results = await Promise.all(Array.from({ length: 20 }, () => append(input)));

    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
    expect(new Set(results.map((r) => JSON.stringify(r.events))).size).toBe(1);
    expect(await readStream(db.current.pool, 'thing:idem3')).toHaveLength(1);
  });
});

describe('immutability', () => {
  it('the database itself refuses UPDATE, DELETE and TRUNCATE on the log and the chain', async () => {
    await append({ stream: 'thing:fixed', expectedVersion: 'any', events: [created(1)] });
    await sealAll(db.current.pool);
    for (const sql of [
      `UPDATE ledger_events SET data = '{"n": 2}' WHERE stream = 'thing:fixed'`,
      `DELETE FROM ledger_events WHERE stream = 'thing:fixed'`,
      'TRUNCATE ledger_events CASCADE',
      `UPDATE ledger_chain SET hash = '\\x00'`,
      'DELETE FROM ledger_chain',
      'TRUNCATE ledger_chain',
    ]) {
      await expect(db.current.pool.query(sql)).rejects.toMatchObject({ code: 'KL001' });
    }
    expect((await readStream(db.current.pool, 'thing:fixed'))[0]?.data).toEqual({ n: 1 });
  });
});

describe('the chain', () => {
  it('gives sealed events positions 1..n with no gap, each hash covering the one before', async () => {
    await sealAll(db.current.pool);
    const log = await readLog(db.current.pool, { limit: 100_000 });
    expect(log.length).toBeGreaterThan(0);
    expect(log.map((e) => e.position)).toEqual(log.map((_, i) => BigInt(i + 1)));

    const links = await query<{ position: bigint; prev_hash: Buffer; hash: Buffer }>(
      db.current.pool,
      'SELECT position, prev_hash, hash FROM ledger_chain ORDER BY position',
    );
    let previous: Buffer = GENESIS_HASH;
    for (const [i, event] of log.entries()) {
      const link = links[i];
      expect(link?.prev_hash.equals(previous)).toBe(true);
      expect(link?.hash.equals(chainHash(previous, canonicalEvent(event)))).toBe(true);
      previous = link?.hash as Buffer;
    }
  });
});
