import { HttpClient, type KassaOptions } from './http.ts';
import {
  BalanceResource,
  BalanceTransactions,
  CheckoutSessions,
  Customers,
  Disputes,
  Events,
  Files,
  PaymentIntents,
  PaymentMethods,
  Payouts,
  ReconciliationExceptions,
  Refunds,
  Reviews,
  RiskLists,
  RiskRules,
  RiskSettingsResource,
  WebhookEndpoints,
} from './resources.ts';
import { Webhooks } from './webhooks.ts';

/**
 * The Kassa API, for your server:
 *
 *   const kassa = new Kassa(process.env.KASSA_SECRET_KEY, { baseUrl: 'https://api.kassa.example' });
 *   const payment = await kassa.paymentIntents.create({ amount: 1999, currency: 'eur' });
 */
export class Kassa {
  readonly paymentIntents: PaymentIntents;
  readonly refunds: Refunds;
  readonly reviews: Reviews;
  readonly customers: Customers;
  readonly disputes: Disputes;
  readonly files: Files;
  readonly riskRules: RiskRules;
  readonly riskLists: RiskLists;
  readonly riskSettings: RiskSettingsResource;
  readonly paymentMethods: PaymentMethods;
  readonly events: Events;
  readonly balance: BalanceResource;
  readonly balanceTransactions: BalanceTransactions;
  readonly payouts: Payouts;
  readonly reconciliationExceptions: ReconciliationExceptions;
  readonly webhookEndpoints: WebhookEndpoints;
  readonly checkoutSessions: CheckoutSessions;
  readonly webhooks: Webhooks;

  constructor(secretKey: string, options: KassaOptions = {}) {
    const http = new HttpClient(secretKey, options);
    this.paymentIntents = new PaymentIntents(http);
    this.refunds = new Refunds(http);
    this.reviews = new Reviews(http);
    this.customers = new Customers(http);
    this.disputes = new Disputes(http);
    this.files = new Files(http);
    this.riskRules = new RiskRules(http);
    this.riskLists = new RiskLists(http);
    this.riskSettings = new RiskSettingsResource(http);
    this.paymentMethods = new PaymentMethods(http);
    this.events = new Events(http);
    this.balance = new BalanceResource(http);
    this.balanceTransactions = new BalanceTransactions(http);
    this.payouts = new Payouts(http);
    this.reconciliationExceptions = new ReconciliationExceptions(http);
    this.webhookEndpoints = new WebhookEndpoints(http);
    this.checkoutSessions = new CheckoutSessions(http);
    this.webhooks = new Webhooks();
  }
}

export default Kassa;

export * from './errors.ts';
export type * from './generated/types.ts';
export { API_VERSION, type KassaOptions, type RequestOptions, VERSION } from './http.ts';
export { type ListPage, ListResult } from './pagination.ts';
export { KassaSignatureVerificationError, Webhooks } from './webhooks.ts';
