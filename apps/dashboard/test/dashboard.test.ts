import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { expiryYearsFrom, ManualClock, newId, systemClock } from '@kassa/contracts';
import { issueApiKey } from '@kassa/db';
import { freePort } from '@kassa/db/testing';
import { sealAll } from '@kassa/ledger';
import { Kassa } from '@kassa/sdk';
import { addDays, closeDay, DEFAULT_CALENDAR, dayOf, endOf } from '@kassa/settlement';
import {
  client,
  holdForReview,
  linkIn,
  startSmtpServer,
  startWebhooksWorker,
  TEST_SESSION_SECRET,
  useApiProcess,
} from '@kassa/testing';
import {
  axeViolations,
  launchChromium,
  screenshot,
  startNextApp,
  type Viewport,
  viewports,
} from '@kassa/testing/browser';
import { Secret, TOTP } from 'otpauth';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The dashboard end to end: the real API process and acquirer simulator on a test database, the
// production build of this app under `next start`, and Debian's Chromium driven by Playwright.
// A merchant signs up in the browser; its server takes payments with the SDK.

const appDir = join(import.meta.dirname, '..');
const screenshotDir = join(appDir, 'test-results', 'screenshots');
const [dashboardPort, apiPort] = [await freePort(), await freePort()];
// The dashboard's emails (invitations, password resets) go over SMTP to a real SMTP server.
const smtp = await startSmtpServer();
const { db, env } = useApiProcess({
  port: apiPort,
  env: { SMTP_URL: smtp.url, DASHBOARD_URL: `http://127.0.0.1:${dashboardPort}` },
});
let dashboard: Awaited<ReturnType<typeof startNextApp>>;
let browser: Browser;
let worker: Awaited<ReturnType<typeof startWebhooksWorker>>;
const contexts: BrowserContext[] = [];
const PASSWORD = 'correct horse battery staple';
const OWNER = 'owner@shop.example';
/** The owner's recovery codes, from turning on two-factor: each later sign-in spends one. */
const recoveryCodes: string[] = [];
/** The owner's signed-in browser state, kept by a test so a later one needs no sign-in (no code). */
let ownerState: Awaited<ReturnType<BrowserContext['storageState']>> | undefined;

beforeAll(async () => {
  [dashboard, browser] = await Promise.all([
    startNextApp({
      appDir,
      port: dashboardPort,
      env: {
        KASSA_API_URL: env.base,
        NEXTAUTH_SECRET: TEST_SESSION_SECRET,
        NEXTAUTH_URL: `http://127.0.0.1:${dashboardPort}`,
      },
      readyPath: '/healthz',
    }),
    launchChromium(),
  ]);
  worker = await startWebhooksWorker(db.current);
}, 180_000);
afterAll(async () => {
  await worker?.stop();
  for (const context of contexts) await context.close();
  await browser?.close();
  await dashboard?.stop();
  await smtp.close();
});

async function newTab(viewport: Viewport = 'desktop', options: { bypassCSP?: boolean } = {}) {
  const context = await browser.newContext({ viewport: viewports[viewport], ...options });
  contexts.push(context);
  const page = await context.newPage();
  const violations: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/.test(message.text())) violations.push(message.text());
  });
  return { context, page, violations };
}

async function signUp(page: Page, email: string, business: string) {
  await page.goto(`${dashboard.url}/sign-up`);
  await page.getByLabel('Your name').fill('Ada Lovelace');
  await page.getByLabel('Business name').fill(business);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('heading', { level: 1, name: business }).waitFor();
}

async function signIn(page: Page, email: string, password = PASSWORD) {
  await page.goto(`${dashboard.url}/sign-in`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  if (email === OWNER && password === PASSWORD && recoveryCodes.length > 0) {
    // Two-factor is on: the form asks for a code; a recovery code stands in for the app.
    await page.getByLabel('Authentication code').fill(recoveryCodes.shift() as string);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }
}

/**
 * The merchant's webhook receiver: a real HTTP server that verifies each delivery's signature with
 * the SDK (constructEvent) and the endpoint's secret, answering 200 only when it is right.
 */
async function startReceiver() {
  const verified: string[] = [];
  let secret = '';
  const kassa = new Kassa('sk_test_webhooks_only', { baseUrl: env.base });
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    try {
      const event = await kassa.webhooks.constructEvent(
        Buffer.concat(chunks),
        request.headers['kassa-signature'] as string | undefined,
        secret,
      );
      verified.push(event.type);
      response.writeHead(200).end();
    } catch {
      response.writeHead(400).end();
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`,
    verified,
    useSecret: (value: string) => {
      secret = value;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The merchant the signed-in user owns (from the API, as the page's own session call sees it). */
async function merchantOf(email: string) {
  const { rows } = await db.current.pool.query<{ merchant_id: string }>(
    `SELECT m.merchant_id FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = $1`,
    [email],
  );
  const merchantId = rows[0]?.merchant_id;
  if (!merchantId) throw new Error(`no merchant for ${email}`);
  return merchantId;
}

/** A payment as the merchant's server and the shopper's browser make it: SDK, then checkout. */
async function pay(
  secretKey: string,
  publishableKey: string,
  amount: number,
  number = '4242424242424242',
) {
  const kassa = new Kassa(secretKey, { baseUrl: env.base });
  const created = await kassa.paymentIntents.create({
    amount,
    currency: 'eur',
    description: `Order ${amount}`,
  });
  const confirmed = await client(env.base, publishableKey)<{ status: string }>(
    'checkout.paymentIntents.confirm',
    {
      client_secret: created.client_secret,
      payment_method_data: {
        type: 'card',
        card: { number, cvc: '123', ...expiryYearsFrom(systemClock.now(), 5) },
      },
    },
  );
  expect(confirmed.body.status).toBe('succeeded');
  return created.id;
}

describe('the merchant dashboard', () => {
  it('signs up, finds a payment, refunds part of it once despite a double click, and sees the refund', async () => {
    const { page, violations } = await newTab();
    const email = OWNER;
    await signUp(page, email, 'Espresso & Co');
    await page.getByText('Test mode: you are looking at test data').waitFor();

    // Two-factor on, with the key the page shows, as an authenticator app would read it.
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Account' })
      .click();
    await page.getByRole('button', { name: 'Set up two-factor' }).click();
    const key = ((await page.locator('.setup-key').textContent()) ?? '').replaceAll(' ', '');
    const totp = new TOTP({ secret: Secret.fromBase32(key), digits: 6, period: 30 });
    await page.getByLabel('Code from the app').fill(totp.generate());
    await page.getByRole('button', { name: 'Turn on two-factor' }).click();
    const codes = page.getByRole('region', { name: 'Your recovery codes' });
    await codes.getByRole('listitem').first().waitFor();
    recoveryCodes.push(...(await codes.getByRole('listitem').allTextContents()));
    expect(recoveryCodes).toHaveLength(10);
    await codes.getByRole('button', { name: 'I have saved them' }).click();
    await page.getByText('Two-factor authentication is on').waitFor();
    // From now on a password alone does not sign in.
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.waitForURL(/\/sign-in/);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').getByText('Enter the 6-digit code').waitFor();
    await page.getByLabel('Authentication code').fill(recoveryCodes.shift() as string);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Espresso & Co' }).waitFor();

    // The Developers page issues the keys the merchant's server and pages use, each shown once.
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Developers' })
      .click();
    await page.getByText('No test keys yet').waitFor();
    const createKey = async (name: string, type: 'secret' | 'publishable') => {
      await page.getByLabel('Name').fill(name);
      await page.getByLabel('Type').selectOption(type);
      await page.getByRole('button', { name: 'Create key' }).click();
      const revealed = page.getByRole('region', { name: `Your new key: ${name}` });
      const key = await revealed.getByLabel('Key').inputValue();
      await revealed.getByRole('button', { name: 'I have saved it' }).click();
      await page.getByRole('cell', { name: name, exact: true }).waitFor();
      return key;
    };
    const secretKey = await createKey('Order server', 'secret');
    const publishableKey = await createKey('Shop pages', 'publishable');
    expect(secretKey).toMatch(/^sk_test_/);
    expect(publishableKey).toMatch(/^pk_test_/);
    // Listed by their first characters only.
    await page.getByRole('cell', { name: `${secretKey.slice(0, 14)}…` }).waitFor();
    expect(await page.content()).not.toContain(secretKey);
    // The merchant subscribes its server to payment events on the same page; the signing
    // secret is shown once.
    const receiver = await startReceiver();
    await page.getByLabel('Endpoint URL').fill(receiver.url);
    await page.getByLabel('Events to send').selectOption(['payment_intent.succeeded']);
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    const shown = page.getByRole('region', { name: `Signing secret of ${receiver.url}` });
    const signingSecret = await shown.getByLabel('Signing secret').inputValue();
    expect(signingSecret).toMatch(/^whsec_/);
    receiver.useSecret(signingSecret);
    await shown.getByRole('button', { name: 'I have saved it' }).click();
    await page.getByRole('link', { name: receiver.url }).waitFor();

    const paymentId = await pay(secretKey, publishableKey, 4_200);
    const otherId = await pay(secretKey, publishableKey, 1_500, '5555555555554444');

    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Payments' })
      .click();
    await page.getByRole('heading', { name: 'Payments' }).waitFor();
    await page.getByRole('link', { name: paymentId }).waitFor();
    // Found by the card's last 4; the filter is in the address.
    await page.getByLabel('Card last 4').fill('4242');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/last4=4242/);
    await page.getByRole('link', { name: otherId }).waitFor({ state: 'detached' });
    await page.getByRole('cell', { name: 'Visa •••• 4242' }).waitFor();

    // The filtered list as CSV: a real download, streamed by the API.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Export CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^payments-test-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = (await readFile(await download.path(), 'utf8')).trimEnd().split('\n');
    expect(csv[0]).toBe(
      'id,created_utc,amount,amount_received,currency,status,card_brand,card_last4,customer_email,description',
    );
    expect(csv.slice(1)).toEqual([
      expect.stringMatching(
        new RegExp(`^${paymentId},[^,]+,42\\.00,42\\.00,EUR,succeeded,visa,4242,,Order 4200$`),
      ),
    ]);

    await page.getByRole('link', { name: paymentId }).click();
    await page.getByText('€42.00').first().waitFor();

    await page.getByLabel('Amount (EUR)').fill('12.50');
    await page.getByRole('button', { name: 'Refund…' }).click();
    await page.getByText('Refund €12.50 of').waitFor();
    await page.getByRole('button', { name: 'Confirm refund' }).dblclick();
    await page.getByRole('status').getByText('Refunded €12.50').waitFor();
    await page.getByRole('listitem').filter({ hasText: '€12.50' }).waitFor();

    // The payment's page: its card, fee and net, the refund in the timeline and the ledger, and
    // the signed delivery of payment_intent.succeeded that the receiver verified.
    await page.getByRole('heading', { name: 'Card' }).waitFor();
    await page.getByText('Visa •••• 4242').first().waitFor();
    const timeline = page.getByRole('region', { name: 'Timeline' });
    await timeline.getByText('refund.created').waitFor();
    await timeline.getByText('payment_intent.succeeded').waitFor();
    const ledger = page.getByRole('region', { name: 'Ledger entries' });
    await ledger.getByText('Platform: platform fees').first().waitFor();
    await ledger
      .getByText(/^refund/)
      .first()
      .waitFor();
    const webhooks = page.getByRole('region', { name: 'Webhook deliveries' });
    for (;;) {
      // The worker delivers on its own time: look again until the delivery shows.
      if ((await webhooks.getByText('HTTP 200').count()) > 0) break;
      await page.waitForTimeout(250);
      await page.reload();
    }
    expect(receiver.verified).toContain('payment_intent.succeeded');
    await webhooks.getByText(receiver.url).waitFor();
    await receiver.stop();

    // The endpoint's delivery log: the attempt's signed request and the receiver's answer.
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Developers' })
      .click();
    await page.getByRole('link', { name: receiver.url }).click();
    await page.getByRole('heading', { level: 1, name: receiver.url }).waitFor();
    await page.getByRole('cell', { name: 'succeeded' }).first().waitFor();
    await page
      .getByRole('button', { name: /^Show delivery/ })
      .first()
      .click();
    const request = page.getByRole('region', { name: 'Request of attempt 1' });
    await request.getByText(/kassa-signature: t=\d+,v1=/).waitFor();
    await request.getByText('"type": "payment_intent.succeeded"').waitFor();
    await page
      .getByRole('region', { name: 'Response of attempt 1' })
      .getByText('HTTP 200')
      .waitFor();
    await screenshot(page, screenshotDir, 'webhook-endpoint-desktop');
    // The event it carried, in the event explorer.
    await page.getByRole('link', { name: /^evt_/ }).click();
    await page.getByRole('heading', { level: 1, name: 'payment_intent.succeeded' }).waitFor();
    await page
      .getByRole('region', { name: 'JSON' })
      .getByText(new RegExp(`"id": "(${paymentId}|${otherId})"`))
      .waitFor();

    const { rows } = await db.current.pool.query(
      'SELECT amount, reason FROM refunds WHERE payment_intent_id = $1',
      [paymentId],
    );
    expect(rows).toEqual([{ amount: '1250', reason: 'requested_by_customer' }]);

    // The audit log shows who did it: the refund, the keys, the payments the API key made.
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Audit log' })
      .click();
    await page.getByLabel('Action').fill('dashboard.*');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/action=dashboard/);
    // The filtered page replaces the unfiltered one (shown meanwhile): the API's own calls go.
    await page
      .getByRole('cell', { name: 'paymentIntents.create', exact: true })
      .first()
      .waitFor({ state: 'detached' });
    await page.getByRole('cell', { name: 'dashboard.refunds.create' }).first().waitFor();
    expect(await page.getByRole('cell', { name: 'dashboard.apiKeys.create' }).count()).toBe(2);

    // Home: the period's volume from the ledger (42.00 + 15.00 captured, 1.47 + 0.69 in fees,
    // 12.50 refunded: 42.34 net), the authorization rate, and the chart.
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Home' })
      .click();
    const period = page.getByRole('table', { name: 'Last 30 days' });
    await period.getByRole('cell', { name: '€57.00' }).waitFor();
    await period.getByRole('cell', { name: '€42.34' }).waitFor();
    await page.getByText('2 approved, 0 declined').waitFor();
    await page.locator('.recharts-surface').waitFor();
    expect(violations).toEqual([]);
  });

  it('invites an analyst by email, who joins by the link and cannot refund (server and page); removed, they are out at once', async () => {
    const { page } = await newTab();
    await signIn(page, OWNER, 'not the password at all');
    await page.getByRole('alert').getByText('The email or password is not right.').waitFor();
    await signIn(page, OWNER);
    await page.getByRole('heading', { level: 1, name: 'Espresso & Co' }).waitFor();
    const merchantId = await merchantOf(OWNER);

    // The business's details for shoppers, on the Settings page.
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Settings' })
      .click();
    const shown = page.getByRole('form', { name: 'Shown on your checkout' });
    await shown.getByLabel('Public business name').fill('Espresso Shop');
    await shown.getByLabel('Support email').fill('help@shop.example');
    await shown.getByRole('button', { name: 'Save' }).click();
    await shown.getByRole('status').getByText('Saved.').waitFor();
    await page.getByText('Shoppers see "Espresso Shop" on the hosted checkout').waitFor();
    const { rows: saved } = await db.current.pool.query(
      'SELECT public_name, support_email FROM merchants WHERE id = $1',
      [merchantId],
    );
    expect(saved).toEqual([{ public_name: 'Espresso Shop', support_email: 'help@shop.example' }]);

    // The owner invites from the Team page; the invitation arrives by email with its link.
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Team' })
      .click();
    await page.getByRole('heading', { level: 1, name: 'Team' }).waitFor();
    await page.getByLabel('Email').fill('analyst@shop.example');
    await page.getByLabel('Role').selectOption('analyst');
    const arriving = smtp.next('analyst@shop.example');
    await page.getByRole('button', { name: 'Send invitation' }).click();
    await page.getByRole('status').getByText('Invitation sent to analyst@shop.example').waitFor();
    await page.getByRole('cell', { name: 'analyst@shop.example', exact: true }).waitFor();
    const mail = await arriving;
    expect(mail.subject).toBe('You are invited to join Espresso & Co on Kassa');
    const link = linkIn(mail, `${dashboard.url}/invitation#`);

    // The analyst opens the link in their own browser and makes their account.
    const invitee = await newTab('desktop', { bypassCSP: true });
    await invitee.page.goto(link);
    await invitee.page.getByText('as analyst, with').waitFor();
    await screenshot(invitee.page, screenshotDir, 'invitation-desktop');
    expect(await axeViolations(invitee.page), 'invitation').toEqual([]);
    await invitee.page.getByLabel('Your name').fill('Ana Lyst');
    await invitee.page.getByLabel('Choose a password').fill(PASSWORD);
    await invitee.page.getByRole('button', { name: 'Create account and join' }).click();
    const analyst = invitee.page;
    await analyst.getByRole('heading', { level: 1, name: 'Espresso & Co' }).waitFor();
    await analyst.getByText('analyst@shop.example · analyst').waitFor();
    await analyst.getByRole('link', { name: /^pi_/ }).first().click();
    await analyst.getByRole('heading', { name: 'Refunds' }).waitFor();
    expect(await analyst.getByRole('button', { name: 'Refund…' }).count()).toBe(0);

    // The page hides the button; the API refuses the request anyway.
    const paymentId = (await analyst.locator('dd.mono').first().textContent()) as string;
    const refused = await analyst.evaluate(
      async ([merchant, payment]) => {
        const response = await fetch('/api/trpc/dashboard.refunds.create', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'kassa-merchant': merchant as string },
          body: JSON.stringify({ payment_intent: payment }),
        });
        return { status: response.status, body: await response.json() };
      },
      [merchantId, paymentId],
    );
    expect(refused.status).toBe(403);
    expect(refused.body.error.data.code).toBe('role_insufficient');

    // The owner sees them on the team, and removes them: their next page is the sign-in.
    await page.reload();
    await page.getByRole('button', { name: 'Remove Ana Lyst' }).click();
    await page.getByRole('button', { name: 'Remove from team' }).click();
    await page.getByRole('cell', { name: /analyst@shop\.example/ }).waitFor({ state: 'detached' });
    await analyst.goto(`${dashboard.url}/payments`);
    await analyst.waitForURL(/\/sign-in/);
  });

  it('resets a forgotten password by the emailed link', async () => {
    const { page } = await newTab('desktop', { bypassCSP: true });
    await page.goto(`${dashboard.url}/sign-in`);
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    // The sign-in page has an Email field too: fill the new page's, once it is there.
    await page.getByRole('heading', { level: 1, name: 'Reset your password' }).waitFor();
    await page.getByLabel('Email').fill('analyst@shop.example');
    const arriving = smtp.next('analyst@shop.example');
    await page.getByRole('button', { name: 'Email me a link' }).click();
    await page
      .getByRole('status')
      .getByText('a link to choose a new password is on its way')
      .waitFor();
    const link = linkIn(await arriving, `${dashboard.url}/reset-password#`);
    await page.goto(link);
    await screenshot(page, screenshotDir, 'reset-password-desktop');
    expect(await axeViolations(page), 'reset-password').toEqual([]);
    await page.getByLabel('New password').fill('a new passphrase for ana');
    await page.getByLabel('The same again').fill('a new passphrase for ana');
    await page.getByRole('button', { name: 'Set new password' }).click();
    await page.getByRole('status').getByText('Your password is changed').waitFor();
    // The link is spent; the new password signs in (to no merchant: the owner removed them).
    await page.reload();
    await page.getByLabel('New password').fill('another passphrase');
    await page.getByLabel('The same again').fill('another passphrase');
    await page.getByRole('button', { name: 'Set new password' }).click();
    await page.getByRole('alert').getByText('This reset link does not work').waitFor();
    await signIn(page, 'analyst@shop.example', 'a new passphrase for ana');
    await page.getByRole('heading', { level: 1, name: 'No merchant yet' }).waitFor();
  });

  it('signing out everywhere ends the sessions of other browsers on their next request', async () => {
    const first = await newTab();
    const second = await newTab();
    await signIn(first.page, OWNER);
    await signIn(second.page, OWNER);
    await second.page.getByRole('heading', { level: 1, name: 'Espresso & Co' }).waitFor();
    await first.page.getByRole('heading', { level: 1, name: 'Espresso & Co' }).waitFor();
    // The Account page lists both sessions; ending the other one signs that browser out.
    await first.page.goto(`${dashboard.url}/account`);
    const sessions = first.page.getByRole('table', { name: 'Your sessions' });
    await sessions.getByRole('cell', { name: 'This browser' }).waitFor();
    const others = sessions.getByRole('button', { name: /^Sign out the session/ });
    expect(await others.count()).toBeGreaterThanOrEqual(1);
    const before = await others.count();
    await others.first().click();
    await first.page.waitForFunction(
      (n) =>
        document.querySelectorAll('button').length > 0 &&
        [...document.querySelectorAll('button')].filter((b) =>
          b.textContent?.startsWith('Sign out the session'),
        ).length ===
          n - 1,
      before,
    );
    await second.page.goto(`${dashboard.url}/payments`);
    await second.page.waitForURL(/\/sign-in/);
    await signIn(second.page, OWNER);
    await second.page.getByRole('heading', { level: 1, name: 'Espresso & Co' }).waitFor();
    await first.page.getByRole('button', { name: 'Sign out everywhere' }).click();
    await first.page.waitForURL(/\/sign-in/);
    await second.page.goto(`${dashboard.url}/payments`);
    await second.page.waitForURL(/\/sign-in/);
  });

  it('adds a bank account in Settings; sees the next payout, its transactions, and resolves a reconciliation exception', async () => {
    const { page } = await newTab();
    await signIn(page, OWNER);
    await page.getByRole('heading', { level: 1, name: 'Espresso & Co' }).waitFor();
    ownerState = await page.context().storageState();
    const merchantId = await merchantOf(OWNER);
    await page.goto(`${dashboard.url}/settings`);
    const payouts = page.getByRole('region', { name: 'Payouts' });
    await payouts.getByLabel('Currency').fill('eur');
    await payouts.getByLabel('Country').fill('DE');
    await payouts.getByLabel('Account holder').fill('Espresso & Co');
    await payouts.getByLabel('Account number').fill('000123456789');
    await payouts.getByRole('button', { name: 'Add bank account' }).click();
    await payouts.getByText('Bank account ending 6789 added.').waitFor();
    await payouts.getByRole('cell', { name: '•••• 6789 (default)' }).waitFor();
    await screenshot(page, screenshotDir, 'settings-payouts-desktop');
    // The number went to the vault: the page, and the API's table, show the last 4 only.
    expect(await page.content()).not.toContain('000123456789');

    // The close of the day the payments' funds come due (the settlement worker's, run here).
    await sealAll(db.current.pool);
    const day = addDays(dayOf(new Date(), DEFAULT_CALENDAR), 3);
    const closed = await closeDay(
      {
        pool: db.current.pool,
        clock: new ManualClock(endOf(day, DEFAULT_CALENDAR)),
        calendar: DEFAULT_CALENDAR,
        actor: 'test',
      },
      day,
      { merchantId },
    );
    const payoutId = closed.units.find((u) => u.currency === 'EUR')?.payoutId;
    expect(payoutId).toMatch(/^po_/);

    await page.goto(`${dashboard.url}/balances`);
    const next = page.getByRole('link', { name: /arriving/ });
    await next.waitFor();
    await screenshot(page, screenshotDir, 'balances-payout-desktop');
    await next.click();
    await page.getByRole('heading', { level: 2, name: 'Transactions' }).waitFor();
    await page.getByRole('rowheader', { name: 'Payout' }).waitFor();
    expect(await page.getByRole('rowheader', { name: 'Charge' }).count()).toBeGreaterThan(0);
    await screenshot(page, screenshotDir, 'payout-detail-desktop');

    await db.current.pool.query(
      `INSERT INTO reconciliation_exceptions (id, run_id, source, day, merchant_id, livemode, kind,
         reference, currency, expected_amount, object_id, description, created_at)
       VALUES ($1, 'rcn_dashboard', 'acquirer_report', $2, $3, false, 'missing_line', $4, 'EUR',
         1250, $5, 'not in the file', now())`,
      [newId('reconciliationException'), day, merchantId, 'pi_fromthebrowsertest000000', payoutId],
    );
    await page.goto(`${dashboard.url}/reconciliation`);
    await page.getByRole('rowheader', { name: 'Missing from the file' }).waitFor();
    await page.getByRole('button', { name: 'Resolve…' }).click();
    await page
      .getByLabel('Why it is resolved')
      .fill('Captured after the cutoff; on the next report');
    await page.getByRole('button', { name: 'Resolve', exact: true }).click();
    await page.getByText('Nothing to look at').waitFor();
    await page.getByLabel('Show').selectOption('resolved');
    await page.getByText('Captured after the cutoff; on the next report').waitFor();
    await screenshot(page, screenshotDir, 'reconciliation-desktop');
    const { rows } = await db.current.pool.query<{ resolved_by: string }>(
      `SELECT resolved_by FROM reconciliation_exceptions WHERE merchant_id = $1`,
      [merchantId],
    );
    expect(rows.map((r) => r.resolved_by)).toEqual([expect.stringMatching(/^user:usr_/)]);
  });

  // One test per width: each has the whole test timeout for its tour of every page.
  it.each(['desktop', 'mobile'] as const)(
    'shows every page at %s width, axe-clean (WCAG 2.1 AA), nothing wider than a phone',
    async (viewport) => {
      const pages = [
        '/',
        '/payments',
        '/balances',
        '/payouts',
        '/reconciliation',
        '/developers',
        '/developers/events',
        '/team',
        '/audit-log',
        '/settings',
        '/account',
      ];
      const { page } = await newTab(viewport, { bypassCSP: true });
      await page.goto(`${dashboard.url}/sign-in`);
      await screenshot(page, screenshotDir, `sign-in-${viewport}`);
      expect(await axeViolations(page), `sign-in ${viewport}`).toEqual([]);
      // The emailed links' pages, with tokens made here (only their SHA-256 is stored).
      const token = `${viewport === 'desktop' ? 'D' : 'M'}${'x'.repeat(42)}`;
      const hash = createHash('sha256').update(token).digest('hex');
      await db.current.pool.query(
        `INSERT INTO invitations (id, merchant_id, email, role, token_hash, created_at, expires_at)
       VALUES ($1, $2, $3, 'support', $4, now(), now() + interval '1 day')`,
        [newId('invitation'), await merchantOf(OWNER), `shot-${viewport}@shop.example`, hash],
      );
      await db.current.pool.query(
        `INSERT INTO password_resets (id, user_id, token_hash, created_at, expires_at)
       SELECT $1, id, $2, now(), now() + interval '1 hour' FROM users WHERE email = $3`,
        [newId('passwordReset'), hash, OWNER],
      );
      for (const path of ['/sign-up', '/forgot-password', '/invitation', '/reset-password']) {
        await page.goto(`${dashboard.url}${path}#${token}`);
        if (path === '/invitation') await page.getByText('as support, with').waitFor();
        await screenshot(page, screenshotDir, `${path.slice(1)}-${viewport}`);
        expect(await axeViolations(page), `${path} ${viewport}`).toEqual([]);
      }
      await signIn(page, OWNER);
      await page.getByRole('heading', { level: 1, name: 'Espresso & Co' }).waitFor();
      const paymentId = await page.getByRole('link', { name: /^pi_/ }).first().textContent();
      const { rows: ids } = await db.current.pool.query<{ endpoint: string; event: string }>(
        `SELECT w.id AS endpoint, d.event_id AS event FROM webhook_endpoints w
         JOIN webhook_deliveries d ON d.endpoint_id = w.id LIMIT 1`,
      );
      const { endpoint, event } = ids[0] as { endpoint: string; event: string };
      for (const path of [
        ...pages,
        `/payments/${paymentId}`,
        `/developers/webhooks/${endpoint}`,
        `/developers/events/${event}`,
      ]) {
        await page.goto(`${dashboard.url}${path}`);
        await page.waitForFunction(() => !document.querySelector('.kassa-state-loading'));
        const name =
          path === '/'
            ? 'home'
            : path
                .slice(1)
                .replaceAll('/', '-')
                .replace(/pi_\w+/, 'detail')
                .replace(/we_\w+/, 'endpoint')
                .replace(/evt_\w+/, 'event');
        await screenshot(page, screenshotDir, `${name}-${viewport}`);
        expect(await axeViolations(page), `${path} ${viewport}`).toEqual([]);
        if (viewport === 'mobile') {
          expect(
            await page.evaluate(() => document.documentElement.scrollWidth),
            `${path} fits a phone`,
          ).toBeLessThanOrEqual(viewports.mobile.width);
        }
      }
    },
  );

  it('decides the review queue with the score’s reasons, and edits the risk rules and lists', async () => {
    // The owner's session from an earlier test: every recovery code is spoken for.
    if (!ownerState) throw new Error('the owner has not signed in yet');
    const context = await browser.newContext({
      viewport: viewports.desktop,
      storageState: ownerState,
    });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(dashboard.url);
    await page.getByRole('heading', { level: 1, name: 'Espresso & Co' }).waitFor();
    const merchantId = await merchantOf(OWNER);
    const key = (kind: 'secret' | 'publishable') =>
      issueApiKey(db.current.prisma, { merchantId, kind, mode: 'test' }).then((k) => k.secret);
    const kassa = new Kassa(await key('secret'), { baseUrl: env.base });
    const browserKey = await key('publishable');
    // Two payments held for review, as a review rule holds them: authorized, not captured, with
    // the decision and its reasons on the payment (the fraud service's own path is tested end
    // to end in apps/workers/test/fraud-e2e.test.ts).
    const held: string[] = [];
    for (const amount of [64_000, 81_000]) {
      const created = await kassa.paymentIntents.create({
        amount,
        currency: 'eur',
        capture_method: 'manual',
      });
      const confirmed = await client(env.base, browserKey)<{ status: string }>(
        'checkout.paymentIntents.confirm',
        {
          client_secret: created.client_secret,
          payment_method_data: {
            type: 'card',
            card: {
              number: '4242424242424242',
              cvc: '123',
              ...expiryYearsFrom(systemClock.now(), 5),
            },
          },
        },
      );
      expect(confirmed.body.status).toBe('requires_capture');
      const risk = {
        outcome: 'review',
        score: 72,
        level: 'elevated',
        decided_by: 'rules',
        fallback_reason: null,
        rule: {
          id: 'rule_default_elevated_risk',
          action: 'review',
          predicate: ':risk_score: >= 65',
        },
        reasons: [
          {
            feature: 'amount_to_merchant_average',
            value: '12.5',
            points: 25,
            description: "Far above this merchant's usual amount",
          },
          {
            feature: 'ip_country',
            value: 'RO',
            points: 15,
            description: "The card's country is not the shopper's",
          },
        ],
      };
      await holdForReview(db.current, { merchantId, paymentIntentId: created.id, risk });
      held.push(created.id);
    }

    // An open decline-spike episode (as the fraud service opens one): one notice on Home, with
    // the reviews waiting.
    await db.current.pool.query(
      `INSERT INTO risk_alerts (id, merchant_id, livemode, kind, interval_at, observed, opened_at)
       VALUES ($1, $2, false, 'decline_spike', '2026-03-02T11:00:00Z', $3, now())`,
      [
        newId('riskAlert'),
        merchantId,
        JSON.stringify({
          observed: 0.8,
          mean: 0.1,
          deviation: 0,
          threshold: 0.25,
          attempts: 10,
          declines: 8,
        }),
      ],
    );
    await page.goto(dashboard.url);
    await page
      .getByRole('link', {
        name: 'Declines are spiking: 80% of 10 payments declined in the 5 minutes from 11:00 UTC, against 10% usually',
      })
      .waitFor();
    await page.getByRole('link', { name: '2 payments held for review' }).click();
    await page.getByText("Far above this merchant's usual amount").first().waitFor();
    expect(await page.getByRole('row').count()).toBe(3); // the header and two reviews
    await screenshot(page, screenshotDir, 'reviews-desktop');
    // Approve the first from the queue: captured.
    const first = page.getByRole('row').filter({ hasText: held[0] as string });
    await first.getByRole('button', { name: 'Approve' }).click();
    await page
      .getByRole('row')
      .filter({ hasText: held[0] as string })
      .waitFor({ state: 'detached' });
    expect((await kassa.paymentIntents.retrieve(held[0] as string)).status).toBe('succeeded');
    // Reject the second from its payment page's risk panel: canceled as fraudulent.
    await page.goto(`${dashboard.url}/payments/${held[1]}`);
    const panel = page.getByRole('region', { name: 'Risk' });
    await panel.getByText('72 · Elevated risk').waitFor();
    await panel.getByText(':risk_score: >= 65').waitFor();
    await screenshot(page, screenshotDir, 'payment-risk-desktop');
    await panel.getByRole('button', { name: 'Reject as fraud' }).click();
    await page.getByText('Canceled').first().waitFor();
    expect(await kassa.paymentIntents.retrieve(held[1] as string)).toMatchObject({
      status: 'canceled',
      cancellation_reason: 'fraudulent',
    });
    await page.goto(`${dashboard.url}/reviews`);
    await page.getByText('Nothing to review').waitFor();

    // Rules: a bad rule is refused with its column; a good one is tested, then added.
    await page.goto(`${dashboard.url}/risk`);
    const rule = page.getByLabel('Rule', { exact: true });
    await rule.fill('block if :amount_in_usd >> 5');
    await page.getByRole('button', { name: 'Add rule' }).click();
    await page
      .getByRole('alert')
      .getByText(/at column 10/)
      .waitFor();
    await rule.fill('review if :amount: > 70000');
    await page.getByRole('button', { name: 'Test on the last 30 days' }).click();
    await page
      .getByRole('status')
      .getByText(/would have matched/)
      .waitFor();
    await page.getByRole('button', { name: 'Add rule' }).click();
    await page.getByRole('rowheader', { name: ':amount: > 70000' }).waitFor();
    // Edited: the merchant's own rule, not a default one.
    await page.getByRole('button', { name: 'Edit :amount: > 70000' }).click();
    await rule.fill('review if :amount: > 90000');
    await page.getByRole('button', { name: 'Save rule' }).click();
    await page.getByRole('rowheader', { name: ':amount: > 90000' }).waitFor();
    // A blocked email, kept lower case.
    await page.getByLabel('Add to').selectOption('blocked_emails');
    await page.getByLabel('Value').fill('Fraud@Example.com');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page
      .getByRole('row', { name: /Blocked emails/ })
      .getByRole('cell', { name: '1' })
      .waitFor();
    await screenshot(page, screenshotDir, 'risk-desktop');
    const { rows } = await db.current.pool.query<{ value: string }>(
      'SELECT value FROM risk_list_items WHERE merchant_id = $1',
      [merchantId],
    );
    expect(rows).toEqual([{ value: 'fraud@example.com' }]);

    // A dispute (the simulator disputes this test card once captured; the API syncs it in).
    const disputed = await kassa.paymentIntents.create({ amount: 4_900, currency: 'eur' });
    const captured = await client(env.base, browserKey)<{ status: string }>(
      'checkout.paymentIntents.confirm',
      {
        client_secret: disputed.client_secret,
        payment_method_data: {
          type: 'card',
          card: {
            number: '4000000000000259',
            cvc: '123',
            ...expiryYearsFrom(systemClock.now(), 5),
          },
        },
      },
    );
    // Only a captured payment is disputed: if it was not, say why rather than wait for nothing.
    expect(captured.body?.status, JSON.stringify(captured.error)).toBe('succeeded');
    await page.goto(`${dashboard.url}/disputes`);
    const row = page.getByRole('row').filter({ hasText: disputed.id });
    await expect
      .poll(
        async () => {
          await page.reload();
          return row.count();
        },
        { timeout: 20_000 },
      )
      .toBe(1);
    await row.getByText('Needs response').waitFor();
    await row.getByRole('button', { name: 'Respond…' }).click();
    await page.getByLabel('What was sold').fill('Espresso beans, 1 kg');
    await page.getByLabel('Receipt (PDF, PNG or JPEG, at most 700 KB)').setInputFiles({
      name: 'receipt.pdf',
      mimeType: 'application/pdf',
      buffer: Buffer.from('%PDF-1.4\n%%EOF\n'),
    });
    await screenshot(page, screenshotDir, 'disputes-desktop');
    await page.getByRole('button', { name: 'Submit evidence' }).click();
    await page
      .getByRole('status')
      .getByText('Evidence submitted. The bank decides next.')
      .waitFor();
    await page
      .getByRole('row')
      .filter({ hasText: disputed.id })
      .getByText('Under review')
      .waitFor();
    const [answered] = (await kassa.disputes.list({ payment_intent: disputed.id })).data;
    expect(answered).toMatchObject({
      status: 'under_review',
      evidence: {
        product_description: 'Espresso beans, 1 kg',
        receipt: expect.stringMatching(/^file_/),
      },
    });
  });

  it('can be used with the keyboard alone: sign in, go to the payments, open one', async () => {
    const { page } = await newTab();
    /** Presses Tab until the focused element is the one described (at most 40 times). */
    const tabTo = async (
      what: string,
      matches: (el: { tag: string; text: string; id: string }) => boolean,
    ) => {
      for (let i = 0; i < 40; i += 1) {
        await page.keyboard.press('Tab');
        const focused = await page.evaluate(() => {
          const el = document.activeElement as HTMLElement | null;
          return { tag: el?.tagName ?? '', text: el?.textContent?.trim() ?? '', id: el?.id ?? '' };
        });
        if (matches(focused)) {
          // Where the focus is can be seen: an outline or a ring.
          const visible = await page.evaluate(() => {
            const style = getComputedStyle(document.activeElement as Element);
            return style.outlineStyle !== 'none' || style.boxShadow !== 'none';
          });
          expect(visible, `${what} shows focus`).toBe(true);
          return;
        }
      }
      throw new Error(`Tab never reached ${what}`);
    };
    await page.goto(`${dashboard.url}/sign-in`);
    await tabTo('the email field', (el) => el.id === 'email');
    await page.keyboard.type(OWNER);
    await page.keyboard.press('Tab');
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press('Enter');
    await page.getByLabel('Authentication code').waitFor();
    // The code field takes the focus when it appears.
    await page.keyboard.type(recoveryCodes.shift() as string);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Espresso & Co' }).waitFor();
    await tabTo('the Payments link', (el) => el.tag === 'A' && el.text === 'Payments');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Payments' }).waitFor();
    await tabTo('a payment', (el) => el.tag === 'A' && el.text.startsWith('pi_'));
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Card' }).waitFor();
  });

  it('reports the first-load JavaScript of the payments page (gzipped)', async () => {
    const { page } = await newTab();
    await signIn(page, OWNER);
    await page.getByRole('heading', { level: 1, name: 'Espresso & Co' }).waitFor();
    // A fresh context with the same session: nothing cached, every script counted.
    const state = await page.context().storageState();
    const context = await browser.newContext({ viewport: viewports.desktop, storageState: state });
    contexts.push(context);
    const fresh = await context.newPage();
    const scripts: Array<{ url: string; raw: number; gzip: number }> = [];
    fresh.on('response', async (response) => {
      if (response.request().resourceType() !== 'script') return;
      const body = await response.body();
      scripts.push({ url: response.url(), raw: body.length, gzip: gzipSync(body).length });
    });
    await fresh.goto(`${dashboard.url}/payments`, { waitUntil: 'networkidle' });
    await fresh.getByRole('link', { name: /^pi_/ }).first().waitFor();
    const gzipBytes = scripts.reduce((sum, s) => sum + s.gzip, 0);
    const report = {
      page: '/payments',
      scripts: scripts.length,
      rawBytes: scripts.reduce((sum, s) => sum + s.raw, 0),
      gzipBytes,
      gzipKB: Math.round((gzipBytes / 1024) * 10) / 10,
    };
    console.log(
      `first-load JS of /payments: ${report.gzipKB} KB gzipped (${Math.round(report.rawBytes / 1024)} KB raw) in ${report.scripts} files`,
    );
    await mkdir(join(appDir, 'test-results'), { recursive: true });
    await writeFile(
      join(appDir, 'test-results', 'first-load-js.json'),
      `${JSON.stringify({ ...report, files: scripts }, null, 2)}\n`,
    );
    expect(report.scripts).toBeGreaterThan(0);
  });
});
