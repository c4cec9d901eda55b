import type { PaymentIntent } from '@kassa/contracts';
import type { Queryable } from '@kassa/db';
import { authorize, capture, sale } from '@kassa/ledger';
import type { AcquirerAuthorization } from '../acquirer/client.ts';
import type { DomainContext } from '../context.ts';
import { KassaApiError } from '../errors.ts';
import { paymentIntentMachine } from '../state-machine.ts';
import { type AttemptRow, resolveAttempt } from './attempts.ts';
import { eventMetadata, recordPaymentIntentEvent } from './events.ts';
import { feeScheduleOf, platformFee } from './fees.ts';
import { type PaymentIntentRow, savePaymentIntent } from './store.ts';

/** How long an authorization may wait for its capture before it is canceled and released. */
export const AUTHORIZATION_VALIDITY_MS = 7 * 24 * 60 * 60 * 1000;

/** The issuer's decline code as the API's card error: code and a message a shopper understands. */
const DECLINES: Record<string, { code: string; message: string }> = {
  generic_decline: { code: 'card_declined', message: 'Your card was declined.' },
  insufficient_funds: { code: 'card_declined', message: 'Your card has insufficient funds.' },
  lost_card: { code: 'card_declined', message: 'Your card was declined.' },
  stolen_card: { code: 'card_declined', message: 'Your card was declined.' },
  expired_card: { code: 'expired_card', message: 'Your card has expired.' },
  incorrect_cvc: { code: 'incorrect_cvc', message: "Your card's security code is incorrect." },
  processing_error: {
    code: 'processing_error',
    message: 'An error occurred while processing your card. Try again in a little bit.',
  },
  authentication_failed: {
    code: 'payment_intent_authentication_failure',
    message:
      'We are unable to authenticate your payment method. Please choose a different payment method and try again.',
  },
};

/** The API's card error for an issuer's decline code; one it does not know is a generic decline. */
export function declineOf(declineCode: string) {
  return DECLINES[declineCode] ?? GENERIC_DECLINE;
}

const GENERIC_DECLINE = { code: 'card_declined', message: 'Your card was declined.' };

/** Books a capture of `amount` from the payment's hold: fee to the platform, the rest pending for the merchant. */
export async function bookCapture(
  tx: Queryable,
  ctx: DomainContext,
  row: PaymentIntentRow,
  holdId: string,
  amount: bigint,
): Promise<bigint> {
  const fee = platformFee(amount, await feeScheduleOf(tx, row.merchant_id, row.currency));
  await capture(
    tx,
    {
      merchantId: row.merchant_id,
      currency: row.currency,
      amount,
      fee,
      holdId,
      livemode: row.livemode,
    },
    ledgerOptions(ctx, row.id),
  );
  return fee;
}

/**
 * How the payments book into the ledger: with the request's metadata and the account cache.
 * No ledger idempotency key: every booking happens in the transaction that resolves its
 * attempt, under the payment's row lock, after checking the attempt was still unresolved — so
 * it happens exactly once without one.
 */
/** How the payments book: who acted (metadata), which object (reference), cached accounts. */
export function ledgerOptions(ctx: DomainContext, reference: string) {
  return {
    metadata: eventMetadata(ctx),
    accounts: ctx.services.accounts,
    reference,
    // The domain's clock dates the entry: a capture's settlement day follows from it.
    occurredAt: ctx.services.clock.now(),
  };
}

/**
 * Applies what the acquirer said about an authorization to the payment, in the caller's
 * transaction (which holds the payment's row lock): the ledger entries, the read model and the
 * event, and the attempt's resolution. A decline answers with the card error (committed: the
 * payment's new state stands, and an idempotent replay answers the same).
 */
export async function applyAuthorization(
  tx: Queryable,
  ctx: DomainContext,
  row: PaymentIntentRow,
  attempt: AttemptRow,
  authorization: AcquirerAuthorization,
): Promise<PaymentIntentRow> {
  row.acquirer_authorization_id = authorization.id;
  row.next_action = null;
  switch (authorization.status) {
    case 'approved':
    case 'captured': {
      row.payment_method_id = attempt.payment_method_id;
      row.last_payment_error = null;
      row.version += 1;
      const money = {
        merchantId: row.merchant_id,
        currency: row.currency,
        amount: attempt.amount,
        livemode: row.livemode,
      };
      if (authorization.status === 'captured') {
        const fee = platformFee(
          attempt.amount,
          await feeScheduleOf(tx, row.merchant_id, row.currency),
        );
        await sale(tx, { ...money, fee }, ledgerOptions(ctx, row.id));
        paymentIntentMachine.advance(row, 'authorized_and_captured');
        row.amount_received = attempt.amount;
        row.amount_capturable = 0n;
        row.hold_id = null;
        await savePaymentIntent(tx, row);
        await recordPaymentIntentEvent(tx, ctx, row, 'payment_intent.succeeded');
      } else {
        const hold = await authorize(tx, money, ledgerOptions(ctx, row.id));
        paymentIntentMachine.advance(row, 'authorized');
        row.amount_capturable = attempt.amount;
        row.hold_id = hold.holdId;
        row.capture_before = new Date(
          ctx.services.clock.now().getTime() + AUTHORIZATION_VALIDITY_MS,
        );
        await savePaymentIntent(tx, row);
        await recordPaymentIntentEvent(tx, ctx, row, 'payment_intent.amount_capturable_updated');
      }
      await resolveAttempt(tx, attempt, 'succeeded', {
        acquirer_authorization_id: authorization.id,
      });
      return row;
    }
    case 'requires_action': {
      paymentIntentMachine.advance(row, 'challenge_required');
      row.payment_method_id = attempt.payment_method_id;
      row.next_action = {
        type: 'redirect_to_url',
        redirect_to_url: {
          url: authorization.next_action.redirect_url,
          return_url: attempt.return_url,
        },
      } satisfies NonNullable<PaymentIntent['next_action']>;
      row.version += 1;
      await savePaymentIntent(tx, row);
      await recordPaymentIntentEvent(tx, ctx, row, 'payment_intent.requires_action');
      await resolveAttempt(tx, attempt, 'challenge_required', {
        acquirer_authorization_id: authorization.id,
      });
      return row;
    }
    case 'declined':
      return failPayment(tx, ctx, row, attempt, authorization.decline_code, authorization.id);
    default:
      // A voided authorization answering a confirmation: the books and the acquirer disagree.
      throw new Error(
        `authorization ${authorization.id} is ${authorization.status}: not an answer to an authorization`,
      );
  }
}

/**
 * The authorization failed: the payment goes back to requires_payment_method with the error,
 * the attempt is closed, and the request answers with the card error (committed).
 */
export async function failPayment(
  tx: Queryable,
  ctx: DomainContext,
  row: PaymentIntentRow,
  attempt: AttemptRow,
  declineCode: string,
  authorizationId: string | null,
): Promise<never> {
  const decline = declineOf(declineCode);
  paymentIntentMachine.advance(row, 'declined');
  row.next_action = null;
  row.last_payment_error = {
    type: 'card_error',
    code: decline.code,
    decline_code: declineCode,
    message: decline.message,
    payment_method: attempt.payment_method_id,
  };
  row.payment_method_id = null;
  row.version += 1;
  await savePaymentIntent(tx, row);
  await recordPaymentIntentEvent(tx, ctx, row, 'payment_intent.payment_failed');
  await resolveAttempt(tx, attempt, 'failed', {
    acquirer_authorization_id: authorizationId,
    failure: { code: decline.code, decline_code: declineCode },
  });
  throw cardError(declineCode, true);
}

/**
 * The card error a decline answers: committed when it is the decline being recorded, not when a
 * retry answers a decline recorded before.
 */
export function cardError(declineCode: string, committed: boolean): KassaApiError {
  const decline = declineOf(declineCode);
  return new KassaApiError({
    type: 'card_error',
    code: decline.code,
    declineCode,
    message: decline.message,
    param: decline.code === 'incorrect_cvc' ? 'payment_method_data.card.cvc' : undefined,
    committed,
  });
}
