import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MigrationsDirectoryError } from '../errors.ts';
import { migrationsDir } from '../paths.ts';

/** One migration folder: `<timestamp>_<name>/migration.sql`, as Prisma lays them out. */
export interface MigrationFile {
  name: string;
  script: string;
  /** Lower-case hex SHA-256 of the script's UTF-8 bytes, as Prisma computes it. */
  checksum: string;
}

export function checksumOf(script: string): string {
  return createHash('sha256').update(script, 'utf8').digest('hex');
}

/**
 * Prisma accepts a stored checksum when it matches the script as read, with CRLF turned into
 * LF, or with LF turned into CRLF, so a checkout with other line endings is not "edited".
 */
export function checksumMatches(script: string, checksum: string): boolean {
  return (
    checksumOf(script) === checksum ||
    checksumOf(script.replaceAll('\r\n', '\n')) === checksum ||
    checksumOf(script.replaceAll('\n', '\r\n')) === checksum
  );
}

/** Reads every migration in `dir`, in the order Prisma applies them (folder names, localeCompare). */
export async function readMigrations(dir: string = migrationsDir): Promise<MigrationFile[]> {
  if (!existsSync(dir)) throw new MigrationsDirectoryError(`No migrations folder at ${dir}.`);
  const lockPath = join(dir, 'migration_lock.toml');
  if (existsSync(lockPath)) {
    const provider = /^provider\s*=\s*"([^"]*)"/m.exec(await readFile(lockPath, 'utf8'))?.[1];
    if (provider !== 'postgresql') {
      throw new MigrationsDirectoryError(
        `${lockPath} names provider "${provider ?? ''}"; these migrations are not for PostgreSQL.`,
      );
    }
  }
  const folders = (await readdir(dir, { withFileTypes: true }))
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort((a, b) => a.localeCompare(b));
  return Promise.all(
    folders.map(async (name) => {
      const file = join(dir, name, 'migration.sql');
      if (!existsSync(file)) {
        throw new MigrationsDirectoryError(`Migration folder ${name} has no migration.sql.`);
      }
      const script = await readFile(file, 'utf8');
      return { name, script, checksum: checksumOf(script) };
    }),
  );
}
