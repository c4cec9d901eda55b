import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';

// What the browser tests of the Next.js apps (checkout, dashboard) share: Debian's Chromium,
// the two viewports, screenshots as artifacts, axe-core, and an app's production build under
// `next start`.

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
export type Viewport = keyof typeof viewports;

/** Saves a full-page screenshot as a test artifact: <dir>/<name>.png. */
export async function screenshot(page: Page, dir: string, name: string) {
  await mkdir(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
}

/**
 * axe-core's WCAG 2.1 A and AA rules (colour contrast included) run in the page as it is now,
 * as "rule (impact): targets" lines. The page's CSP refuses the injected script: open it in a
 * context made with `bypassCSP: true`.
 */
export async function axeViolations(page: Page): Promise<string[]> {
  const axe = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(axe);
  const result = (await page.evaluate(() =>
    (globalThis as unknown as { axe: { run: (o: unknown) => Promise<unknown> } }).axe.run({
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    }),
  )) as { violations: Array<{ id: string; impact: string; nodes: Array<{ target: string[] }> }> };
  return result.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
  );
}

/**
 * A Next.js app's production build served by `next start`, as it runs in production. Turbo
 * builds it before the tests (the app's `test` task depends on `build`); run alone without a
 * build, it is built first (`prebuild` runs before). Its output is kept for tests to read.
 */
export async function startNextApp(options: {
  appDir: string;
  port: number;
  env: Record<string, string>;
  /** A path that answers once the app is up. */
  readyPath: string;
  prebuild?: () => void;
}) {
  const { appDir, port } = options;
  const next = createRequire(join(appDir, 'package.json')).resolve('next/dist/bin/next');
  if (!existsSync(join(appDir, '.next', 'BUILD_ID'))) {
    options.prebuild?.();
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
        ...options.env,
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
    const up = await fetch(`${url}${options.readyPath}`).then(
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
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}
