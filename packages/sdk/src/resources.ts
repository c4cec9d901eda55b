import type {
  Balance,
  BalanceTransaction,
  CancelPaymentIntentParams,
  CapturePaymentIntentParams,
  CheckoutSession,
  ConfirmPaymentIntentParams,
  CreateCheckoutSessionParams,
  CreateCustomerParams,
  CreateFileParams,
  CreatePaymentIntentParams,
  CreatePayoutParams,
  CreateRefundParams,
  CreateRiskListParams,
  CreateRiskRuleParams,
  CreateWebhookEndpointParams,
  Customer,
  DeletedCustomer,
  DeletedWebhookEndpoint,
  Dispute,
  Event,
  File,
  ListBalanceTransactionsParams,
  ListCheckoutSessionsParams,
  ListCustomersParams,
  ListDisputesParams,
  ListEventsParams,
  ListPaymentIntentsParams,
  ListPayoutsParams,
  ListReconciliationExceptionsParams,
  ListRefundsParams,
  ListReviewsParams,
  ListWebhookEndpointsParams,
  PaymentIntent,
  PaymentMethod,
  Payout,
  ReconciliationException,
  Refund,
  Review,
  RiskList,
  RiskListItem,
  RiskListItemParams,
  RiskRule,
  RiskRuleTest,
  RiskSettings,
  RollWebhookEndpointSecretParams,
  UpdateCustomerParams,
  UpdateDisputeParams,
  UpdatePaymentIntentParams,
  UpdateRiskRuleParams,
  UpdateWebhookEndpointParams,
  WebhookEndpoint,
} from './generated/types.ts';
import type { HttpClient, RequestOptions } from './http.ts';
import { type ListPage, ListResult } from './pagination.ts';

type WithoutId<T> = Omit<T, 'id'>;
type ReadOptions = Omit<RequestOptions, 'idempotencyKey'>;

/** Payment intents: one per order or charge attempt, from creation to capture. */
export class PaymentIntents {
  constructor(private readonly http: HttpClient) {}

  create(params: CreatePaymentIntentParams, options?: RequestOptions): Promise<PaymentIntent> {
    return this.http.mutation('paymentIntents.create', params, options);
  }
  retrieve(id: string, options?: ReadOptions): Promise<PaymentIntent> {
    return this.http.query('paymentIntents.retrieve', { id }, options);
  }
  update(
    id: string,
    params: WithoutId<UpdatePaymentIntentParams>,
    options?: RequestOptions,
  ): Promise<PaymentIntent> {
    return this.http.mutation('paymentIntents.update', { ...params, id }, options);
  }
  confirm(
    id: string,
    params: WithoutId<ConfirmPaymentIntentParams> = {},
    options?: RequestOptions,
  ): Promise<PaymentIntent> {
    return this.http.mutation('paymentIntents.confirm', { ...params, id }, options);
  }
  capture(
    id: string,
    params: WithoutId<CapturePaymentIntentParams> = {},
    options?: RequestOptions,
  ): Promise<PaymentIntent> {
    return this.http.mutation('paymentIntents.capture', { ...params, id }, options);
  }
  cancel(
    id: string,
    params: WithoutId<CancelPaymentIntentParams> = {},
    options?: RequestOptions,
  ): Promise<PaymentIntent> {
    return this.http.mutation('paymentIntents.cancel', { ...params, id }, options);
  }
  list(
    params: ListPaymentIntentsParams = {},
    options?: ReadOptions,
  ): ListResult<PaymentIntent, ListPaymentIntentsParams> {
    return new ListResult(
      (page) => this.http.query<ListPage<PaymentIntent>>('paymentIntents.list', page, options),
      params,
    );
  }
}

/** Refunds of captured payments, in full or in parts. */
export class Refunds {
  constructor(private readonly http: HttpClient) {}

  create(params: CreateRefundParams, options?: RequestOptions): Promise<Refund> {
    return this.http.mutation('refunds.create', params, options);
  }
  retrieve(id: string, options?: ReadOptions): Promise<Refund> {
    return this.http.query('refunds.retrieve', { id }, options);
  }
  list(
    params: ListRefundsParams = {},
    options?: ReadOptions,
  ): ListResult<Refund, ListRefundsParams> {
    return new ListResult(
      (page) => this.http.query<ListPage<Refund>>('refunds.list', page, options),
      params,
    );
  }
}

/**
 * Payments your risk rules held for a person (a `review` rule, or the fallback while the fraud
 * service was down): approve captures the payment, reject cancels or refunds it as fraudulent.
 */
export class Reviews {
  constructor(private readonly http: HttpClient) {}

  retrieve(id: string, options?: ReadOptions): Promise<Review> {
    return this.http.query('reviews.retrieve', { id }, options);
  }
  list(
    params: ListReviewsParams = {},
    options?: ReadOptions,
  ): ListResult<Review, ListReviewsParams> {
    return new ListResult(
      (page) => this.http.query<ListPage<Review>>('reviews.list', page, options),
      params,
    );
  }
  approve(id: string, options?: RequestOptions): Promise<Review> {
    return this.http.mutation('reviews.approve', { id }, options);
  }
  reject(id: string, options?: RequestOptions): Promise<Review> {
    return this.http.mutation('reviews.reject', { id }, options);
  }
}

/** Customers: who pays. Name one on a payment (`customer`) to group its payments and risk counts. */
export class Customers {
  constructor(private readonly http: HttpClient) {}

  create(params: CreateCustomerParams = {}, options?: RequestOptions): Promise<Customer> {
    return this.http.mutation('customers.create', params, options);
  }
  retrieve(id: string, options?: ReadOptions): Promise<Customer> {
    return this.http.query('customers.retrieve', { id }, options);
  }
  update(
    id: string,
    params: WithoutId<UpdateCustomerParams>,
    options?: RequestOptions,
  ): Promise<Customer> {
    return this.http.mutation('customers.update', { ...params, id }, options);
  }
  /** Gone from the API; payments that name it keep naming it. */
  del(id: string, options?: RequestOptions): Promise<DeletedCustomer> {
    return this.http.mutation('customers.del', { id }, options);
  }
  list(
    params: ListCustomersParams = {},
    options?: ReadOptions,
  ): ListResult<Customer, ListCustomersParams> {
    return new ListResult(
      (page) => this.http.query<ListPage<Customer>>('customers.list', page, options),
      params,
    );
  }
}

/**
 * Disputes (chargebacks) of your payments (docs/disputes.md): answer each with evidence before
 * `evidence_details.due_by`, or accept it.
 */
export class Disputes {
  constructor(private readonly http: HttpClient) {}

  retrieve(id: string, options?: ReadOptions): Promise<Dispute> {
    return this.http.query('disputes.retrieve', { id }, options);
  }
  list(
    params: ListDisputesParams = {},
    options?: ReadOptions,
  ): ListResult<Dispute, ListDisputesParams> {
    return new ListResult(
      (page) => this.http.query<ListPage<Dispute>>('disputes.list', page, options),
      params,
    );
  }
  /** Saves evidence (merged); `submit: true` sends it to the shopper's bank. */
  update(
    id: string,
    params: WithoutId<UpdateDisputeParams>,
    options?: RequestOptions,
  ): Promise<Dispute> {
    return this.http.mutation('disputes.update', { id, ...params }, options);
  }
  /** Accepts the dispute: it is lost. */
  close(id: string, options?: RequestOptions): Promise<Dispute> {
    return this.http.mutation('disputes.close', { id }, options);
  }
}

/** Bytes in base64, with what every runtime has (btoa), not Node's Buffer. */
function base64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** Files you upload as dispute evidence (a PDF, PNG or JPEG of at most 700 KB). */
export class Files {
  constructor(private readonly http: HttpClient) {}

  /** `content`: the file's bytes (base64 is done here). */
  create(
    params: Omit<CreateFileParams, 'content'> & { content: Uint8Array | string },
    options?: RequestOptions,
  ): Promise<File> {
    const content = typeof params.content === 'string' ? params.content : base64(params.content);
    return this.http.mutation('files.create', { ...params, content }, options);
  }
  retrieve(id: string, options?: ReadOptions): Promise<File> {
    return this.http.query('files.retrieve', { id }, options);
  }
}

/** Your risk rules (docs/risk.md): test one on the last 30 days before you enable it. */
export class RiskRules {
  constructor(private readonly http: HttpClient) {}

  list(options?: ReadOptions): Promise<{ object: 'list'; data: RiskRule[]; has_more: boolean }> {
    return this.http.query('riskRules.list', {}, options);
  }
  test(source: string, options?: ReadOptions): Promise<RiskRuleTest> {
    return this.http.query('riskRules.test', { source }, options);
  }
  create(params: CreateRiskRuleParams, options?: RequestOptions): Promise<RiskRule> {
    return this.http.mutation('riskRules.create', params, options);
  }
  update(
    id: string,
    params: WithoutId<UpdateRiskRuleParams>,
    options?: RequestOptions,
  ): Promise<RiskRule> {
    return this.http.mutation('riskRules.update', { id, ...params }, options);
  }
  del(id: string, options?: RequestOptions): Promise<{ id: string; deleted: true }> {
    return this.http.mutation('riskRules.del', { id }, options);
  }
}

/** Block and allow lists (cards, emails, addresses, countries) that rules name as @alias. */
export class RiskLists {
  constructor(private readonly http: HttpClient) {}

  list(options?: ReadOptions): Promise<{ object: 'list'; data: RiskList[]; has_more: boolean }> {
    return this.http.query('riskLists.list', {}, options);
  }
  create(params: CreateRiskListParams, options?: RequestOptions): Promise<RiskList> {
    return this.http.mutation('riskLists.create', params, options);
  }
  items(
    list: string,
    options?: ReadOptions,
  ): Promise<{ object: 'list'; data: RiskListItem[]; has_more: boolean }> {
    return this.http.query('riskLists.items', { list }, options);
  }
  addItem(params: RiskListItemParams, options?: RequestOptions): Promise<RiskListItem> {
    return this.http.mutation('riskLists.addItem', params, options);
  }
  removeItem(params: RiskListItemParams, options?: RequestOptions): Promise<{ deleted: true }> {
    return this.http.mutation('riskLists.removeItem', params, options);
  }
}

/** What decides while the fraud service cannot answer: allow and review, or block. */
export class RiskSettingsResource {
  constructor(private readonly http: HttpClient) {}

  retrieve(options?: ReadOptions): Promise<RiskSettings> {
    return this.http.query('riskSettings.retrieve', {}, options);
  }
  update(fallback: RiskSettings['fallback'], options?: RequestOptions): Promise<RiskSettings> {
    return this.http.mutation('riskSettings.update', { fallback }, options);
  }
}

/** Cards tokenized by the checkout: brand, last 4, expiry, never the number. */
export class PaymentMethods {
  constructor(private readonly http: HttpClient) {}

  retrieve(id: string, options?: ReadOptions): Promise<PaymentMethod> {
    return this.http.query('paymentMethods.retrieve', { id }, options);
  }
}

/** What happened to your objects, as webhooks deliver it. */
export class Events {
  constructor(private readonly http: HttpClient) {}

  retrieve(id: string, options?: ReadOptions): Promise<Event> {
    return this.http.query('events.retrieve', { id }, options);
  }
  list(params: ListEventsParams = {}, options?: ReadOptions): ListResult<Event, ListEventsParams> {
    return new ListResult(
      (page) => this.http.query<ListPage<Event>>('events.list', page, options),
      params,
    );
  }
}

/** Your balance: available and pending, per currency, straight from the ledger. */
export class BalanceResource {
  constructor(private readonly http: HttpClient) {}

  retrieve(options?: ReadOptions): Promise<Balance> {
    return this.http.query('balance.retrieve', {}, options);
  }
}

/**
 * Every movement of your money, one per ledger entry: charges and refunds (pending until their
 * `available_on`), payouts and payout failures. Filter by type, payout, source, currency and
 * `available_on`; `payout: 'po_…'` lists what a payout paid out, and the payout itself.
 */
export class BalanceTransactions {
  constructor(private readonly http: HttpClient) {}

  retrieve(id: string, options?: ReadOptions): Promise<BalanceTransaction> {
    return this.http.query('balanceTransactions.retrieve', { id }, options);
  }
  list(
    params: ListBalanceTransactionsParams = {},
    options?: ReadOptions,
  ): ListResult<BalanceTransaction, ListBalanceTransactionsParams> {
    return new ListResult(
      (page) =>
        this.http.query<ListPage<BalanceTransaction>>('balanceTransactions.list', page, options),
      params,
    );
  }
}

/**
 * Payouts to your bank. On the daily, weekly or monthly schedule Kassa makes them at each
 * settlement day's close; on the manual schedule `create` pays out the whole available balance
 * of a currency, and `amount` must be that balance (as you last saw it), or it is refused with
 * `balance_changed`.
 */
export class Payouts {
  constructor(private readonly http: HttpClient) {}

  create(params: CreatePayoutParams, options?: RequestOptions): Promise<Payout> {
    return this.http.mutation('payouts.create', params, options);
  }
  retrieve(id: string, options?: ReadOptions): Promise<Payout> {
    return this.http.query('payouts.retrieve', { id }, options);
  }
  list(
    params: ListPayoutsParams = {},
    options?: ReadOptions,
  ): ListResult<Payout, ListPayoutsParams> {
    return new ListResult(
      (page) => this.http.query<ListPage<Payout>>('payouts.list', page, options),
      params,
    );
  }
}

/**
 * What did not reconcile between Kassa's records of your money and the acquirer's settlement
 * report or the bank's statement: a line nobody has a record of, a record missing from the file,
 * an amount that differs, a line twice. Resolve each with a note, once you know why.
 */
export class ReconciliationExceptions {
  constructor(private readonly http: HttpClient) {}

  retrieve(id: string, options?: ReadOptions): Promise<ReconciliationException> {
    return this.http.query('reconciliationExceptions.retrieve', { id }, options);
  }
  list(
    params: ListReconciliationExceptionsParams = {},
    options?: ReadOptions,
  ): ListResult<ReconciliationException, ListReconciliationExceptionsParams> {
    return new ListResult(
      (page) =>
        this.http.query<ListPage<ReconciliationException>>(
          'reconciliationExceptions.list',
          page,
          options,
        ),
      params,
    );
  }
  resolve(
    id: string,
    params: { note: string },
    options?: RequestOptions,
  ): Promise<ReconciliationException> {
    return this.http.mutation('reconciliationExceptions.resolve', { id, ...params }, options);
  }
}

/**
 * Where Kassa sends your events. The signing secret (`whsec_...`) is in the answer of `create`
 * and `rollSecret` only: store it with your server's secrets and verify deliveries with
 * `kassa.webhooks.constructEvent`.
 */
export class WebhookEndpoints {
  constructor(private readonly http: HttpClient) {}

  create(params: CreateWebhookEndpointParams, options?: RequestOptions): Promise<WebhookEndpoint> {
    return this.http.mutation('webhookEndpoints.create', params, options);
  }
  retrieve(id: string, options?: ReadOptions): Promise<WebhookEndpoint> {
    return this.http.query('webhookEndpoints.retrieve', { id }, options);
  }
  update(
    id: string,
    params: WithoutId<UpdateWebhookEndpointParams>,
    options?: RequestOptions,
  ): Promise<WebhookEndpoint> {
    return this.http.mutation('webhookEndpoints.update', { ...params, id }, options);
  }
  /** A new secret; the old one keeps signing beside it for `expires_in_hours` (default 24). */
  rollSecret(
    id: string,
    params: WithoutId<RollWebhookEndpointSecretParams> = {},
    options?: RequestOptions,
  ): Promise<WebhookEndpoint> {
    return this.http.mutation('webhookEndpoints.rollSecret', { ...params, id }, options);
  }
  del(id: string, options?: RequestOptions): Promise<DeletedWebhookEndpoint> {
    return this.http.mutation('webhookEndpoints.del', { id }, options);
  }
  list(
    params: ListWebhookEndpointsParams = {},
    options?: ReadOptions,
  ): ListResult<WebhookEndpoint, ListWebhookEndpointsParams> {
    return new ListResult(
      (page) => this.http.query<ListPage<WebhookEndpoint>>('webhookEndpoints.list', page, options),
      params,
    );
  }
}

/**
 * Hosted checkout: create a session for an order, send the shopper to its `url`, and learn the
 * outcome from the `checkout.session.completed` webhook (or by retrieving the session).
 */
export class CheckoutSessions {
  constructor(private readonly http: HttpClient) {}

  create(params: CreateCheckoutSessionParams, options?: RequestOptions): Promise<CheckoutSession> {
    return this.http.mutation('checkoutSessions.create', params, options);
  }
  retrieve(id: string, options?: ReadOptions): Promise<CheckoutSession> {
    return this.http.query('checkoutSessions.retrieve', { id }, options);
  }
  /** Ends an open session: it can no longer be paid, and its payment is canceled. */
  expire(id: string, options?: RequestOptions): Promise<CheckoutSession> {
    return this.http.mutation('checkoutSessions.expire', { id }, options);
  }
  list(
    params: ListCheckoutSessionsParams = {},
    options?: ReadOptions,
  ): ListResult<CheckoutSession, ListCheckoutSessionsParams> {
    return new ListResult(
      (page) => this.http.query<ListPage<CheckoutSession>>('checkoutSessions.list', page, options),
      params,
    );
  }
}
