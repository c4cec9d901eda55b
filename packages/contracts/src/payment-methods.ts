import { z } from 'zod';
import { idSchema } from './ids.ts';

export const cardBrands = [
  'visa',
  'mastercard',
  'amex',
  'discover',
  'diners',
  'jcb',
  'unionpay',
  'maestro',
  'unknown',
] as const;
export type CardBrand = (typeof cardBrands)[number];

export const cardFundings = ['credit', 'debit', 'prepaid', 'unknown'] as const;
export type CardFunding = (typeof cardFundings)[number];

/** A card as the API shows it: never the number, at most its last 4 digits. */
export const paymentMethodSchema = z.object({
  id: z.string(),
  object: z.literal('payment_method'),
  type: z.literal('card'),
  card: z.object({
    brand: z.enum(cardBrands),
    last4: z.string(),
    exp_month: z.number().int(),
    exp_year: z.number().int(),
    funding: z.enum(cardFundings),
    /** ISO 3166-1 alpha-2 of the issuing bank, when known. */
    country: z.string().nullable(),
    /** The same card number has the same fingerprint within one merchant. */
    fingerprint: z.string(),
  }),
  billing_details: z.object({
    name: z.string().nullable(),
    email: z.string().nullable(),
    address: z.object({ postal_code: z.string().nullable(), country: z.string().nullable() }),
  }),
  livemode: z.boolean(),
  created: z.number().int(),
});
export type PaymentMethod = z.infer<typeof paymentMethodSchema>;

/**
 * Card details as a shopper types them. Only the shape is checked here; the vault checks the
 * number (brand, length, Luhn), the expiry and the CVC and answers with a `card_error`.
 */
export const cardNumberInput = z
  .string({ error: 'must be a string of digits' })
  .min(1, { error: 'is required' })
  .max(32, { error: 'is too long' });
const expMonth = z.number({ error: 'must be a number' }).int({ error: 'must be an integer' });
/** Two-digit years mean 20xx. */
const expYear = z
  .number({ error: 'must be a number' })
  .int({ error: 'must be an integer' })
  .min(0, { error: 'must be a year' })
  .max(9999, { error: 'must be a year' })
  .transform((year) => (year < 100 ? 2000 + year : year));

export const cardInput = z
  .object({ number: cardNumberInput, exp_month: expMonth, exp_year: expYear })
  .strict();

/** With the CVC: only where it goes straight on to the acquirer (confirm), never to storage. */
export const cardWithCvcInput = cardInput
  .extend({ cvc: z.string({ error: 'must be a string of digits' }).max(4).optional() })
  .strict();

export const billingDetailsInput = z
  .object({
    name: z.string().max(200).optional(),
    email: z.email({ error: 'must be an email address' }).max(320).optional(),
    address: z
      .object({
        postal_code: z.string().max(20).optional(),
        country: z
          .string()
          .regex(/^[A-Za-z]{2}$/, { error: 'must be a two-letter country code' })
          .transform((c) => c.toUpperCase())
          .optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export const clientSecretInput = z
  .string({ error: 'must be the client secret of the payment' })
  .min(1)
  .max(200);

/** checkout.paymentMethods.create: tokenize a card for the payment the client secret belongs to. */
export const createPaymentMethodInput = z
  .object({
    client_secret: clientSecretInput,
    type: z.literal('card'),
    card: cardInput,
    billing_details: billingDetailsInput.optional(),
  })
  .strict();

export const retrievePaymentMethodInput = z.object({ id: idSchema('paymentMethod') }).strict();

/** A card to tokenize and use at once (confirm), CVC included. */
export const paymentMethodDataInput = z
  .object({
    type: z.literal('card'),
    card: cardWithCvcInput,
    billing_details: billingDetailsInput.optional(),
  })
  .strict();
