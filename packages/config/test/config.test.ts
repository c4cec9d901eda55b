import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  apiVariables,
  busVariables,
  ConfigError,
  eventBusSettings,
  loadConfig,
  renderEnvExample,
  variables,
  workspaceRoot,
} from '../src/index.ts';

function errorOf(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies defaults and types values', () => {
    const config = loadConfig(apiVariables, {
      API_PORT: '4100',
      DATABASE_POOL_MAX: '3',
      KASSA_SECRET_KEY: 's'.repeat(32),
      NEXTAUTH_SECRET: 'n'.repeat(32),
      KASSA_VAULT_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
      KASSA_VAULT_FINGERPRINT_KEY: 'f'.repeat(32),
      ACQUIRER_API_KEY: 'a'.repeat(32),
    });
    expect(config.API_PORT).toBe(4100);
    expect(config.DATABASE_POOL_MAX).toBe(3);
    expect(config.API_HOST).toBe('127.0.0.1');
    expect(config.NODE_ENV).toBe('development');
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.KASSA_DATA_DIR).toBe(join(workspaceRoot(), '.kassa'));
  });

  it('resolves a relative data folder against the repository root', () => {
    expect(loadConfig(['KASSA_DATA_DIR'], { KASSA_DATA_DIR: 'var/kassa' }).KASSA_DATA_DIR).toBe(
      join(workspaceRoot(), 'var', 'kassa'),
    );
    expect(loadConfig(['KASSA_DATA_DIR'], { KASSA_DATA_DIR: '/srv/kassa' }).KASSA_DATA_DIR).toBe(
      '/srv/kassa',
    );
  });

  it('reads only the variables asked for', () => {
    const config = loadConfig(['API_PORT'], { API_PORT: '1', LOG_LEVEL: 'nonsense' });
    expect(config).toEqual({ API_PORT: 1 });
  });

  it('treats an empty value as unset', () => {
    expect(loadConfig(['DATABASE_URL', 'API_PORT'], { DATABASE_URL: '', API_PORT: '' })).toEqual({
      DATABASE_URL: undefined,
      API_PORT: 4000,
    });
  });

  it('names every malformed variable, what it expects and what it got', () => {
    const error = errorOf(() =>
      loadConfig(apiVariables, { API_PORT: 'eighty', LOG_LEVEL: 'loud', DATABASE_POOL_MAX: '0' }),
    );
    expect(error.issues.map((i) => i.variable)).toEqual([
      'LOG_LEVEL',
      'DATABASE_POOL_MAX',
      'API_PORT',
      'KASSA_SECRET_KEY',
      'NEXTAUTH_SECRET',
      'KASSA_VAULT_KEYS',
      'KASSA_VAULT_FINGERPRINT_KEY',
      'ACQUIRER_API_KEY',
    ]);
    expect(error.message).toContain('KASSA_SECRET_KEY: expected a random string');
    expect(error.message).toContain(
      'API_PORT: expected an integer port from 1 to 65535; got "eighty"',
    );
    expect(error.message).toContain(
      'LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent',
    );
    expect(error.message).toContain(
      'DATABASE_POOL_MAX: expected an integer from 1 to 500; got "0"',
    );
  });

  it('rejects ports out of range and non-integers', () => {
    for (const bad of ['0', '65536', '80.5', '-1', 'http']) {
      expect(errorOf(() => loadConfig(['API_PORT'], { API_PORT: bad })).issues[0]?.variable).toBe(
        'API_PORT',
      );
    }
  });

  it('never echoes a secret it rejects', () => {
    const error = errorOf(() =>
      loadConfig(['DATABASE_URL'], { DATABASE_URL: 'mysql://root:hunter2@db/kassa' }),
    );
    expect(error.message).toContain('DATABASE_URL: expected a postgres:// or postgresql:// URL');
    expect(error.message).toContain('a value (hidden)');
    expect(error.message).not.toContain('hunter2');
  });

  it('accepts postgres:// and postgresql:// URLs', () => {
    for (const url of ['postgres://u:p@h:5432/d', 'postgresql://u@h/d?sslmode=require']) {
      expect(loadConfig(['DATABASE_URL'], { DATABASE_URL: url }).DATABASE_URL).toBe(url);
    }
  });

  it('reads the webhook private-host allowance as a list, empty unless set', () => {
    const allow = (value?: string) =>
      loadConfig(['WEBHOOK_ALLOW_PRIVATE_HOSTS'], { WEBHOOK_ALLOW_PRIVATE_HOSTS: value })
        .WEBHOOK_ALLOW_PRIVATE_HOSTS;
    expect(allow()).toEqual([]);
    expect(allow('')).toEqual([]);
    expect(allow('localhost, 127.0.0.1,[::1],Hooks.Dev.Example')).toEqual([
      'localhost',
      '127.0.0.1',
      '::1',
      'hooks.dev.example',
    ]);
    for (const bad of ['http://localhost', 'localhost:3000', '10.0.0.0/8', 'a b'])
      expect(errorOf(() => allow(bad)).message).toContain(
        'WEBHOOK_ALLOW_PRIVATE_HOSTS: expected host names or IP addresses',
      );
  });
});

describe('.env.example', () => {
  it('lists every variable with its comment, exactly as rendered from the table', async () => {
    // On failure, regenerate it: pnpm kassa config example > .env.example
    const file = await readFile(join(workspaceRoot(), '.env.example'), 'utf8');
    expect(file).toBe(renderEnvExample());
    for (const name of Object.keys(variables)) expect(file).toContain(`${name}=`);
  });
});

describe('the event bus settings', () => {
  const bus = (env: Record<string, string>) => eventBusSettings(loadConfig(busVariables, env));

  it('is the PostgreSQL log unless KASSA_BUS says kafka', () => {
    expect(bus({})).toEqual({ transport: 'postgres' });
    expect(bus({ KAFKA_BROKERS: 'k:9092' })).toEqual({ transport: 'postgres' });
  });

  it('on Kafka: the brokers, and production replication unless told otherwise', () => {
    expect(bus({ KASSA_BUS: 'kafka', KAFKA_BROKERS: ' kafka-1:9092, kafka-2:9092 ,' })).toEqual({
      transport: 'kafka',
      brokers: ['kafka-1:9092', 'kafka-2:9092'],
      topic: 'kassa.ledger.events',
      partitions: 64,
      replicationFactor: 3,
      minInsyncReplicas: 2,
    });
  });

  it('refuses Kafka without brokers, malformed brokers, and min.insync.replicas above the replicas', () => {
    expect(errorOf(() => bus({ KASSA_BUS: 'kafka' })).issues).toEqual([
      expect.objectContaining({ variable: 'KAFKA_BROKERS' }),
    ]);
    expect(errorOf(() => bus({ KASSA_BUS: 'kafka', KAFKA_BROKERS: 'kafka-1' })).issues).toEqual([
      expect.objectContaining({ variable: 'KAFKA_BROKERS' }),
    ]);
    expect(
      errorOf(() =>
        bus({
          KASSA_BUS: 'kafka',
          KAFKA_BROKERS: 'k:9092',
          KAFKA_REPLICATION_FACTOR: '1',
          KAFKA_MIN_INSYNC_REPLICAS: '2',
        }),
      ).issues,
    ).toEqual([expect.objectContaining({ variable: 'KAFKA_MIN_INSYNC_REPLICAS' })]);
    expect(errorOf(() => bus({ KASSA_BUS: 'rabbit' })).issues).toEqual([
      expect.objectContaining({ variable: 'KASSA_BUS' }),
    ]);
  });
});
