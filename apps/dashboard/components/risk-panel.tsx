'use client';

import type { PaymentIntentRisk } from '@kassa/contracts';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useCan } from '../lib/scope.tsx';
import { kassaError, useTRPCClient } from '../lib/trpc.tsx';

const OUTCOMES: Record<PaymentIntentRisk['outcome'], string> = {
  allow: 'Allowed',
  review: 'Held for review',
  block: 'Blocked',
  request_3ds: '3-D Secure requested',
};
const LEVELS: Record<string, string> = {
  normal: 'Normal risk',
  elevated: 'Elevated risk',
  highest: 'Highest risk',
};
const FALLBACK_REASONS: Record<string, string> = {
  timeout: 'it did not answer in time',
  unavailable: 'it could not be reached',
  breaker_open: 'it had failed just before (circuit breaker open)',
  bulkhead_full: 'too many payments were waiting for it',
  error: 'it answered with an error',
};

/** The score, in words and as a number; the level's colour is never the only sign. */
export function RiskScore(props: { risk: PaymentIntentRisk }) {
  const { risk } = props;
  if (risk.score === null) return <span className="risk-score">Not scored</span>;
  return (
    <span className={`risk-score risk-${risk.level}`}>
      {risk.score} · {LEVELS[risk.level ?? 'normal']}
    </span>
  );
}

/** Approve (capture) or reject (cancel, or refund if captured) the review of a payment. */
export function ReviewActions(props: { review: string; onDone?: () => void }) {
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const [problem, setProblem] = useState<string>();
  const close = useMutation({
    mutationFn: (action: 'approve' | 'reject') =>
      action === 'approve'
        ? client.dashboard.reviews.approve.mutate({ id: props.review })
        : client.dashboard.reviews.reject.mutate({ id: props.review }),
    onSuccess: async () => {
      props.onDone?.();
      await queryClient.invalidateQueries();
    },
    onError: (error) => setProblem(kassaError(error)?.message ?? error.message),
  });
  return (
    <div className="review-actions">
      <button
        type="button"
        className="button primary"
        disabled={close.isPending}
        onClick={() => close.mutate('approve')}
      >
        Approve
      </button>
      <button
        type="button"
        className="button danger"
        disabled={close.isPending}
        onClick={() => close.mutate('reject')}
      >
        Reject as fraud
      </button>
      {problem && (
        <p className="form-error" role="alert">
          {problem}
        </p>
      )}
    </div>
  );
}

/** The payment page's risk panel: the decision, the rule, the reasons, and its review. */
export function RiskPanel(props: { risk: PaymentIntentRisk | null; reviewOpen: boolean }) {
  const canDecide = useCan('payments.manage');
  const { risk } = props;
  if (!risk)
    return (
      <section aria-labelledby="risk-heading">
        <h2 id="risk-heading">Risk</h2>
        <p className="muted">Not scored: the payment was not confirmed, or no fraud service ran.</p>
      </section>
    );
  return (
    <section aria-labelledby="risk-heading" className="risk-panel">
      <h2 id="risk-heading">Risk</h2>
      <dl className="facts">
        <dt>Decision</dt>
        <dd>
          <strong>{OUTCOMES[risk.outcome]}</strong>
          {risk.decided_by === 'fallback' &&
            ` by your fallback: the fraud service gave no decision (${FALLBACK_REASONS[risk.fallback_reason ?? 'error']})`}
        </dd>
        <dt>Score</dt>
        <dd>
          <RiskScore risk={risk} />
        </dd>
        <dt>Rule</dt>
        <dd>
          {risk.rule ? (
            <>
              <code>
                {risk.rule.action} if {risk.rule.predicate}
              </code>{' '}
              <span className="muted mono">{risk.rule.id}</span>
            </>
          ) : (
            'None matched'
          )}
        </dd>
        {risk.review && (
          <>
            <dt>Review</dt>
            <dd>
              <span className="mono">{risk.review}</span> {props.reviewOpen ? '(open)' : '(closed)'}
            </dd>
          </>
        )}
      </dl>
      {risk.reasons.length > 0 && (
        <>
          <h3>Why this score</h3>
          <ul className="risk-reasons">
            {risk.reasons.map((reason) => (
              <li key={reason.feature}>
                +{reason.points} {reason.description} (<code>:{reason.feature}:</code> ={' '}
                {reason.value})
              </li>
            ))}
          </ul>
        </>
      )}
      {risk.review && props.reviewOpen && canDecide && <ReviewActions review={risk.review} />}
    </section>
  );
}
