// The SDK's public types, generated from the zod schemas in @kassa/contracts (through JSON
// Schema), so the published declarations are plain interfaces: nothing in them refers to zod or
// to a private workspace package. `pnpm --filter @kassa/sdk generate` rewrites
// src/generated/types.ts; a test fails when it is out of date, and typechecked assertions in
// test/types.test.ts fail when a generated type and its contract disagree.
import {
  addRiskListItemInput,
  balanceSchema,
  balanceTransactionSchema,
  cancelPaymentIntentInput,
  capturePaymentIntentInput,
  checkoutSessionSchema,
  confirmPaymentIntentInput,
  createCheckoutSessionInput,
  createFileInput,
  createPaymentIntentInput,
  createPayoutInput,
  createRefundInput,
  createRiskListInput,
  createRiskRuleInput,
  createWebhookEndpointInput,
  deletedWebhookEndpointSchema,
  disputeSchema,
  eventSchema,
  fileSchema,
  listBalanceTransactionsInput,
  listCheckoutSessionsInput,
  listDisputesInput,
  listEventsInput,
  listPaymentIntentsInput,
  listPayoutsInput,
  listReconciliationExceptionsInput,
  listRefundsInput,
  listReviewsInput,
  listWebhookEndpointsInput,
  paymentIntentSchema,
  paymentMethodSchema,
  payoutSchema,
  reconciliationExceptionSchema,
  refundSchema,
  resolveReconciliationExceptionInput,
  reviewSchema,
  riskListItemSchema,
  riskListSchema,
  riskRuleSchema,
  riskRuleTestSchema,
  riskSettingsSchema,
  rollWebhookEndpointSecretInput,
  updateDisputeInput,
  updatePaymentIntentInput,
  updateRiskRuleInput,
  updateWebhookEndpointInput,
  webhookEndpointSchema,
} from '@kassa/contracts';
import { compile } from 'json-schema-to-typescript';
import { z } from 'zod';

const types: Array<[name: string, schema: z.ZodType, io: 'input' | 'output', doc: string]> = [
  ['PaymentIntent', paymentIntentSchema, 'output', 'A payment, from creation to capture.'],
  ['Refund', refundSchema, 'output', 'A refund of (part of) a captured payment.'],
  [
    'Review',
    reviewSchema,
    'output',
    'A payment held by your risk rules for a person to approve (capture) or reject (cancel or refund).',
  ],
  ['PaymentMethod', paymentMethodSchema, 'output', 'A tokenized card: never its number.'],
  ['Event', eventSchema, 'output', 'Something that happened to one of your objects.'],
  ['Balance', balanceSchema, 'output', 'Available and pending funds per currency.'],
  [
    'BalanceTransaction',
    balanceTransactionSchema,
    'output',
    'One movement of your money (a charge, refund, payout…): gross, fee, net, and when it is available.',
  ],
  ['Payout', payoutSchema, 'output', 'Money on its way from your available balance to your bank.'],
  [
    'ReconciliationException',
    reconciliationExceptionSchema,
    'output',
    "Something that did not reconcile between Kassa's records and the acquirer's or the bank's files.",
  ],
  ['CreatePaymentIntentParams', createPaymentIntentInput, 'input', 'paymentIntents.create'],
  ['UpdatePaymentIntentParams', updatePaymentIntentInput, 'input', 'paymentIntents.update'],
  ['ConfirmPaymentIntentParams', confirmPaymentIntentInput, 'input', 'paymentIntents.confirm'],
  ['CapturePaymentIntentParams', capturePaymentIntentInput, 'input', 'paymentIntents.capture'],
  ['CancelPaymentIntentParams', cancelPaymentIntentInput, 'input', 'paymentIntents.cancel'],
  ['ListPaymentIntentsParams', listPaymentIntentsInput, 'input', 'paymentIntents.list'],
  ['CreateRefundParams', createRefundInput, 'input', 'refunds.create'],
  ['ListRefundsParams', listRefundsInput, 'input', 'refunds.list'],
  ['ListReviewsParams', listReviewsInput, 'input', 'reviews.list'],
  [
    'Dispute',
    disputeSchema,
    'output',
    'A dispute (chargeback) of a captured payment, or an inquiry (`warning_*`).',
  ],
  ['UpdateDisputeParams', updateDisputeInput, 'input', 'disputes.update'],
  ['ListDisputesParams', listDisputesInput, 'input', 'disputes.list'],
  ['File', fileSchema, 'output', 'A file you uploaded as dispute evidence.'],
  ['CreateFileParams', createFileInput, 'input', 'files.create'],
  ['RiskRule', riskRuleSchema, 'output', 'A risk rule: `<action> if <condition>` (docs/risk.md).'],
  [
    'RiskRuleTest',
    riskRuleTestSchema,
    'output',
    'What a rule would have done over the last 30 days of scored payments.',
  ],
  ['RiskList', riskListSchema, 'output', 'A block or allow list that rules name as @alias.'],
  ['RiskListItem', riskListItemSchema, 'output', 'A value on a risk list.'],
  ['RiskSettings', riskSettingsSchema, 'output', 'What decides while the fraud service is down.'],
  ['CreateRiskRuleParams', createRiskRuleInput, 'input', 'riskRules.create'],
  ['UpdateRiskRuleParams', updateRiskRuleInput, 'input', 'riskRules.update'],
  ['CreateRiskListParams', createRiskListInput, 'input', 'riskLists.create'],
  ['RiskListItemParams', addRiskListItemInput, 'input', 'riskLists.addItem, riskLists.removeItem'],
  ['ListEventsParams', listEventsInput, 'input', 'events.list'],
  [
    'ListBalanceTransactionsParams',
    listBalanceTransactionsInput,
    'input',
    'balanceTransactions.list',
  ],
  ['CreatePayoutParams', createPayoutInput, 'input', 'payouts.create'],
  ['ListPayoutsParams', listPayoutsInput, 'input', 'payouts.list'],
  [
    'ListReconciliationExceptionsParams',
    listReconciliationExceptionsInput,
    'input',
    'reconciliationExceptions.list',
  ],
  [
    'ResolveReconciliationExceptionParams',
    resolveReconciliationExceptionInput,
    'input',
    'reconciliationExceptions.resolve',
  ],
  [
    'WebhookEndpoint',
    webhookEndpointSchema,
    'output',
    'Where Kassa sends your events; `secret` only on create and rollSecret.',
  ],
  [
    'DeletedWebhookEndpoint',
    deletedWebhookEndpointSchema,
    'output',
    'What webhookEndpoints.del answers.',
  ],
  ['CreateWebhookEndpointParams', createWebhookEndpointInput, 'input', 'webhookEndpoints.create'],
  ['UpdateWebhookEndpointParams', updateWebhookEndpointInput, 'input', 'webhookEndpoints.update'],
  [
    'RollWebhookEndpointSecretParams',
    rollWebhookEndpointSecretInput,
    'input',
    'webhookEndpoints.rollSecret',
  ],
  ['ListWebhookEndpointsParams', listWebhookEndpointsInput, 'input', 'webhookEndpoints.list'],
  [
    'CheckoutSession',
    checkoutSessionSchema,
    'output',
    'A hosted payment page for one order: send the shopper to `url`.',
  ],
  ['CreateCheckoutSessionParams', createCheckoutSessionInput, 'input', 'checkoutSessions.create'],
  ['ListCheckoutSessionsParams', listCheckoutSessionsInput, 'input', 'checkoutSessions.list'],
];

/** The contents of src/generated/types.ts. */
export async function generateTypes(): Promise<string> {
  const parts = [
    '// Generated by packages/sdk/scripts/types.ts from the schemas in @kassa/contracts.',
    '// Do not edit: run `pnpm --filter @kassa/sdk generate`.',
    '',
  ];
  for (const [name, schema, io, doc] of types) {
    const json = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
    json.description = doc;
    parts.push(
      await compile(json as never, name, {
        bannerComment: '',
        additionalProperties: false,
        ignoreMinAndMaxItems: true,
        format: true,
      }),
    );
  }
  return `${parts.join('\n').trimEnd()}\n`;
}
