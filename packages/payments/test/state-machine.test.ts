import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  IllegalTransitionError,
  STATE_DOCS_END,
  STATE_DOCS_START,
  type StateMachine,
  stateMachineDocs,
  stateMachines,
} from '../src/state-machine.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

describe.each(stateMachines.map((m) => [m.object, m as StateMachine<string, string>] as const))(
  '%s',
  (_, machine) => {
    it('moves exactly as its table says, and throws naming both states for anything else', () => {
      const events = machine.transitions.map((t) => t.event);
      for (const state of machine.states) {
        for (const event of events) {
          const listed = machine.transitions.find((t) => t.event === event);
          if (listed?.from.includes(state)) {
            expect(machine.next(state, event)).toBe(listed.to);
            continue;
          }
          const error = (() => {
            try {
              machine.next(state, event);
            } catch (caught) {
              return caught;
            }
            throw new Error(`${machine.object}: ${state} --${event}--> passed`);
          })();
          expect(error).toBeInstanceOf(IllegalTransitionError);
          expect(error).toMatchObject({ object: machine.object, from: state, event });
          expect((error as Error).message).toContain(`from ${state} to ${listed?.to}`);
        }
      }
    });

    it('reaches every state from its initial one, and ends only in terminal states', () => {
      const reached = machine.reachableFrom(machine.initial);
      expect([...reached].sort()).toEqual([...machine.states].sort());
      expect(machine.terminal.length).toBeGreaterThan(0);
    });

    it('advance changes the row only when the move is legal', () => {
      const [first] = machine.transitions;
      if (!first) throw new Error('an empty machine');
      const row = { status: first.from[0] as string };
      expect(machine.advance(row, first.event)).toBe(first.from[0]);
      expect(row.status).toBe(first.to);
      const terminal = { status: machine.terminal[0] as string };
      expect(() => machine.advance(terminal, first.event)).toThrow(IllegalTransitionError);
      expect(terminal.status).toBe(machine.terminal[0]);
    });
  },
);

const normalized = (markdown: string) =>
  markdown
    .split('\n')
    .map((line) =>
      line.trimStart().startsWith('|')
        ? line
            .split('|')
            .map((cell) => cell.trim().replace(/^-+$/, '---'))
            .join('|')
        : line.trimEnd(),
    )
    .join('\n');

it("docs/api.md's diagrams are the ones the tables generate", () => {
  const docs = readFileSync(join(root, '../../docs/api.md'), 'utf8');
  const start = docs.indexOf(STATE_DOCS_START);
  const end = docs.indexOf(STATE_DOCS_END);
  expect(start, 'docs/api.md has the markers').toBeGreaterThanOrEqual(0);
  // Compared as biome formats markdown (it pads table cells): the same rows, the same cells.
  expect(
    normalized(docs.slice(start, end + STATE_DOCS_END.length)),
    'run pnpm --filter @kassa/payments docs:states',
  ).toBe(normalized(stateMachineDocs()));
});

it('no operation sets a status by hand: every move goes through a machine', () => {
  const files = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
    });
  const offenders = files(join(root, 'src'))
    .filter((path) => !path.endsWith('state-machine.ts'))
    .flatMap((path) =>
      readFileSync(path, 'utf8')
        .split('\n')
        .map((line, i) => ({ line, at: `${path.slice(root.length)}:${i + 1}` }))
        // `previous` holds an event's previous_attributes and `this` is an error's HTTP status.
        .filter(({ line }) => /\b(?!previous\b|this\b)\w+\.status\s*=[^=]/.test(line))
        // SQL compares statuses (`a.status = 'failed'`); it assigns none.
        .filter(({ line }) => !/\b(AND|WHERE|ON)\b/.test(line))
        // Webhook endpoints are enabled or disabled by their owner: a setting, not a life cycle.
        .filter(({ line }) => !line.includes('row.status = input.disabled'))
        .map(({ at, line }) => `${at} ${line.trim()}`),
    );
  expect(offenders).toEqual([]);
});
