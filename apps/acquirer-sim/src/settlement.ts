import type { Queryable } from '@kassa/db';
import { applyInjections, csvField, type Injection } from './injections.ts';
import { settlementLines } from './store.ts';

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

/**
 * The daily settlement report, as acquirers send them: one line per capture and refund of the
 * UTC day, amounts in minor units. `net` is what moves: a capture pays amount − fee, a refund
 * takes its amount back (the capture's fee is not returned).
 */
export async function settlementCsv(
  db: Queryable,
  day: string,
  injections: readonly Injection[] = [],
): Promise<string> {
  const lines = await settlementLines(db, day);
  const fields = lines.map((line) => {
    const net = line.type === 'capture' ? line.amount - line.fee : -line.amount;
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
    line[9] = (line[1] === 'capture' ? amount - fee : -amount).toString();
    return line.map(csvField).join(',');
  });
  return `${[SETTLEMENT_COLUMNS.join(','), ...rows].join('\r\n')}\r\n`;
}
