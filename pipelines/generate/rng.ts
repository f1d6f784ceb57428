import { Sfc32 } from '../core/sfc32.js';

/**
 * A small seeded pseudo-random generator (sfc32, seeded through murmur3's finaliser). Every random value
 * of the generator comes from an `Rng` built from (seed, stream, index) keys, so a row's values depend
 * only on those keys: the same seed gives byte-identical files, and any row can be rebuilt on its own.
 */
export class Rng extends Sfc32 {
  /** Keys are integers (any sign, up to 2^53); the same keys always give the same sequence. */
  constructor(...keys: number[]) {
    const h = hash32(...keys);
    super(fmix32(h ^ 0x243f6a88), fmix32(h ^ 0x85a308d3), fmix32(h ^ 0x13198a2e), 1);
  }

  /** A uniform unsigned 32-bit integer. */
  uint32(): number {
    return this.next32();
  }

  /** A uniform float in [0, 1). */
  float(): number {
    return this.uint32() / 0x100000000;
  }

  /** A uniform integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.float() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  /** A uniform element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.float() * items.length)] as T;
  }

  /** A standard normal deviate (Box-Muller). */
  normal(): number {
    const u = 1 - this.float();
    const v = this.float();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** A log-normal deviate with the given median and log-scale spread. */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }
}

/** A 32-bit hash of integer keys (any sign, up to 2^53), for choices that need no whole sequence. */
export function hash32(...keys: number[]): number {
  let h = 0x9e3779b9;
  for (const key of keys) {
    h = fmix32(h ^ (key >>> 0));
    h = fmix32(h ^ (Math.floor(key / 0x100000000) >>> 0) ^ 0x85ebca6b);
  }
  return h;
}

/** A fixed list of values with weights, sampled by inverse cumulative weight. */
export class Weighted<T> {
  readonly values: readonly T[];
  private readonly cumulative: Float64Array;
  private readonly total: number;

  constructor(entries: ReadonlyArray<readonly [T, number]>) {
    if (entries.length === 0) throw new Error('Weighted needs at least one entry');
    this.values = entries.map(([value]) => value);
    this.cumulative = new Float64Array(entries.length);
    let sum = 0;
    entries.forEach(([, weight], i) => {
      if (!(weight >= 0)) throw new Error(`Weighted: weight ${weight} is not a non-negative number`);
      sum += weight;
      this.cumulative[i] = sum;
    });
    if (sum <= 0) throw new Error('Weighted needs a positive total weight');
    this.total = sum;
  }

  /** Share of a value in the distribution (0 when absent). */
  share(value: T): number {
    let weight = 0;
    this.values.forEach((v, i) => {
      if (v === value) weight += (this.cumulative[i] as number) - (i > 0 ? (this.cumulative[i - 1] as number) : 0);
    });
    return weight / this.total;
  }

  sample(rng: Rng): T {
    const target = rng.float() * this.total;
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.cumulative[mid] as number) > target) hi = mid;
      else lo = mid + 1;
    }
    return this.values[lo] as T;
  }
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
