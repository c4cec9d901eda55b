/** A small seeded PRNG (mulberry32), so a concurrency or property test fails the same way twice. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const TEST_SEED = Number(process.env.KASSA_TEST_SEED ?? 20261125);

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
