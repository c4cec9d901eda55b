import { newId } from '@kassa/contracts';
import { type Queryable, query, withTransaction } from '@kassa/db';
import { appendToStream, type JsonObject } from '@kassa/ledger';
import type pg from 'pg';
import { ANOMALY_INTERVAL_MINUTES } from './observations.ts';

/**
 * Anomaly detection (Radar's alerts). Per merchant and mode, each 5-minute interval's volume
 * (authorization attempts) and decline rate are compared with the same merchant's rolling
 * baseline, the `baselineIntervals` before it (an interval without attempts counts as zero
 * volume and has no rate). More than `sigmas` standard deviations above the mean opens an
 * episode: one risk_alerts row and one event (`radar.decline_spike`, `radar.volume_spike`), and
 * the dashboard's notice, however many payments the spike lasts. The episode closes, silently,
 * once a whole interval after it and the current one are back within their baselines.
 *
 * Rates and deviations are statistics, computed in floating point; no money is.
 */
export interface AnomalyOptions {
  /** Intervals of baseline before the one judged (12 × 5 min: the last hour). */
  baselineIntervals: number;
  /** Intervals of that baseline with attempts needed before anything is judged. */
  minActiveIntervals: number;
  /** Attempts an interval needs before its rate or volume is judged. */
  minAttempts: number;
  sigmas: number;
  /**
   * The least deviation assumed, so that a flat baseline (every interval 2% declined) does not
   * make one extra decline a spike: 0.05 of rate, 2 attempts of volume.
   */
  minRateDeviation: number;
  minVolumeDeviation: number;
}

export const DEFAULT_ANOMALY_OPTIONS: AnomalyOptions = {
  baselineIntervals: 12,
  minActiveIntervals: 3,
  minAttempts: 10,
  sigmas: 3,
  minRateDeviation: 0.05,
  minVolumeDeviation: 2,
};

export type AlertKind = 'decline_spike' | 'volume_spike';

interface Slot {
  attempts: number;
  declines: number;
}

export interface Judgement {
  kind: AlertKind;
  spike: boolean;
  observed: number;
  mean: number;
  deviation: number;
  threshold: number;
  attempts: number;
  declines: number;
}

function stats(values: number[]): { mean: number; deviation: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
  return { mean, deviation: Math.sqrt(variance) };
}

/** The judgement of one interval against the `baseline` slots before it (oldest first). */
export function judge(
  current: Slot,
  baseline: Slot[],
  options: AnomalyOptions = DEFAULT_ANOMALY_OPTIONS,
): Judgement[] | undefined {
  const active = baseline.filter((s) => s.attempts > 0);
  if (active.length < options.minActiveIntervals || current.attempts < options.minAttempts)
    return undefined;
  const rates = stats(active.map((s) => s.declines / s.attempts));
  const volumes = stats(baseline.map((s) => s.attempts));
  const rate = current.declines / current.attempts;
  const rateDeviation = Math.max(rates.deviation, options.minRateDeviation);
  const volumeDeviation = Math.max(volumes.deviation, options.minVolumeDeviation);
  const common = { attempts: current.attempts, declines: current.declines };
  return [
    {
      kind: 'decline_spike',
      spike: rate > rates.mean + options.sigmas * rateDeviation,
      observed: rate,
      mean: rates.mean,
      deviation: rates.deviation,
      threshold: rates.mean + options.sigmas * rateDeviation,
      ...common,
    },
    {
      kind: 'volume_spike',
      spike: current.attempts > volumes.mean + options.sigmas * volumeDeviation,
      observed: current.attempts,
      mean: volumes.mean,
      deviation: volumes.deviation,
      threshold: volumes.mean + options.sigmas * volumeDeviation,
      ...common,
    },
  ];
}

const INTERVAL_MS = ANOMALY_INTERVAL_MINUTES * 60_000;
const startOf = (at: Date) => new Date(Math.floor(at.getTime() / INTERVAL_MS) * INTERVAL_MS);

export interface AlertView {
  id: string;
  object: 'radar.alert';
  kind: AlertKind;
  livemode: boolean;
  /** The interval that raised it (Unix seconds) and its length. */
  interval_start: number;
  interval_minutes: number;
  attempts: number;
  declines: number;
  /**
   * What was measured (a decline rate, or a number of attempts) and its baseline, as decimal
   * strings to 4 places: statistics, not amounts (events carry no floating-point numbers).
   */
  observed: string;
  baseline: { mean: string; deviation: string; threshold: string };
  opened_at: number;
  closed_at: number | null;
}

const decimal = (n: number) => n.toFixed(4);
const seconds = (d: Date) => Math.floor(d.getTime() / 1000);

export interface AlertRow {
  id: string;
  merchant_id: string;
  livemode: boolean;
  kind: AlertKind;
  interval_at: Date;
  observed: Omit<Judgement, 'kind' | 'spike'>;
  opened_at: Date;
  closed_at: Date | null;
}

export function alertView(row: AlertRow): AlertView {
  return {
    id: row.id,
    object: 'radar.alert',
    kind: row.kind,
    livemode: row.livemode,
    interval_start: seconds(row.interval_at),
    interval_minutes: ANOMALY_INTERVAL_MINUTES,
    attempts: row.observed.attempts,
    declines: row.observed.declines,
    observed: decimal(row.observed.observed),
    baseline: {
      mean: decimal(row.observed.mean),
      deviation: decimal(row.observed.deviation),
      threshold: decimal(row.observed.threshold),
    },
    opened_at: seconds(row.opened_at),
    closed_at: row.closed_at ? seconds(row.closed_at) : null,
  };
}

export interface DetectionResult {
  opened: AlertView[];
  closed: string[];
  judged: number;
}

/**
 * Judges the current interval (at `now`, partial) of every merchant with attempts in it or an
 * open episode; opens episodes for spikes, closes those that are over. Safe to run any number of
 * times, by any number of processes: one open episode per merchant, mode and kind (a unique
 * index), and its event is appended in the same transaction as its row.
 */
export async function detectAnomalies(
  pool: pg.Pool,
  now: Date,
  options: AnomalyOptions = DEFAULT_ANOMALY_OPTIONS,
): Promise<DetectionResult> {
  const current = startOf(now);
  const from = new Date(current.getTime() - (options.baselineIntervals + 1) * INTERVAL_MS);
  const rows = await query<{
    merchant_id: string;
    livemode: boolean;
    starts_at: Date;
    attempts: number;
    declines: number;
  }>(
    pool,
    `SELECT i.merchant_id, i.livemode, i.starts_at, i.attempts, i.declines
       FROM risk_intervals i
      WHERE i.starts_at >= $1 AND i.starts_at <= $2
        AND (EXISTS (SELECT 1 FROM risk_intervals c WHERE c.merchant_id = i.merchant_id
                       AND c.livemode = i.livemode AND c.starts_at = $2)
             OR EXISTS (SELECT 1 FROM risk_alerts a WHERE a.merchant_id = i.merchant_id
                       AND a.livemode = i.livemode AND a.closed_at IS NULL))`,
    [from, current],
  );
  const open = await query<AlertRow>(
    pool,
    `SELECT id, merchant_id, livemode, kind, interval_at, observed, opened_at, closed_at
       FROM risk_alerts WHERE closed_at IS NULL`,
  );
  const units = new Map<
    string,
    { merchantId: string; livemode: boolean; slots: Map<number, Slot> }
  >();
  const unitOf = (merchantId: string, livemode: boolean) => {
    const key = `${merchantId}:${livemode}`;
    let unit = units.get(key);
    if (!unit) {
      unit = { merchantId, livemode, slots: new Map() };
      units.set(key, unit);
    }
    return unit;
  };
  for (const row of rows)
    unitOf(row.merchant_id, row.livemode).slots.set(row.starts_at.getTime(), {
      attempts: row.attempts,
      declines: row.declines,
    });
  for (const alert of open) unitOf(alert.merchant_id, alert.livemode);

  const result: DetectionResult = { opened: [], closed: [], judged: 0 };
  for (const unit of units.values()) {
    const slotAt = (start: number): Slot => unit.slots.get(start) ?? { attempts: 0, declines: 0 };
    const judgeAt = (start: number) =>
      judge(
        slotAt(start),
        Array.from({ length: options.baselineIntervals }, (_, i) =>
          slotAt(start - (options.baselineIntervals - i) * INTERVAL_MS),
        ),
        options,
      );
    const now_ = judgeAt(current.getTime());
    const previous = judgeAt(current.getTime() - INTERVAL_MS);
    if (now_) result.judged += 1;
    for (const kind of ['decline_spike', 'volume_spike'] as const) {
      const judgement = now_?.find((j) => j.kind === kind);
      const episode = open.find(
        (a) => a.merchant_id === unit.merchantId && a.livemode === unit.livemode && a.kind === kind,
      );
      if (judgement?.spike && !episode) {
        const opened = await openAlert(pool, unit, judgement, current, now);
        if (opened) result.opened.push(opened);
        continue;
      }
      if (!episode || judgement?.spike) continue;
      // Over once a whole interval after the one that raised it was calm, and this one is.
      const previousStart = current.getTime() - INTERVAL_MS;
      const calmBefore = previous?.find((j) => j.kind === kind)?.spike !== true;
      if (previousStart > episode.interval_at.getTime() && calmBefore) {
        await query(
          pool,
          'UPDATE risk_alerts SET closed_at = $2 WHERE id = $1 AND closed_at IS NULL',
          [episode.id, now],
        );
        result.closed.push(episode.id);
      }
    }
  }
  return result;
}

async function openAlert(
  pool: pg.Pool,
  unit: { merchantId: string; livemode: boolean },
  judgement: Judgement,
  interval: Date,
  now: Date,
): Promise<AlertView | undefined> {
  const { kind, spike: _, ...observed } = judgement;
  return withTransaction(pool, async (tx: Queryable) => {
    const [row] = await query<AlertRow>(
      tx,
      `INSERT INTO risk_alerts (id, merchant_id, livemode, kind, interval_at, observed, opened_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (merchant_id, livemode, kind) WHERE closed_at IS NULL DO NOTHING
       RETURNING id, merchant_id, livemode, kind, interval_at, observed, opened_at, closed_at`,
      [
        newId('riskAlert'),
        unit.merchantId,
        unit.livemode,
        kind,
        interval,
        JSON.stringify(observed),
        now,
      ],
    );
    if (!row) return undefined; // another process opened this episode a moment ago
    const view = alertView(row);
    await appendToStream(tx, {
      occurredAt: now,
      stream: `radar_alert:${row.id}`,
      expectedVersion: 'no_stream',
      merchantId: unit.merchantId,
      events: [
        {
          type: `radar.${kind}`,
          data: { object: view as unknown as JsonObject },
          metadata: { actor: 'system:fraud_service' },
        },
      ],
    });
    return view;
  });
}

/** A merchant's alerts, newest first (open ones only unless `all`). */
export async function listAlerts(
  db: Queryable,
  principal: { merchantId: string; livemode: boolean },
  options: { open: boolean; limit: number },
): Promise<AlertView[]> {
  const rows = await query<AlertRow>(
    db,
    `SELECT id, merchant_id, livemode, kind, interval_at, observed, opened_at, closed_at
       FROM risk_alerts WHERE merchant_id = $1 AND livemode = $2 AND ($3 = false OR closed_at IS NULL)
      ORDER BY opened_at DESC, id DESC LIMIT $4`,
    [principal.merchantId, principal.livemode, options.open, options.limit],
  );
  return rows.map(alertView);
}
