import { expect } from 'chai';
import { TerminalError, TransientError } from '../../../../pipelines/core/errors.js';
import { mapBigQueryError } from '../../../../pipelines/warehouse/bigquery/bigquery-errors.js';

/** An error shaped as the client library's ApiError. */
function apiError(code: number | undefined, reason: string, message = `${reason} happened`, headers?: Record<string, string>) {
  return Object.assign(new Error(message), { code, errors: [{ reason, message }], response: headers ? { headers } : undefined });
}

describe('mapBigQueryError', function () {
  const context = { jobId: 'u1_commit_2', table: 'raw.people', runId: 'r1' };

  it('maps rate limits, backend and internal errors, 5xx and resets to TransientError', function () {
    const cases: unknown[] = [
      apiError(403, 'rateLimitExceeded'),
      apiError(429, 'tooManyRequests'),
      apiError(500, 'backendError'),
      apiError(undefined, 'internalError'),
      apiError(503, 'unavailable'),
      apiError(400, 'invalidQuery', 'Transaction is aborted due to concurrent update against table p.raw.people'),
      Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
      Object.assign(new TypeError('fetch failed'), {
        cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }),
      }),
    ];
    for (const error of cases) {
      const mapped = mapBigQueryError(error, context);
      expect(mapped, String((error as Error).message)).to.be.instanceOf(TransientError);
    }
  });

  it('maps everything else to TerminalError, with the reason, the job id and the table in the message', function () {
    const mapped = mapBigQueryError(apiError(400, 'invalidQuery', 'Unrecognized name: nope at [1:8]\nmore'), context);
    expect(mapped).to.be.instanceOf(TerminalError);
    expect(mapped.message).to.equal(
      'BigQuery invalidQuery: Unrecognized name: nope at [1:8] [runId=r1 table=raw.people jobId=u1_commit_2]',
    );
    expect(mapBigQueryError(apiError(404, 'notFound'), context)).to.be.instanceOf(TerminalError);
    expect(mapBigQueryError(apiError(403, 'accessDenied'), context)).to.be.instanceOf(TerminalError);
    expect(mapBigQueryError(new Error('boom'), context)).to.be.instanceOf(TerminalError);
  });

  it('keeps the server’s retry hint', function () {
    const mapped = mapBigQueryError(apiError(429, 'rateLimitExceeded', 'slow down', { 'retry-after': '7' }), context);
    expect((mapped as TransientError).retryAfterMs).to.equal(7000);
  });

  it('treats jobInternalError as terminal against the emulator, which gives that reason to SQL errors', function () {
    const error = apiError(400, 'jobInternalError', 'failed to analyze: Table not found');
    expect(mapBigQueryError(error, context)).to.be.instanceOf(TransientError);
    expect(mapBigQueryError(error, context, { emulator: true })).to.be.instanceOf(TerminalError);
  });
});
