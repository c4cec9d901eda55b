import { loadConfigOrExit, vaultVariables } from '@kassa/config';
import { newMasterKeySpec, parseVaultKeys, Vault } from '@kassa/vault';
import { databaseConfig, withDatabase } from '../database.ts';
import { savedLocalSecrets, saveLocalSecrets } from '../dev/local-secrets.ts';
import { say, style, warn } from '../output.ts';

/**
 * The vault's keys: from the environment when KASSA_VAULT_KEYS is set there (production), else
 * the ones `kassa dev` generated into the data folder (a local install).
 */
async function vaultKeys(options: { newKey?: boolean } = {}) {
  const dataDir = databaseConfig().KASSA_DATA_DIR;
  const local = !process.env.KASSA_VAULT_KEYS;
  if (local) {
    const saved = await savedLocalSecrets(dataDir);
    if (options.newKey) {
      const ids = new Set(saved.KASSA_VAULT_KEYS.split(',').map((s) => s.split(':')[0]));
      let spec = newMasterKeySpec();
      for (let n = 2; ids.has(spec.split(':')[0]); n += 1) {
        spec = newMasterKeySpec(`${spec.split(':')[0]?.replace(/-\d+$/, '')}-${n}`);
      }
      saved.KASSA_VAULT_KEYS = `${spec},${saved.KASSA_VAULT_KEYS}`;
      await saveLocalSecrets(dataDir, saved);
      say(`New master key "${spec.split(':')[0]}" added to ${dataDir}/secrets.json.`);
    }
    process.env.KASSA_VAULT_KEYS = saved.KASSA_VAULT_KEYS;
    process.env.KASSA_VAULT_FINGERPRINT_KEY ||= saved.KASSA_VAULT_FINGERPRINT_KEY;
  } else if (options.newKey) {
    warn(
      'KASSA_VAULT_KEYS is set in the environment: put a new key (`kassa vault new-key`) first there instead of --new-key.',
    );
    return undefined;
  }
  const config = loadConfigOrExit(vaultVariables);
  return {
    local,
    keys: parseVaultKeys(config.KASSA_VAULT_KEYS, config.KASSA_VAULT_FINGERPRINT_KEY),
  };
}

/** `kassa vault new-key`: print a new master key in the form KASSA_VAULT_KEYS takes. */
export function newKeyCommand(id?: string): void {
  say(newMasterKeySpec(id));
}

/** `kassa vault status`: the configured keys and how many records (cards, bank accounts) each wraps. */
export async function vaultStatusCommand(): Promise<number> {
  const found = await vaultKeys();
  if (!found) return 1;
  const { keys, local } = found;
  return withDatabase(async (db) => {
    const usage = await new Vault(keys).keyUsage(db.pool);
    say(`Master keys (${local ? 'generated in the data folder' : 'from KASSA_VAULT_KEYS'}):`);
    for (const id of keys.byId.keys()) {
      say(
        `  ${id.padEnd(20)} ${String(usage[id] ?? 0).padStart(8)} records${id === keys.active.id ? '  (active)' : ''}`,
      );
    }
    const unknown = Object.keys(usage).filter((id) => !keys.byId.has(id));
    for (const id of unknown) {
      warn(
        style(
          'red',
          `  ${id.padEnd(20)} ${String(usage[id]).padStart(8)} records  (key not configured: these cannot be read)`,
        ),
      );
    }
    return unknown.length > 0 ? 1 : 0;
  });
}

/**
 * `kassa vault rotate-key`: re-wrap every card's data key under the active (first) master key.
 * Run it after every process has been given the new key set (new first, old after); then the
 * old keys can be removed. Exit 1 if any card could not be re-wrapped.
 */
export async function rotateKeyCommand(options: { newKey?: boolean; batchSize: string }) {
  const found = await vaultKeys({ newKey: options.newKey });
  if (!found) return 1;
  const { keys, local } = found;
  const batchSize = Number(options.batchSize);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
    warn('--batch-size must be an integer from 1 to 10000.');
    return 1;
  }
  return withDatabase(async (db) => {
    const vault = new Vault(keys);
    say(`Re-wrapping data keys under master key "${keys.active.id}"…`);
    const started = Date.now();
    const { rewrapped, failed } = await vault.rotateMasterKey(db.pool, {
      batchSize,
      onProgress: (n) => say(style('dim', `  ${n} re-wrapped`)),
    });
    say(`Re-wrapped ${rewrapped} record(s) (cards, bank accounts) in ${Date.now() - started} ms.`);
    const usage = await vault.keyUsage(db.pool);
    const others = Object.keys(usage).filter((id) => id !== keys.active.id);
    if (failed.length > 0) {
      warn(style('red', `${failed.length} record(s) could not be re-wrapped:`));
      for (const f of failed.slice(0, 20)) warn(`  ${f.id}: ${f.reason}`);
      return 1;
    }
    if (others.length > 0) {
      say(
        `Still under older keys (tokenized meanwhile by a process without the new key?): ${others.join(', ')}. Run again.`,
      );
      return 1;
    }
    say(
      style(
        'green',
        `Every record is under "${keys.active.id}". ${local ? 'Restart `npm start` so every process uses it.' : 'Older keys can now be removed from KASSA_VAULT_KEYS.'}`,
      ),
    );
    return 0;
  });
}
