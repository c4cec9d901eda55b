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

/** Opens Kassa's database (DATABASE_URL, or the embedded one) for one command, then closes it. */
export async function withDatabase<T>(
  work: (db: DatabaseClients, target: DatabaseTarget) => Promise<T>,
  config: DatabaseConfig = databaseConfig(),
): Promise<T> {
  const target = await resolveDatabase(config, (message) => say(style('dim', message)));
  const db = createDatabaseClients(target.url, { poolMax: 2, applicationName: 'kassa-cli' });
  try {
    return await work(db, target);
  } finally {
    await db.close();
    await target.close();
  }
}
