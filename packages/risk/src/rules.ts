import { compareDecimals, type Decimal, isDecimal, parseDecimal } from './decimal.ts';
import {
  FEATURES,
  type FeatureName,
  type FeatureType,
  type FeatureValue,
  type FeatureVector,
  featureNames,
  isFeatureName,
  type ListKind,
} from './features.ts';

/**
 * Kassa's rules language, after Radar's:
 *
 *     block if :payment_count_for_card_hourly: >= 5
 *     review if :amount_in_usd: > 1000 and :is_new_card:
 *     allow if :email: in @allowed_emails
 *     request_3ds if :card_country: != :ip_country: and not :is_new_card:
 *     block if :card_country: in ['KP', 'IR']
 *
 * A rule is `<action> if <condition>`. Conditions combine comparisons with `and`, `or`, `not`
 * and parentheses (`not` binds tightest, then `and`, then `or`). A comparison is
 * `<value> <op> <value>` (`=`, `!=`, `<`, `<=`, `>`, `>=`), `<value> in <list>` or
 * `<value> not in <list>`, or a boolean value alone. Values are features (`:name:`), decimal
 * numbers, strings in single or double quotes, `true` and `false`. A list is a named list
 * (`@name`) or a literal (`['a', 'b']`). Keywords are case-insensitive; feature and list names
 * are not.
 *
 * A rule is parsed and type-checked when it is saved: unknown features, unknown lists, a list of
 * cards for an email, a number compared to a string, ordering strings… are refused with the
 * position (1-based column) of what is wrong. Evaluation is total: an unknown (null) feature
 * makes its comparison false.
 */

export const ruleActions = ['request_3ds', 'allow', 'block', 'review'] as const;
export type RuleAction = (typeof ruleActions)[number];

/** Whose match decides, in this order; within an action, the merchant's order. */
export const ACTION_ORDER: readonly RuleAction[] = ruleActions;

export class RuleSyntaxError extends Error {
  override readonly name = 'RuleSyntaxError';
  constructor(
    readonly reason: string,
    /** 0-based offset in the rule's text. */
    readonly offset: number,
  ) {
    super(`${reason} (at column ${offset + 1})`);
  }
  /** 1-based, as an editor shows it. */
  get column(): number {
    return this.offset + 1;
  }
}

type TokenKind =
  | 'feature'
  | 'list'
  | 'number'
  | 'string'
  | 'word'
  | 'op'
  | '('
  | ')'
  | '['
  | ']'
  | ','
  | 'end';

interface Token {
  kind: TokenKind;
  text: string;
  /** The value: a feature's or list's name, a string's content, a lower-cased word. */
  value: string;
  offset: number;
}

const WORD = /[A-Za-z_][A-Za-z0-9_]*/y;
const NUMBER = /-?\d+(?:\.\d+)?/y;
const NAME = /[a-z0-9_]+/y;

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const at = (regex: RegExp, from: number) => {
    regex.lastIndex = from;
    return regex.exec(source)?.[0];
  };
  while (i < source.length) {
    const c = source[i] as string;
    if (/\s/.test(c)) {
      i += 1;
      continue;
    }
    const start = i;
    if (c === ':') {
      const name = at(NAME, i + 1);
      if (!name || source[i + 1 + name.length] !== ':')
        throw new RuleSyntaxError('a feature is written :name: (lower case, digits, _)', start);
      tokens.push({ kind: 'feature', text: `:${name}:`, value: name, offset: start });
      i += name.length + 2;
      continue;
    }
    if (c === '@') {
      const name = at(NAME, i + 1);
      if (!name)
        throw new RuleSyntaxError('a list is written @name (lower case, digits, _)', start);
      tokens.push({ kind: 'list', text: `@${name}`, value: name, offset: start });
      i += name.length + 1;
      continue;
    }
    if (c === "'" || c === '"') {
      const end = source.indexOf(c, i + 1);
      if (end < 0) throw new RuleSyntaxError('this string is not closed', start);
      const value = source.slice(i + 1, end);
      tokens.push({ kind: 'string', text: source.slice(i, end + 1), value, offset: start });
      i = end + 1;
      continue;
    }
    const number = /[-\d]/.test(c) ? at(NUMBER, i) : undefined;
    if (number) {
      tokens.push({ kind: 'number', text: number, value: number, offset: start });
      i += number.length;
      continue;
    }
    const word = at(WORD, i);
    if (word) {
      tokens.push({ kind: 'word', text: word, value: word.toLowerCase(), offset: start });
      i += word.length;
      continue;
    }
    const op = ['>=', '<=', '!=', '==', '>', '<', '='].find((o) => source.startsWith(o, i));
    if (op) {
      tokens.push({ kind: 'op', text: op, value: op === '==' ? '=' : op, offset: start });
      i += op.length;
      continue;
    }
    if ('()[],'.includes(c)) {
      tokens.push({ kind: c as TokenKind, text: c, value: c, offset: start });
      i += 1;
      continue;
    }
    throw new RuleSyntaxError(`unexpected character ${JSON.stringify(c)}`, start);
  }
  tokens.push({ kind: 'end', text: '', value: '', offset: source.length });
  return tokens;
}

export type ComparisonOperator = '=' | '!=' | '<' | '<=' | '>' | '>=';

export type Value =
  | { kind: 'feature'; name: FeatureName; offset: number }
  | { kind: 'number'; value: Decimal; offset: number }
  | { kind: 'string'; value: string; offset: number }
  | { kind: 'boolean'; value: boolean; offset: number };

export type ListRef =
  | { kind: 'named'; name: string; offset: number }
  | { kind: 'literal'; items: Value[]; offset: number };

export type Condition =
  | { kind: 'and' | 'or'; left: Condition; right: Condition }
  | { kind: 'not'; operand: Condition }
  | { kind: 'compare'; op: ComparisonOperator; left: Value; right: Value }
  | { kind: 'in'; negated: boolean; value: Value; list: ListRef }
  | { kind: 'truth'; value: Value };

export interface ParsedRule {
  action: RuleAction;
  condition: Condition;
  /** The condition's text as written (after `if`). */
  predicate: string;
  /** Features the rule reads. */
  features: FeatureName[];
  /** Named lists the rule looks values up in. */
  lists: string[];
}

/** The named lists a rule may use: name → what they hold. */
export type ListCatalog = ReadonlyMap<string, ListKind>;

const KEYWORDS = new Set(['if', 'and', 'or', 'not', 'in', 'true', 'false', ...ruleActions]);

class Parser {
  private i = 0;
  readonly features = new Set<FeatureName>();
  readonly lists = new Set<string>();
  constructor(private readonly tokens: Token[]) {}

  private get peek(): Token {
    return this.tokens[this.i] as Token;
  }
  /** The next token's kind (a method: TypeScript would narrow a property across calls). */
  private kind(): TokenKind {
    return this.peek.kind;
  }
  private next(): Token {
    const token = this.peek;
    if (token.kind !== 'end') this.i += 1;
    return token;
  }
  private isWord(word: string, token = this.peek): boolean {
    return token.kind === 'word' && token.value === word;
  }
  private expected(what: string): never {
    const token = this.peek;
    const found = token.kind === 'end' ? 'the end of the rule' : `"${token.text}"`;
    throw new RuleSyntaxError(`expected ${what}, found ${found}`, token.offset);
  }

  rule(): { action: RuleAction; condition: Condition; predicateOffset: number } {
    const first = this.peek;
    if (first.kind !== 'word' || !(ruleActions as readonly string[]).includes(first.value))
      this.expected(`an action (${ruleActions.join(', ')})`);
    this.next();
    if (!this.isWord('if')) this.expected('"if"');
    this.next();
    const predicateOffset = this.peek.offset;
    const condition = this.or();
    if (this.kind() !== 'end') this.expected('"and", "or" or the end of the rule');
    return { action: first.value as RuleAction, condition, predicateOffset };
  }

  private or(): Condition {
    let left = this.and();
    while (this.isWord('or')) {
      this.next();
      left = { kind: 'or', left, right: this.and() };
    }
    return left;
  }

  private and(): Condition {
    let left = this.not();
    while (this.isWord('and')) {
      this.next();
      left = { kind: 'and', left, right: this.not() };
    }
    return left;
  }

  private not(): Condition {
    if (this.isWord('not')) {
      this.next();
      return { kind: 'not', operand: this.not() };
    }
    if (this.kind() === '(') {
      this.next();
      const inner = this.or();
      if (this.kind() !== ')') this.expected('")"');
      this.next();
      return inner;
    }
    return this.comparison();
  }

  private comparison(): Condition {
    const left = this.value();
    const token = this.peek;
    if (token.kind === 'op') {
      this.next();
      return { kind: 'compare', op: token.value as ComparisonOperator, left, right: this.value() };
    }
    if (this.isWord('in')) {
      this.next();
      return { kind: 'in', negated: false, value: left, list: this.list() };
    }
    if (this.isWord('not') && this.isWord('in', this.tokens[this.i + 1])) {
      this.next();
      this.next();
      return { kind: 'in', negated: true, value: left, list: this.list() };
    }
    return { kind: 'truth', value: left };
  }

  private value(): Value {
    const token = this.peek;
    switch (token.kind) {
      case 'feature': {
        if (!isFeatureName(token.value)) {
          const hint = closest(token.value, featureNames);
          throw new RuleSyntaxError(
            `unknown feature ${token.text}${hint ? `; did you mean :${hint}:?` : ''}`,
            token.offset,
          );
        }
        this.next();
        this.features.add(token.value);
        return { kind: 'feature', name: token.value, offset: token.offset };
      }
      case 'number':
        this.next();
        return { kind: 'number', value: parseDecimal(token.value), offset: token.offset };
      case 'string':
        this.next();
        return { kind: 'string', value: token.value, offset: token.offset };
      case 'word':
        if (token.value === 'true' || token.value === 'false') {
          this.next();
          return { kind: 'boolean', value: token.value === 'true', offset: token.offset };
        }
        if (!KEYWORDS.has(token.value))
          throw new RuleSyntaxError(
            `unknown word "${token.text}": features are written :name:, strings in quotes`,
            token.offset,
          );
        return this.expected('a feature, a number, a string, true or false');
      default:
        return this.expected('a feature, a number, a string, true or false');
    }
  }

  private list(): ListRef {
    const token = this.peek;
    if (token.kind === 'list') {
      this.next();
      this.lists.add(token.value);
      return { kind: 'named', name: token.value, offset: token.offset };
    }
    if (token.kind !== '[') this.expected('a list (@name or [ … ])');
    this.next();
    const items: Value[] = [];
    while (this.kind() !== ']') {
      const item = this.value();
      if (item.kind === 'feature')
        throw new RuleSyntaxError('a literal list holds numbers or strings', item.offset);
      items.push(item);
      if (this.kind() === ',') this.next();
      else if (this.kind() !== ']') this.expected('"," or "]"');
    }
    this.next();
    if (items.length === 0) throw new RuleSyntaxError('this list is empty', token.offset);
    return { kind: 'literal', items, offset: token.offset };
  }
}

/** The suggestion for a misspelt name: the known name closest by edit distance, if close. */
function closest(name: string, known: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(name, candidate);
    if (!best || distance < best.distance) best = { name: candidate, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(name.length / 3)) ? best.name : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(
        Math.min(
          (previous[j] as number) + 1,
          (row[j - 1] as number) + 1,
          (previous[j - 1] as number) + cost,
        ),
      );
    }
    previous = row;
  }
  return previous[b.length] as number;
}

function typeOf(value: Value): FeatureType {
  switch (value.kind) {
    case 'feature':
      return FEATURES[value.name].type;
    case 'number':
      return 'number';
    case 'string':
      return 'string';
    case 'boolean':
      return 'boolean';
  }
}

const PLURALS: Record<ListKind, string> = {
  card_fingerprint: 'card fingerprints',
  email: 'emails',
  ip_address: 'IP addresses',
  country: 'countries',
  string: 'strings',
};

const describe = (value: Value): string =>
  value.kind === 'feature' ? `:${value.name}: (${typeOf(value)})` : `a ${typeOf(value)}`;

function check(condition: Condition, lists: ListCatalog): void {
  switch (condition.kind) {
    case 'and':
    case 'or':
      check(condition.left, lists);
      check(condition.right, lists);
      return;
    case 'not':
      check(condition.operand, lists);
      return;
    case 'truth':
      if (typeOf(condition.value) !== 'boolean')
        throw new RuleSyntaxError(
          `${describe(condition.value)} is not a condition: compare it (>, =, in…)`,
          condition.value.offset,
        );
      return;
    case 'compare': {
      const { left, right, op } = condition;
      if (left.kind !== 'feature' && right.kind !== 'feature')
        throw new RuleSyntaxError('a comparison must name a feature', left.offset);
      if (typeOf(left) !== typeOf(right))
        throw new RuleSyntaxError(
          `cannot compare ${describe(left)} with ${describe(right)}`,
          right.offset,
        );
      if (op !== '=' && op !== '!=' && typeOf(left) !== 'number')
        throw new RuleSyntaxError(
          `${op} compares numbers; ${describe(left)} is not one`,
          left.offset,
        );
      return;
    }
    case 'in': {
      const { value, list } = condition;
      const type = typeOf(value);
      if (type === 'boolean')
        throw new RuleSyntaxError(`${describe(value)} cannot be looked up in a list`, value.offset);
      if (list.kind === 'literal') {
        for (const item of list.items)
          if (typeOf(item) !== type)
            throw new RuleSyntaxError(
              `this list holds ${describe(item)}, not a ${type}`,
              item.offset,
            );
        return;
      }
      const kind = lists.get(list.name);
      if (!kind) {
        const hint = closest(list.name, [...lists.keys()]);
        throw new RuleSyntaxError(
          `unknown list @${list.name}${hint ? `; did you mean @${hint}?` : ''}`,
          list.offset,
        );
      }
      if (type !== 'string')
        throw new RuleSyntaxError(
          `@${list.name} holds strings; ${describe(value)} is not one`,
          value.offset,
        );
      const feature = value.kind === 'feature' ? FEATURES[value.name] : undefined;
      const valueKind = feature && 'kind' in feature ? feature.kind : undefined;
      if (kind !== 'string' && valueKind !== kind)
        throw new RuleSyntaxError(
          `@${list.name} is a list of ${PLURALS[kind]}; ${describe(value)} is not one`,
          value.offset,
        );
      return;
    }
  }
}

/**
 * Parses and type-checks a rule. Throws RuleSyntaxError (with the offset of the problem) when
 * it is not a rule, or names a feature or list that does not exist or in a way its type forbids.
 */
export function parseRule(source: string, lists: ListCatalog): ParsedRule {
  if (source.length > 1000) throw new RuleSyntaxError('a rule is at most 1000 characters', 1000);
  const parser = new Parser(tokenize(source));
  const { action, condition, predicateOffset } = parser.rule();
  check(condition, lists);
  return {
    action,
    condition,
    predicate: source.slice(predicateOffset).trim(),
    features: [...parser.features],
    lists: [...parser.lists],
  };
}

/** Is `value` on the named list? The caller knows (the scoring query looked it up). */
export type ListLookup = (list: string, value: string) => boolean;

function resolve(value: Value, features: FeatureVector): FeatureValue {
  switch (value.kind) {
    case 'feature':
      return features[value.name];
    case 'number':
    case 'string':
    case 'boolean':
      return value.value;
  }
}

function equal(a: FeatureValue, b: FeatureValue): boolean {
  if (isDecimal(a) && isDecimal(b)) return compareDecimals(a, b) === 0;
  return a === b;
}

/** Evaluates a checked condition. Unknown (null) values make their comparison false. */
export function evaluate(
  condition: Condition,
  features: FeatureVector,
  onList: ListLookup,
): boolean {
  switch (condition.kind) {
    case 'and':
      return (
        evaluate(condition.left, features, onList) && evaluate(condition.right, features, onList)
      );
    case 'or':
      return (
        evaluate(condition.left, features, onList) || evaluate(condition.right, features, onList)
      );
    case 'not':
      return !evaluate(condition.operand, features, onList);
    case 'truth':
      return resolve(condition.value, features) === true;
    case 'compare': {
      const left = resolve(condition.left, features);
      const right = resolve(condition.right, features);
      if (left === null || right === null) return false;
      if (condition.op === '=') return equal(left, right);
      if (condition.op === '!=') return !equal(left, right);
      if (!isDecimal(left) || !isDecimal(right))
        throw new Error(`${condition.op} on values that are not numbers: the rule was not checked`);
      const order = compareDecimals(left, right);
      switch (condition.op) {
        case '<':
          return order < 0;
        case '<=':
          return order <= 0;
        case '>':
          return order > 0;
        case '>=':
          return order >= 0;
      }
      return false;
    }
    case 'in': {
      const value = resolve(condition.value, features);
      if (value === null) return false;
      const found =
        condition.list.kind === 'named'
          ? typeof value === 'string' && onList(condition.list.name, value)
          : condition.list.items.some((item) => equal(value, resolve(item, features)));
      return condition.negated ? !found : found;
    }
  }
}
