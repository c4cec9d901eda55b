import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { deriveKey, KEY_DERIVATION_SALT, type KeyPurpose, keyPurposes } from '../src/keys.ts';

const root = 'a-root-secret-of-at-least-32-characters-0123';

/** RFC 5869 written out with HMAC, to pin the construction another implementation must follow. */
function hkdfByHand(ikm: Buffer, salt: string, info: string, length: number): Buffer {
  const prk = createHmac('sha256', salt).update(ikm).digest();
  const blocks: Buffer[] = [];
  let previous = Buffer.alloc(0);
  for (let i = 1; Buffer.concat(blocks).length < length; i += 1) {
    previous = createHmac('sha256', prk)
      .update(Buffer.concat([previous, Buffer.from(info), Buffer.from([i])]))
      .digest();
    blocks.push(previous);
  }
  return Buffer.concat(blocks).subarray(0, length);
}

describe('deriveKey', () => {
  it('is HKDF-SHA256 of the root, salt kassa-v1, info the purpose', () => {
    expect(KEY_DERIVATION_SALT).toBe('kassa-v1');
    for (const purpose of keyPurposes) {
      expect(deriveKey(root, purpose)).toEqual(
        hkdfByHand(Buffer.from(root), 'kassa-v1', purpose, 32),
      );
      expect(deriveKey(root, purpose, 64)).toEqual(
        hkdfByHand(Buffer.from(root), 'kassa-v1', purpose, 64),
      );
    }
    expect(deriveKey(Buffer.from(root), 'client_secret')).toEqual(deriveKey(root, 'client_secret'));
  });

  it('gives each purpose its own key, none of them the root, the same every time', () => {
    const keys = keyPurposes.map((purpose) => deriveKey(root, purpose).toString('hex'));
    expect(new Set(keys).size).toBe(keyPurposes.length);
    for (const key of keys) {
      expect(key).toHaveLength(64);
      expect(Buffer.from(key, 'hex').includes(Buffer.from(root).subarray(0, 8))).toBe(false);
    }
    expect(keyPurposes.map((purpose) => deriveKey(root, purpose).toString('hex'))).toEqual(keys);
  });

  it('gives a new root new keys for every purpose', () => {
    const rotated = `${root}-rotated`;
    for (const purpose of keyPurposes)
      expect(deriveKey(rotated, purpose)).not.toEqual(deriveKey(root, purpose));
  });

  it('refuses a short root and a purpose it does not know', () => {
    expect(() => deriveKey('short', 'client_secret')).toThrow(/at least 32 bytes/);
    expect(() => deriveKey(root, 'publishable_key' as KeyPurpose)).toThrow(/unknown purpose/);
  });
});
