/**
 * The two kinds of pipeline error, as in dlt: a transient error may succeed if the same work is tried
 * again (rate limit, 5xx, reset connection, lock contention); a terminal error will not (bad
 * credentials, bad request, invalid data, missing column). Adapters map the errors of their engine or
 * API at their edge; only the runner decides to retry, and only transient errors.
 */
export interface ErrorContext {
  runId?: string;
  step?: string;
  table?: string;
  window?: { from: string; to: string };
  file?: string;
  line?: number;
  field?: string;
  jobId?: string;
  model?: string;
  [key: string]: unknown;
}

export abstract class PipelineError extends Error {
  abstract readonly kind: 'terminal' | 'transient';
  readonly context: ErrorContext;

  constructor(message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super(withContext(message, context), options);
    this.name = new.target.name;
    this.context = context;
  }
}

/** Retrying the same work will not help. */
export class TerminalError extends PipelineError {
  readonly kind = 'terminal' as const;
}

/** Retrying the same work later may succeed; `retryAfterMs` is a server's hint, when it gave one. */
export class TransientError extends PipelineError {
  readonly kind = 'transient' as const;
  readonly retryAfterMs: number | undefined;

  constructor(message: string, context: ErrorContext = {}, options?: { cause?: unknown; retryAfterMs?: number }) {
    super(message, context, options);
    this.retryAfterMs = options?.retryAfterMs;
  }
}

/** Invalid configuration or invocation; names the variable, flag or parameter. Always terminal. */
export class ConfigError extends TerminalError {}

export function isTransient(error: unknown): error is TransientError {
  return error instanceof TransientError;
}

/** Adds context to an error that has none of its own, keeping a PipelineError's kind. */
export function withErrorContext(error: unknown, context: ErrorContext): PipelineError {
  if (error instanceof PipelineError) {
    const merged = { ...context, ...error.context };
    if (error instanceof TransientError) {
      return new TransientError(stripContext(error.message), merged, {
        cause: error.cause ?? error,
        retryAfterMs: error.retryAfterMs,
      });
    }
    const Ctor = error.constructor as new (m: string, c: ErrorContext, o?: { cause?: unknown }) => PipelineError;
    return new Ctor(stripContext(error.message), merged, { cause: error.cause ?? error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new TerminalError(message, context, { cause: error });
}

const CONTEXT_KEYS = ['runId', 'step', 'model', 'table', 'file', 'line', 'field', 'jobId'] as const;

function withContext(message: string, context: ErrorContext): string {
  const parts: string[] = [];
  for (const key of CONTEXT_KEYS) {
    const value = context[key];
    if (value !== undefined && value !== null && value !== '') parts.push(`${key}=${String(value)}`);
  }
  if (context.window) parts.push(`window=${context.window.from}..${context.window.to}`);
  return parts.length ? `${message} [${parts.join(' ')}]` : message;
}

function stripContext(message: string): string {
  return message.replace(/ \[[^\]]*\]$/, '');
}
