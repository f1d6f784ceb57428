import { type ErrorContext, type PipelineError, TerminalError, TransientError } from '../../core/errors.js';

/** Where a request was made: what an error says about it. */
export interface RequestContext {
  stream: string;
  table: string;
  path: string;
  /** The window asked for; `from` is `*` when unbounded. */
  window: { from: string; to: string };
}

/** Statuses the contract names as passing: rate limit and server-side failures. 408 is a timeout. */
const TRANSIENT_STATUSES = new Set([408, 429, 500, 502, 503, 504]);

/** Network failures that no retry will fix (a malformed URL, an unsupported protocol). */
const TERMINAL_NETWORK_CODES = new Set(['ERR_INVALID_URL', 'ERR_BAD_OPTION', 'ERR_BAD_OPTION_VALUE', 'ERR_NOT_SUPPORT']);

function contextOf(request: RequestContext, extra: ErrorContext = {}): ErrorContext {
  return { table: request.table, window: request.window, stream: request.stream, ...extra };
}

/** The API's `{error: {code, message}}`, when the body is one. */
export function apiErrorOf(body: string): { code: string; message: string } | null {
  try {
    const parsed = JSON.parse(body) as { error?: { code?: unknown; message?: unknown } };
    const code = parsed?.error?.code;
    const message = parsed?.error?.message;
    if (typeof code === 'string') return { code, message: typeof message === 'string' ? message : '' };
  } catch {
    // Not JSON (a proxy's error page): the status alone speaks.
  }
  return null;
}

/** Seconds (the contract) or an HTTP date (RFC 9110), as milliseconds from `nowMs`; undefined when absent or unreadable. */
export function retryAfterMs(header: unknown, nowMs = Date.now()): number | undefined {
  if (typeof header !== 'string' || header.trim() === '') return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isFinite(date) ? Math.max(0, date - nowMs) : undefined;
}

/**
 * Maps a non-2xx answer to the pipeline's two kinds of error: 408, 429 and 500/502/503/504 may pass (a
 * 429 carries its Retry-After); any other status (400 bad parameter or out of retention, 401, 403, 404)
 * will not. The message names the status, the API's error code and message, the stream and the window.
 */
export function httpError(status: number, body: string, retryAfter: unknown, request: RequestContext): PipelineError {
  const api = apiErrorOf(body);
  const what = api
    ? `${api.code}: ${api.message}`
    : body.trim()
      ? `(not an API error body) ${body.trim().slice(0, 200)}`
      : '(empty body)';
  const message = `marketing API GET ${request.path} answered ${status} ${what} (stream ${request.stream}, window ${request.window.from}..${request.window.to})`;
  const context = contextOf(request, { status, code: api?.code });
  if (TRANSIENT_STATUSES.has(status)) return new TransientError(message, context, { retryAfterMs: retryAfterMs(retryAfter) });
  return new TerminalError(message, context);
}

/** Maps a failure with no HTTP answer (reset, refused, timeout, truncated body) to an error, transient unless it cannot pass. */
export function networkError(code: string | undefined, detail: string, request: RequestContext): PipelineError {
  const message = `marketing API GET ${request.path} failed: ${code ? `${code} ` : ''}${detail} (stream ${request.stream}, window ${request.window.from}..${request.window.to})`;
  const context = contextOf(request, { code });
  if (code && TERMINAL_NETWORK_CODES.has(code)) return new TerminalError(message, context);
  return new TransientError(message, context);
}

/** A 200 answer whose body does not follow the contract. A truncated body may pass; a wrong shape will not. */
export function bodyError(reason: string, transient: boolean, request: RequestContext): PipelineError {
  const message = `marketing API GET ${request.path} answered 200 with a body that ${reason} (stream ${request.stream}, window ${request.window.from}..${request.window.to})`;
  return transient ? new TransientError(message, contextOf(request)) : new TerminalError(message, contextOf(request));
}
