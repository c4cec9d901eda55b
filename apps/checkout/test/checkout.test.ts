import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { freePort } from '@kassa/db/testing';
import { Kassa } from '@kassa/sdk';
import { useApiProcess } from '@kassa/testing';
import { axeViolations } from '@kassa/testing/browser';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  appDir,
  fillCard,
  launchChromium,
  screenshot,
  startCheckout,
  startShop,
  viewports,
} from './harness.ts';

// The hosted checkout end to end: the real API (with its background jobs), the acquirer
// simulator, the production build of this app under `next start`, a merchant shop to return
// to, and Debian's Chromium driven by Playwright. The merchant side uses the SDK.
const [checkoutPort, apiPort] = [await freePort(), await freePort()];
const { db, env } = useApiProcess({
  checkoutUrl: `http://127.0.0.1:${checkoutPort}`,
  port: apiPort,
});
let checkout: Awaited<ReturnType<typeof startCheckout>>;
let shop: Awaited<ReturnType<typeof startShop>>;
let browser: Browser;
const contexts: BrowserContext[] = [];
const TEST_CARD = '4242424242424242';

beforeAll(async () => {
  [checkout, shop, browser] = await Promise.all([
    startCheckout(checkoutPort, env.base),
    startShop(),
    launchChromium(),
  ]);
});
afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  await checkout?.stop();
  await shop?.stop();
});

const kassa = () => new Kassa(env.merchant.secretKey, { baseUrl: env.base });

async function newSession(extra: Record<string, unknown> = {}) {
  return kassa().checkoutSessions.create({
    line_items: [
      { name: 'Espresso beans, 1 kg', quantity: 2, unit_amount: 2_450 },
      { name: 'Shipping', unit_amount: 490 },
    ],
    currency: 'eur',
    customer_email: 'ada@example.com',
    success_url: `${shop.url}/thanks?session={CHECKOUT_SESSION_ID}`,
    cancel_url: `${shop.url}/cart`,
    ...extra,
  });
}

/** A fresh browser tab at a viewport, recording every request it makes and every CSP complaint. */
async function openTab(viewport: keyof typeof viewports = 'desktop') {
  const context = await browser.newContext({ viewport: viewports[viewport] });
  contexts.push(context);
  const page = await context.newPage();
  const requests: Array<{ url: string; body: string; authorization?: string }> = [];
  const violations: string[] = [];
  page.on('request', (request) =>
    requests.push({
      url: request.url(),
      body: request.postData() ?? '',
      authorization: request.headers().authorization,
    }),
  );
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/.test(message.text())) violations.push(message.text());
  });
  return { page, requests, violations };
}

const payButton = (page: Page) => page.getByRole('button', { name: /^Pay / });

/**
 * axe-core (WCAG 2.1 A and AA rules, colour contrast included) run in the page. The page's own
 * CSP would refuse the injected script, so this tab bypasses CSP; every other tab keeps it.
 */
async function accessibilityViolations(
  url: string,
  viewport: keyof typeof viewports,
  prepare?: (page: Page) => Promise<void>,
) {
  const context = await browser.newContext({ viewport: viewports[viewport], bypassCSP: true });
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(url);
  await prepare?.(page);
  return axeViolations(page);
}

describe('the hosted checkout', () => {
  it('pays with 4242…: lands on success_url; session, payment, ledger and event agree', async () => {
    const session = await newSession();
    for (const viewport of ['desktop', 'mobile'] as const) {
      const { page } = await openTab(viewport);
      await page.goto(session.url as string);
      await screenshot(page, `pay-${viewport}`);
      if (viewport === 'mobile') {
        // Nothing wider than a 360 px screen.
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
          360,
        );
      }
    }
    const { page, requests, violations } = await openTab();
    const response = await page.goto(session.url as string);
    await expect(page.getByRole('heading', { level: 1 })).toBeDefined();
    expect(await page.getByText('Espresso beans, 1 kg').isVisible()).toBe(true);
    expect(await page.locator('h1').textContent()).toContain('€53.90');
    expect(await payButton(page).textContent()).toBe('Pay €53.90');
    expect(await page.getByLabel('Email').inputValue()).toBe('ada@example.com');
    // The page holds no API key: publishable keys are stored hashed, so the platform has none
    // to give it; it pays with its session's client secret alone.
    expect(await page.content()).not.toMatch(/pk_(test|live)_/);

    // The security headers of a payment page.
    const headers = response?.headers() ?? {};
    const csp = headers['content-security-policy'] ?? '';
    expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain(`connect-src 'self' ${env.base}`);
    expect(csp).not.toContain('unsafe-inline');
    expect(headers).toMatchObject({
      'x-frame-options': 'DENY',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
    });
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    expect(await page.locator(`script[nonce]`).count()).toBeGreaterThan(0);
    expect(nonce).toBeTruthy();

    await page.getByLabel('Card number').fill(TEST_CARD);
    expect(await page.getByLabel('Card number').inputValue()).toBe('4242 4242 4242 4242');
    expect(await page.locator('.kassa-card-brand').textContent()).toBe('Visa');
    await fillCard(page, { number: TEST_CARD });
    await Promise.all([page.waitForURL(`${shop.url}/thanks**`), payButton(page).click()]);
    expect(page.url()).toBe(`${shop.url}/thanks?session=${session.id}`);
    await screenshot(page, 'success-url-desktop');

    const done = await kassa().checkoutSessions.retrieve(session.id);
    expect(done).toMatchObject({ status: 'complete', payment_status: 'paid' });
    const payment = await kassa().paymentIntents.retrieve(session.payment_intent);
    expect(payment).toMatchObject({ status: 'succeeded', amount_received: 5_390 });
    const events = await kassa().events.list({ type: 'checkout.session.completed', limit: 100 });
    expect(events.data.some((e) => (e.data.object as { id: string }).id === session.id)).toBe(true);
    const { rows } = await db.current.pool.query(
      `SELECT count(*)::int AS n FROM ledger_events WHERE type = 'ledger.entry_posted' AND data->>'reference' = $1`,
      [session.payment_intent],
    );
    expect(rows[0].n).toBeGreaterThan(0);

    // The card number left the browser for the API only: never for the checkout's own server,
    // whose logs do not have it either.
    const withCard = requests.filter(
      (r) => r.url.includes(TEST_CARD) || r.body.includes(TEST_CARD),
    );
    expect(withCard.length).toBe(1);
    expect(withCard.every((r) => r.url.startsWith(`${env.base}/trpc/checkout.`))).toBe(true);
    expect(withCard.every((r) => r.authorization === undefined)).toBe(true);
    expect(
      requests.filter((r) => r.url.startsWith(checkout.url) && r.body.includes('4242')),
    ).toEqual([]);
    expect(checkout.output.join('')).not.toContain(TEST_CARD);
    expect(violations).toEqual([]);
  });

  it('a declined card shows why, in words, and another card then pays', async () => {
    const session = await newSession();
    const { page } = await openTab();
    await page.goto(session.url as string);
    await fillCard(page, { number: '4000000000009995' });
    await payButton(page).click();
    const alert = page.getByRole('alert');
    await alert.getByText('Your card has insufficient funds.').waitFor();
    expect(await page.getByLabel('Security code').inputValue()).toBe('');
    await screenshot(page, 'declined-desktop');
    await page.setViewportSize(viewports.mobile);
    await screenshot(page, 'declined-mobile');
    await page.setViewportSize(viewports.desktop);

    await page.getByLabel('Card number').fill(TEST_CARD);
    await page.getByLabel('Security code').fill('123');
    await Promise.all([page.waitForURL(`${shop.url}/thanks**`), payButton(page).click()]);
    expect((await kassa().checkoutSessions.retrieve(session.id)).status).toBe('complete');
  });

  it('checks the fields before sending anything, and says which are wrong', async () => {
    const session = await newSession();
    const { page, requests } = await openTab();
    await page.goto(session.url as string);
    await fillCard(page, { number: '4242424242424241', expiry: '01 / 20' });
    const before = requests.length;
    await payButton(page).click();
    await page.getByText('Check the highlighted fields.').waitFor();
    expect(await page.getByLabel('Card number').getAttribute('aria-invalid')).toBe('true');
    // Focus moves to the first wrong field, whose error is its description.
    expect(await page.evaluate(() => document.activeElement?.getAttribute('autocomplete'))).toBe(
      'cc-number',
    );
    expect(await page.getByLabel('Card number').getAttribute('aria-describedby')).toBeTruthy();
    expect(await page.getByLabel('Expiry (MM / YY)').getAttribute('aria-invalid')).toBe('true');
    expect(requests.slice(before).filter((r) => r.url.startsWith(env.base))).toEqual([]);
    await screenshot(page, 'invalid-fields-desktop');
    await page.setViewportSize(viewports.mobile);
    await screenshot(page, 'invalid-fields-mobile');
  });

  it('shows that it is working while the API answers, and the way back to the shop', async () => {
    const session = await newSession();
    for (const viewport of ['desktop', 'mobile'] as const) {
      const { page } = await openTab(viewport);
      // Hold the confirm call so the in-flight state can be seen.
      let release: () => void = () => {};
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      await page.route(`${env.base}/trpc/checkout.paymentIntents.confirm`, async (route) => {
        await held;
        await route.abort();
      });
      await page.goto(session.url as string);
      await fillCard(page, { number: TEST_CARD });
      await payButton(page).click();
      const busy = page.getByRole('button', { name: 'Processing…' });
      await busy.waitFor();
      expect(await busy.isDisabled()).toBe(true);
      expect(await busy.getAttribute('aria-busy')).toBe('true');
      await screenshot(page, `processing-${viewport}`);
      release();
      await page.getByText('We could not reach the payment service').waitFor();
    }
    const { page } = await openTab();
    await page.goto(session.url as string);
    await Promise.all([
      page.waitForURL(`${shop.url}/cart`),
      page.getByRole('link', { name: /Back to Test merchant/ }).click(),
    ]);
    expect((await kassa().checkoutSessions.retrieve(session.id)).status).toBe('open');
  });

  it("shows the merchant's public name and support details, as its dashboard settings say", async () => {
    const settings = (values: unknown[]) =>
      db.current.pool.query(
        `UPDATE merchants SET public_name = $2, support_email = $3, support_phone = $4,
                support_url = $5 WHERE id = $1`,
        [env.merchant.merchantId, ...values],
      );
    await settings(['Espresso Shop', 'help@shop.example', '+49 30 1234567', `${shop.url}/help`]);
    try {
      const session = await newSession();
      const { page } = await openTab();
      await page.goto(session.url as string);
      await page.getByRole('link', { name: /Back to Espresso Shop/ }).waitFor();
      const support = page.getByText('Questions about this order? Contact Espresso Shop');
      await support.waitFor();
      expect(await page.getByRole('link', { name: 'help@shop.example' }).getAttribute('href')).toBe(
        'mailto:help@shop.example',
      );
      expect(await page.getByRole('link', { name: '+49 30 1234567' }).getAttribute('href')).toBe(
        'tel:+49301234567',
      );
      expect(await page.getByRole('link', { name: 'Support page' }).getAttribute('href')).toBe(
        `${shop.url}/help`,
      );
      await screenshot(page, 'support-details-desktop');
    } finally {
      await settings([null, null, null, null]);
    }
  });

  it('3-D Secure: the challenge; approve pays, fail shows an error and the form again', async () => {
    const session = await newSession();
    const { page } = await openTab();
    await page.goto(session.url as string);
    await fillCard(page, { number: '4000002500003155' });
    await payButton(page).click();
    await page.getByRole('heading', { name: 'Confirm your payment' }).waitFor();
    await screenshot(page, 'three-d-secure-challenge-desktop');
    await page.setViewportSize(viewports.mobile);
    await screenshot(page, 'three-d-secure-challenge-mobile');
    await page.setViewportSize(viewports.desktop);
    await Promise.all([
      page.waitForURL(`${shop.url}/thanks**`),
      page.getByRole('button', { name: 'Approve' }).click(),
    ]);
    expect((await kassa().checkoutSessions.retrieve(session.id)).status).toBe('complete');

    const failing = await newSession();
    const tab = await openTab('mobile');
    await tab.page.goto(failing.url as string);
    await fillCard(tab.page, { number: '4000002500003155' });
    await payButton(tab.page).click();
    await tab.page.getByRole('heading', { name: 'Confirm your payment' }).waitFor();
    await tab.page.getByRole('button', { name: 'Fail' }).click();
    await tab.page.getByRole('alert').getByText('We could not verify your card').waitFor();
    expect(tab.page.url()).toContain(`/pay/${failing.id}`);
    await screenshot(tab.page, 'three-d-secure-failed-mobile');
    await tab.page.setViewportSize(viewports.desktop);
    await screenshot(tab.page, 'three-d-secure-failed-desktop');
    expect((await kassa().checkoutSessions.retrieve(failing.id)).status).toBe('open');
  });

  it('expired, already paid and unknown sessions have their own pages', async () => {
    const expired = await newSession();
    await kassa().checkoutSessions.expire(expired.id);
    for (const viewport of ['desktop', 'mobile'] as const) {
      const { page } = await openTab(viewport);
      await page.goto(expired.url as string);
      await page.getByRole('heading', { name: 'This payment page has expired' }).waitFor();
      expect(await page.locator('.kassa-status').textContent()).toBe('Expired');
      expect(await payButton(page).count()).toBe(0);
      await screenshot(page, `expired-${viewport}`);

      const unknown = await page.goto(`${checkout.url}/pay/cs_000000000000000000000000`);
      expect(unknown?.status()).toBe(404);
      await page.getByRole('heading', { name: 'This payment page does not exist' }).waitFor();
      await screenshot(page, `unknown-${viewport}`);
    }
    const paid = await newSession();
    const { page } = await openTab();
    await page.goto(paid.url as string);
    await fillCard(page, { number: TEST_CARD });
    await Promise.all([page.waitForURL(`${shop.url}/thanks**`), payButton(page).click()]);
    await page.goto(paid.url as string);
    await page.getByRole('heading', { name: 'This order is already paid' }).waitFor();
    expect(await page.locator('.kassa-status').textContent()).toBe('Paid');
    await screenshot(page, 'already-paid-desktop');
    await page.setViewportSize(viewports.mobile);
    await screenshot(page, 'already-paid-mobile');
  });

  it('double submit and two tabs make one payment', async () => {
    const session = await newSession();
    const first = await openTab();
    const second = await openTab();
    for (const tab of [first, second]) {
      await tab.page.goto(session.url as string);
      await fillCard(tab.page, { number: TEST_CARD });
    }
    // Press twice in one tab and once in the other, at the same time.
    await Promise.all([payButton(first.page).dblclick(), payButton(second.page).click()]);
    // Each tab ends on the merchant's thank-you page: the one that lost follows the winner's
    // payment to its end (or, arriving after it, finds the order paid).
    const outcomes = await Promise.all(
      [first.page, second.page].map((page) =>
        Promise.any([
          page.waitForURL(`${shop.url}/thanks**`).then(() => 'thanks'),
          page
            .getByRole('heading', { name: 'This order is already paid' })
            .waitFor()
            .then(() => 'already paid'),
        ]),
      ),
    );
    expect(outcomes).toContain('thanks');
    const confirms = [...first.requests, ...second.requests].filter((r) =>
      r.url.includes('checkout.paymentIntents.confirm'),
    );
    expect(confirms.length).toBeLessThanOrEqual(2); // one per tab: the double click sent one
    const { rows } = await db.current.pool.query(
      `SELECT count(*)::int AS n FROM acquirer_sim.authorizations WHERE reference = $1 AND status <> 'declined'`,
      [session.payment_intent],
    );
    expect(rows[0].n).toBe(1);
    expect(await kassa().paymentIntents.retrieve(session.payment_intent)).toMatchObject({
      status: 'succeeded',
      amount_received: 5_390,
    });
  });

  it('passes axe-core (WCAG 2.1 AA, contrast included) in every state, at both widths', async () => {
    const session = await newSession();
    const expired = await newSession();
    await kassa().checkoutSessions.expire(expired.id);
    for (const viewport of ['desktop', 'mobile'] as const) {
      expect(await accessibilityViolations(session.url as string, viewport)).toEqual([]);
      expect(
        await accessibilityViolations(session.url as string, viewport, async (page) => {
          await fillCard(page, { number: '4000000000009995' });
          await payButton(page).click();
          await page.getByRole('alert').getByText('insufficient funds').waitFor();
        }),
      ).toEqual([]);
      expect(
        await accessibilityViolations(session.url as string, viewport, async (page) => {
          await payButton(page).click();
          await page.getByText('Check the highlighted fields.').waitFor();
        }),
      ).toEqual([]);
      expect(await accessibilityViolations(expired.url as string, viewport)).toEqual([]);
    }
  });

  it('can be used with the keyboard alone', async () => {
    const session = await newSession();
    const { page } = await openTab();
    await page.goto(session.url as string);
    await page.getByLabel('Email').focus();
    const typed = [
      'ada@example.com',
      TEST_CARD,
      `12${(new Date().getUTCFullYear() + 5) % 100}`,
      '123',
      'Ada Lovelace',
      '10115',
    ];
    await page.getByLabel('Email').fill('');
    for (const [index, text] of typed.entries()) {
      await page.keyboard.type(text);
      if (index < typed.length - 1) await page.keyboard.press('Tab');
    }
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Pay €53.90');
    await Promise.all([page.waitForURL(`${shop.url}/thanks**`), page.keyboard.press('Enter')]);
  });

  it('reports the first-load JavaScript of the pay page (gzipped)', async () => {
    const session = await newSession();
    const { page } = await openTab();
    const scripts: Array<{ url: string; raw: number; gzip: number }> = [];
    page.on('response', async (response) => {
      if (response.request().resourceType() !== 'script') return;
      const body = await response.body();
      scripts.push({ url: response.url(), raw: body.length, gzip: gzipSync(body).length });
    });
    await page.goto(session.url as string, { waitUntil: 'networkidle' });
    const total = scripts.reduce((sum, s) => sum + s.gzip, 0);
    const report = {
      page: '/pay/[sessionId]',
      scripts: scripts.length,
      rawBytes: scripts.reduce((sum, s) => sum + s.raw, 0),
      gzipBytes: total,
      gzipKB: Math.round((total / 1024) * 10) / 10,
      targetKB: 90,
    };
    console.log(
      `first-load JS of /pay/[sessionId]: ${report.gzipKB} KB gzipped in ${report.scripts} files (target ≤ 90 KB)`,
    );
    await mkdir(join(appDir, 'test-results'), { recursive: true });
    await writeFile(
      join(appDir, 'test-results', 'first-load-js.json'),
      `${JSON.stringify({ ...report, files: scripts }, null, 2)}\n`,
    );
    expect(report.scripts).toBeGreaterThan(0);
    // No third-party scripts: every one comes from the checkout's own origin.
    expect(scripts.filter((script) => !script.url.startsWith(`${checkout.url}/`))).toEqual([]);
  });
});
