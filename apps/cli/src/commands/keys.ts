import { existsSync } from 'node:fs';
import { loadConfig } from '@kassa/config';
import {
  type ApiKey,
  isDerivedPublishableKey,
  issueApiKey,
  type PrismaClient,
  revokeApiKey,
} from '@kassa/db';
import { databaseConfig, withDatabase } from '../database.ts';
import { localSecretsFile, savedLocalSecrets } from '../dev/local-secrets.ts';
import { say, style, warn } from '../output.ts';

export const apiKeyKinds = ['secret', 'publishable'] as const satisfies readonly ApiKey['kind'][];
export const apiKeyModes = ['test', 'live'] as const satisfies readonly ApiKey['mode'][];

/** The name `--reissue` gives the replacement of a derived key; how later runs recognise it. */
const replacementName = (keyId: string) => `replaces ${keyId}`;

/**
 * The platform's root secret: KASSA_SECRET_KEY from the environment (production), else the one
 * `kassa dev` generated into the data folder (a local install). Undefined when neither exists:
 * a root made up here would find no derived key and say all is well. Never printed.
 */
async function platformRoot(): Promise<string | undefined> {
  let root = process.env.KASSA_SECRET_KEY;
  if (!root) {
    const dataDir = databaseConfig().KASSA_DATA_DIR;
    if (!existsSync(localSecretsFile(dataDir))) return undefined;
    root = (await savedLocalSecrets(dataDir)).KASSA_SECRET_KEY;
  }
  // Throws a ConfigError (which names the variable, never its value) if it is too short.
  return loadConfig(['KASSA_SECRET_KEY'], { KASSA_SECRET_KEY: root }).KASSA_SECRET_KEY;
}

const NO_ROOT =
  'KASSA_SECRET_KEY is not set, and there is no local install (secrets.json in KASSA_DATA_DIR) to read it from: set it to the platform root secret.';

const when = (date: Date) => date.toISOString();

function describeKey(key: ApiKey, derived: boolean): string {
  return [
    key.id,
    key.merchantId,
    key.kind,
    key.mode,
    `${key.prefix}…`,
    key.name ?? '-',
    `created ${when(key.createdAt)}`,
    key.revokedAt ? `revoked ${when(key.revokedAt)}` : 'active',
    ...(derived ? [style('red', 'derived')] : []),
  ].join('\t');
}

async function merchantExists(prisma: PrismaClient, id: string): Promise<boolean> {
  return (await prisma.merchant.findUnique({ where: { id }, select: { id: true } })) !== null;
}

/**
 * `kassa keys list`: every API key (or one merchant's), newest last, flagging publishable keys
 * derived from the root secret. Only prefixes are shown: the keys themselves are not stored.
 */
export async function listKeysCommand(options: { merchant?: string }): Promise<number> {
  const root = await platformRoot();
  return withDatabase(async (db) => {
    if (options.merchant && !(await merchantExists(db.prisma, options.merchant))) {
      warn(`No merchant ${options.merchant}.`);
      return 1;
    }
    const keys = await db.prisma.apiKey.findMany({
      where: options.merchant ? { merchantId: options.merchant } : {},
      orderBy: [{ merchantId: 'asc' }, { createdAt: 'asc' }, { id: 'asc' }],
    });
    if (keys.length === 0) {
      say('No API keys.');
      return 0;
    }
    let derivedActive = 0;
    for (const key of keys) {
      const derived = root !== undefined && isDerivedPublishableKey(root, key);
      if (derived && !key.revokedAt) derivedActive += 1;
      say(describeKey(key, derived));
    }
    say(`${keys.length} key(s).`);
    if (root === undefined) {
      warn(`Derived keys not checked: ${NO_ROOT}`);
    } else if (derivedActive > 0) {
      warn(
        style(
          'red',
          `${derivedActive} active publishable key(s) are derived from KASSA_SECRET_KEY: anyone holding it can compute them. Replace them with \`kassa keys derived --reissue\`.`,
        ),
      );
    }
    return 0;
  });
}

/** `kassa keys issue`: a new random key, printed once. */
export async function issueKeyCommand(options: {
  merchant: string;
  kind: ApiKey['kind'];
  mode: ApiKey['mode'];
  name?: string;
}): Promise<number> {
  const kind = apiKeyKinds.find((k) => k === options.kind);
  const mode = apiKeyModes.find((m) => m === options.mode);
  if (!kind || !mode) {
    warn(
      `--kind must be one of ${apiKeyKinds.join(', ')}; --mode one of ${apiKeyModes.join(', ')}.`,
    );
    return 2;
  }
  const name = options.name?.trim();
  return withDatabase(async (db) => {
    if (!(await merchantExists(db.prisma, options.merchant))) {
      warn(`No merchant ${options.merchant}: no key issued.`);
      return 1;
    }
    const issued = await issueApiKey(db.prisma, {
      merchantId: options.merchant,
      kind,
      mode,
      ...(name && { name }),
    });
    say(
      `Issued ${mode}-mode ${kind} key ${issued.apiKey.id} for merchant ${options.merchant}${name ? ` ("${name}")` : ''}:`,
    );
    say(`  ${style('bold', issued.secret)}`);
    warn(
      style(
        'yellow',
        'It is shown only now: only its hash is stored, so it cannot be shown again. Hand it over now.',
      ),
    );
    return 0;
  });
}

/** `kassa keys revoke <id>`: the key stops authenticating at once. */
export async function revokeKeyCommand(id: string): Promise<number> {
  return withDatabase(async (db) => {
    const result = await revokeApiKey(db.prisma, id);
    if (result.status === 'not_found') {
      warn(`No API key ${id}.`);
      return 1;
    }
    const { apiKey } = result;
    if (result.status === 'already_revoked') {
      say(`${id} was already revoked (${when(apiKey.revokedAt ?? new Date())}).`);
      return 0;
    }
    say(
      `Revoked ${apiKey.mode}-mode ${apiKey.kind} key ${id} (${apiKey.prefix}…) of merchant ${apiKey.merchantId}: it no longer authenticates.`,
    );
    return 0;
  });
}

/**
 * `kassa keys derived`: the unrevoked publishable keys older versions derived from the root
 * secret (anyone holding KASSA_SECRET_KEY can compute them). `--reissue` gives each a random
 * replacement (once: a key that has one gets no other); `--revoke` then revokes those that
 * have one, and refuses the others, so no merchant is left without a publishable key.
 * Without either: exit 1 while any remain.
 */
export async function derivedKeysCommand(options: {
  reissue?: boolean;
  revoke?: boolean;
}): Promise<number> {
  if (options.reissue && options.revoke) {
    warn(
      'Use --reissue and --revoke in separate runs: hand the new keys to the merchants (and let them deploy them) in between, or their checkouts stop working.',
    );
    return 2;
  }
  const root = await platformRoot();
  if (root === undefined) {
    warn(NO_ROOT);
    return 1;
  }
  return withDatabase(async (db) => {
    const active = await db.prisma.apiKey.findMany({
      where: { kind: 'publishable', revokedAt: null },
      orderBy: [{ merchantId: 'asc' }, { createdAt: 'asc' }, { id: 'asc' }],
    });
    const derived = active.filter((key) => isDerivedPublishableKey(root, key));
    if (derived.length === 0) {
      say(style('green', 'No active publishable key is derived from KASSA_SECRET_KEY.'));
      return 0;
    }
    const derivedIds = new Set(derived.map((key) => key.id));
    const replacements = new Map<string, ApiKey>();
    for (const old of derived) {
      const replacement = active.find(
        (key) =>
          key.name === replacementName(old.id) &&
          key.merchantId === old.merchantId &&
          key.mode === old.mode &&
          !derivedIds.has(key.id),
      );
      if (replacement) replacements.set(old.id, replacement);
    }

    if (options.reissue) {
      let issued = 0;
      for (const old of derived) {
        if (replacements.has(old.id)) continue;
        const fresh = await issueApiKey(db.prisma, {
          merchantId: old.merchantId,
          kind: 'publishable',
          mode: old.mode,
          name: replacementName(old.id),
        });
        replacements.set(old.id, fresh.apiKey);
        issued += 1;
        say(
          `${old.merchantId}\t${old.mode}\t${fresh.apiKey.id} replaces ${old.id}:\t${style('bold', fresh.secret)}`,
        );
      }
      const kept = derived.length - issued;
      if (issued > 0) {
        say(`Issued ${issued} replacement key(s).`);
        warn(
          style(
            'yellow',
            'They are shown only now (only their hashes are stored): hand each to its merchant now. Once they use it, run `kassa keys derived --revoke`.',
          ),
        );
      }
      if (kept > 0) say(`${kept} derived key(s) already had a replacement; none issued for them.`);
      return 0;
    }

    if (options.revoke) {
      const refused: ApiKey[] = [];
      let revoked = 0;
      for (const old of derived) {
        const replacement = replacements.get(old.id);
        if (!replacement) {
          refused.push(old);
          continue;
        }
        const result = await revokeApiKey(db.prisma, old.id);
        if (result.status === 'revoked') revoked += 1;
        say(`Revoked ${old.id} (${old.merchantId}, ${old.mode}); ${replacement.id} replaces it.`);
      }
      say(`Revoked ${revoked} derived key(s).`);
      if (refused.length > 0) {
        warn(
          style(
            'red',
            `Not revoked, since they have no active replacement (the merchant would be left without a publishable key); run \`kassa keys derived --reissue\` first:`,
          ),
        );
        for (const key of refused) warn(`  ${describeKey(key, true)}`);
        return 1;
      }
      return 0;
    }

    say(
      'Active publishable keys derived from KASSA_SECRET_KEY (anyone holding it can compute them):',
    );
    for (const key of derived) {
      const replacement = replacements.get(key.id);
      say(
        `  ${describeKey(key, true)}\t${replacement ? `replaced by ${replacement.id}` : 'no replacement'}`,
      );
    }
    say(
      `${derived.length} derived key(s). Replace them: \`kassa keys derived --reissue\`, hand the new keys to the merchants, then \`kassa keys derived --revoke\`.`,
    );
    return 1;
  });
}
