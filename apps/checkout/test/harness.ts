import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { screenshot as saveScreenshot, startNextApp } from '@kassa/testing/browser';
import type { Page } from 'playwright-core';

export { launchChromium, viewports } from '@kassa/testing/browser';

export const appDir = join(import.meta.dirname, '..');
export const screenshotDir = join(appDir, 'test-results', 'screenshots');

/** The production build under `next start` (its pay-form script bundled first when it builds). */
export function startCheckout(port: number, apiUrl: string) {
  return startNextApp({
    appDir,
    port,
    env: { KASSA_API_URL: apiUrl, API_PUBLIC_URL: apiUrl },
    readyPath: '/pay/cs_000000000000000000000000',
    prebuild: () =>
      execFileSync(process.execPath, [join(appDir, 'scripts', 'build-client.mjs')], {
        stdio: 'inherit',
      }),
  });
}

/** The merchant's shop: the pages a session sends the shopper back to. */
export async function startShop() {
  const server = createServer((request, response) => {
    const title = request.url?.startsWith('/thanks') ? 'Thank you for your order' : 'Your cart';
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(`<!doctype html><html lang="en"><title>${title}</title><h1>${title}</h1></html>`);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Saves a full-page screenshot as a test artifact: test-results/screenshots/<name>.png. */
export const screenshot = (page: Page, name: string) => saveScreenshot(page, screenshotDir, name);

/** Fills the card form as a shopper would: by the labels. */
export async function fillCard(
  page: Page,
  card: { number: string; expiry?: string; cvc?: string; name?: string; postal?: string },
) {
  await page.getByLabel('Card number').fill(card.number);
  await page
    .getByLabel('Expiry (MM / YY)')
    .fill(card.expiry ?? `12 / ${(new Date().getUTCFullYear() + 5) % 100}`);
  await page.getByLabel('Security code').fill(card.cvc ?? '123');
  await page.getByLabel('Name on card').fill(card.name ?? 'Ada Lovelace');
  await page.getByLabel('Postal code').fill(card.postal ?? '10115');
}
