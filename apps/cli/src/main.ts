import { ConfigError, loadDotEnv, renderEnvExample } from '@kassa/config';
import { DatabaseError } from '@kassa/db';
import { KassaApiError } from '@kassa/payments';
import { SettlementError } from '@kassa/settlement';
import { Command, Option } from 'commander';
import { deadLettersCommand } from './commands/bus.ts';
import { migrateCommand, newMigrationCommand, statusCommand } from './commands/db.ts';
import { devCommand } from './commands/dev.ts';
import {
  apiKeyKinds,
  apiKeyModes,
  derivedKeysCommand,
  issueKeyCommand,
  listKeysCommand,
  revokeKeyCommand,
} from './commands/keys.ts';
import {
  checkpointCommand,
  checkpointKeyCommand,
  rebuildCommand,
  verifyCommand,
} from './commands/ledger.ts';
import { seedCommand } from './commands/seed.ts';
import {
  reconciliationExceptionsCommand,
  reconciliationResolveCommand,
  settlementRunCommand,
  settlementVerifyCommand,
} from './commands/settlement.ts';
import { newKeyCommand, rotateKeyCommand, vaultStatusCommand } from './commands/vault.ts';
import { warn } from './output.ts';

loadDotEnv();

const program = new Command('kassa').description('Run and operate Kassa').showHelpAfterError();

program
  .command('dev')
  .description(
    'Start the whole platform on this machine (embedded PostgreSQL unless DATABASE_URL is set)',
  )
  .option(
    '--bus <transport>',
    'the event bus: postgres (the ledger log) or kafka (a local Kafka broker unless KAFKA_BROKERS is set); default KASSA_BUS or postgres',
  )
  .action(async (options: { bus?: string }) => {
    process.exitCode = await devCommand(options);
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
  .option(
    '--checkpoints <dir>',
    'also check every signed checkpoint in this directory against the chain; exit 1 and name the first bad one',
  )
  .option(
    '--public-key <file...>',
    'with --checkpoints: trust only these public keys (default: the key-*.pub.pem files in the directory)',
  )
  .action(async (options: { checkpoints?: string; publicKey?: string[] }) => {
    process.exitCode = await verifyCommand(options);
  });
ledger
  .command('checkpoint')
  .description(
    "Sign the hash chain's head with a key the database never holds, into a file outside the database; nothing if the head has not moved",
  )
  .requiredOption(
    '--dir <dir>',
    'where checkpoints go (another machine or volume than the database)',
  )
  .requiredOption(
    '--key <file>',
    'the Ed25519 private key (PEM) from `kassa ledger checkpoint-key`',
  )
  .action(async (options: { dir: string; key: string }) => {
    process.exitCode = await checkpointCommand(options);
  });
ledger
  .command('checkpoint-key')
  .description('Generate an Ed25519 key pair for signing checkpoints')
  .requiredOption('--out <dir>', 'where to write key-<id>.pem (mode 0600) and key-<id>.pub.pem')
  .action(async (options: { out: string }) => {
    process.exitCode = await checkpointKeyCommand(options);
  });
ledger
  .command('rebuild')
  .description(
    'Recreate every journal projection (accounts, entries, postings, balances, holds) from the log',
  )
  .action(async () => {
    process.exitCode = await rebuildCommand();
  });

const bus = program.command('bus').description('The event bus and its consumer groups');
bus
  .command('dead-letters')
  .description(
    'List the events consumer groups set aside after their handler kept failing; --retry delivers them again',
  )
  .option('--group <group>', 'only this consumer group')
  .option('--status <status>', 'dead, retry_requested, retrying or delivered')
  .option('--retry', "ask the group's consumers to deliver its dead letters again")
  .option('--id <id...>', 'with --retry: only these dead letters')
  .action(async (options: { group?: string; status?: string; retry?: boolean; id?: string[] }) => {
    process.exitCode = await deadLettersCommand(options);
  });

const settlement = program
  .command('settlement')
  .description('Settlement: close days by hand (the settlement worker closes them at each cutoff)');
settlement
  .command('run')
  .description(
    'Close settlement days: every ended day not closed yet, or through --date (missed days first, oldest first); running a day again changes nothing',
  )
  .option('--date <YYYY-MM-DD>', 'the day to close (default: the last day that has ended)')
  .option('--merchant <id>', "with --date: only this merchant's close of that day")
  .action(async (options: { date?: string; merchant?: string }) => {
    process.exitCode = await settlementRunCommand(options);
  });
settlement
  .command('verify')
  .description(
    "Check balance transactions against the ledger's merchant balances, and payouts against their transactions; exit 1 on a difference",
  )
  .action(async () => {
    process.exitCode = await settlementVerifyCommand();
  });

const reconciliation = program
  .command('reconciliation')
  .description("Reconciliation against the acquirer's reports and the bank's statements");
reconciliation
  .command('exceptions')
  .description("List exceptions: every merchant's and the platform's own, newest first")
  .option('--status <status>', 'open or resolved')
  .action(async (options: { status?: string }) => {
    process.exitCode = await reconciliationExceptionsCommand(options);
  });
reconciliation
  .command('resolve')
  .argument('<id>', 'the exception (rex_…)')
  .requiredOption('--note <note>', 'why it is resolved (kept with who and when)')
  .description('Resolve an exception with a note')
  .action(async (id: string, options: { note: string }) => {
    process.exitCode = await reconciliationResolveCommand(id, options);
  });

const vault = program.command('vault').description('The card vault and its master keys');
vault
  .command('status')
  .description('List the master keys and how many cards each wraps')
  .action(async () => {
    process.exitCode = await vaultStatusCommand();
  });
vault
  .command('rotate-key')
  .description(
    'Re-wrap every card data key under the first key of KASSA_VAULT_KEYS (card ciphertexts are untouched)',
  )
  .option('--new-key', 'local install: generate a new master key in the data folder first')
  .option('--batch-size <n>', 'cards per transaction', '500')
  .action(async (options: { newKey?: boolean; batchSize: string }) => {
    process.exitCode = await rotateKeyCommand(options);
  });
vault
  .command('new-key')
  .argument('[id]', 'the key id (default: k<today>)')
  .description('Print a new master key, to put first in KASSA_VAULT_KEYS')
  .action((id?: string) => newKeyCommand(id));

const keys = program
  .command('keys')
  .description('API keys: list, issue and revoke them, and replace derived publishable keys');
keys
  .command('list')
  .description(
    'List API keys (prefix only), flagging publishable keys derived from KASSA_SECRET_KEY',
  )
  .option('--merchant <id>', "only this merchant's keys")
  .action(async (options: { merchant?: string }) => {
    process.exitCode = await listKeysCommand(options);
  });
keys
  .command('issue')
  .description('Issue a new random API key and print it, once')
  .requiredOption('--merchant <id>', 'the merchant the key is for')
  .addOption(
    new Option('--kind <kind>', 'secret or publishable').choices(apiKeyKinds).makeOptionMandatory(),
  )
  .addOption(new Option('--mode <mode>', 'test or live').choices(apiKeyModes).makeOptionMandatory())
  .option('--name <name>', 'a label to tell the key apart by')
  .action(
    async (options: {
      merchant: string;
      kind: (typeof apiKeyKinds)[number];
      mode: (typeof apiKeyModes)[number];
      name?: string;
    }) => {
      process.exitCode = await issueKeyCommand(options);
    },
  );
keys
  .command('revoke')
  .argument('<id>', 'the key id (key_…)')
  .description('Revoke an API key: it stops authenticating at once')
  .action(async (id: string) => {
    process.exitCode = await revokeKeyCommand(id);
  });
keys
  .command('derived')
  .description(
    'List active publishable keys derived from KASSA_SECRET_KEY (older versions made them so; anyone holding the root can compute them); exit 1 while any remain',
  )
  .option(
    '--reissue',
    'issue one random replacement per derived key (same merchant and mode, named "replaces <id>") and print it; none for a key that has one',
  )
  .option(
    '--revoke',
    'revoke the derived keys that have an active replacement; refuse (exit 1) the others',
  )
  .action(async (options: { reissue?: boolean; revoke?: boolean }) => {
    process.exitCode = await derivedKeysCommand(options);
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
  } else if (error instanceof SettlementError || error instanceof KassaApiError) {
    warn(`${error.code}: ${error.message}`);
  } else {
    warn(error instanceof Error ? (error.stack ?? error.message) : String(error));
  }
  process.exitCode = 1;
}
