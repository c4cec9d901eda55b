import { z } from 'zod';

/**
 * The matching engine of reconciliation, pure (no database): lines of an outside file against
 * Kassa's records, by rules that are data. Blnk's reconciliation works the same way: a rule is a
 * list of criteria (field, operator, allowed drift), and a line matches the first record that
 * meets every criterion of the first rule that finds one.
 */

export const matchFields = ['reference', 'kind', 'currency', 'amount'] as const;
export type MatchField = (typeof matchFields)[number];

export const criterionSchema = z
  .object({
    field: z.enum(matchFields),
    operator: z.enum(['equals', 'within']),
    /** `within`: the largest difference allowed, in minor units (amount only). */
    drift: z.number().int().min(0).optional(),
  })
  .strict()
  .refine((c) => c.operator === 'equals' || c.field === 'amount', {
    error: 'only amount can be matched within a drift',
  });
export type Criterion = z.infer<typeof criterionSchema>;

export interface Rule {
  id: string;
  criteria: Criterion[];
}

/** What the engine compares: a line of a file, or one of Kassa's records, in the same terms. */
export interface Matchable {
  reference: string;
  kind: string;
  currency: string;
  /** Positive, minor units. */
  amount: bigint;
}

export interface ExternalLine extends Matchable {
  lineNo: number;
  fee: bigint;
  merchantId: string | null;
  raw: Record<string, string>;
}

export interface Candidate extends Matchable {
  /** The record: `txn_…`, `po_…`, `rcn_…:EUR`. */
  objectId: string;
  merchantId: string | null;
  /**
   * Whether this file is the last one it could be on: if no line matches it, it is missing.
   * A record on the edge of the day may be on the next day's file and waits for that one.
   */
  dueInThisFile: boolean;
}

export type ExceptionKind =
  | 'unmatched_line'
  | 'missing_line'
  | 'amount_mismatch'
  | 'duplicate_line';

export interface MatchException {
  kind: ExceptionKind;
  reference: string;
  currency: string;
  merchantId: string | null;
  expectedAmount: bigint | null;
  actualAmount: bigint | null;
  objectId: string | null;
  lineNo: number | null;
  description: string;
}

export interface MatchResult {
  matches: Array<{ line: ExternalLine; candidate: Candidate; ruleId: string }>;
  exceptions: MatchException[];
}

function meets(line: Matchable, candidate: Matchable, criterion: Criterion): boolean {
  if (criterion.field === 'amount') {
    const difference = line.amount - candidate.amount;
    const drift = BigInt(criterion.operator === 'within' ? (criterion.drift ?? 0) : 0);
    return difference <= drift && -difference <= drift;
  }
  return line[criterion.field] === candidate[criterion.field];
}

const sameLine = (a: ExternalLine, b: ExternalLine) =>
  a.reference === b.reference &&
  a.kind === b.kind &&
  a.currency === b.currency &&
  a.amount === b.amount;

/**
 * Matches each line to one record at most, and each record to one line at most, rule by rule
 * in the order given; then says what is left: a line whose twin matched (duplicate_line), a
 * line and a record with the same reference and kind but different amounts (amount_mismatch),
 * a line of nothing Kassa knows (unmatched_line), a record due in this file that is not on it
 * (missing_line).
 */
export function matchLines(
  lines: readonly ExternalLine[],
  candidates: readonly Candidate[],
  rules: readonly Rule[],
): MatchResult {
  const openLines = new Set(lines);
  const openCandidates = new Set(candidates);
  const matches: MatchResult['matches'] = [];
  for (const rule of rules) {
    for (const line of [...openLines]) {
      for (const candidate of openCandidates) {
        if (rule.criteria.every((criterion) => meets(line, candidate, criterion))) {
          matches.push({ line, candidate, ruleId: rule.id });
          openLines.delete(line);
          openCandidates.delete(candidate);
          break;
        }
      }
    }
  }
  const exceptions: MatchException[] = [];
  for (const line of [...openLines]) {
    if (matches.some((m) => sameLine(m.line, line))) {
      exceptions.push({
        kind: 'duplicate_line',
        reference: line.reference,
        currency: line.currency,
        merchantId: line.merchantId,
        expectedAmount: null,
        actualAmount: line.amount,
        objectId: matches.find((m) => sameLine(m.line, line))?.candidate.objectId ?? null,
        lineNo: line.lineNo,
        description: `Line ${line.lineNo} repeats a line already matched (${line.kind} ${line.reference}).`,
      });
      openLines.delete(line);
      continue;
    }
    const twin = [...openCandidates].find(
      (c) => c.reference === line.reference && c.kind === line.kind && c.currency === line.currency,
    );
    if (twin) {
      exceptions.push({
        kind: 'amount_mismatch',
        reference: line.reference,
        currency: line.currency,
        merchantId: twin.merchantId ?? line.merchantId,
        expectedAmount: twin.amount,
        actualAmount: line.amount,
        objectId: twin.objectId,
        lineNo: line.lineNo,
        description: `Line ${line.lineNo} (${line.kind} ${line.reference}) says ${line.amount}; Kassa has ${twin.amount}.`,
      });
      openLines.delete(line);
      openCandidates.delete(twin);
      continue;
    }
    exceptions.push({
      kind: 'unmatched_line',
      reference: line.reference,
      currency: line.currency,
      merchantId: line.merchantId,
      expectedAmount: null,
      actualAmount: line.amount,
      objectId: null,
      lineNo: line.lineNo,
      description: `Line ${line.lineNo} (${line.kind} ${line.reference}, ${line.amount}) matches nothing Kassa has.`,
    });
  }
  for (const candidate of openCandidates) {
    if (!candidate.dueInThisFile) continue;
    exceptions.push({
      kind: 'missing_line',
      reference: candidate.reference,
      currency: candidate.currency,
      merchantId: candidate.merchantId,
      expectedAmount: candidate.amount,
      actualAmount: null,
      objectId: candidate.objectId,
      lineNo: null,
      description: `Kassa's ${candidate.kind} ${candidate.reference} (${candidate.amount}) is not in the file.`,
    });
  }
  return { matches, exceptions };
}
