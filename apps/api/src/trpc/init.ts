import type { DatabaseClients } from '@kassa/db';
import { initTRPC } from '@trpc/server';
import type { CreateFastifyContextOptions } from '@trpc/server/adapters/fastify';

/**
 * What every procedure sees. Later issues add the authenticated principal here (merchant key,
 * checkout session, dashboard user) through their middleware chains.
 */
export interface Context {
  requestId: string;
  log: CreateFastifyContextOptions['req']['log'];
  db: DatabaseClients;
}

export function contextFactory(db: DatabaseClients) {
  return ({ req }: CreateFastifyContextOptions): Context => ({
    requestId: req.id,
    log: req.log,
    db,
  });
}

const t = initTRPC.context<Context>().create();

export const router = t.router;
/** No authentication: health and metadata only. */
export const publicProcedure = t.procedure;
