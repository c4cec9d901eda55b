import cardValidator from 'card-validator';

/**
 * Card numbers in a text: runs of 13 to 19 digits (also grouped by spaces or dashes) that stand
 * alone (not inside a longer word such as a hex hash, nor among the decimals of a number) and
 * that a card brand would issue, Luhn included. Used by the tests that prove no card number
 * leaks outside the vault.
 */
export function findCardNumbers(text: string): string[] {
  const found = new Set<string>();
  const candidates = /(?<![0-9A-Za-z.])\d(?:[ -]?\d){12,18}(?![0-9A-Za-z]|\.\d)/g;
  for (const match of text.matchAll(candidates)) {
    const digits = match[0].replace(/[ -]/g, '');
    if (cardValidator.number(digits).isValid) found.add(digits);
  }
  return [...found];
}

/** Shows where a found number was without repeating it: BIN and last 4 only. */
export function maskCardNumber(number: string): string {
  return `${number.slice(0, 6)}${'•'.repeat(Math.max(0, number.length - 10))}${number.slice(-4)}`;
}
