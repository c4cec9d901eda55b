import { describe, expect, it } from 'vitest';
import { DEFAULT_ANOMALY_OPTIONS, judge } from '../src/anomalies.ts';

const slots = (...pairs: Array<[attempts: number, declines: number]>) =>
  pairs.map(([attempts, declines]) => ({ attempts, declines }));
/** Twelve intervals of 20 attempts with 1–3 declines: a steady shop. */
const steady = slots(
  [20, 1],
  [22, 2],
  [18, 1],
  [20, 3],
  [21, 1],
  [19, 2],
  [20, 1],
  [20, 2],
  [23, 2],
  [17, 1],
  [20, 2],
  [21, 1],
);
const spikeOf = (judgements: ReturnType<typeof judge>, kind: string) =>
  judgements?.find((j) => j.kind === kind)?.spike;

describe('anomaly judgement', () => {
  it('calls a decline rate more than 3σ above the baseline a spike, and an ordinary one not', () => {
    expect(spikeOf(judge({ attempts: 20, declines: 2 }, steady), 'decline_spike')).toBe(false);
    expect(spikeOf(judge({ attempts: 20, declines: 4 }, steady), 'decline_spike')).toBe(false);
    const spike = judge({ attempts: 20, declines: 12 }, steady);
    expect(spikeOf(spike, 'decline_spike')).toBe(true);
    const decline = spike?.find((j) => j.kind === 'decline_spike');
    expect(decline?.observed).toBeCloseTo(0.6);
    expect(decline?.mean).toBeCloseTo(0.0786, 3);
    // The deviation's floor (0.05) sets the threshold for this calm baseline.
    expect(decline?.threshold).toBeCloseTo(decline ? decline.mean + 3 * 0.05 : 0);
  });

  it('calls a volume far above the baseline a spike', () => {
    expect(spikeOf(judge({ attempts: 24, declines: 1 }, steady), 'volume_spike')).toBe(false);
    expect(spikeOf(judge({ attempts: 60, declines: 1 }, steady), 'volume_spike')).toBe(true);
  });

  it('judges nothing without enough history or attempts', () => {
    const young = slots(
      ...Array.from({ length: 10 }, () => [0, 0] as [number, number]),
      [20, 1],
      [20, 1],
    );
    expect(judge({ attempts: 20, declines: 20 }, young)).toBeUndefined();
    expect(
      judge({ attempts: DEFAULT_ANOMALY_OPTIONS.minAttempts - 1, declines: 9 }, steady),
    ).toBeUndefined();
  });
});
