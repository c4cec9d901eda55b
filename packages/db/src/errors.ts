/**
 * Errors of the database layer. Each has a stable `code` so callers (the CLI, /readyz, tests)
 * can act on the kind of failure rather than on message text.
 */
export class DatabaseError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** An already-applied migration's file no longer matches what was applied. */
export class MigrationEditedError extends DatabaseError {
  constructor(readonly migrations: readonly string[]) {
    super(
      'migration_edited',
      `Refusing to migrate: migration ${migrations.join(', ')} was changed after it was applied ` +
        '(its checksum no longer matches _prisma_migrations). Restore the applied file and put ' +
        'the change in a new migration.',
    );
  }
}

/** A migration's SQL failed; its transaction was rolled back and nothing after it ran. */
export class MigrationFailedError extends DatabaseError {
  constructor(
    readonly migration: string,
    readonly databaseMessage: string,
    readonly sqlState: string | undefined,
    readonly line: number | undefined,
    options?: ErrorOptions,
  ) {
    super(
      'migration_failed',
      `Migration ${migration} failed${line ? ` at line ${line}` : ''} and was rolled back; ` +
        `no later migration ran. PostgreSQL said: ${databaseMessage}` +
        (sqlState ? ` (SQLSTATE ${sqlState})` : ''),
      options,
    );
  }
}

/** _prisma_migrations records a migration that started and never finished nor rolled back. */
export class MigrationUnresolvedError extends DatabaseError {
  constructor(readonly migrations: readonly string[]) {
    super(
      'migration_unresolved',
      `Migration ${migrations.join(', ')} failed earlier (outside Kassa's runner) and is still ` +
        'marked as started. Check the database by hand, then mark it rolled back: ' +
        `\`prisma migrate resolve --rolled-back ${migrations[0]}\`, or run ` +
        `UPDATE "_prisma_migrations" SET rolled_back_at = now() WHERE migration_name = '${migrations[0]}' AND finished_at IS NULL;`,
    );
  }
}

/** Tables exist but no migration history: migrating would collide with them. */
export class DatabaseNotEmptyError extends DatabaseError {
  constructor(readonly tables: readonly string[]) {
    super(
      'database_not_empty',
      `The database has tables (${tables.slice(0, 5).join(', ')}${tables.length > 5 ? ', ...' : ''}) ` +
        'but no migration history (_prisma_migrations). Use an empty database, or baseline this one.',
    );
  }
}

export class MigrationLockTimeoutError extends DatabaseError {
  constructor(timeoutMs: number) {
    super(
      'migration_lock_timeout',
      `Another process has been migrating this database for over ${timeoutMs} ms ` +
        '(advisory lock 72707369 is held). Try again when it is done.',
    );
  }
}

export class MigrationsDirectoryError extends DatabaseError {
  constructor(message: string) {
    super('migrations_directory_invalid', message);
  }
}
