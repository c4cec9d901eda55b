import type { FastifyBaseLogger } from 'fastify';
import type { ApiServices, Context } from '../trpc/init.ts';
import type { Principal } from '../trpc/procedures.ts';

/**
 * A context for work no API key asked for — the 3-D Secure return, the recovery sweep — acting
 * for the merchant and mode of the payment it concerns, under an actor of its own.
 */
export function systemContext(
  services: ApiServices,
  scope: { merchantId: string; livemode: boolean },
  actor: string,
  log: FastifyBaseLogger,
  requestId: string,
): Context & { principal: Principal } {
  return {
    requestId,
    log,
    headers: {},
    setHeader: () => {},
    services,
    db: services.db,
    principal: {
      merchantId: scope.merchantId,
      livemode: scope.livemode,
      keyId: 'system',
      kind: 'secret',
      actor,
    },
  };
}
