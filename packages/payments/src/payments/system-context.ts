import {
  type DomainContext,
  type Logger,
  newRequestId,
  type PaymentsServices,
} from '../context.ts';

/**
 * A context for work no API key asked for — the 3-D Secure return, the recovery sweep — acting
 * for the merchant and mode of the payment it concerns, under an actor of its own.
 */
export function systemContext(
  services: PaymentsServices,
  scope: { merchantId: string; livemode: boolean },
  actor: string,
  log: Logger,
  requestId: string,
): DomainContext {
  return {
    requestId,
    log,
    services,
    principal: {
      merchantId: scope.merchantId,
      livemode: scope.livemode,
      keyId: 'system',
      kind: 'secret',
      actor,
    },
  };
}

/**
 * A sweep's loop: `work` for each row, each under a system context of the row's merchant and
 * mode (and a request id of its own). A failure is given to `failed` (to log) and left for the
 * next sweep. Returns how many rows the work succeeded for.
 */
export async function sweepEach<Row extends { merchant_id: string; livemode: boolean }>(
  services: PaymentsServices,
  log: Logger,
  rows: readonly Row[],
  actor: string,
  work: (ctx: DomainContext, row: Row) => Promise<unknown>,
  failed: (row: Row, error: unknown) => void,
): Promise<number> {
  let done = 0;
  for (const row of rows) {
    const ctx = systemContext(
      services,
      { merchantId: row.merchant_id, livemode: row.livemode },
      actor,
      log,
      newRequestId(),
    );
    try {
      await work(ctx, row);
      done += 1;
    } catch (error) {
      failed(row, error);
    }
  }
  return done;
}
