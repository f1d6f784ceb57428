/**
 * A small seeded PRNG (mulberry32): the same seed gives the same sequence, so a failing trial can be
 * replayed by setting its seed again.
 */
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

/** A seed from `name` in the environment (a whole number), else a fresh random one. */
export function seedFromEnv(name: string): number {
  const given = process.env[name];
  if (given !== undefined && given !== '') {
    const seed = Number(given);
    if (!Number.isInteger(seed)) throw new Error(`${name} must be a whole number (got ${JSON.stringify(given)})`);
    return seed;
  }
  return Math.floor(Math.random() * 2 ** 31);
}
