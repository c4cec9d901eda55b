import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signatureHeader, WebhookSigner } from '../src/index.ts';

describe('WebhookSigner', () => {
  const signer = new WebhookSigner('a-platform-secret-of-at-least-32-characters');

  it('derives a stable secret per salt, different per salt and per platform secret', () => {
    const salt = WebhookSigner.newSalt();
    expect(signer.secretFor(salt)).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(signer.secretFor(salt)).toBe(signer.secretFor(salt));
    expect(signer.secretFor(WebhookSigner.newSalt())).not.toBe(signer.secretFor(salt));
    const other = new WebhookSigner('another-platform-secret-of-32-characters!');
    expect(other.secretFor(salt)).not.toBe(signer.secretFor(salt));
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
