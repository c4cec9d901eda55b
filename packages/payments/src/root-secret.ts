import { deriveKey } from '@kassa/contracts/keys';
import { WebhookSigner } from '@kassa/webhooks';
import type { PaymentsServices } from './context.ts';

export type RootSecretKeys = Pick<
  PaymentsServices,
  | 'clientSecretKey'
  | 'previousClientSecretKey'
  | 'requestHashKey'
  | 'previousRequestHashKey'
  | 'webhookSigner'
>;

/**
 * The services' keys, each derived from the root secret (KASSA_SECRET_KEY) for its one purpose
 * (deriveKey: HKDF), so no two purposes share a key and none is the root. `previousRoot`
 * (KASSA_SECRET_KEY_PREVIOUS) while the root is rotated: what it derived is still accepted —
 * client secrets, retried requests' hashes, webhook signatures — but never issued.
 * docs/security.md says how to rotate.
 */
export function keysOfRootSecret(root: string, previousRoot?: string): RootSecretKeys {
  const previous = previousRoot
    ? {
        clientSecret: deriveKey(previousRoot, 'client_secret'),
        requestHash: deriveKey(previousRoot, 'request_hash'),
        webhookSecret: deriveKey(previousRoot, 'webhook_secret'),
      }
    : undefined;
  return {
    clientSecretKey: deriveKey(root, 'client_secret'),
    requestHashKey: deriveKey(root, 'request_hash'),
    webhookSigner: new WebhookSigner(deriveKey(root, 'webhook_secret'), previous?.webhookSecret),
    ...(previous && {
      previousClientSecretKey: previous.clientSecret,
      previousRequestHashKey: previous.requestHash,
    }),
  };
}
