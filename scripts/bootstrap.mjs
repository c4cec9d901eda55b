#!/usr/bin/env node
// The two README commands land here, on a machine with nothing but Node.js:
//   npm start  → install, then `kassa dev` (the whole platform on the embedded database)
//   npm test   → install, then every check and test (what CI runs)
// It fetches the pnpm version pinned in package.json (into .kassa/tools when pnpm is missing
// or another version), installs the workspace, and runs the command.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const command = process.argv[2];
const pnpmVersion = JSON.parse(
  readFileSync(join(root, 'package.json'), 'utf8'),
).packageManager.replace(/^pnpm@/, '');
const env = {
  ...process.env,
  // Nothing phones home: this machine may be offline, and tests must not depend on the network.
  TURBO_TELEMETRY_DISABLED: '1',
  DO_NOT_TRACK: '1',
  NEXT_TELEMETRY_DISABLED: '1',
  CHECKPOINT_DISABLE: '1',
  PRISMA_HIDE_UPDATE_MESSAGE: '1',
};

function step(message) {
  process.stdout.write(`\x1b[1m▸ ${message}\x1b[0m\n`);
}

function fail(message) {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

function run(cmd, args) {
  const result = spawnSync(cmd, args, { cwd: root, env, stdio: 'inherit' });
  if (result.status !== 0)
    fail(`${cmd} ${args.join(' ')} failed (exit ${result.status ?? result.signal})`);
}

function checkNode() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 20 || (major === 20 && minor < 19)) {
    fail(`Kassa needs Node.js 20.19 or newer; this is ${process.versions.node}.`);
  }
}

function ensurePnpm() {
  const found = spawnSync('pnpm', ['--version'], { env, encoding: 'utf8' });
  if (found.status === 0 && found.stdout.trim() === pnpmVersion) return;
  const tools = join(root, '.kassa', 'tools', `pnpm-${pnpmVersion}`);
  const bin = join(tools, 'node_modules', '.bin');
  if (!existsSync(join(bin, 'pnpm'))) {
    step(`Fetching pnpm ${pnpmVersion} (into .kassa/tools)`);
    run('npm', [
      'install',
      '--prefix',
      tools,
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      `pnpm@${pnpmVersion}`,
    ]);
  }
  env.PATH = `${bin}${delimiter}${env.PATH}`;
}

/** Runs a long-lived child; Ctrl-C is handled by the child (it reaches the whole process group). */
function hand(cmd, args) {
  const child = spawn(cmd, args, { cwd: root, env, stdio: 'inherit' });
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 + 2 : 1)));
}

if (command !== 'start' && command !== 'test') fail('usage: node scripts/bootstrap.mjs start|test');
checkNode();
ensurePnpm();
step('Installing dependencies (pnpm install)');
run('pnpm', ['install']);

if (command === 'start') {
  step('Starting Kassa (kassa dev)');
  hand(join(root, 'node_modules', '.bin', 'kassa'), ['dev']);
} else {
  step('Lint and format (biome ci)');
  run('pnpm', ['exec', 'biome', 'ci', '.']);
  step('Typecheck and tests of every workspace (turbo run typecheck test)');
  run('pnpm', ['exec', 'turbo', 'run', 'typecheck', 'test', '--continue', '--log-order=grouped']);
  step('All checks passed.');
}
