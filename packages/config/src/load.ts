import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type VariableName, type VariableValue, variables } from './variables.ts';
import { workspaceRoot } from './workspace.ts';

export type Config<K extends VariableName> = { [P in K]: VariableValue<P> };

export interface ConfigIssue {
  variable: VariableName;
  expected: string;
  /** What was set, or a note that it is hidden or missing; never a secret. */
  received: string;
}

export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    super(
      [
        'Kassa cannot start: the configuration is invalid.',
        ...issues.map((i) => `  ${i.variable}: expected ${i.expected}; got ${i.received}.`),
        'Every variable is listed with a comment in .env.example.',
      ].join('\n'),
    );
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

type Env = Record<string, string | undefined>;

/**
 * Validates the named variables of `env` and returns them typed, with defaults applied.
 * All problems are reported at once, each naming its variable and what it expects.
 * An empty string counts as unset, as it does in most .env files.
 */
export function loadConfig<const K extends VariableName>(
  names: readonly K[],
  env: Env = process.env,
): Config<K> {
  const result: Partial<Record<VariableName, unknown>> = {};
  const issues: ConfigIssue[] = [];
  for (const name of names) {
    const spec = variables[name];
    const raw = env[name] === '' ? undefined : env[name];
    const parsed = spec.schema.safeParse(raw);
    if (parsed.success) {
      result[name] = parsed.data;
    } else {
      const secret = 'secret' in spec && spec.secret === true;
      const received =
        raw === undefined
          ? 'nothing (it is required)'
          : secret
            ? 'a value (hidden)'
            : JSON.stringify(raw);
      issues.push({ variable: name, expected: spec.expected, received });
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return result as Config<K>;
}

/**
 * For process entry points: load the config or print why not and exit with EX_CONFIG (78).
 */
export function loadConfigOrExit<const K extends VariableName>(
  names: readonly K[],
  env: Env = process.env,
): Config<K> {
  return orExit(() => loadConfig(names, env));
}

/** For process entry points: a check of the config that may throw ConfigError (exit 78 then). */
export function orExit<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
}

/**
 * Reads `<workspace>/.env` into process.env when it exists. Variables already set in the
 * environment win, so a deployment's real environment is never overridden by a stray file.
 */
export function loadDotEnv(path = join(workspaceRoot(), '.env')): void {
  if (existsSync(path)) process.loadEnvFile(path);
}
