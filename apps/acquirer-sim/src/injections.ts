import { z } from 'zod';

/**
 * Faults the simulator writes into its files on request (`POST /_control { inject: [...] }`), for
 * reconciliation's tests and demos: a line left out, a line with a wrong amount, a line twice.
 * A fault names its file, the line's reference (Kassa's id: `pi_…` in the settlement report,
 * `po_…` or `acquirer_settlement:<day>:<currency>` on the statement) and, in the settlement
 * report, optionally the line's type (capture, refund, chargeback, chargeback_reversal).
 */
export const injectionSchema = z
  .object({
    file: z.enum(['settlement', 'statement']),
    kind: z.enum(['missing', 'wrong_amount', 'duplicate']),
    reference: z.string().min(1).max(200),
    type: z.enum(['capture', 'refund', 'chargeback', 'chargeback_reversal']).optional(),
    /** wrong_amount: added to the line's amount (and net), in minor units; default 1. */
    delta: z.number().int().optional(),
  })
  .strict();
export type Injection = z.infer<typeof injectionSchema>;

export function applyInjections(
  lines: string[][],
  injections: readonly Injection[],
  file: Injection['file'],
  columns: { reference: number; amounts: number[]; type?: number },
): string[][] {
  let out = lines;
  for (const injection of injections.filter((i) => i.file === file)) {
    const hits = (line: string[]) =>
      line[columns.reference] === injection.reference &&
      (injection.type === undefined ||
        columns.type === undefined ||
        line[columns.type] === injection.type);
    if (injection.kind === 'missing') out = out.filter((line) => !hits(line));
    else if (injection.kind === 'duplicate')
      out = out.flatMap((line) => (hits(line) ? [line, [...line]] : [line]));
    else {
      const delta = BigInt(injection.delta ?? 1);
      out = out.map((line) => {
        if (!hits(line)) return line;
        const changed = [...line];
        for (const column of columns.amounts)
          changed[column] = (BigInt(changed[column] as string) + delta).toString();
        return changed;
      });
    }
  }
  return out;
}

export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
