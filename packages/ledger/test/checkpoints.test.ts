import { createPublicKey, generateKeyPairSync, type KeyObject, sign, verify } from 'node:crypto';
import { mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { query, withTransaction } from '@kassa/db';
import { createTestDatabase, type TestDatabase } from '@kassa/db/testing';
import type pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import {
  appendToStream,
  CheckpointError,
  canonicalEvent,
  chainHash,
  checkpointKeyId,
  loadCheckpointPrivateKey,
  loadCheckpointPublicKey,
  readCheckpoint,
  readLog,
  sealAll,
  signedBytes,
  verifyCheckpoints,
  verifyLedger,
  writeCheckpoint,
  writeCheckpointKey,
} from '../src/index.ts';
import { runWorkload } from './workload.ts';

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const undo of cleanup.splice(0).reverse()) await undo();
});

async function freshDatabase(): Promise<TestDatabase> {
  const db = await createTestDatabase();
  cleanup.push(() => db.drop());
  return db;
}

async function scratchDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A database with a little of everything, and a key and checkpoint directory of its own. */
async function anchoredLedger() {
  const db = await freshDatabase();
  const keys = await writeCheckpointKey(await scratchDir('kassa-keys-'));
  const dir = await scratchDir('kassa-checkpoints-');
  const privateKey = await loadCheckpointPrivateKey(keys.privateKeyFile);
  const publicKey = await loadCheckpointPublicKey(keys.publicKeyFile);
  let minute = 0;
  const checkpoint = () =>
    writeCheckpoint(db.pool, { dir, privateKey, now: new Date(Date.UTC(2027, 0, 1, 0, minute++)) });
  return { db, dir, keys, privateKey, publicKey, checkpoint };
}

let order = 0;
/** Business events and a few domain events (which no projection reads), then sealed. */
async function writeEvents(pool: pg.Pool): Promise<void> {
  const merchant = order++ % 3;
  await runWorkload(pool, [
    { op: 'authorize', merchant, currency: 0, amount: 10_000 },
    { op: 'capture', pick: 0, fraction: 80, fee: 290 },
    { op: 'refund', merchant, currency: 0, amount: 1_000 },
  ]);
  await withTransaction(pool, (tx) =>
    appendToStream(tx, {
      stream: `payment_intent:pi_${order}`,
      expectedVersion: 'any',
      merchantId: `mch_w${merchant}`,
      events: [
        { type: 'payment_intent.created', data: { amount: '8000' } },
        { type: 'payment_intent.succeeded', data: { amount: '8000' } },
      ],
    }),
  );
  await sealAll(pool);
}

/** As a superuser with triggers off: the only way past the append-only guard. */
async function asSuperuser(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<void>) {
  const client = await pool.connect();
  try {
    await client.query("SET session_replication_role = 'replica'");
    await work(client);
  } finally {
    await client.query("SET session_replication_role = 'origin'");
    client.release();
  }
}

/**
 * The attack checkpoints exist for: change an event, then recompute every hash from it to the
 * head with the ledger's own functions, so the chain is consistent again.
 */
async function rewriteHistory(pool: pg.Pool, eventId: string, data: object): Promise<bigint> {
  let rewritten = 0n;
  await asSuperuser(pool, async (client) => {
    await client.query('UPDATE ledger_events SET data = $2 WHERE id = $1', [eventId, data]);
    const [victim] = await query<{ position: bigint; prev_hash: Buffer }>(
      client,
      `SELECT c.position, c.prev_hash FROM ledger_chain c JOIN ledger_events e ON e.seq = c.event_seq
        WHERE e.id = $1`,
      [eventId],
    );
    if (!victim) throw new Error(`${eventId} is not sealed`);
    rewritten = victim.position;
    let previous = victim.prev_hash;
    for (const event of await readLog(client, { after: victim.position - 1n, limit: 100_000 })) {
      const hash = chainHash(previous, canonicalEvent(event));
      await client.query('UPDATE ledger_chain SET prev_hash = $2, hash = $3 WHERE position = $1', [
        event.position,
        previous,
        hash,
      ]);
      previous = hash;
    }
  });
  return rewritten;
}

async function succeededEventAfter(pool: pg.Pool, position: bigint) {
  const [event] = await query<{ id: string; position: bigint }>(
    pool,
    `SELECT e.id, c.position FROM ledger_events e JOIN ledger_chain c ON c.event_seq = e.seq
      WHERE e.type = 'payment_intent.succeeded' AND c.position > $1 ORDER BY c.position LIMIT 1`,
    [position],
  );
  if (!event) throw new Error(`no payment_intent.succeeded after ${position}`);
  return event;
}

function written(result: Awaited<ReturnType<typeof writeCheckpoint>>) {
  if (!result.written) throw new Error(`no checkpoint written: ${result.reason}`);
  return result;
}

describe('checkpoint keys', () => {
  it('writes the private key with mode 0600 and names keys by their fingerprint', async () => {
    const dir = await scratchDir('kassa-keys-');
    const keys = await writeCheckpointKey(dir);
    expect((await stat(keys.privateKeyFile)).mode & 0o777).toBe(0o600);
    expect(keys.privateKeyFile).toBe(join(dir, `key-${keys.keyId}.pem`));
    expect(keys.publicKeyFile).toBe(join(dir, `key-${keys.keyId}.pub.pem`));
    expect(await readFile(keys.publicKeyFile, 'utf8')).toBe(keys.publicKeyPem);
    expect(keys.keyId).toMatch(/^[0-9a-f]{16}$/);
    const privateKey = await loadCheckpointPrivateKey(keys.privateKeyFile);
    // The private key and its public half have one id.
    expect(checkpointKeyId(privateKey)).toBe(keys.keyId);
    expect(checkpointKeyId(await loadCheckpointPublicKey(keys.publicKeyFile))).toBe(keys.keyId);
    expect((await writeCheckpointKey(dir)).keyId).not.toBe(keys.keyId);

    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    await writeFile(join(dir, 'ec.pem'), ec.export({ type: 'pkcs8', format: 'pem' }));
    await expect(loadCheckpointPrivateKey(join(dir, 'ec.pem'))).rejects.toMatchObject({
      code: 'checkpoint_key_invalid',
    });
    await expect(loadCheckpointPrivateKey(join(dir, 'missing.pem'))).rejects.toBeInstanceOf(
      CheckpointError,
    );
  });
});

describe('writeCheckpoint', () => {
  it('signs the head into one file per position, in the documented bytes, sorted by name', async () => {
    const { db, dir, keys, publicKey, checkpoint } = await anchoredLedger();
    const files: string[] = [];
    for (let round = 0; round < 3; round++) {
      await writeEvents(db.pool);
      files.push(written(await checkpoint()).file);
    }

    expect(files).toEqual([...files].sort());
    const listing = (await readdir(dir)).sort();
    expect(listing).toEqual([
      ...files.map((f) => f.slice(dir.length + 1)),
      `key-${keys.keyId}.pub.pem`,
    ]);
    const [head] = await query<{ position: bigint; hash: Buffer }>(
      db.pool,
      'SELECT position, hash FROM ledger_chain ORDER BY position DESC LIMIT 1',
    );
    const newest = await readCheckpoint(files[2] as string);
    expect(files[2]).toBe(join(dir, `checkpoint-${String(head?.position).padStart(19, '0')}.json`));
    expect(newest).toMatchObject({
      position: head?.position,
      hash: head?.hash.toString('hex'),
      time: '2027-01-01T00:02:00.000Z',
      keyId: keys.keyId,
    });
    // Anyone can check a checkpoint with the public key and these exact bytes.
    const bytes = `kassa-checkpoint-v1\n${head?.position}\n${head?.hash.toString('hex')}\n2027-01-01T00:02:00.000Z\n${keys.keyId}`;
    expect(signedBytes(newest).toString('utf8')).toBe(bytes);
    expect(
      verify(null, Buffer.from(bytes), publicKey, Buffer.from(newest.signature, 'base64')),
    ).toBe(true);
  });

  it('writes nothing when the head has not moved, or the chain is empty', async () => {
    const { db, dir, checkpoint } = await anchoredLedger();
    expect(await checkpoint()).toEqual({ written: false, reason: 'empty_chain' });
    expect(await readdir(dir)).toEqual([]);

    await writeEvents(db.pool);
    const first = written(await checkpoint());
    const before = await readdir(dir);
    expect(await checkpoint()).toEqual({
      written: false,
      reason: 'head_not_moved',
      file: first.file,
    });
    // Events that committed but are not sealed yet do not move the head either.
    await runWorkload(db.pool, [{ op: 'authorize', merchant: 0, currency: 0, amount: 5 }]);
    expect((await checkpoint()).written).toBe(false);
    expect(await readdir(dir)).toEqual(before);
    expect(await readFile(first.file, 'utf8')).toContain(
      `"position": "${first.checkpoint.position}"`,
    );
  });
});

describe('verifyCheckpoints', () => {
  it('passes on an untouched ledger with several checkpoints', async () => {
    const { db, dir, keys, publicKey, checkpoint } = await anchoredLedger();
    for (let round = 0; round < 4; round++) {
      await writeEvents(db.pool);
      await checkpoint();
    }
    // Events after the newest checkpoint are fine too: they are simply not anchored yet.
    await writeEvents(db.pool);

    const pinned = await verifyCheckpoints(db.pool, { dir, publicKeys: [publicKey] });
    expect(pinned).toMatchObject({ ok: true, checkpoints: 4, keyIds: [keys.keyId], problems: [] });
    expect(pinned.newest?.position).toBeLessThan(pinned.head);
    // Without pinned keys it uses the public key the writer left in the directory.
    expect(await verifyCheckpoints(db.pool, { dir })).toMatchObject({ ok: true, checkpoints: 4 });
  });

  it('catches a rewrite whose hashes were recomputed to the head, which verifyLedger cannot', async () => {
    const { db, dir, publicKey, checkpoint } = await anchoredLedger();
    await writeEvents(db.pool);
    const before = written(await checkpoint());
    await writeEvents(db.pool);
    const after = written(await checkpoint());
    await writeEvents(db.pool);
    const newest = written(await checkpoint());

    const victim = await succeededEventAfter(db.pool, before.checkpoint.position);
    expect(victim.position).toBeLessThanOrEqual(after.checkpoint.position);
    await rewriteHistory(db.pool, victim.id, { amount: '1' });

    // The forgery is self-consistent: the chain and the projections hold.
    expect(await verifyLedger(db.pool)).toMatchObject({ ok: true, problems: [] });
    const report = await verifyCheckpoints(db.pool, { dir, publicKeys: [publicKey] });
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      expect.objectContaining({
        check: 'chain',
        file: after.file,
        position: after.checkpoint.position,
      }),
      expect.objectContaining({
        check: 'chain',
        file: newest.file,
        position: newest.checkpoint.position,
      }),
    ]);
    expect(report.problems[0]?.message).toContain('rewritten');
    // The log is still anchored up to the checkpoint before the rewrite.
    expect(report.newest).toEqual({ file: before.file, position: before.checkpoint.position });

    // And no new checkpoint will vouch for the rewritten chain.
    await writeEvents(db.pool);
    await expect(checkpoint()).rejects.toMatchObject({ code: 'checkpoint_chain_mismatch' });
  });

  it('catches a chain truncated below the newest checkpoint', async () => {
    const { db, dir, publicKey, checkpoint } = await anchoredLedger();
    await writeEvents(db.pool);
    await checkpoint();
    await writeEvents(db.pool);
    const newest = written(await checkpoint());

    // Drop the two newest events (domain events, which no projection reads) and their links.
    await asSuperuser(db.pool, async (client) => {
      await client.query(
        `WITH gone AS (DELETE FROM ledger_chain WHERE position > $1 - 2 RETURNING event_seq)
         DELETE FROM ledger_events WHERE seq IN (SELECT event_seq FROM gone)`,
        [newest.checkpoint.position],
      );
    });

    expect(await verifyLedger(db.pool)).toMatchObject({ ok: true, problems: [] });
    const report = await verifyCheckpoints(db.pool, { dir, publicKeys: [publicKey] });
    expect(report.head).toBe(newest.checkpoint.position - 2n);
    expect(report.problems).toEqual([
      expect.objectContaining({
        check: 'truncated',
        file: newest.file,
        position: newest.checkpoint.position,
      }),
    ]);
    await expect(checkpoint()).rejects.toMatchObject({ code: 'checkpoint_chain_mismatch' });
  });

  it('refuses forged checkpoint files: altered, re-signed with another key, renamed', async () => {
    const { db, dir, keys, publicKey, checkpoint } = await anchoredLedger();
    await writeEvents(db.pool);
    const honest = written(await checkpoint());
    const honestFile = await readFile(honest.file, 'utf8');
    await rewriteHistory(db.pool, (await succeededEventAfter(db.pool, 0n)).id, { amount: '1' });
    const [forgedHead] = await query<{ hash: Buffer }>(
      db.pool,
      'SELECT hash FROM ledger_chain WHERE position = $1',
      [honest.checkpoint.position],
    );
    const hash = forgedHead?.hash.toString('hex') as string;
    const mallory = generateKeyPairSync('ed25519').privateKey;
    const forge = async (fields: { hash: string; keyId: string; key?: KeyObject }) => {
      const original = JSON.parse(honestFile);
      const unsigned = { ...honest.checkpoint, hash: fields.hash, keyId: fields.keyId };
      const signature = fields.key
        ? sign(null, signedBytes(unsigned), fields.key).toString('base64')
        : original.signature;
      const forged = { ...original, hash: fields.hash, keyId: fields.keyId, signature };
      await writeFile(honest.file, JSON.stringify(forged));
    };
    const firstProblem = async (publicKeys?: KeyObject[]) =>
      (await verifyCheckpoints(db.pool, { dir, publicKeys })).problems[0];

    // The new hash under the honest signature.
    await forge({ hash, keyId: keys.keyId });
    expect(await firstProblem([publicKey])).toMatchObject({
      check: 'signature',
      file: honest.file,
      position: honest.checkpoint.position,
    });
    // Re-signed by another key, under that key's id or claiming the honest one.
    await forge({ hash, keyId: checkpointKeyId(mallory), key: mallory });
    expect(await firstProblem([publicKey])).toMatchObject({ check: 'key', file: honest.file });
    expect(await firstProblem()).toMatchObject({ check: 'key', file: honest.file });
    await forge({ hash, keyId: keys.keyId, key: mallory });
    expect(await firstProblem([publicKey])).toMatchObject({ check: 'signature' });

    // A forger who can also write the directory can leave a key there: only pinned keys stop it.
    await forge({ hash, keyId: checkpointKeyId(mallory), key: mallory });
    await writeFile(
      join(dir, `key-${checkpointKeyId(mallory)}.pub.pem`),
      createPublicKey(mallory).export({ type: 'spki', format: 'pem' }),
    );
    expect((await verifyCheckpoints(db.pool, { dir })).ok).toBe(true);
    expect(await firstProblem([publicKey])).toMatchObject({ check: 'key', file: honest.file });

    // A signed checkpoint moved to another position's name, and a file that is not one.
    await writeFile(honest.file, honestFile);
    await rewriteHistory(db.pool, (await succeededEventAfter(db.pool, 0n)).id, { amount: '8000' });
    expect(await firstProblem([publicKey])).toBeUndefined();
    const moved = honest.file.replace(/\d{19}/, '9'.repeat(19));
    await rename(honest.file, moved);
    expect(await firstProblem([publicKey])).toMatchObject({ check: 'format', file: moved });
    await writeFile(moved, '{"format": "kassa-checkpoint-v1"}');
    expect(await firstProblem([publicKey])).toMatchObject({ check: 'format', file: moved });
    await rm(moved);
    expect(await firstProblem([publicKey])).toMatchObject({ check: 'missing' });
  });
});
