import pRetry, { AbortError } from 'p-retry';
import type { TransientError } from '../core/errors.js';
import { isTransient, type PipelineError } from '../core/errors.js';

export interface RetryPolicy {
  /** Retries after the first attempt. */
  retries: number;
  minDelayMs: number;
  maxDelayMs: number;
  /** Bound on the total time spent retrying. */
  maxRetryTimeMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 5, minDelayMs: 500, maxDelayMs: 30_000, maxRetryTimeMs: 5 * 60_000 };

/**
 * Runs `work`, retrying transient errors with exponential backoff and full jitter, honouring a
 * server's Retry-After, within a bounded total time. Terminal errors stop at once. This is the one
 * place that decides to retry; adapters only classify.
 */
export async function withRetry<T>(
  work: (attempt: number) => Promise<T>,
  policy: RetryPolicy = DEFAULT_RETRY,
  hooks: { onRetry?: (error: PipelineError, attempt: number, delayMs: number) => void; signal?: AbortSignal } = {},
): Promise<T> {
  const started = Date.now();
  return pRetry(
    async (attempt) => {
      try {
        return await work(attempt);
      } catch (error) {
        if (!isTransient(error)) throw new AbortError(error as Error);
        throw error;
      }
    },
    {
      retries: policy.retries,
      // Backoff is computed here so Retry-After can lengthen it; p-retry's own delay is zero.
      minTimeout: 0,
      maxTimeout: 0,
      signal: hooks.signal,
      onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
        if (retriesLeft === 0) return;
        const transient = error as unknown as TransientError;
        const backoff = Math.min(policy.maxDelayMs, policy.minDelayMs * 2 ** (attemptNumber - 1));
        const jittered = Math.random() * backoff;
        const delay = Math.max(jittered, transient.retryAfterMs ?? 0);
        if (Date.now() - started + delay > policy.maxRetryTimeMs) throw error;
        hooks.onRetry?.(transient, attemptNumber, delay);
        await sleep(delay, hooks.signal);
      },
    },
  );
}

/** Waits, but wakes at once when the signal aborts (a shutdown must not wait out a long Retry-After). */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
