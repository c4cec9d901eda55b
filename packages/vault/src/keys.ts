import { randomBytes } from 'node:crypto';

/** One master key: wraps (and unwraps) the data keys of cards. */
export interface MasterKey {
  id: string;
  key: Buffer;
}

/**
 * The vault's keys. `active` wraps every new data key; `byId` holds it and any older keys, which
 * only unwrap until `rotateMasterKey` has re-wrapped their cards. The fingerprint key never
 * rotates: a card's fingerprint must stay the same for as long as the platform runs.
 */
export interface VaultKeys {
  active: MasterKey;
  byId: ReadonlyMap<string, MasterKey>;
  fingerprintKey: Buffer;
}

const KEY_ID = /^[a-z0-9][a-z0-9_-]{0,31}$/;

/** Parses `KASSA_VAULT_KEYS` (`<id>:<base64>,<id>:<base64>…`, the first active). */
export function parseVaultKeys(masterKeys: string, fingerprintKey: string): VaultKeys {
  const keys = masterKeys.split(',').map((spec): MasterKey => {
    const at = spec.indexOf(':');
    const id = spec.slice(0, at).trim();
    const key = Buffer.from(spec.slice(at + 1).trim(), 'base64');
    if (at < 0 || !KEY_ID.test(id) || key.length !== 32) {
      throw new Error(
        `Vault master keys are "<id>:<base64 of 32 bytes>"; "${id || '(no id)'}" is not.`,
      );
    }
    return { id, key };
  });
  const byId = new Map(keys.map((k) => [k.id, k]));
  if (byId.size !== keys.length) throw new Error('Two vault master keys share an id.');
  if (fingerprintKey.length < 32) {
    throw new Error('The vault fingerprint key must be at least 32 characters.');
  }
  const [active] = keys;
  if (!active) throw new Error('The vault needs at least one master key.');
  return { active, byId, fingerprintKey: Buffer.from(fingerprintKey, 'utf8') };
}

/** A new master key in the form KASSA_VAULT_KEYS takes, named after today unless given an id. */
export function newMasterKeySpec(
  id = `k${new Date().toISOString().slice(0, 10).replaceAll('-', '')}`,
): string {
  if (!KEY_ID.test(id)) throw new Error(`"${id}" cannot name a key: use a-z, 0-9, _ and -.`);
  return `${id}:${randomBytes(32).toString('base64')}`;
}
