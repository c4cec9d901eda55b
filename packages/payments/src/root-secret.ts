import { deriveKey, type EarlierKeys, earlierKey } from '@kassa/contracts/keys';
import { WebhookSigner } from '@kassa/webhooks';
import type { PaymentsServices } from './context.ts';

export type RootSecretKeys = Pick<
  PaymentsServices,
  | 'clientSecretKey'
  | 'previousClientSecretKey'
  | 'requestHashKey'
  | 'previousRequestHashKey'
  | 'webhookSigner'
  | 'twoFactorKey'
  | 'previousTwoFactorKey'
>;

/**
 * The services' keys, each derived from the root secret (KASSA_SECRET_KEY) for its one purpose
 * (deriveKey: HKDF), so no two purposes share a key and none is the root. `previousRoot`
 * (KASSA_SECRET_KEY_PREVIOUS) while the root is rotated: what it derived is still accepted —
 * client secrets, retried requests' hashes, webhook signatures — but never issued.
 * `acceptPreHkdf` (KASSA_ACCEPT_PRE_HKDF_KEYS) while upgrading from a Kassa that derived its keys
 * without HKDF: the same grace, for what the old derivation of this root issued.
 * docs/security.md says how to rotate and how to upgrade.
 */
export function keysOfRootSecret(
  root: string,
  previousRoot?: string,
  options: { acceptPreHkdf?: boolean } = {},
): RootSecretKeys {
  const earlier: EarlierKeys = { previousRoot, acceptPreHkdf: options.acceptPreHkdf };
  const previousClientSecretKey = earlierKey(root, 'client_secret', earlier);
  const previousRequestHashKey = earlierKey(root, 'request_hash', earlier);
  const previousTwoFactorKey = earlierKey(root, 'two_factor', earlier);
  return {
    clientSecretKey: deriveKey(root, 'client_secret'),
    requestHashKey: deriveKey(root, 'request_hash'),
    webhookSigner: new WebhookSigner(
      deriveKey(root, 'webhook_secret'),
      earlierKey(root, 'webhook_secret', earlier),
    ),
    ...(previousClientSecretKey && { previousClientSecretKey }),
    twoFactorKey: deriveKey(root, 'two_factor'),
    ...(previousRequestHashKey && { previousRequestHashKey }),
    ...(previousTwoFactorKey && { previousTwoFactorKey }),
  };
}
