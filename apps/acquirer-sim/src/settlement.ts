import { type Queryable, query } from '@kassa/db';
import { decideDue } from './disputes.ts';
import { applyInjections, csvField, type Injection } from './injections.ts';

export const SETTLEMENT_COLUMNS = [
  'settled_at',
  'type',
  'operation_id',
  'authorization_id',
  'merchant',
  'reference',
  'currency',
  'amount',
  'fee',
  'net',
] as const;

/** The kinds of settlement report lines, and which way each moves money for the platform. */
export const SETTLEMENT_LINE_SIGNS = {
  capture: 1n,
  refund: -1n,
  chargeback: -1n,
  chargeback_reversal: 1n,
} as const;
export type SettlementLineType = keyof typeof SETTLEMENT_LINE_SIGNS;

export interface SettlementLine {
  created_at: Date;
  type: SettlementLineType;
  id: string;
  authorization_id: string;
  merchant: string;
  reference: string;
  currency: string;
  amount: bigint;
  fee: bigint;
}

/**
 * The money movements of one UTC day, in the order they happened: captures and refunds, and the
 * disputes' chargebacks (when a dispute opens; an inquiry moves no money) and their reversals
 * (when one is won). Disputes due to be decided must have been decided first (decideDue).
 */
export async function settlementLines(db: Queryable, day: string): Promise<SettlementLine[]> {
  return query<SettlementLine>(
    db,
    `WITH lines AS (
       SELECT o.created_at, o.type, o.id, o.authorization_id, a.merchant, a.reference, o.currency, o.amount, o.fee
         FROM acquirer_sim.operations o JOIN acquirer_sim.authorizations a ON a.id = o.authorization_id
        WHERE o.type IN ('capture', 'refund')
       UNION ALL
       SELECT created_at, 'chargeback', id, authorization_id, merchant, reference, currency, amount, fee
         FROM acquirer_sim.disputes WHERE status NOT LIKE 'warning%'
       UNION ALL
       SELECT decided_at, 'chargeback_reversal', id || '_reversal', authorization_id, merchant, reference,
              currency, amount, 0
         FROM acquirer_sim.disputes WHERE status = 'won'
     )
     SELECT * FROM lines
      WHERE created_at >= ($1::date)::timestamp AT TIME ZONE 'UTC'
        AND created_at < ($1::date + 1)::timestamp AT TIME ZONE 'UTC'
      ORDER BY created_at, id`,
    [day],
  );
}

/**
 * What the acquirer settles for `day`, per currency: the sum of the day's line nets (the bank
 * statement of the next day credits it, or debits it when negative). Decides due disputes first.
 */
export async function settlementNets(
  db: Queryable,
  day: string,
  now: Date,
): Promise<Map<string, bigint>> {
  await decideDue(db, now);
  const nets = new Map<string, bigint>();
  for (const line of await settlementLines(db, day))
    nets.set(
      line.currency,
      (nets.get(line.currency) ?? 0n) + netOf(line.type, line.amount, line.fee),
    );
  return nets;
}

/** What a line moves: its amount, signed by its type, less the acquirer's fee. */
const netOf = (type: string, amount: bigint, fee: bigint) =>
  SETTLEMENT_LINE_SIGNS[type as SettlementLineType] * amount - fee;

/**
 * The daily settlement report, as acquirers send them: one line per money movement of the UTC
 * day, amounts in minor units. `net` is what moves: a capture pays amount − fee, a refund takes
 * its amount back (the capture's fee is not returned), a chargeback takes a disputed amount back
 * and charges the chargeback fee, a chargeback reversal (a dispute won) pays the amount again.
 */
export async function settlementCsv(
  db: Queryable,
  day: string,
  now: Date,
  injections: readonly Injection[] = [],
): Promise<string> {
  await decideDue(db, now);
  const lines = await settlementLines(db, day);
  const fields = lines.map((line) => {
    const net = netOf(line.type, line.amount, line.fee);
    return [
      line.created_at.toISOString(),
      line.type,
      line.id,
      line.authorization_id,
      line.merchant,
      line.reference,
      line.currency,
      line.amount.toString(),
      line.fee.toString(),
      net.toString(),
    ];
  });
  // A wrong amount is the line's amount; its net follows from it as for any line.
  const rows = applyInjections(fields, injections, 'settlement', {
    reference: 5,
    type: 1,
    amounts: [7],
  }).map((line) => {
    const [amount, fee] = [BigInt(line[7] as string), BigInt(line[8] as string)];
    line[9] = netOf(line[1] as string, amount, fee).toString();
    return line.map(csvField).join(',');
  });
  return `${[SETTLEMENT_COLUMNS.join(','), ...rows].join('\r\n')}\r\n`;
}
