import { type Config, databaseVariables, loadConfigOrExit } from '@kassa/config';
import {
  createDatabaseClients,
  type DatabaseClients,
  type DatabaseTarget,
  resolveDatabase,
} from '@kassa/db';
import { say, style } from './output.ts';

export type DatabaseConfig = Config<(typeof databaseVariables)[number]>;

export function databaseConfig(): DatabaseConfig {
  return loadConfigOrExit(databaseVariables);
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Opens Kassa's database (DATABASE_URL, or the embedded one) for one command, then closes it.
 * Interrupted (Ctrl-C, a closed terminal), it still stops an embedded server it started.
 */
export async function withDatabase<T>(
  work: (db: DatabaseClients, target: DatabaseTarget) => Promise<T>,
  config: DatabaseConfig = databaseConfig(),
): Promise<T> {
  let target: DatabaseTarget | undefined;
  const onSignal = () => {
    void (target?.close() ?? Promise.resolve()).finally(() => process.exit(130));
  };
  for (const signal of SIGNALS) process.once(signal, onSignal);
  try {
    target = await resolveDatabase(config, (message) => say(style('dim', message)));
    const db = createDatabaseClients(target.url, { poolMax: 2, applicationName: 'kassa-cli' });
    try {
      return await work(db, target);
    } finally {
      await db.close();
    }
  } finally {
    for (const signal of SIGNALS) process.removeListener(signal, onSignal);
    await target?.close();
  }
}
