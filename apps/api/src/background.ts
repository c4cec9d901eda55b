import { resealTwoFactorSecrets } from '@kassa/api';
import { type EventBus, Sealer } from '@kassa/ledger';
import {
  expireAuthorizations,
  expireDueCheckoutSessions,
  type PaymentsServices,
  pruneIdempotencyKeys,
  resumeUnresolvedAttempts,
  syncDisputes,
} from '@kassa/payments';
import { Cron } from 'croner';
import type { FastifyBaseLogger } from 'fastify';

/**
 * What every API process runs beside requests. Each job is safe with several replicas running
 * it at once: the sealer holds an advisory lock, the sweeps take each row under its lock.
 *
 * - the ledger sealer (chains committed events, folds balances), which on Kafka is also the
 *   outbox relay (publishes the sealed log to the topic, one relay at a time across replicas);
 * - every 2 s, the recovery sweep of acquirer attempts whose answer was lost;
 * - every 2 s, the sync of the acquirer's dispute changes (docs/disputes.md);
 * - every minute, the expiry of authorizations not captured in time;
 * - every 30 s, the expiry of checkout sessions past their expires_at;
 * - every hour, the pruning of Idempotency-Keys older than 24 hours;
 * - once, at start, while KASSA_SECRET_KEY is rotated: the dashboard users' TOTP secrets still
 *   sealed under the previous root are sealed again under the new one.
 *
 * Scheduling is croner's, with `protect` so that a slow run is never overlapped by the next.
 */
export function startBackgroundJobs(
  services: PaymentsServices,
  log: FastifyBaseLogger,
  { relay }: { relay?: EventBus } = {},
) {
  const sealer = new Sealer(services.db.pool, {
    relay,
    onError: (err) =>
      log.error({ err }, relay ? 'ledger relay to Kafka failed' : 'ledger sealer failed'),
  });
  void sealer.start();
  if (services.previousTwoFactorKey) {
    void resealTwoFactorSecrets(services.db.pool, services)
      .then((count) => {
        if (count > 0) log.info({ count }, 'two-factor secrets sealed again under the new root');
      })
      .catch((err: unknown) => log.error({ err }, 'sealing two-factor secrets again failed'));
  }
  const options = (name: string) => ({
    name,
    protect: true,
    unref: true,
    catch: (err: unknown) => log.error({ err, job: name }, 'background job failed'),
  });
  const jobs = [
    new Cron('*/2 * * * * *', options('recovery'), () =>
      resumeUnresolvedAttempts(services, log).then(() => {}),
    ),
    new Cron('*/2 * * * * *', options('dispute-sync'), () =>
      syncDisputes(services, log).then((applied) => {
        if (applied > 0) log.info({ applied }, 'dispute changes applied');
      }),
    ),
    new Cron('0 * * * * *', options('authorization-expiry'), () =>
      expireAuthorizations(services, log).then(() => {}),
    ),
    new Cron('*/30 * * * * *', options('checkout-session-expiry'), () =>
      expireDueCheckoutSessions(services, log).then(() => {}),
    ),
    new Cron('0 17 * * * *', options('idempotency-pruning'), () =>
      pruneIdempotencyKeys(services.db.pool).then(() => {}),
    ),
  ];
  return {
    async stop(): Promise<void> {
      for (const job of jobs) job.stop();
      await sealer.stop();
    },
  };
}
