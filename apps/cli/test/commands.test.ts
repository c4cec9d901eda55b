import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  derivedPublishableKey,
  hashApiKey,
  isDerivedPublishableKey,
  issueApiKey,
  query,
  readMigrations,
  withTransaction,
} from '@kassa/db';
import { createTestDatabase, scratchDataDir, type TestDatabase } from '@kassa/db/testing';
import {
  appendToStream,
  authorize,
  canonicalEvent,
  capture,
  chainHash,
  readLog,
  readStream,
  recordDeadLetter,
  sealAll,
} from '@kassa/ledger';
import { newMasterKeySpec, parseVaultKeys, Vault } from '@kassa/vault';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKassa } from './run-cli.ts';

let db: TestDatabase;
let env: Record<string, string>;

beforeAll(async () => {
  db = await createTestDatabase({ migrated: false });
  env = { DATABASE_URL: db.url, KASSA_DATA_DIR: await scratchDataDir('kassa-cli-') };
});

afterAll(async () => {
  // With DATABASE_URL set, no command ever started (or even initialised) an embedded server.
  expect(existsSync(join(env.KASSA_DATA_DIR as string, 'postgres'))).toBe(false);
  await rm(env.KASSA_DATA_DIR as string, { recursive: true, force: true });
  await db.drop();
});

describe('kassa db and seed against DATABASE_URL', () => {
  it('db status exits 1 while migrations are pending, db migrate applies them, then status exits 0', async () => {
    const before = runKassa(['db', 'status'], env);
    expect(before.code).toBe(1);
    expect(before.stdout).toMatch(/pending\s+\d{14}_init/);
    expect(before.stdout).not.toContain(new URL(db.url).password);

    const migrated = runKassa(['db', 'migrate'], env);
    expect(migrated.code).toBe(0);
    expect(migrated.stdout).toContain(`Applied ${(await readMigrations()).length} migration(s).`);
    expect(runKassa(['db', 'migrate'], env).stdout).toContain('Already up to date.');

    const after = runKassa(['db', 'status'], env);
    expect(after.code).toBe(0);
    expect(after.stdout).toMatch(/applied\s+\d{14}_init/);
    expect(after.stdout).toContain('in sync with schema.prisma');
  });

  it('db status exits 1 and prints the SQL when the database drifted from schema.prisma', async () => {
    await db.pool.query('ALTER TABLE users ADD COLUMN nickname text');
    const status = runKassa(['db', 'status'], env);
    await db.pool.query('ALTER TABLE users DROP COLUMN nickname');

    expect(status.code).toBe(1);
    expect(status.stdout).toContain('drift');
    expect(status.stdout).toContain('ALTER TABLE "users" DROP COLUMN "nickname"');
  });

  it('seed creates the demo merchant and owner once and prints a new key pair each time', async () => {
    const first = runKassa(['seed'], env);
    const second = runKassa(['seed'], env);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('Created the demo merchant');
    expect(second.stdout).toContain('Found the demo merchant');

    const printed = [first.stdout, second.stdout].flatMap(
      (out) => out.match(/(sk|pk)_test_[0-9A-Za-z]{32}/g) ?? [],
    );
    expect(printed).toHaveLength(4);
    expect(new Set(printed).size).toBe(4);

    expect(await db.prisma.merchant.count()).toBe(1);
    const owner = await db.prisma.membership.findFirstOrThrow({ include: { user: true } });
    expect(owner.role).toBe('owner');
    expect(owner.user.email).toBe('owner@demo.kassa.test');
    const stored = await db.prisma.apiKey.findMany();
    expect(stored.map((k) => k.hash).sort()).toEqual(printed.map(hashApiKey).sort());
    // Only hashes and short prefixes are stored, never a key.
    for (const key of printed) {
      const { rows } = await db.pool.query(
        'SELECT count(*)::int AS n FROM api_keys WHERE $1 IN (prefix, hash, name)',
        [key],
      );
      expect(rows[0].n).toBe(0);
    }
  });
});

describe('kassa ledger verify and rebuild', () => {
  it('passes on a consistent ledger, and fails naming the first bad event after tampering', async () => {
    const merchantId = 'mch_cli';
    const held = await withTransaction(db.pool, (tx) =>
      authorize(tx, { merchantId, livemode: true, currency: 'USD', amount: 4_200n }),
    );
    await withTransaction(db.pool, (tx) =>
      capture(tx, {
        merchantId,
        livemode: true,
        currency: 'USD',
        amount: 4_200n,
        fee: 152n,
        holdId: held.holdId,
      }),
    );

    const ok = runKassa(['ledger', 'verify'], env);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('Ledger verified');
    const rebuilt = runKassa(['ledger', 'rebuild'], env);
    expect(rebuilt.code).toBe(0);
    expect(rebuilt.stdout).toMatch(/Rebuilt the journal projections from \d+ events/);
    expect(runKassa(['ledger', 'verify'], env).code).toBe(0);

    await sealAll(db.pool);
    const { rows } = await db.pool.query(
      `SELECT e.id, c.position FROM ledger_events e JOIN ledger_chain c ON c.event_seq = e.seq
        WHERE e.type = 'ledger.hold_posted'`,
    );
    const client = await db.pool.connect();
    await client.query("SET session_replication_role = 'replica'");
    await client.query(`UPDATE ledger_events SET metadata = '{"actor": "mallory"}' WHERE id = $1`, [
      rows[0].id,
    ]);
    await client.query("SET session_replication_role = 'origin'");
    client.release();

    const bad = runKassa(['ledger', 'verify'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`First bad event: ${rows[0].id} at position ${rows[0].position}`);
  });
});

describe('kassa ledger checkpoint and verify --checkpoints', () => {
  it('anchors the chain outside the database, so a rewrite with recomputed hashes is caught', async () => {
    // A database of its own: the test above leaves the shared one tampered with.
    const anchored = await createTestDatabase();
    const dir = await mkdtemp(join(tmpdir(), 'kassa-cli-checkpoints-'));
    try {
      const ledgerEnv = { ...env, DATABASE_URL: anchored.url };
      const checkpoints = join(dir, 'checkpoints');
      const keyed = runKassa(['ledger', 'checkpoint-key', '--out', join(dir, 'keys')], ledgerEnv);
      expect(keyed.code, keyed.stderr).toBe(0);
      const keyId = /Checkpoint key ([0-9a-f]{16})/.exec(keyed.stdout)?.[1];
      expect(keyed.stdout).toContain('-----BEGIN PUBLIC KEY-----');
      const key = join(dir, 'keys', `key-${keyId}.pem`);
      const publicKey = join(dir, 'keys', `key-${keyId}.pub.pem`);
      const book = async (n: number) => {
        const merchantId = 'mch_anchor';
        const held = await withTransaction(anchored.pool, (tx) =>
          authorize(tx, {
            merchantId,
            livemode: true,
            currency: 'USD',
            amount: 1_000n + BigInt(n),
          }),
        );
        await withTransaction(anchored.pool, (tx) =>
          capture(tx, {
            merchantId,
            livemode: true,
            currency: 'USD',
            amount: 900n,
            fee: 30n,
            holdId: held.holdId,
          }),
        );
        await withTransaction(anchored.pool, (tx) =>
          appendToStream(tx, {
            stream: `payment_intent:pi_anchor${n}`,
            expectedVersion: 'no_stream',
            merchantId,
            events: [{ type: 'payment_intent.succeeded', data: { amount: '900' } }],
          }),
        );
      };
      const checkpoint = () =>
        runKassa(['ledger', 'checkpoint', '--dir', checkpoints, '--key', key], ledgerEnv);

      await book(1);
      const written = checkpoint();
      expect(written.code, written.stderr).toBe(0);
      const [, file, position] =
        /Wrote (.*checkpoint-\d{19}\.json): position (\d+), hash [0-9a-f]{64}/.exec(
          written.stdout,
        ) ?? [];
      expect(checkpoint().stdout).toContain(`has not moved since ${file}; nothing written`);
      const ok = runKassa(
        ['ledger', 'verify', '--checkpoints', checkpoints, '--public-key', publicKey],
        ledgerEnv,
      );
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stdout).toContain('Ledger verified');
      expect(ok.stdout).toContain(`the log is anchored up to position ${position}`);

      // A superuser rewrites the payment's event and recomputes every hash after it.
      const client = await anchored.pool.connect();
      try {
        await client.query("SET session_replication_role = 'replica'");
        await client.query(
          `UPDATE ledger_events SET data = '{"amount": "1"}' WHERE stream = 'payment_intent:pi_anchor1'`,
        );
        const [victim] = await query<{ position: bigint; prev_hash: Buffer }>(
          client,
          `SELECT c.position, c.prev_hash FROM ledger_chain c JOIN ledger_events e ON e.seq = c.event_seq
            WHERE e.stream = 'payment_intent:pi_anchor1'`,
        );
        let previous = victim?.prev_hash as Buffer;
        for (const event of await readLog(client, { after: (victim?.position ?? 1n) - 1n })) {
          const hash = chainHash(previous, canonicalEvent(event));
          await client.query(
            'UPDATE ledger_chain SET prev_hash = $2, hash = $3 WHERE position = $1',
            [event.position, previous, hash],
          );
          previous = hash;
        }
      } finally {
        await client.query("SET session_replication_role = 'origin'");
        client.release();
      }

      // Without checkpoints the forgery passes; with them it is named.
      expect(runKassa(['ledger', 'verify'], ledgerEnv).code).toBe(0);
      const caught = runKassa(['ledger', 'verify', '--checkpoints', checkpoints], ledgerEnv);
      expect(caught.code).toBe(1);
      expect(caught.stdout).toContain(
        `Trusting the public key(s) found in ${checkpoints} (${keyId})`,
      );
      expect(caught.stderr).toContain('Checkpoint verification FAILED');
      expect(caught.stderr).toContain(`First bad checkpoint: ${file} at position ${position}`);
      // Nor will a new checkpoint vouch for the rewritten chain.
      await book(2);
      const refused = checkpoint();
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('rewritten');
    } finally {
      await rm(dir, { recursive: true, force: true });
      await anchored.drop();
    }
  });
});

describe('kassa bus dead-letters', () => {
  it('lists what a group set aside, and --retry hands it back to that group', async () => {
    const appended = await withTransaction(db.pool, (tx) =>
      appendToStream(tx, {
        stream: 'order:o_cli',
        expectedVersion: 'any',
        merchantId: 'mch_cli',
        events: [{ type: 'order.updated', data: {} }],
      }),
    );
    await sealAll(db.pool);
    const [event] = await readStream(db.pool, 'order:o_cli');
    if (!event?.position) throw new Error('the event was not sealed');
    await recordDeadLetter(
      db.pool,
      'settlement',
      { ...event, position: event.position, partitionKey: 'mch_cli' },
      8,
      new Error('the bank is closed'),
    );

    const listed = runKassa(['bus', 'dead-letters'], env);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(appended.events[0]?.id);
    expect(listed.stdout).toMatch(/settlement\t.*\tdead\t8 tries\t.*Error: the bank is closed/);
    expect(runKassa(['bus', 'dead-letters', '--group', 'other'], env).stdout).toContain(
      'No dead letters.',
    );

    expect(runKassa(['bus', 'dead-letters', '--retry'], env).code).toBe(2);
    const retried = runKassa(['bus', 'dead-letters', '--retry', '--group', 'settlement'], env);
    expect(retried.code).toBe(0);
    expect(retried.stdout).toContain('deliver 1 dead letter(s) again');
    expect(runKassa(['bus', 'dead-letters', '--status', 'retry_requested'], env).stdout).toContain(
      appended.events[0]?.id,
    );
  });
});

describe('kassa vault', () => {
  it('rotate-key re-wraps every card under the first key; afterwards the old key can go', async () => {
    const fingerprintKey = 'fingerprint-key-for-the-cli-tests-0123456789';
    const k1 = newMasterKeySpec('k1');
    const k2 = newMasterKeySpec('k2');
    const numbers = ['4242424242424242', '5555555555554444', '378282246310005'];
    const old = new Vault(parseVaultKeys(k1, fingerprintKey));
    const ids: string[] = [];
    for (const number of numbers) {
      const card = await withTransaction(db.pool, (tx) =>
        old.tokenize(tx, 'mch_cli', {
          number,
          exp_month: 1,
          exp_year: new Date().getUTCFullYear() + 5,
        }),
      );
      ids.push(card.vaultCardId);
    }
    const vaultEnv = { ...env, KASSA_VAULT_FINGERPRINT_KEY: fingerprintKey };

    const before = runKassa(['vault', 'status'], { ...vaultEnv, KASSA_VAULT_KEYS: k2 });
    expect(before.code).toBe(1);
    expect(before.stderr).toMatch(/k1\s+3 records\s+\(key not configured/);

    const rotated = runKassa(['vault', 'rotate-key', '--batch-size', '2'], {
      ...vaultEnv,
      KASSA_VAULT_KEYS: `${k2},${k1}`,
    });
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stdout).toContain('Re-wrapped 3 record(s)');
    expect(rotated.stdout).toContain('Every record is under "k2"');
    expect(rotated.stdout + rotated.stderr).not.toContain(k2.split(':')[1]);

    const after = runKassa(['vault', 'status'], { ...vaultEnv, KASSA_VAULT_KEYS: k2 });
    expect(after.code).toBe(0);
    expect(after.stdout).toMatch(/k2\s+3 records\s+\(active\)/);
    const newOnly = new Vault(parseVaultKeys(k2, fingerprintKey));
    for (const [i, id] of ids.entries()) expect(await newOnly.reveal(db.pool, id)).toBe(numbers[i]);
  });

  it('new-key prints a key KASSA_VAULT_KEYS accepts', () => {
    const printed = runKassa(['vault', 'new-key', 'k2027'], env);
    expect(printed.code).toBe(0);
    expect(() => parseVaultKeys(printed.stdout.trim(), 'x'.repeat(32))).not.toThrow();
    expect(printed.stdout).toMatch(/^k2027:/);
  });
});

describe('kassa keys', () => {
  const root = 'the-kassa-secret-key-of-the-cli-key-tests-0123456789';
  const keysEnv = () => ({ ...env, KASSA_SECRET_KEY: root });
  // Like newId('apiKey') (@kassa/contracts is not a dependency of the CLI): key_ + 24 base62.
  const keyId = () => `key_${randomBytes(18).toString('base64url').replace(/[-_]/g, '0')}`;
  const run = (args: string[]) => {
    const result = runKassa(['keys', ...args], keysEnv());
    expect(result.stdout + result.stderr).not.toContain(root);
    return result;
  };

  it('finds derived publishable keys, replaces them once, then revokes them', async () => {
    const merchant = await db.prisma.merchant.create({
      data: { id: 'mch_cliKeys000000000000000', name: 'Keys' },
    });
    const derivedId = keyId();
    const derivedKey = derivedPublishableKey(root, derivedId, 'test');
    await db.pool.query(
      `INSERT INTO api_keys (id, merchant_id, kind, mode, prefix, hash)
       VALUES ($1, $2, 'publishable', 'test', $3, $4)`,
      [derivedId, merchant.id, derivedKey.slice(0, 14), hashApiKey(derivedKey)],
    );
    const random = await issueApiKey(db.prisma, {
      merchantId: merchant.id,
      kind: 'publishable',
      mode: 'test',
    });

    const listed = run(['derived']);
    expect(listed.code).toBe(1);
    expect(listed.stdout).toContain(derivedId);
    expect(listed.stdout).toContain('no replacement');
    expect(listed.stdout).not.toContain(random.apiKey.id);
    expect(listed.stdout).toContain('1 derived key(s).');
    for (const out of [listed.stdout, listed.stderr]) {
      expect(out).not.toContain(hashApiKey(derivedKey));
      expect(out).not.toContain(derivedKey);
    }

    const all = run(['list', '--merchant', merchant.id]);
    expect(all.code).toBe(0);
    const lines = all.stdout.split('\n');
    expect(lines.find((l) => l.startsWith(derivedId))).toMatch(
      /\tpublishable\ttest\tpk_test_.{6}…\t-\tcreated [^\t]+\tactive\tderived$/,
    );
    expect(lines.find((l) => l.startsWith(random.apiKey.id))).toMatch(/\tactive$/);
    expect(all.stderr).toContain('1 active publishable key(s) are derived');

    const early = run(['derived', '--revoke']);
    expect(early.code).toBe(1);
    expect(early.stderr).toContain('no active replacement');
    expect(early.stderr).toContain(derivedId);
    expect((await db.prisma.apiKey.findUniqueOrThrow({ where: { id: derivedId } })).revokedAt).toBe(
      null,
    );

    const reissued = run(['derived', '--reissue']);
    expect(reissued.code, reissued.stderr).toBe(0);
    const printed = reissued.stdout.match(/pk_test_[0-9A-Za-z]{32}/g) ?? [];
    expect(printed).toHaveLength(1);
    const replacementKey = printed[0] as string;
    expect(reissued.stderr).toContain('shown only now');
    const replacement = await db.prisma.apiKey.findUniqueOrThrow({
      where: { hash: hashApiKey(replacementKey) },
    });
    expect(replacement).toMatchObject({
      merchantId: merchant.id,
      kind: 'publishable',
      mode: 'test',
      name: `replaces ${derivedId}`,
      revokedAt: null,
    });
    expect(isDerivedPublishableKey(root, replacement)).toBe(false);
    expect(replacementKey).not.toBe(derivedPublishableKey(root, replacement.id, 'test'));

    const again = run(['derived', '--reissue']);
    expect(again.code).toBe(0);
    expect(again.stdout).not.toMatch(/pk_test_[0-9A-Za-z]{32}/);
    expect(again.stdout).toContain('already had a replacement');
    expect(await db.prisma.apiKey.count({ where: { merchantId: merchant.id } })).toBe(3);
    expect(run(['derived']).stdout).toContain(`replaced by ${replacement.id}`);
    expect(run(['derived', '--reissue', '--revoke']).code).toBe(2);

    const revoked = run(['derived', '--revoke']);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toContain(`Revoked ${derivedId}`);
    const [row] = await query<{ revoked_at: Date | null }>(
      db.pool,
      'SELECT revoked_at FROM api_keys WHERE id = $1',
      [derivedId],
    );
    expect(row?.revoked_at).toBeInstanceOf(Date);
    expect(
      (await db.prisma.apiKey.findUniqueOrThrow({ where: { id: replacement.id } })).revokedAt,
    ).toBe(null);
    expect(
      (await db.prisma.apiKey.findUniqueOrThrow({ where: { id: random.apiKey.id } })).revokedAt,
    ).toBe(null);

    const none = run(['derived']);
    expect(none.code).toBe(0);
    expect(none.stdout).toContain('No active publishable key is derived');
    expect(run(['derived', '--revoke']).code).toBe(0);
    // Still flagged in the list, now revoked.
    expect(
      run(['list', '--merchant', merchant.id])
        .stdout.split('\n')
        .find((l) => l.startsWith(derivedId)),
    ).toMatch(/\trevoked [^\t]+\tderived$/);
  });

  it('issue prints a new key once, revoke revokes it, and bad input exits non-zero', async () => {
    const merchant = await db.prisma.merchant.create({
      data: { id: 'mch_cliIssue0000000000000', name: 'Issue' },
    });
    const issued = run([
      'issue',
      '--merchant',
      merchant.id,
      '--kind',
      'secret',
      '--mode',
      'live',
      '--name',
      'backend',
    ]);
    expect(issued.code, issued.stderr).toBe(0);
    expect(issued.stderr).toContain('shown only now');
    const secret = /sk_live_[0-9A-Za-z]{32}/.exec(issued.stdout)?.[0] as string;
    expect(secret).toBeDefined();
    const stored = await db.prisma.apiKey.findUniqueOrThrow({
      where: { hash: hashApiKey(secret) },
    });
    expect(stored).toMatchObject({
      merchantId: merchant.id,
      kind: 'secret',
      mode: 'live',
      name: 'backend',
      revokedAt: null,
    });
    expect(issued.stdout).toContain(stored.id);
    expect(issued.stdout).not.toContain(stored.hash);

    const listed = run(['list', '--merchant', merchant.id]);
    expect(listed.stdout).toContain(`${stored.id}\t${merchant.id}\tsecret\tlive\t`);
    expect(listed.stdout).toContain('\tbackend\t');
    expect(listed.stdout).not.toContain(secret);
    expect(listed.stdout).not.toContain(stored.hash);

    const revoked = run(['revoke', stored.id]);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain(`Revoked live-mode secret key ${stored.id}`);
    const at = (await db.prisma.apiKey.findUniqueOrThrow({ where: { id: stored.id } })).revokedAt;
    expect(at).toBeInstanceOf(Date);
    const twice = run(['revoke', stored.id]);
    expect(twice.code).toBe(0);
    expect(twice.stdout).toContain('already revoked');
    expect(
      (await db.prisma.apiKey.findUniqueOrThrow({ where: { id: stored.id } })).revokedAt,
    ).toEqual(at);

    const unknownKey = run(['revoke', 'key_doesNotExist0000000000']);
    expect(unknownKey.code).toBe(1);
    expect(unknownKey.stderr).toContain('No API key key_doesNotExist0000000000');

    const before = await db.prisma.apiKey.count();
    const badKind = run(['issue', '--merchant', merchant.id, '--kind', 'admin', '--mode', 'test']);
    expect(badKind.code).not.toBe(0);
    expect(badKind.stderr).toContain('--kind');
    const badMode = run(['issue', '--merchant', merchant.id, '--kind', 'secret', '--mode', 'prod']);
    expect(badMode.code).not.toBe(0);
    expect(run(['issue', '--merchant', merchant.id, '--mode', 'test']).code).not.toBe(0);
    const unknownMerchant = run([
      'issue',
      '--merchant',
      'mch_doesNotExist',
      '--kind',
      'publishable',
      '--mode',
      'test',
    ]);
    expect(unknownMerchant.code).toBe(1);
    expect(unknownMerchant.stderr).toContain('No merchant mch_doesNotExist');
    expect(unknownMerchant.stdout).not.toMatch(/pk_test_/);
    expect(await db.prisma.apiKey.count()).toBe(before);
    expect(run(['list', '--merchant', 'mch_doesNotExist']).code).toBe(1);
  });
});
