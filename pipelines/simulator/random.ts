import { Sfc32 } from '../core/sfc32.js';

/**
 * Deterministic randomness for the simulator: every random choice comes from a stream keyed by the seed and
 * by what it is for (a session, a device, a user...), so any part of the data can be regenerated alone, in
 * any order, and always comes out the same.
 */

/** Stream keys: each kind of choice draws from its own stream so that adding one never shifts another. */
export const Stream = {
  plan: 1,
  sessionShape: 2,
  sessionContent: 3,
  device: 4,
  duplicate: 5,
  late: 6,
  faults: 7,
  person: 8,
  messageId: 9,
  anonymousId: 10,
  userId: 11,
  unsubscribe: 12,
  calibration: 13,
  opportunities: 14,
} as const;

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** MurmurHash3 (x86, 32-bit) of a sequence of 32-bit integers. */
export function hash32(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    let k = Math.imul(part | 0, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= parts.length * 4;
  return fmix32(h);
}

/** A seed of any size folded to 32 bits (seeds come from configuration and may be negative or large). */
export function normalizeSeed(seed: number): number {
  if (!Number.isFinite(seed)) throw new RangeError('seed must be a finite number');
  const whole = Math.trunc(seed);
  return hash32(whole | 0, Math.floor(whole / 2 ** 32) | 0);
}

/** A uniform number in [0, 1) from a hash (for one-off choices that need no stream). */
export function unitFromHash(hash: number): number {
  return (hash >>> 0) / 2 ** 32;
}

/** Small fast generator (sfc32) with a 128-bit state, plus the draws the simulator needs. */
export class Random extends Sfc32 {
  constructor(...key: number[]) {
    super(hash32(...key, 1), hash32(...key, 2), hash32(...key, 3), hash32(...key, 4) | 1);
  }

  nextUint32(): number {
    return this.next32();
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 2 ** 32;
  }

  /** Uniform integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** Uniform in [min, max). */
  between(min: number, max: number): number {
    return min + this.next() * (max - min);
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** Picks one of `[item, weight]` pairs with probability proportional to its weight. */
  weighted<T>(choices: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, weight] of choices) total += weight;
    let point = this.next() * total;
    for (const [item, weight] of choices) {
      point -= weight;
      if (point < 0) return item;
    }
    const last = choices[choices.length - 1];
    if (!last) throw new RangeError('weighted pick from an empty list');
    return last[0];
  }

  /** Standard normal draw (Box-Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Log-normal draw with the given median and shape. */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  /** Poisson draw (Knuth for small means, normal approximation above). */
  poisson(mean: number): number {
    if (mean <= 0) return 0;
    if (mean > 40) return Math.max(0, Math.round(mean + Math.sqrt(mean) * this.normal()));
    const limit = Math.exp(-mean);
    let k = 0;
    let p = this.next();
    while (p > limit) {
      k++;
      p *= this.next();
    }
    return k;
  }

  /** Number of failures before the first success, capped. */
  geometric(successProbability: number, cap: number): number {
    let k = 0;
    while (k < cap && !this.chance(successProbability)) k++;
    return k;
  }
}

const HEX = '0123456789abcdef';

function hex32(value: number): string {
  let out = '';
  for (let shift = 28; shift >= 0; shift -= 4) out += HEX[(value >>> shift) & 15];
  return out;
}

/** A version-4-shaped UUID derived from a key: the same key always gives the same id. */
export function uuidFromKey(...key: number[]): string {
  // Each word hashes the whole key from its own start: words built from one 32-bit state after the key
  // (a suffix) would collide as soon as that state does, about once per 100k ids at a million.
  const a = hash32(11, ...key);
  const b = (hash32(12, ...key) & 0xffff0fff) | 0x00004000;
  const c = (hash32(13, ...key) & 0x3fffffff) | 0x80000000;
  const d = hash32(14, ...key);
  const h = hex32(a) + hex32(b) + hex32(c) + hex32(d);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** `count` Crockford base-32 characters derived from a key. */
export function base32FromKey(count: number, ...key: number[]): string {
  let out = '';
  let word = 0;
  let bits = 0;
  let salt = 0;
  while (out.length < count) {
    if (bits < 5) {
      word = hash32(...key, 100 + salt++);
      bits = 32;
    }
    out += CROCKFORD[word & 31];
    word >>>= 5;
    bits -= 5;
  }
  return out;
}
