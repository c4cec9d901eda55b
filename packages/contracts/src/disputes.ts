import { z } from 'zod';
import { idSchema } from './ids.ts';
import { listOf, oneCursorOnly, paginationShape } from './lists.ts';

export const disputeId = idSchema('dispute');

export const disputeStatuses = [
  'needs_response',
  'under_review',
  'won',
  'lost',
  'warning_needs_response',
  'warning_under_review',
  'warning_closed',
] as const;
export type DisputeStatus = (typeof disputeStatuses)[number];

/** The evidence a merchant can give, as Stripe names it: text fields and files (`file_…`). */
export const disputeEvidenceTextFields = [
  'customer_name',
  'customer_email_address',
  'billing_address',
  'product_description',
  'shipping_address',
  'shipping_carrier',
  'shipping_tracking_number',
  'shipping_date',
  'refund_policy_disclosure',
  'cancellation_policy_disclosure',
  'uncategorized_text',
] as const;
export const disputeEvidenceFileFields = [
  'receipt',
  'customer_communication',
  'shipping_documentation',
  'uncategorized_file',
] as const;

const evidenceShape = Object.fromEntries([
  ...disputeEvidenceTextFields.map((f) => [
    f,
    z.string().max(20_000, { error: 'must be at most 20000 characters' }).optional(),
  ]),
  ...disputeEvidenceFileFields.map((f) => [f, idSchema('file').optional()]),
]) as Record<
  (typeof disputeEvidenceTextFields)[number] | (typeof disputeEvidenceFileFields)[number],
  z.ZodOptional<z.ZodString>
>;

export const disputeEvidenceInput = z.object(evidenceShape).strict();

/**
 * A dispute (a chargeback) of a captured payment, or an inquiry (`warning_*`: no money moves).
 * Opening one withdraws the amount and the dispute fee from the merchant's balance; winning it
 * reinstates the amount (the fee is kept). Its balance transactions have it as their `source`.
 */
export const disputeSchema = z.object({
  id: z.string(),
  object: z.literal('dispute'),
  amount: z.number().int(),
  currency: z.string(),
  payment_intent: z.string(),
  reason: z.string(),
  status: z.enum(disputeStatuses),
  evidence: z.record(z.string(), z.string()),
  evidence_details: z.object({
    due_by: z.number().int(),
    has_evidence: z.boolean(),
    past_due: z.boolean(),
    submission_count: z.number().int(),
  }),
  /** What opening it withdrew beside the amount (0 for an inquiry). */
  fee: z.number().int(),
  is_charge_refundable: z.boolean(),
  livemode: z.boolean(),
  created: z.number().int(),
});
export type Dispute = z.infer<typeof disputeSchema>;

export const retrieveDisputeInput = z.object({ id: disputeId }).strict();

/** Saves evidence (merged: a field set to "" is cleared); `submit: true` sends it to the bank. */
export const updateDisputeInput = z
  .object({
    id: disputeId,
    evidence: disputeEvidenceInput.default({}),
    submit: z.boolean().default(false),
  })
  .strict();
export type UpdateDisputeInput = z.input<typeof updateDisputeInput>;

/** Accepts the dispute: it is lost (an inquiry is closed), and nothing more can be sent. */
export const closeDisputeInput = z.object({ id: disputeId }).strict();

export const listDisputesInput = oneCursorOnly(
  z
    .object({
      ...paginationShape(disputeId),
      payment_intent: idSchema('paymentIntent').optional(),
      status: z.enum(disputeStatuses).optional(),
    })
    .strict(),
).default({ limit: 10 });
export type ListDisputesInput = NonNullable<z.input<typeof listDisputesInput>>;

export const disputeListSchema = listOf(disputeSchema);

/** A file a merchant uploaded, as dispute evidence. Its bytes are never sent back by the API. */
export const fileSchema = z.object({
  id: z.string(),
  object: z.literal('file'),
  purpose: z.literal('dispute_evidence'),
  filename: z.string(),
  type: z.enum(['application/pdf', 'image/png', 'image/jpeg']),
  size: z.number().int(),
  sha256: z.string(),
  livemode: z.boolean(),
  created: z.number().int(),
});
export type KassaFile = z.infer<typeof fileSchema>;

/** files.create: the file in base64 (a PDF, PNG or JPEG of at most 700 KB). */
export const createFileInput = z
  .object({
    purpose: z.literal('dispute_evidence'),
    filename: z
      .string()
      .min(1)
      .max(200)
      .regex(/^[^/\\\0]+$/, { error: 'must be a file name, not a path' }),
    content: z.string().min(1).max(1_000_000),
  })
  .strict();
export type CreateFileInput = z.input<typeof createFileInput>;

export const retrieveFileInput = z.object({ id: idSchema('file') }).strict();
