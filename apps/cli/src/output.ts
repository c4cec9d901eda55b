import { styleText } from 'node:util';

type Style = Parameters<typeof styleText>[0];

const tty = process.stdout.isTTY === true && !process.env.NO_COLOR;

/** Terminal styling, only when writing to a terminal. */
export function style(format: Style, text: string): string {
  return tty ? styleText(format, text) : text;
}

/** The CLI's own output (not logs): one line to stdout. */
export function say(line = ''): void {
  process.stdout.write(`${line}\n`);
}

export function warn(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** A database URL fit to print: the password replaced. */
export function redactUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '****';
  return parsed.toString();
}
