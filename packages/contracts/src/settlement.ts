import { z } from 'zod';
import { idSchema } from './ids.ts';
import { listOf, oneCursorOnly, paginationShape } from './lists.ts';
import { metadataSchema } from './metadata.ts';
import { amountSchema, apiCurrencySchema } from './money.ts';

/** A settlement day, as the API writes one: `YYYY-MM-DD` (a UTC calendar date). */
export const settlementDaySchema = z
  .string({ error: 'must be a date such as "2026-12-05"' })
  .regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'must be a date such as "2026-12-05"' })
  .refine((day) => new Date(`${day}T00:00:00Z`).toISOString().startsWith(day), {
    error: 'must be a real calendar date',
  });

export const balanceTransactionTypes = [
  'charge',
  'refund',
  'payout',
  'payout_failure',
  'adjustment',
  'dispute',
] as const;
export type BalanceTransactionType = (typeof balanceTransactionTypes)[number];
export const balanceTransactionStatuses = ['pending', 'available'] as const;

export const balanceTransactionId = idSchema('balanceTransaction');
export const payoutId = idSchema('payout');

export const feeDetailSchema = z.object({
  type: z.enum(['kassa_fee']),
  amount: z.number().int(),
  currency: z.string(),
  description: z.string(),
});

/**
 * A movement of the merchant's money, as Stripe's balance transactions: gross `amount`, `fee`,
 * `net` = amount − fee (negative for refunds and payouts), `status` pending until the funds are
 * `available_on` (a date, YYYY-MM-DD) and the day's close has made them available.
 */
export const balanceTransactionSchema = z.object({
  id: z.string(),
  object: z.literal('balance_transaction'),
  type: z.enum(balanceTransactionTypes),
  amount: z.number().int(),
  fee: z.number().int(),
  fee_details: z.array(feeDetailSchema),
  net: z.number().int(),
  currency: z.string(),
  status: z.enum(balanceTransactionStatuses),
  available_on: z.string(),
  /** The object that moved the money: `pi_…`, `re_…`, `po_…`. */
  source: z.string(),
  /** The payout that paid it out (a payout's own transaction names the payout), or null. */
  payout: z.string().nullable(),
  /** The journal entry behind it (`je_…`): every movement is one entry of the ledger. */
  ledger_entry: z.string(),
  livemode: z.boolean(),
  created: z.number().int(),
});
export type BalanceTransaction = z.infer<typeof balanceTransactionSchema>;

/** A date range filter on `available_on`. */
const dayRangeSchema = z
  .object({
    gt: settlementDaySchema.optional(),
    gte: settlementDaySchema.optional(),
    lt: settlementDaySchema.optional(),
    lte: settlementDaySchema.optional(),
  })
  .strict();

export const listBalanceTransactionsInput = oneCursorOnly(
  z
    .object({
      ...paginationShape(balanceTransactionId),
      type: z.enum(balanceTransactionTypes).optional(),
      payout: payoutId.optional(),
      source: z.string().min(1).max(100).optional(),
      currency: apiCurrencySchema.optional(),
      available_on: dayRangeSchema.optional(),
    })
    .strict(),
).default({ limit: 10 });

export const retrieveBalanceTransactionInput = z.object({ id: balanceTransactionId }).strict();
export const balanceTransactionListSchema = listOf(balanceTransactionSchema);
export type ListBalanceTransactionsInput = NonNullable<
  z.input<typeof listBalanceTransactionsInput>
>;

export const payoutStatuses = ['pending', 'in_transit', 'paid', 'failed', 'canceled'] as const;
export type PayoutStatus = (typeof payoutStatuses)[number];

export const payoutSchema = z.object({
  id: z.string(),
  object: z.literal('payout'),
  amount: z.number().int(),
  currency: z.string(),
  status: z.enum(payoutStatuses),
  /** Made by the daily close (true) or by payouts.create (false). */
  automatic: z.boolean(),
  arrival_date: z.string(),
  /** The settlement day whose close made it (automatic payouts), YYYY-MM-DD. */
  settlement_day: z.string().nullable(),
  failure_code: z.string().nullable(),
  failure_message: z.string().nullable(),
  balance_transaction: z.string(),
  /** The bank account (`ba_…`) it is paid into. */
  destination: z.string().nullable(),
  description: z.string().nullable(),
  metadata: z.record(z.string(), z.string()),
  livemode: z.boolean(),
  created: z.number().int(),
});
export type Payout = z.infer<typeof payoutSchema>;

/**
 * payouts.create: pay out the whole available balance in `currency` by hand (merchants on the
 * manual schedule). `amount` is the balance the caller saw and confirms: if the balance has
 * changed since, the payout is refused (`balance_changed`) rather than paying a surprise.
 */
export const createPayoutInput = z
  .object({
    amount: amountSchema,
    currency: apiCurrencySchema,
    description: z.string().max(200).optional(),
    metadata: metadataSchema.optional(),
  })
  .strict();

export const retrievePayoutInput = z.object({ id: payoutId }).strict();

export const listPayoutsInput = oneCursorOnly(
  z
    .object({
      ...paginationShape(payoutId),
      status: z.enum(payoutStatuses).optional(),
      currency: apiCurrencySchema.optional(),
    })
    .strict(),
).default({ limit: 10 });
export const payoutListSchema = listOf(payoutSchema);
export type CreatePayoutInput = z.input<typeof createPayoutInput>;
export type ListPayoutsInput = NonNullable<z.input<typeof listPayoutsInput>>;

export const payoutIntervals = ['daily', 'weekly', 'monthly', 'manual'] as const;
export const weekdays = [
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
  'sunday',
] as const;

/** A merchant's payout schedule in one mode, as the API shows and takes it (Stripe's shape). */
export const payoutScheduleSchema = z.object({
  interval: z.enum(payoutIntervals),
  /** weekly: the day payouts are made. */
  weekly_anchor: z.enum(weekdays).nullable(),
  /** monthly: the day of the month (a shorter month pays on its last day). */
  monthly_anchor: z.number().int().min(1).max(31).nullable(),
  /** Days after a payment's settlement day before its funds are available. */
  delay_days: z.number().int().min(0).max(30),
  /** The smallest automatic payout per currency (lower case), in minor units. */
  minimum_amounts: z.record(z.string(), z.number().int()),
});
export type PayoutSchedule = z.infer<typeof payoutScheduleSchema>;

export const updatePayoutScheduleInput = z
  .object({
    interval: z.enum(payoutIntervals),
    /** Required with `weekly`, refused otherwise. */
    weekly_anchor: z.enum(weekdays).optional(),
    /** Required with `monthly`, refused otherwise. */
    monthly_anchor: z.number().int().min(1).max(31).optional(),
    delay_days: z.number().int().min(0).max(30).optional(),
    /** Per currency (e.g. `{ usd: 1000 }`); null removes that currency's minimum. */
    minimum_amounts: z.record(z.string(), amountSchema.nullable()).optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    for (const [interval, anchor] of [
      ['weekly', 'weekly_anchor'],
      ['monthly', 'monthly_anchor'],
    ] as const) {
      if (v.interval === interval && v[anchor] === undefined)
        ctx.addIssue({
          code: 'custom',
          path: [anchor],
          message: `required when interval is ${interval}`,
        });
      if (v.interval !== interval && v[anchor] !== undefined)
        ctx.addIssue({ code: 'custom', path: [anchor], message: `only with interval ${interval}` });
    }
    for (const currency of Object.keys(v.minimum_amounts ?? {})) {
      if (!apiCurrencySchema.safeParse(currency).success || currency !== currency.toLowerCase())
        ctx.addIssue({
          code: 'custom',
          path: ['minimum_amounts', currency],
          message: 'must be keyed by a supported currency code in lower case, such as "usd"',
        });
    }
  });
export type UpdatePayoutScheduleInput = z.input<typeof updatePayoutScheduleInput>;

export const bankAccountId = idSchema('bankAccount');

/** Where payouts in one currency go. The account number is in the vault: only its last 4 here. */
export const bankAccountSchema = z.object({
  id: z.string(),
  object: z.literal('bank_account'),
  currency: z.string(),
  country: z.string(),
  account_holder_name: z.string(),
  bank_name: z.string().nullable(),
  routing_number: z.string().nullable(),
  last4: z.string(),
  /** Tells your accounts apart (the same account added twice has the same fingerprint). */
  fingerprint: z.string(),
  /** `errored` once a payout to it failed for a reason of the account (closed, no such account). */
  status: z.enum(['new', 'verified', 'errored']),
  default_for_currency: z.boolean(),
  livemode: z.boolean(),
  created: z.number().int(),
});
export type BankAccount = z.infer<typeof bankAccountSchema>;

export const createBankAccountInput = z
  .object({
    currency: apiCurrencySchema,
    country: z
      .string()
      .regex(/^[A-Za-z]{2}$/, { error: 'must be a two-letter country code such as "US"' })
      .transform((c) => c.toUpperCase()),
    account_holder_name: z.string().trim().min(1).max(200),
    bank_name: z.string().trim().min(1).max(200).optional(),
    /** 9 digits (ABA routing number) where the country uses one. */
    routing_number: z
      .string()
      .regex(/^\d{9}$/, { error: 'must be 9 digits' })
      .optional(),
    account_number: z.string().regex(/^\d{4,17}$/, { error: 'must be 4 to 17 digits' }),
    /** Make it the account payouts in its currency go to (the first one of a currency always is). */
    default_for_currency: z.boolean().optional(),
  })
  .strict();
export type CreateBankAccountInput = z.input<typeof createBankAccountInput>;

export const bankAccountIdInput = z.object({ id: bankAccountId }).strict();

export const reconciliationExceptionKinds = [
  'unmatched_line',
  'missing_line',
  'amount_mismatch',
  'duplicate_line',
] as const;
export const reconciliationExceptionId = idSchema('reconciliationException');

/** Something that did not reconcile between Kassa's records and an outside file. */
export const reconciliationExceptionSchema = z.object({
  id: z.string(),
  object: z.literal('reconciliation_exception'),
  source: z.enum(['acquirer_report', 'bank_statement']),
  /** The file's day, YYYY-MM-DD. */
  day: z.string(),
  kind: z.enum(reconciliationExceptionKinds),
  /** The payment (`pi_…`) or payout (`po_…`) the line or record is about. */
  reference: z.string(),
  currency: z.string(),
  /** Kassa's amount, and the file's, where there is one (minor units). */
  expected_amount: z.number().int().nullable(),
  actual_amount: z.number().int().nullable(),
  /** Kassa's record: a balance transaction (`txn_…`) or a payout (`po_…`). */
  object_id: z.string().nullable(),
  line: z.number().int().nullable(),
  description: z.string(),
  status: z.enum(['open', 'resolved']),
  resolution: z
    .object({ note: z.string(), resolved_by: z.string(), resolved_at: z.number().int() })
    .nullable(),
  livemode: z.boolean(),
  created: z.number().int(),
});
export type ReconciliationException = z.infer<typeof reconciliationExceptionSchema>;

export const listReconciliationExceptionsInput = oneCursorOnly(
  z
    .object({
      ...paginationShape(reconciliationExceptionId),
      status: z.enum(['open', 'resolved']).optional(),
      kind: z.enum(reconciliationExceptionKinds).optional(),
      day: settlementDaySchema.optional(),
    })
    .strict(),
).default({ limit: 10 });

export const resolveReconciliationExceptionInput = z
  .object({
    id: reconciliationExceptionId,
    /** Why it is resolved: what was found and done. Kept with who and when (and audit-logged). */
    note: z.string().trim().min(3).max(2000),
  })
  .strict();
export const retrieveReconciliationExceptionInput = z
  .object({ id: reconciliationExceptionId })
  .strict();
export const reconciliationExceptionListSchema = listOf(reconciliationExceptionSchema);
export type ListReconciliationExceptionsInput = NonNullable<
  z.input<typeof listReconciliationExceptionsInput>
>;
