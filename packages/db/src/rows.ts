import type {
  CheckoutSessionModel,
  PaymentAttemptModel,
  PaymentIntentModel,
  RefundModel,
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

export type PaymentAttemptRecord = RowOf<PaymentAttemptModel>;
export type PaymentIntentRecord = RowOf<PaymentIntentModel>;
export type RefundRecord = RowOf<RefundModel>;
export type CheckoutSessionRecord = RowOf<CheckoutSessionModel>;

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
