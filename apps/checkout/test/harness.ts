import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';

export const appDir = join(import.meta.dirname, '..');
export const screenshotDir = join(appDir, 'test-results', 'screenshots');

/**
 * The production build served by `next start`, as it runs in production. Turbo builds it before
 * the tests (`@kassa/checkout#test` depends on `build`); run alone without a build, the tests
 * build it first. Its output is kept so tests can read its logs.
 */
export async function startCheckout(port: number, apiUrl: string) {
  const next = createRequire(join(appDir, 'package.json')).resolve('next/dist/bin/next');
  if (!existsSync(join(appDir, '.next', 'BUILD_ID'))) {
    execFileSync(process.execPath, [join(appDir, 'scripts', 'build-client.mjs')], {
      stdio: 'inherit',
    });
    execFileSync(process.execPath, [next, 'build'], {
      cwd: appDir,
      stdio: 'inherit',
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
    });
  }
  const output: string[] = [];
  const child: ChildProcess = spawn(
    process.execPath,
    [next, 'start', '--port', String(port), '--hostname', '127.0.0.1'],
    {
      cwd: appDir,
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'production',
        NEXT_TELEMETRY_DISABLED: '1',
        KASSA_API_URL: apiUrl,
        API_PUBLIC_URL: apiUrl,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout?.on('data', (chunk) => output.push(String(chunk)));
  child.stderr?.on('data', (chunk) => output.push(String(chunk)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next start exited:\n${output.join('')}`);
    const up = await fetch(`${url}/pay/cs_000000000000000000000000`).then(
      () => true,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) throw new Error(`next start not up:\n${output.join('')}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    output,
    async stop() {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
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

/** Debian's Chromium, driven by Playwright (which cannot download its own browser here). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

export const viewports = {
  desktop: { width: 1280, height: 900 },
  mobile: { width: 360, height: 740 },
} as const;

/** Saves a full-page screenshot as a test artifact: test-results/screenshots/<name>.png. */
export async function screenshot(page: Page, name: string) {
  await mkdir(screenshotDir, { recursive: true });
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
}

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
