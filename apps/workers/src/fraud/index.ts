import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '@kassa/contracts';
import { query, withTransaction } from '@kassa/db';
import type { BusEvent, EventBus, Subscription } from '@kassa/ledger';
import {
  type AnomalyOptions,
  assess,
  type DetectionResult,
  detectAnomalies,
  observePayment,
  RuleCache,
  type ScoringOptions,
  scoreRequestSchema,
} from '@kassa/risk';
import { Cron } from 'croner';
import type pg from 'pg';

/** The consumer group of the fraud service on the event bus. */
export const FRAUD_GROUP = 'fraud';

interface Log {
  info(object: object, message?: string): void;
  warn(object: object, message?: string): void;
  error(object: object, message?: string): void;
}

export interface FraudServiceOptions {
  pool: pg.Pool;
  bus: EventBus;
  clock: Clock;
  log: Log;
  /** The secret callers present (`Authorization: Bearer …`). */
  apiKey: string;
  scoring: ScoringOptions;
  /** Where it listens; port 0 picks a free one. */
  listen: { host: string; port: number };
  /** Judge every merchant's current interval every minute (default true; tests call detectNow). */
  schedule?: boolean;
  anomalies?: AnomalyOptions;
}

export interface FraudService {
  url: string;
  subscription: Subscription;
  /** Runs anomaly detection now (what the schedule runs every minute). */
  detectNow(): Promise<DetectionResult>;
  stop(): Promise<void>;
}

const MAX_BODY = 16 * 1024;

/**
 * The fraud service (docs/risk.md), one process:
 * - `POST /v1/score`: the risk decision on a payment about to be authorized (the API asks it
 *   during confirm). One database round trip for the features, lists and rules, then the score
 *   and the rules in memory. Authenticated by a shared secret, compared in constant time.
 * - its consumer group `fraud` on the event bus (PostgreSQL log or Kafka) keeps the features
 *   current: every payment event records that payment's authorization attempts
 *   (risk_observations) and its authorized amounts (risk_amount_days);
 * - every minute it judges each merchant's current 5-minute interval against its baseline
 *   (@kassa/risk detectAnomalies): a decline or volume spike opens one alert episode, with one
 *   `radar.decline_spike` / `radar.volume_spike` event;
 * - `/healthz` (the process is up) and `/readyz` (its database answers).
 */
export async function startFraudService(options: FraudServiceOptions): Promise<FraudService> {
  const { pool, log } = options;
  const cache = new RuleCache();
  const subscription = await options.bus.subscribe(
    FRAUD_GROUP,
    async (event: BusEvent) => {
      if (!event.type.startsWith('payment_intent.')) return;
      const id = event.stream.startsWith('payment_intent:')
        ? event.stream.slice('payment_intent:'.length)
        : undefined;
      if (!id) throw new Error(`${event.type} ${event.id} is not on a payment's stream`);
      await withTransaction(pool, (tx) => observePayment(tx, id));
    },
    {
      startFrom: 'beginning',
      onError: (err, event) => log.error({ err, event: event.id }, 'risk observation failed'),
    },
  );

  // Anomaly detection: runs never overlap in this process; across processes the episodes'
  // unique index keeps one open per merchant and kind.
  let detecting: Promise<DetectionResult> | undefined;
  const detectNow = (): Promise<DetectionResult> => {
    detecting ??= detectAnomalies(pool, options.clock.now(), options.anomalies).finally(() => {
      detecting = undefined;
    });
    return detecting;
  };
  const job =
    options.schedule === false
      ? undefined
      : new Cron('0 * * * * *', { timezone: 'UTC', protect: true, name: 'anomalies' }, async () => {
          try {
            const result = await detectNow();
            for (const alert of result.opened)
              log.warn({ alert: alert.id, kind: alert.kind }, 'anomaly: alert opened');
          } catch (err) {
            log.error({ err }, 'anomaly detection failed; the next run retries');
          }
        });

  const expectedKey = createHash('sha256').update(options.apiKey).digest();
  const authorized = (request: IncomingMessage): boolean => {
    const header = request.headers.authorization ?? '';
    const presented = header.startsWith('Bearer ') ? header.slice(7) : '';
    return timingSafeEqual(createHash('sha256').update(presented).digest(), expectedKey);
  };

  let stopped = false;
  const send = (response: ServerResponse, status: number, body: unknown) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  };
  const score = async (request: IncomingMessage, response: ServerResponse) => {
    if (!authorized(request))
      return send(response, 401, { error: { code: 'unauthorized', message: 'Bad API key.' } });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of request) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY)
        return send(response, 413, { error: { code: 'too_large', message: 'At most 16 KiB.' } });
      chunks.push(chunk as Buffer);
    }
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return send(response, 400, { error: { code: 'invalid_json', message: 'Not JSON.' } });
    }
    const parsed = scoreRequestSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return send(response, 400, {
        error: {
          code: 'invalid_request',
          message: issue?.message ?? 'invalid',
          param: issue?.path.join('.'),
        },
      });
    }
    const assessment = await assess(pool, parsed.data, options.clock.now(), options.scoring, cache);
    send(response, 200, assessment);
  };

  const server: Server = createServer((request, response) => {
    void (async () => {
      const path = request.url?.split('?')[0];
      try {
        if (request.method === 'POST' && path === '/v1/score')
          return await score(request, response);
        if (request.method === 'GET' && path === '/healthz')
          return send(response, stopped ? 503 : 200, { status: stopped ? 'stopping' : 'ok' });
        if (request.method === 'GET' && path === '/readyz') {
          const [row] = await query<{ ok: number }>(pool, 'SELECT 1 AS ok').catch(() => [
            undefined,
          ]);
          if (!row) return send(response, 503, { status: 'database_unavailable' });
          return send(response, stopped ? 503 : 200, {
            status: stopped ? 'stopping' : 'ready',
            bus: options.bus.transport,
          });
        }
        send(response, 404, { error: { code: 'not_found', message: 'No such route.' } });
      } catch (err) {
        log.error({ err, path }, 'fraud service request failed');
        if (!response.headersSent)
          send(response, 500, { error: { code: 'internal', message: 'Scoring failed.' } });
        else response.destroy();
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.listen.port, options.listen.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = options.listen.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  return {
    url,
    subscription,
    detectNow,
    async stop() {
      stopped = true;
      job?.stop();
      await detecting?.catch(() => undefined);
      await subscription.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
