import { Random, Stream, normalizeSeed } from './random.js';

/**
 * Transport faults the server injects, each request drawing once from a stream seeded by the dataset's
 * seed (so a sequential client sees the same faults on every run). Rates are shares of requests, and
 * their sum must not exceed 1.
 */
export interface TransportFaults {
  /** Share of requests answered 429 with a Retry-After header. */
  rate429: number;
  /** Retry-After value of those answers, whole seconds. */
  retryAfterSeconds: number;
  /** Share of requests answered 500, 502, 503 or 504. */
  rate5xx: number;
  /** Share of requests whose connection is reset (half before any byte, half in the middle of the body). */
  rateReset: number;
  /** Mean added latency, ms: each answer waits a uniform [0.5, 1.5] x latencyMs. */
  latencyMs: number;
}

export const NO_TRANSPORT_FAULTS: TransportFaults = { rate429: 0, retryAfterSeconds: 1, rate5xx: 0, rateReset: 0, latencyMs: 0 };

export type FaultDecision =
  | { kind: 'none'; delayMs: number }
  | { kind: 'rate_limited'; delayMs: number; retryAfterSeconds: number }
  | { kind: 'server_error'; delayMs: number; status: 500 | 502 | 503 | 504 }
  | { kind: 'reset'; delayMs: number; during: boolean };

/** Throws a RangeError naming the first invalid setting. */
export function validateTransportFaults(faults: TransportFaults): TransportFaults {
  for (const name of ['rate429', 'rate5xx', 'rateReset'] as const) {
    const value = faults[name];
    if (!(value >= 0 && value <= 1)) throw new RangeError(`faults.${name} must be between 0 and 1`);
  }
  if (faults.rate429 + faults.rate5xx + faults.rateReset > 1) {
    throw new RangeError('faults.rate429 + faults.rate5xx + faults.rateReset must not exceed 1');
  }
  if (!(Number.isInteger(faults.retryAfterSeconds) && faults.retryAfterSeconds >= 0)) {
    throw new RangeError('faults.retryAfterSeconds must be a whole number of seconds, 0 or more');
  }
  if (!(faults.latencyMs >= 0 && Number.isFinite(faults.latencyMs))) throw new RangeError('faults.latencyMs must be 0 or more');
  return faults;
}

export class FaultInjector {
  private faults: TransportFaults;
  private readonly random: Random;

  constructor(seed: number, faults: Partial<TransportFaults> = {}) {
    this.faults = validateTransportFaults({ ...NO_TRANSPORT_FAULTS, ...defined(faults) });
    this.random = new Random(normalizeSeed(seed), Stream.faults);
  }

  get settings(): TransportFaults {
    return { ...this.faults };
  }

  update(faults: Partial<TransportFaults>): void {
    this.faults = validateTransportFaults({ ...this.faults, ...defined(faults) });
  }

  decide(): FaultDecision {
    const { rate429, rate5xx, rateReset, latencyMs, retryAfterSeconds } = this.faults;
    const draw = this.random.next();
    const shape = this.random.next();
    const delayMs = latencyMs > 0 ? Math.round(latencyMs * (0.5 + this.random.next())) : 0;
    if (draw < rate429) return { kind: 'rate_limited', delayMs, retryAfterSeconds };
    if (draw < rate429 + rate5xx) {
      const statuses = [500, 502, 503, 504] as const;
      return { kind: 'server_error', delayMs, status: statuses[Math.floor(shape * 4)] ?? 500 };
    }
    if (draw < rate429 + rate5xx + rateReset) return { kind: 'reset', delayMs, during: shape < 0.5 };
    return { kind: 'none', delayMs };
  }
}

function defined(faults: Partial<TransportFaults>): Partial<TransportFaults> {
  return Object.fromEntries(Object.entries(faults).filter(([, value]) => value !== undefined));
}
