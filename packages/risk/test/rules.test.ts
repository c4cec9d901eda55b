import { describe, expect, it } from 'vitest';
import { decimalOf, parseDecimal } from '../src/decimal.ts';
import { DEFAULT_RULES } from '../src/defaults.ts';
import { type FeatureVector, featureNames } from '../src/features.ts';
import { evaluate, parseRule, RuleSyntaxError } from '../src/rules.ts';
import { decide, listCatalog } from '../src/scoring.ts';

const lists = listCatalog([{ alias: 'vip_emails', kind: 'email' }]);

/** Every feature unknown, then the given ones. */
function vector(values: Partial<FeatureVector>): FeatureVector {
  const base = Object.fromEntries(featureNames.map((n) => [n, null])) as FeatureVector;
  return { ...base, ...values };
}

const noLists = () => false;

function syntaxError(source: string): RuleSyntaxError {
  try {
    parseRule(source, lists);
  } catch (error) {
    if (error instanceof RuleSyntaxError) return error;
    throw error;
  }
  throw new Error(`"${source}" parsed`);
}

describe('the rules language', () => {
  it('parses the issue’s examples into an action, a predicate and what they read', () => {
    const rule = parseRule('review if :amount_in_usd: > 1000 and :is_new_card:', lists);
    expect(rule.action).toBe('review');
    expect(rule.predicate).toBe(':amount_in_usd: > 1000 and :is_new_card:');
    expect(rule.features).toEqual(['amount_in_usd', 'is_new_card']);
    const block = parseRule('block if :card_count_for_ip_hourly: > 5', lists);
    expect(block.action).toBe('block');
  });

  it('evaluates comparisons exactly, with decimals and unknown values', () => {
    const rule = parseRule('review if :amount_in_usd: > 1000 and :is_new_card:', lists);
    const check = (usd: string | null, isNew: boolean | null) =>
      evaluate(
        rule.condition,
        vector({ amount_in_usd: usd === null ? null : parseDecimal(usd), is_new_card: isNew }),
        noLists,
      );
    expect(check('1000.01', true)).toBe(true);
    expect(check('1000.00', true)).toBe(false);
    expect(check('1000', true)).toBe(false);
    expect(check('5000', false)).toBe(false);
    expect(check(null, true)).toBe(false); // unknown: the comparison is false
    expect(check('5000', null)).toBe(false);
  });

  it('gives not, and, or their usual precedence, and parentheses theirs', () => {
    const f = vector({ is_new_card: true, card_country: 'US', ip_country: 'FR' });
    const run = (source: string) => evaluate(parseRule(source, lists).condition, f, noLists);
    expect(run('block if not :is_new_card: or :card_country: = "US"')).toBe(true);
    expect(run('block if not (:is_new_card: or :card_country: = "US")')).toBe(false);
    expect(run('block if :is_new_card: and :card_country: = "DE" or :ip_country: = "FR"')).toBe(
      true,
    );
    expect(run('block if :is_new_card: and (:card_country: = "DE" or :ip_country: = "FR")')).toBe(
      true,
    );
    expect(run('block if :card_country: != :ip_country:')).toBe(true);
    expect(run("block if :ip_country: in ['FR', 'DE']")).toBe(true);
    expect(run("block if :ip_country: not in ['FR', 'DE']")).toBe(false);
    expect(run('BLOCK IF :is_new_card: = TRUE')).toBe(true);
  });

  it('looks values up in named lists', () => {
    const rule = parseRule('allow if :email: in @vip_emails', lists);
    const f = vector({ email: 'ada@example.com' });
    expect(
      evaluate(rule.condition, f, (l, v) => l === 'vip_emails' && v === 'ada@example.com'),
    ).toBe(true);
    expect(evaluate(rule.condition, f, noLists)).toBe(false);
    expect(evaluate(rule.condition, vector({}), () => true)).toBe(false); // no email: not on it
  });

  it.each([
    ['block :amount: > 5', 7, 'expected "if"'],
    ['deny if :amount: > 5', 1, 'expected an action'],
    [
      'block if :amount_in_euros: > 5',
      10,
      'unknown feature :amount_in_euros:; did you mean :amount_in_usd:?',
    ],
    [
      'block if :amount: > ',
      21,
      'expected a feature, a number, a string, true or false, found the end of the rule',
    ],
    ['block if :amount: > 5 and', 26, 'found the end of the rule'],
    ['block if (:amount: > 5', 23, 'expected ")"'],
    ['block if :amount: > "5"', 21, 'cannot compare :amount: (number) with a string'],
    ['block if :email: > "a"', 10, '> compares numbers; :email: (string) is not one'],
    ['block if :amount:', 10, ':amount: (number) is not a condition'],
    ['block if :email: in @vip_emials', 21, 'unknown list @vip_emials; did you mean @vip_emails?'],
    ['block if :card_fingerprint: in @vip_emails', 10, '@vip_emails is a list of emails'],
    [
      'block if :ip_address: in @blocked_countries',
      10,
      '@blocked_countries is a list of countries',
    ],
    ["block if :amount: in ['a']", 23, 'this list holds a string, not a number'],
    ['block if :amount: > 5 5', 23, 'expected "and", "or" or the end of the rule'],
    ["block if :email: = 'open", 20, 'this string is not closed'],
    ['block if amount > 5', 10, 'unknown word "amount"'],
    ['block if :amount: > 5 # comment', 23, 'unexpected character "#"'],
    ['block if 5 > 4', 10, 'a comparison must name a feature'],
  ])('refuses %j at column %i: %s', (source, column, message) => {
    const error = syntaxError(source);
    expect(error.column).toBe(column);
    expect(error.reason).toContain(message);
    expect(error.message).toContain(`(at column ${column})`);
  });

  it('takes request_3ds, then allow, then block, then review, the first match deciding', () => {
    const compiled = [
      'review if :amount: > 0',
      'block if :amount: > 0',
      'allow if :email: in @vip_emails',
      'request_3ds if :amount: > 100',
    ].map((source, i) => ({ id: `r${i}`, parsed: parseRule(source, lists) }));
    const onList = (_: string, v: string) => v === 'vip@example.com';
    expect(decide(compiled, vector({ amount: decimalOf(500) }), onList)?.id).toBe('r3');
    expect(
      decide(compiled, vector({ amount: decimalOf(50), email: 'vip@example.com' }), onList)?.id,
    ).toBe('r2');
    expect(decide(compiled, vector({ amount: decimalOf(50) }), onList)?.id).toBe('r1');
    expect(decide(compiled.slice(0, 1), vector({ amount: decimalOf(50) }), onList)?.id).toBe('r0');
    expect(decide(compiled, vector({ amount: decimalOf(0) }), onList)).toBeUndefined();
  });

  it('ships default rules that all check against the default lists', () => {
    for (const rule of DEFAULT_RULES)
      expect(() => parseRule(rule.source, listCatalog([]))).not.toThrow();
  });
});
