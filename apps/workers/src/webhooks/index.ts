import { deriveKey, earlierKey } from '@kassa/contracts/keys';
import type { EventBus, Subscription } from '@kassa/ledger';
import { WebhookSigner } from '@kassa/webhooks';
import type pg from 'pg';
import { type DispatcherOptions, WebhookDispatcher } from './dispatcher.ts';
import { fanOut } from './fan-out.ts';

export {
  DestinationForbiddenError,
  type ResolveHost,
  systemResolver,
} from './destinations.ts';
export { type DispatcherOptions, retryDelayMs, WebhookDispatcher } from './dispatcher.ts';
export { fanOut } from './fan-out.ts';

/** The consumer group of the webhooks worker on the event bus. */
export const WEBHOOKS_GROUP = 'webhooks';

export interface WebhooksWorker {
  dispatcher: WebhookDispatcher;
  subscription: Subscription;
  stop(): Promise<void>;
}

/**
 * The webhooks worker: consumes the bus (group `webhooks`, from the beginning of the log, so
 * nothing is missed by a worker deployed after the API) into pending deliveries, and runs the
 * dispatcher that sends them. Any number of workers can run: the bus shares partitions among
 * them and the dispatcher's claims skip each other's rows.
 */
export async function startWebhooksWorker(options: {
  pool: pg.Pool;
  bus: EventBus;
  /** KASSA_SECRET_KEY: the signing key is derived from it (the API derives the same). */
  platformSecret: string;
  /** KASSA_SECRET_KEY_PREVIOUS while it is rotated: deliveries are signed under both roots. */
  previousPlatformSecret?: string;
  /** KASSA_ACCEPT_PRE_HKDF_KEYS while upgrading: deliveries are signed under the old derivation too. */
  acceptPreHkdf?: boolean;
  dispatcher: DispatcherOptions;
}): Promise<WebhooksWorker> {
  const signer = new WebhookSigner(
    deriveKey(options.platformSecret, 'webhook_secret'),
    earlierKey(options.platformSecret, 'webhook_secret', {
      previousRoot: options.previousPlatformSecret,
      acceptPreHkdf: options.acceptPreHkdf,
    }),
  );
  const dispatcher = new WebhookDispatcher(options.pool, signer, options.dispatcher);
  dispatcher.start();
  const subscription = await options.bus.subscribe(
    WEBHOOKS_GROUP,
    async (event) => {
      if ((await fanOut(options.pool, event)) > 0) dispatcher.wake();
    },
    {
      startFrom: 'beginning',
      onError: (err, event) =>
        options.dispatcher.log.error({ err, event: event.id }, 'webhook fan-out failed'),
    },
  );
  return {
    dispatcher,
    subscription,
    async stop() {
      await subscription.stop();
      await dispatcher.stop();
    },
  };
}
