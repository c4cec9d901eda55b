import type {
  ApiIdempotencyKeyModel,
  ApiKeyModel,
  AuditLogEntryModel,
  BalanceTransactionModel,
  BankAccountModel,
  BusDeadLetterModel,
  BusMemberModel,
  BusOffsetModel,
  BusProcessedEventModel,
  BusRelayOffsetModel,
  CheckoutSessionModel,
  LedgerAccountModel,
  LedgerBalanceModel,
  LedgerChainLinkModel,
  LedgerEntryModel,
  LedgerEventModel,
  LedgerHoldModel,
  LedgerIdempotencyKeyModel,
  LedgerPostingModel,
  LedgerSealQueueModel,
  LedgerStreamModel,
  MembershipModel,
  MerchantFixedFeeModel,
  MerchantModel,
  PaymentAttemptModel,
  PaymentIntentModel,
  PaymentMethodModel,
  PayoutMinimumModel,
  PayoutModel,
  PayoutScheduleModel,
  RefundModel,
  SettlementCloseModel,
  SettlementDayModel,
  UserModel,
  VaultBankAccountModel,
  VaultCardModel,
  WebhookDeliveryModel,
  WebhookEndpointModel,
} from './generated/prisma/models.ts';

/**
 * Row types from one source: schema.prisma. Each table is written once, in schema.prisma; its
 * migration SQL is generated from it (`kassa db new`), and the row a raw query returns is the
 * Prisma model with its fields in snake_case, as every `@map` in the schema names them. Hand-
 * tuned SQL on hot paths types its rows with RowOf (narrowing a status string to its union is
 * fine: `Omit<…, 'status'> & { status: … }`); `AssertSameColumns` makes the typecheck fail when a
 * hand-written row and the schema disagree. The rule is in docs/database.md.
 */
export type Snake<S extends string> = S extends `${infer Head}${infer Tail}`
  ? `${Head extends Lowercase<Head> ? Head : `_${Lowercase<Head>}`}${Snake<Tail>}`
  : S;

/** A Prisma model as the raw row of its table: the same fields, in snake_case. */
export type RowOf<Model> = { [K in keyof Model as Snake<K & string>]: Model[K] };

/*
 * One record per table, as the Prisma model types it. Where pg hands back something else, the
 * row that reads it narrows the field and says why: `Bytes` (Uint8Array) columns arrive as
 * Buffer; `Json` columns arrive parsed, and a row may narrow them to the shape its writer stores.
 * BigInt columns are bigint only through `query()` (packages/db/src/sql.ts parses int8 so);
 * a bare `db.query` returns them as strings.
 */

// Tenants and access.
export type MerchantRecord = RowOf<MerchantModel>;
export type MerchantFixedFeeRecord = RowOf<MerchantFixedFeeModel>;
export type UserRecord = RowOf<UserModel>;
export type MembershipRecord = RowOf<MembershipModel>;
export type ApiKeyRecord = RowOf<ApiKeyModel>;
export type AuditLogEntryRecord = RowOf<AuditLogEntryModel>;

// Ledger: the event store.
export type LedgerEventRecord = RowOf<LedgerEventModel>;
export type LedgerChainLinkRecord = RowOf<LedgerChainLinkModel>;
export type LedgerSealQueueRecord = RowOf<LedgerSealQueueModel>;
export type LedgerStreamRecord = RowOf<LedgerStreamModel>;
export type LedgerIdempotencyKeyRecord = RowOf<LedgerIdempotencyKeyModel>;

// Ledger: the journal.
export type LedgerAccountRecord = RowOf<LedgerAccountModel>;
export type LedgerEntryRecord = RowOf<LedgerEntryModel>;
export type LedgerPostingRecord = RowOf<LedgerPostingModel>;
export type LedgerBalanceRecord = RowOf<LedgerBalanceModel>;
export type LedgerHoldRecord = RowOf<LedgerHoldModel>;

// Event bus.
export type BusOffsetRecord = RowOf<BusOffsetModel>;
export type BusDeadLetterRecord = RowOf<BusDeadLetterModel>;
export type BusMemberRecord = RowOf<BusMemberModel>;
export type BusProcessedEventRecord = RowOf<BusProcessedEventModel>;
export type BusRelayOffsetRecord = RowOf<BusRelayOffsetModel>;

// Payments.
export type PaymentAttemptRecord = RowOf<PaymentAttemptModel>;
export type PaymentIntentRecord = RowOf<PaymentIntentModel>;
export type ApiIdempotencyKeyRecord = RowOf<ApiIdempotencyKeyModel>;
export type VaultCardRecord = RowOf<VaultCardModel>;
export type VaultBankAccountRecord = RowOf<VaultBankAccountModel>;
export type PaymentMethodRecord = RowOf<PaymentMethodModel>;
export type RefundRecord = RowOf<RefundModel>;
export type WebhookEndpointRecord = RowOf<WebhookEndpointModel>;
export type WebhookDeliveryRecord = RowOf<WebhookDeliveryModel>;
export type CheckoutSessionRecord = RowOf<CheckoutSessionModel>;

// Settlement and payouts (date columns are read as text: pg would parse them in local time).
export type PayoutScheduleRecord = RowOf<PayoutScheduleModel>;
export type PayoutMinimumRecord = RowOf<PayoutMinimumModel>;
export type BalanceTransactionRecord = RowOf<BalanceTransactionModel>;
export type PayoutRecord = RowOf<PayoutModel>;
export type BankAccountRecord = RowOf<BankAccountModel>;
export type SettlementCloseRecord = RowOf<SettlementCloseModel>;
export type SettlementDayRecord = RowOf<SettlementDayModel>;

/**
 * Compiles only when `Row` names columns of `Record` and nothing else (`Omitted`: the columns
 * the row leaves out on purpose). Use as `const _: AssertSameColumns<…> = true`.
 */
export type AssertSameColumns<Row, Record, Omitted extends keyof Record = never> = [
  Exclude<keyof Row, keyof Record>,
  Exclude<Exclude<keyof Record, Omitted>, keyof Row>,
] extends [never, never]
  ? true
  : {
      row_only: Exclude<keyof Row, keyof Record>;
      schema_only: Exclude<Exclude<keyof Record, Omitted>, keyof Row>;
    };

/**
 * The columns a list names, as a row type: `AssertSameColumns<ColumnsIn<typeof LIST>, Record,
 * Omitted>` fails the typecheck when a column list of a hand-written statement misspells a
 * column or leaves one out that `Omitted` does not name.
 */
export type ColumnsIn<List extends readonly PropertyKey[]> = { [K in List[number]]: unknown };

/*
 * Statement text from a typed column list, built once at module load (`as const satisfies
 * readonly (keyof XRecord)[]` checks each name against the schema).
 */

/** `$from, $from+1, …`: `count` placeholders of a VALUES list. */
export const placeholders = (count: number, from = 1): string =>
  Array.from({ length: count }, (_, i) => `$${i + from}`).join(', ');

/** `a = $from, b = $from+1, …`: the SET list of an UPDATE. */
export const assignments = (columns: readonly string[], from: number): string =>
  columns.map((column, i) => `${column} = $${i + from}`).join(', ');
