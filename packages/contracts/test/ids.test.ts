import { describe, expect, it } from 'vitest';
import { idSchema, newId, randomBase62 } from '../src/ids.ts';

describe('ids', () => {
  it('have the prefix of their kind and 24 base62 characters', () => {
    const id = newId('merchant');
    expect(id).toMatch(/^mch_[0-9A-Za-z]{24}$/);
    expect(idSchema('merchant').safeParse(id).success).toBe(true);
    expect(idSchema('user').safeParse(id).success).toBe(false);
  });

  it('do not repeat', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => newId('apiKey')));
    expect(ids.size).toBe(10_000);
  });

  it('use every base62 character with no gross bias', () => {
    const counts = new Map<string, number>();
    for (const c of randomBase62(62_000)) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(62);
    // 1000 expected per character; a modulo-biased generator would push some past 1250.
    for (const n of counts.values()) expect(n).toBeGreaterThan(800);
    for (const n of counts.values()) expect(n).toBeLessThan(1200);
  });
});
