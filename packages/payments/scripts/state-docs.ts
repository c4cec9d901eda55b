// Writes docs/api.md's state machine section from src/state-machine.ts (between its markers).
// Run: pnpm --filter @kassa/payments docs:states. test/state-machine.test.ts fails when they drift.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { STATE_DOCS_END, STATE_DOCS_START, stateMachineDocs } from '../src/state-machine.ts';

const path = fileURLToPath(new URL('../../../docs/api.md', import.meta.url));
const text = readFileSync(path, 'utf8');
const start = text.indexOf(STATE_DOCS_START);
const end = text.indexOf(STATE_DOCS_END);
if (start < 0 || end < start) throw new Error(`${path} has no state machine markers`);
writeFileSync(
  path,
  text.slice(0, start) + stateMachineDocs() + text.slice(end + STATE_DOCS_END.length),
);
// As the repository keeps markdown: formatted by biome (which pads the tables).
execFileSync('pnpm', ['exec', 'biome', 'format', '--write', path], { stdio: 'ignore' });
process.stdout.write(`wrote the state machines into ${path}\n`);
