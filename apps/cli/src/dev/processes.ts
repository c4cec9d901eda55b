import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { LocalSecrets } from './local-secrets.ts';
import type { ProcessSpec } from './supervisor.ts';

const tsx = createRequire(import.meta.url).resolve('tsx');

function typescriptEntry(specifier: string): { command: string; args: string[] } {
  return {
    command: process.execPath,
    args: ['--import', tsx, fileURLToPath(import.meta.resolve(specifier))],
  };
}

export interface PlatformSettings {
  databaseUrl: string;
  /** KASSA_BUS and, for Kafka, where the brokers are. */
  busEnv: Record<string, string>;
  apiHost: string;
  apiPort: number;
  acquirerHost: string;
  acquirerPort: number;
  settlementHost: string;
  settlementPort: number;
  fraudHost: string;
  fraudPort: number;
  checkoutUrl: string;
  dashboardUrl: string;
  logLevel: string;
  secrets: LocalSecrets;
}

/**
 * Every process of the platform, in start order; each gets the database URL, the generated
 * secrets and its own port.
 */
export function platformProcesses(settings: PlatformSettings): ProcessSpec[] {
  const env = {
    ...process.env,
    ...settings.secrets,
    ...settings.busEnv,
    DATABASE_URL: settings.databaseUrl,
    LOG_LEVEL: settings.logLevel,
  };
  const acquirerUrl = `http://${settings.acquirerHost}:${settings.acquirerPort}`;
  const fraudUrl = `http://${settings.fraudHost}:${settings.fraudPort}`;
  return [
    {
      name: 'acquirer',
      ...typescriptEntry('@kassa/acquirer-sim/main'),
      env: {
        ...env,
        ACQUIRER_HOST: settings.acquirerHost,
        ACQUIRER_PORT: String(settings.acquirerPort),
      },
      readyUrl: `${acquirerUrl}/healthz`,
    },
    {
      // Risk decisions for the API's confirmations; its consumer group keeps the features.
      name: 'fraud',
      ...typescriptEntry('@kassa/workers/fraud/main'),
      env: {
        ...env,
        FRAUD_HOST: settings.fraudHost,
        FRAUD_PORT: String(settings.fraudPort),
      },
      readyUrl: `${fraudUrl}/readyz`,
    },
    {
      name: 'api',
      ...typescriptEntry('@kassa/api-server/main'),
      env: {
        ...env,
        API_HOST: settings.apiHost,
        API_PORT: String(settings.apiPort),
        ACQUIRER_URL: acquirerUrl,
        FRAUD_URL: fraudUrl,
        CHECKOUT_URL: settings.checkoutUrl,
        // The links of the dashboard's emails (invitations, resets) point there.
        DASHBOARD_URL: settings.dashboardUrl,
      },
      readyUrl: `http://${settings.apiHost}:${settings.apiPort}/readyz`,
    },
    {
      // The hosted checkout, in Next.js development mode (pages compile on first visit).
      name: 'checkout',
      command: process.execPath,
      args: [
        fileURLToPath(import.meta.resolve('@kassa/checkout/scripts/run-next.mjs')),
        'dev',
        '--port',
        new URL(settings.checkoutUrl).port || '3000',
        '--hostname',
        new URL(settings.checkoutUrl).hostname,
      ],
      cwd: fileURLToPath(new URL('.', import.meta.resolve('@kassa/checkout/package.json'))),
      env: {
        ...env,
        NEXT_TELEMETRY_DISABLED: '1',
        KASSA_API_URL: `http://${settings.apiHost}:${settings.apiPort}`,
        API_PUBLIC_URL: `http://${settings.apiHost}:${settings.apiPort}`,
      },
      readyUrl: `${settings.checkoutUrl.replace(/\/$/, '')}/healthz`,
    },
    {
      // The merchant dashboard, in Next.js development mode; it reaches the API from its server.
      name: 'dashboard',
      command: process.execPath,
      args: [
        fileURLToPath(import.meta.resolve('@kassa/dashboard/scripts/run-next.mjs')),
        'dev',
        '--port',
        new URL(settings.dashboardUrl).port || '3001',
        '--hostname',
        new URL(settings.dashboardUrl).hostname,
      ],
      cwd: fileURLToPath(new URL('.', import.meta.resolve('@kassa/dashboard/package.json'))),
      env: {
        ...env,
        NEXT_TELEMETRY_DISABLED: '1',
        KASSA_API_URL: `http://${settings.apiHost}:${settings.apiPort}`,
        NEXTAUTH_URL: settings.dashboardUrl,
      },
      readyUrl: `${settings.dashboardUrl.replace(/\/$/, '')}/healthz`,
    },
    {
      // Signs and sends webhook deliveries; no port of its own.
      name: 'webhooks',
      ...typescriptEntry('@kassa/workers/webhooks/main'),
      // On a developer's machine endpoints are local receivers; production allows none.
      env: {
        ...env,
        WEBHOOK_ALLOW_PRIVATE_HOSTS:
          process.env.WEBHOOK_ALLOW_PRIVATE_HOSTS ?? '127.0.0.1,localhost',
      },
    },
    {
      // Balance transactions from the bus, and each settlement day's close at its cutoff.
      name: 'settlement',
      ...typescriptEntry('@kassa/workers/settlement/main'),
      env: {
        ...env,
        SETTLEMENT_HOST: settings.settlementHost,
        SETTLEMENT_PORT: String(settings.settlementPort),
        // The simulator is test mode's bank too: payouts go there.
        ACQUIRER_URL: acquirerUrl,
      },
      readyUrl: `http://${settings.settlementHost}:${settings.settlementPort}/readyz`,
    },
  ];
}
