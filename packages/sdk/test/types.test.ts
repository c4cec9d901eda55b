import { readFile } from 'node:fs/promises';
import type * as Contracts from '@kassa/contracts';
import { describe, expect, it } from 'vitest';
import { generateTypes } from '../scripts/types.ts';
import type * as Sdk from '../src/generated/types.ts';

// Compile-time: each generated type and its contract accept each other's values (typecheck
// fails otherwise), so the SDK can neither promise a field the API lacks nor miss one.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const agree = <T extends true>() => true as T;
agree<Same<Sdk.PaymentIntent, Contracts.PaymentIntent>>();
agree<Same<Sdk.Refund, Contracts.Refund>>();
agree<Same<Sdk.Review, Contracts.Review>>();
agree<Same<Sdk.RiskRule, Contracts.RiskRule>>();
agree<Same<Sdk.RiskList, Contracts.RiskList>>();
agree<Same<Sdk.Dispute, Contracts.Dispute>>();
agree<Same<Sdk.Customer, Contracts.Customer>>();
agree<Same<Sdk.CreateCustomerParams, NonNullable<Contracts.CreateCustomerInput>>>();
agree<Same<Sdk.UpdateCustomerParams, Contracts.UpdateCustomerInput>>();
agree<Same<Sdk.ListCustomersParams, Contracts.ListCustomersInput>>();
agree<Same<Sdk.File, Contracts.KassaFile>>();
agree<Same<Sdk.ListReviewsParams, Contracts.ListReviewsInput>>();
agree<Same<Sdk.PaymentMethod, Contracts.PaymentMethod>>();
agree<Same<Sdk.Balance, Contracts.Balance>>();
agree<Same<Sdk.CreatePaymentIntentParams, Contracts.CreatePaymentIntentInput>>();
agree<Same<Sdk.UpdatePaymentIntentParams, Contracts.UpdatePaymentIntentInput>>();
agree<Same<Sdk.CreateRefundParams, Contracts.CreateRefundInput>>();
agree<Same<Sdk.ListPaymentIntentsParams, Contracts.ListPaymentIntentsInput>>();
agree<Same<Sdk.WebhookEndpoint, Contracts.WebhookEndpoint>>();
agree<Same<Sdk.CheckoutSession, Contracts.CheckoutSession>>();
agree<Same<Sdk.CreateCheckoutSessionParams, Contracts.CreateCheckoutSessionInput>>();
agree<Same<Sdk.CreateWebhookEndpointParams, Contracts.CreateWebhookEndpointInput>>();
agree<Same<Sdk.UpdateWebhookEndpointParams, Contracts.UpdateWebhookEndpointInput>>();

describe('generated types', () => {
  it('src/generated/types.ts is what the contracts generate today', async () => {
    const current = await readFile(new URL('../src/generated/types.ts', import.meta.url), 'utf8');
    expect(current, 'run `pnpm --filter @kassa/sdk generate`').toBe(await generateTypes());
  });

  it('the SDK source imports nothing but its own files', async () => {
    const { readdir } = await import('node:fs/promises');
    const dir = new URL('../src/', import.meta.url);
    for (const file of await readdir(dir, { recursive: true })) {
      if (!file.endsWith('.ts')) continue;
      const text = await readFile(new URL(file, dir), 'utf8');
      const imports = [...text.matchAll(/from '([^']+)'/g)].map((m) => m[1]);
      expect(
        imports.filter((i) => !i?.startsWith('.')),
        file,
      ).toEqual([]);
    }
  });
});
