import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../src/http.ts';

describe('backoffDelay', () => {
  it('doubles from 0.5 s up to a 5 s cap, with jitter between half and all of it', () => {
    const lowest = () => 0;
    const highest = () => 0.999_999;
    expect([0, 1, 2, 3, 4, 10].map((retry) => backoffDelay(retry, lowest))).toEqual([
      250, 500, 1_000, 2_000, 2_500, 2_500,
    ]);
    expect([0, 1, 2, 3, 4, 10].map((retry) => Math.round(backoffDelay(retry, highest)))).toEqual([
      500, 1_000, 2_000, 4_000, 5_000, 5_000,
    ]);
  });
});
