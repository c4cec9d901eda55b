import { ConfigError, loadDotEnv, renderEnvExample } from '@kassa/config';
import { DatabaseError } from '@kassa/db';
import { Command } from 'commander';
import { migrateCommand, newMigrationCommand, statusCommand } from './commands/db.ts';
import { devCommand } from './commands/dev.ts';
import { rebuildCommand, verifyCommand } from './commands/ledger.ts';
import { seedCommand } from './commands/seed.ts';
import { warn } from './output.ts';

loadDotEnv();

const program = new Command('kassa').description('Run and operate Kassa').showHelpAfterError();

program
  .command('dev')
  .description(
    'Start the whole platform on this machine (embedded PostgreSQL unless DATABASE_URL is set)',
  )
  .action(async () => {
    process.exitCode = await devCommand();
  });

const db = program.command('db').description('Database migrations');
db.command('migrate')
  .description('Apply pending migrations (recorded as Prisma does)')
  .action(migrateCommand);
db.command('status')
  .description(
    'Show migrations and check schema.prisma against the database; exit 1 unless current',
  )
  .action(async () => {
    process.exitCode = await statusCommand();
  });
db.command('new')
  .argument('<name>', 'what the migration does, e.g. add_refunds')
  .description('Write a new migration from the changes in schema.prisma')
  .action(newMigrationCommand);

const ledger = program.command('ledger').description('The event-sourced ledger');
ledger
  .command('verify')
  .description(
    'Check the hash chain, that every entry balances and that projections match the log; exit 1 and name the first bad event otherwise',
  )
  .action(async () => {
    process.exitCode = await verifyCommand();
  });
ledger
  .command('rebuild')
  .description(
    'Recreate every journal projection (accounts, entries, postings, balances, holds) from the log',
  )
  .action(async () => {
    process.exitCode = await rebuildCommand();
  });

program
  .command('seed')
  .description('Create the demo merchant and owner, and print a new pair of test API keys')
  .action(async () => {
    process.exitCode = await seedCommand();
  });

program
  .command('config')
  .description('Configuration')
  .command('example')
  .description('Print .env.example, rendered from the variable table')
  .action(() => {
    process.stdout.write(renderEnvExample());
  });

try {
  await program.parseAsync();
} catch (error) {
  if (error instanceof ConfigError || error instanceof DatabaseError) {
    warn(error.message);
  } else {
    warn(error instanceof Error ? (error.stack ?? error.message) : String(error));
  }
  process.exitCode = 1;
}
