import type { CheckoutSessionStatus, PaymentIntentStatus, RefundStatus } from '@kassa/contracts';
import type { AttemptStatus } from './payments/attempts.ts';

/**
 * The life of each object as one table: from-state, event, to-state. Operations move an
 * object's status only through `next` (or the stores' helpers built on it); anything the table
 * does not list is a bug in Kassa, not a request to refuse, so it throws an
 * IllegalTransitionError naming both states. Requests that may legitimately arrive in the wrong
 * state (capturing a canceled payment) are refused before that with a 400/409 of their own;
 * `can` lets them ask. docs/api.md's diagrams are generated from these tables (`pnpm
 * --filter @kassa/payments docs:states`) and a test fails when they drift apart.
 */
export interface Transition<State extends string, Event extends string> {
  from: readonly State[];
  event: Event;
  to: State;
}

export class IllegalTransitionError extends Error {
  override readonly name = 'IllegalTransitionError';
  constructor(
    readonly object: string,
    readonly from: string,
    readonly event: string,
    readonly to: string | undefined,
  ) {
    super(
      to === undefined
        ? `illegal transition: ${object} has no event ${event} (in ${from})`
        : `illegal transition: ${object} cannot go from ${from} to ${to} (${event})`,
    );
  }
}

export class StateMachine<State extends string, Event extends string> {
  private readonly byEvent = new Map<Event, Transition<State, Event>>();

  constructor(
    readonly object: string,
    readonly initial: State,
    readonly states: readonly State[],
    readonly transitions: readonly Transition<State, Event>[],
  ) {
    for (const transition of transitions) {
      if (this.byEvent.has(transition.event)) {
        throw new Error(`${object}: event ${transition.event} is listed twice`);
      }
      for (const state of [...transition.from, transition.to]) {
        if (!states.includes(state)) throw new Error(`${object}: unknown state ${state}`);
      }
      this.byEvent.set(transition.event, transition);
    }
  }

  /** Whether `event` may happen in `from`. */
  can(from: State, event: Event): boolean {
    return this.byEvent.get(event)?.from.includes(from) ?? false;
  }

  /** The state `event` leads to from `from`; throws if the table has no such transition. */
  next(from: State, event: Event): State {
    const transition = this.byEvent.get(event);
    if (!transition?.from.includes(from)) {
      throw new IllegalTransitionError(this.object, from, event, transition?.to);
    }
    return transition.to;
  }

  /** Moves `row.status` by `event` (after checking the table) and returns the old status. */
  advance(row: { status: State }, event: Event): State {
    const from = row.status;
    row.status = this.next(from, event);
    return from;
  }

  /** Every state some sequence of events leads to from `from` (itself included). */
  reachableFrom(from: State): Set<State> {
    const reached = new Set<State>([from]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const t of this.transitions) {
        if (!reached.has(t.to) && t.from.some((s) => reached.has(s))) {
          reached.add(t.to);
          grew = true;
        }
      }
    }
    return reached;
  }

  /** The states no event leaves. */
  get terminal(): State[] {
    return this.states.filter((state) => !this.transitions.some((t) => t.from.includes(state)));
  }
}

const PRE_AUTHORIZATION = [
  'requires_payment_method',
  'requires_confirmation',
  'processing',
] as const satisfies PaymentIntentStatus[];
/** An authorization answer can arrive directly, after a lost answer, or after 3-D Secure. */
const AWAITING_ANSWER = [...PRE_AUTHORIZATION, 'requires_action'] as const;

export type PaymentIntentEvent =
  | 'payment_method_attached'
  | 'answer_lost'
  | 'challenge_required'
  | 'authorized'
  | 'authorized_and_captured'
  | 'declined'
  | 'captured'
  | 'canceled'
  | 'authorization_voided';

export const paymentIntentMachine = new StateMachine<PaymentIntentStatus, PaymentIntentEvent>(
  'payment_intent',
  'requires_payment_method',
  [
    'requires_payment_method',
    'requires_confirmation',
    'processing',
    'requires_action',
    'requires_capture',
    'succeeded',
    'canceled',
  ],
  [
    {
      from: ['requires_payment_method'],
      event: 'payment_method_attached',
      to: 'requires_confirmation',
    },
    // The acquirer may have authorized: nothing else may happen until the attempt is resumed.
    {
      from: ['requires_payment_method', 'requires_confirmation'],
      event: 'answer_lost',
      to: 'processing',
    },
    { from: PRE_AUTHORIZATION, event: 'challenge_required', to: 'requires_action' },
    { from: AWAITING_ANSWER, event: 'authorized', to: 'requires_capture' },
    { from: AWAITING_ANSWER, event: 'authorized_and_captured', to: 'succeeded' },
    { from: AWAITING_ANSWER, event: 'declined', to: 'requires_payment_method' },
    { from: ['requires_capture'], event: 'captured', to: 'succeeded' },
    // Before any authorization a payment is simply canceled; after one, only once voided.
    {
      from: ['requires_payment_method', 'requires_confirmation'],
      event: 'canceled',
      to: 'canceled',
    },
    {
      from: ['requires_action', 'requires_capture'],
      event: 'authorization_voided',
      to: 'canceled',
    },
  ],
);

export type AttemptEvent = 'challenge_required' | 'succeeded' | 'failed' | 'abandoned';

/** An acquirer call. `abandoned`: it never left (the acquirer was unavailable). */
export const attemptMachine = new StateMachine<AttemptStatus, AttemptEvent>(
  'payment_attempt',
  'pending',
  ['pending', 'requires_action', 'succeeded', 'failed', 'abandoned'],
  [
    { from: ['pending'], event: 'challenge_required', to: 'requires_action' },
    { from: ['pending', 'requires_action'], event: 'succeeded', to: 'succeeded' },
    { from: ['pending', 'requires_action'], event: 'failed', to: 'failed' },
    { from: ['pending'], event: 'abandoned', to: 'abandoned' },
  ],
);

export type RefundEvent = 'refunded' | 'refused' | 'abandoned';

export const refundMachine = new StateMachine<RefundStatus, RefundEvent>(
  'refund',
  'pending',
  ['pending', 'succeeded', 'failed', 'canceled'],
  [
    { from: ['pending'], event: 'refunded', to: 'succeeded' },
    { from: ['pending'], event: 'refused', to: 'failed' },
    { from: ['pending'], event: 'abandoned', to: 'canceled' },
  ],
);

export type CheckoutSessionEvent = 'paid' | 'expired';

export const checkoutSessionMachine = new StateMachine<CheckoutSessionStatus, CheckoutSessionEvent>(
  'checkout_session',
  'open',
  ['open', 'complete', 'expired'],
  [
    { from: ['open'], event: 'paid', to: 'complete' },
    { from: ['open'], event: 'expired', to: 'expired' },
  ],
);

export const stateMachines = [
  paymentIntentMachine,
  attemptMachine,
  refundMachine,
  checkoutSessionMachine,
] as const;

/** docs/api.md's section for one machine: a Mermaid diagram and the table itself. */
export function describeMachine<State extends string, Event extends string>(
  machine: StateMachine<State, Event>,
): string {
  const lines = ['```mermaid', 'stateDiagram-v2', `  [*] --> ${machine.initial}`];
  for (const t of machine.transitions) {
    for (const from of t.from) lines.push(`  ${from} --> ${t.to}: ${t.event}`);
  }
  for (const state of machine.terminal) lines.push(`  ${state} --> [*]`);
  lines.push('```', '', '| from | event | to |', '| --- | --- | --- |');
  for (const t of machine.transitions) {
    lines.push(`| ${t.from.map((s) => `\`${s}\``).join(', ')} | ${t.event} | \`${t.to}\` |`);
  }
  return lines.join('\n');
}

export const STATE_DOCS_START =
  '<!-- state machines: generated from packages/payments/src/state-machine.ts -->';
export const STATE_DOCS_END = '<!-- end of generated state machines -->';

/** The generated block docs/api.md must contain, between its two markers. */
export function stateMachineDocs(): string {
  const sections = stateMachines.map(
    (machine) =>
      `### ${machine.object}\n\n${describeMachine(machine as StateMachine<string, string>)}`,
  );
  return [STATE_DOCS_START, '', ...sections.flatMap((s) => [s, '']), STATE_DOCS_END].join('\n');
}
