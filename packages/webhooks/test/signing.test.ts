import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signatureHeader, WebhookSigner } from '../src/index.ts';

describe('WebhookSigner', () => {
  // What deriveKey(root, 'webhook_secret') gives (@kassa/contracts/keys): 32 bytes.
  const signer = new WebhookSigner(randomBytes(32));

  it('derives a stable secret per salt, different per salt and per key', () => {
    const salt = WebhookSigner.newSalt();
    expect(signer.secretFor(salt)).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(signer.secretFor(salt)).toBe(signer.secretFor(salt));
    expect(signer.secretFor(WebhookSigner.newSalt())).not.toBe(signer.secretFor(salt));
    const other = new WebhookSigner(randomBytes(32));
    expect(other.secretFor(salt)).not.toBe(signer.secretFor(salt));
  });

  it('refuses a key that is not a derived one', () => {
    expect(() => new WebhookSigner(Buffer.from('too short'))).toThrow(/deriveKey/);
    expect(() => new WebhookSigner(randomBytes(32), Buffer.alloc(0))).toThrow(/deriveKey/);
  });

  it('signs with the previous secret too until it expires', () => {
    const now = new Date('2026-11-25T12:00:00Z');
    const endpoint = {
      secretSalt: 'new',
      previousSecretSalt: 'old',
      previousExpiresAt: new Date('2026-11-25T13:00:00Z'),
    };
    expect(signer.secretsOf(endpoint, now)).toEqual([
      signer.secretFor('new'),
      signer.secretFor('old'),
    ]);
    expect(signer.secretsOf(endpoint, new Date('2026-11-25T13:00:00Z'))).toEqual([
      signer.secretFor('new'),
    ]);
    expect(
      signer.secretsOf(
        { secretSalt: 'new', previousSecretSalt: null, previousExpiresAt: null },
        now,
      ),
    ).toEqual([signer.secretFor('new')]);
  });

  it('while the root is rotated, signs under the previous root too and shows only the new', () => {
    const previousKey = randomBytes(32);
    const before = new WebhookSigner(previousKey);
    const rotating = new WebhookSigner(randomBytes(32), previousKey);
    const now = new Date('2026-11-25T12:00:00Z');
    const endpoint = { secretSalt: 'salt', previousSecretSalt: null, previousExpiresAt: null };
    // What the receiver was shown before the rotation still verifies; a roll shows the new one.
    expect(rotating.secretsOf(endpoint, now)).toEqual([
      rotating.secretFor('salt'),
      before.secretFor('salt'),
    ]);
    expect(rotating.secretFor('salt')).not.toBe(before.secretFor('salt'));
    // A roll during the rotation: both salts, each under both roots, until the old salt expires.
    const rolled = {
      secretSalt: 'new',
      previousSecretSalt: 'old',
      previousExpiresAt: new Date('2026-11-25T13:00:00Z'),
    };
    expect(rotating.secretsOf(rolled, now)).toEqual([
      rotating.secretFor('new'),
      rotating.secretFor('old'),
      before.secretFor('new'),
      before.secretFor('old'),
    ]);
  });
});

describe('signatureHeader', () => {
  it('is t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<payload>"> per secret', () => {
    const payload = '{"id":"evt_1"}';
    const header = signatureHeader(payload, ['whsec_a', 'whsec_b'], 1_764_000_000);
    const hmac = (secret: string) =>
      createHmac('sha256', secret).update(`1764000000.${payload}`).digest('hex');
    expect(header).toBe(`t=1764000000,v1=${hmac('whsec_a')},v1=${hmac('whsec_b')}`);
  });
});
