import { z } from 'zod';

export const apiKeyKinds = ['secret', 'publishable'] as const;
export const apiKeyModes = ['test', 'live'] as const;
export type ApiKeyKind = (typeof apiKeyKinds)[number];
export type ApiKeyMode = (typeof apiKeyModes)[number];

/** `sk_test_…`, `sk_live_…`, `pk_test_…`, `pk_live_…` followed by 32 base62 characters. */
export const apiKeyPattern = /^(sk|pk)_(test|live)_[0-9A-Za-z]{32}$/;
export const API_KEY_RANDOM_LENGTH = 32;

export const apiKeySchema = z.string().regex(apiKeyPattern, {
  error: 'must be a Kassa API key (sk_test_..., sk_live_..., pk_test_... or pk_live_...)',
});

export function apiKeyTag(kind: ApiKeyKind, mode: ApiKeyMode): string {
  return `${kind === 'secret' ? 'sk' : 'pk'}_${mode}_`;
}
