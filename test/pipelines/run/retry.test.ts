import { expect } from 'chai';
import { TerminalError, TransientError } from '../../../pipelines/core/errors.js';
import { withRetry } from '../../../pipelines/run/retry.js';

const fast = { retries: 5, minDelayMs: 1, maxDelayMs: 5, maxRetryTimeMs: 5_000 };

describe('withRetry', function () {
  it('retries transient errors until the work succeeds', async function () {
    let calls = 0;
    const result = await withRetry(async () => {
      calls += 1;
      if (calls < 3) throw new TransientError('busy');
      return 'done';
    }, fast);
    expect(result).to.equal('done');
    expect(calls).to.equal(3);
  });

  it('stops at once on a terminal error', async function () {
    let calls = 0;
    let caught: unknown;
    try {
      await withRetry(async () => {
        calls += 1;
        throw new TerminalError('401 unauthorized');
      }, fast);
    } catch (error) {
      caught = error;
    }
    expect(calls).to.equal(1);
    expect(caught).to.be.instanceOf(TerminalError);
  });

  it('waits at least what Retry-After asks', async function () {
    const started = Date.now();
    let calls = 0;
    await withRetry(async () => {
      calls += 1;
      if (calls === 1) throw new TransientError('429', {}, { retryAfterMs: 300 });
      return calls;
    }, fast);
    expect(Date.now() - started).to.be.at.least(290);
  });

  it('gives up when the total retry time would pass its bound, with the last error', async function () {
    let caught: unknown;
    try {
      await withRetry(
        async () => {
          throw new TransientError('503', {}, { retryAfterMs: 10_000 });
        },
        { ...fast, maxRetryTimeMs: 1_000 },
      );
    } catch (error) {
      caught = error;
    }
    expect(caught).to.be.instanceOf(TransientError);
    expect((caught as Error).message).to.equal('503');
  });

  it('stops waiting when the signal aborts', async function () {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 100);
    let caught: unknown;
    try {
      await withRetry(
        async () => {
          throw new TransientError('429', {}, { retryAfterMs: 4_000 });
        },
        { ...fast, maxRetryTimeMs: 60_000 },
        { signal: controller.signal },
      );
    } catch (error) {
      caught = error;
    }
    expect(caught, 'the abort ends the wait with an error').to.be.instanceOf(Error);
    expect(Date.now() - started).to.be.below(2_000);
  });
});
