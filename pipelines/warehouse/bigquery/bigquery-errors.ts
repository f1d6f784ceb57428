import { type ErrorContext, PipelineError, TerminalError, TransientError } from '../../core/errors.js';

/** Reasons BigQuery gives for a failure that the same request may not meet again. */
const TRANSIENT_REASONS = new Set(['rateLimitExceeded', 'backendError', 'internalError', 'jobBackendError', 'jobInternalError']);
const TRANSIENT_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const TRANSIENT_MESSAGES = [/concurrent update/i, /could not serialize access/i, /socket hang up/i];

interface ApiErrorLike {
  code?: number | string;
  errors?: Array<{ reason?: string; message?: string }>;
  message?: string;
  cause?: unknown;
  response?: { headers?: Record<string, string | string[] | undefined> | { get?: (name: string) => string | null } };
}

export interface MapOptions {
  /**
   * The emulator reports every failed query, a SQL error included, as `jobInternalError`; against it
   * that reason is terminal, not transient.
   */
  emulator?: boolean;
}

/**
 * Maps an error of the BigQuery client, an API response or the network to the pipeline's two kinds:
 * rate limits (`rateLimitExceeded`, 429), `backendError`, `internalError`, other 5xx, timeouts,
 * connection resets and transaction conflicts are transient; everything else (bad request, invalid
 * SQL, missing table, permission) is terminal. The message names the BigQuery reason; the context
 * (job id, table, run) is appended by the error class.
 */
export function mapBigQueryError(error: unknown, context: ErrorContext, options: MapOptions = {}): PipelineError {
  if (error instanceof PipelineError) return error;
  const e = (error ?? {}) as ApiErrorLike;
  const reasons = (e.errors ?? []).map((x) => x.reason).filter((r): r is string => typeof r === 'string');
  const status = typeof e.code === 'number' ? e.code : undefined;
  const networkCode = networkErrorCode(e);
  const message = firstLine(e.errors?.find((x) => x.message)?.message ?? e.message ?? String(error));
  const reasonText = reasons.length ? reasons.join(',') : status ? `HTTP ${status}` : (networkCode ?? 'error');
  const text = `BigQuery ${reasonText}: ${message}`;
  const transientReasons = options.emulator
    ? [...TRANSIENT_REASONS].filter((r) => r !== 'jobInternalError')
    : [...TRANSIENT_REASONS];
  const transient =
    reasons.some((r) => transientReasons.includes(r)) ||
    (status !== undefined && TRANSIENT_STATUS.has(status) && !(options.emulator && reasons.includes('jobInternalError'))) ||
    (networkCode !== undefined && TRANSIENT_NETWORK_CODES.has(networkCode)) ||
    (!options.emulator && TRANSIENT_MESSAGES.some((pattern) => pattern.test(message)));
  if (transient) return new TransientError(text, context, { cause: error, retryAfterMs: retryAfterMs(e) });
  return new TerminalError(text, context, { cause: error });
}

function networkErrorCode(e: ApiErrorLike): string | undefined {
  if (typeof e.code === 'string') return e.code;
  const cause = e.cause as ApiErrorLike | undefined;
  if (cause && typeof cause.code === 'string') return cause.code;
  return undefined;
}

function retryAfterMs(e: ApiErrorLike): number | undefined {
  const headers = e.response?.headers;
  if (!headers) return undefined;
  const raw =
    typeof (headers as { get?: unknown }).get === 'function'
      ? (headers as { get: (name: string) => string | null }).get('retry-after')
      : (headers as Record<string, string | string[] | undefined>)['retry-after'];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function firstLine(message: string): string {
  return (
    message
      .split('\n')
      .filter((line) => line.trim() !== '')[0]
      ?.slice(0, 600) ?? ''
  );
}
