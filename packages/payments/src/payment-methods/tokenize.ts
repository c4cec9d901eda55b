import type { billingDetailsInput, cardInput } from '@kassa/contracts';
import { newId } from '@kassa/contracts';
import type { Queryable } from '@kassa/db';
import { CardValidationError } from '@kassa/vault';
import type { z } from 'zod';
import type { DomainContext } from '../context.ts';
import { KassaApiError } from '../errors.ts';
import { insertPaymentMethod, type PaymentMethodRow } from './store.ts';

/**
 * Stores a card in the vault and creates its payment method, in the caller's transaction. A
 * card the vault refuses is a `card_error` (402) naming the field under `paramPrefix`; its
 * message never repeats the number. `forPaymentIntent` binds a checkout-made payment method to
 * the one payment whose client secret made it.
 */
export async function tokenizeCard(
  tx: Queryable,
  ctx: DomainContext,
  card: z.output<typeof cardInput>,
  billing: z.output<typeof billingDetailsInput> | undefined,
  options: { paramPrefix: string; forPaymentIntent?: string },
): Promise<PaymentMethodRow> {
  let tokenized: Awaited<ReturnType<DomainContext['services']['vault']['tokenize']>>;
  try {
    tokenized = await ctx.services.vault.tokenize(
      tx,
      ctx.principal.merchantId,
      {
        number: card.number,
        exp_month: card.exp_month,
        exp_year: card.exp_year,
      },
      ctx.services.clock.now(),
    );
  } catch (error) {
    throw cardValidationError(error, options.paramPrefix);
  }
  const row: PaymentMethodRow = {
    id: newId('paymentMethod'),
    merchant_id: ctx.principal.merchantId,
    livemode: ctx.principal.livemode,
    vault_card_id: tokenized.vaultCardId,
    brand: tokenized.brand,
    last4: tokenized.last4,
    exp_month: tokenized.exp_month,
    exp_year: tokenized.exp_year,
    funding: tokenized.funding,
    country: tokenized.country,
    fingerprint: tokenized.fingerprint,
    billing_details: billing ?? {},
    payment_intent_id: options.forPaymentIntent ?? null,
    created_at: ctx.services.clock.now(),
  };
  await insertPaymentMethod(tx, row);
  return row;
}

/** A vault refusal as the API's card error; anything else passes through unchanged. */
export function cardValidationError(error: unknown, paramPrefix: string): unknown {
  if (!(error instanceof CardValidationError)) return error;
  return new KassaApiError({
    type: 'card_error',
    code: error.code,
    message: error.message,
    param: `${paramPrefix}.${error.field}`,
  });
}
