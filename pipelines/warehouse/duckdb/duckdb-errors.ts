import { type ErrorContext, PipelineError, TerminalError, TransientError } from '../../core/errors.js';

const TRANSIENT_PATTERNS = [
  /Could not set lock on file/i,
  /Conflicting lock is held/i,
  /Transaction conflict/i,
  /TransactionContext Error: .*conflict/i,
  /write-write conflict/i,
];

/** Maps a DuckDB error to the pipeline's two kinds: a held file lock or a write conflict may pass; the rest will not. */
export function mapDuckDbError(error: unknown, context: ErrorContext): PipelineError {
  if (error instanceof PipelineError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (TRANSIENT_PATTERNS.some((pattern) => pattern.test(message))) {
    const busy = /lock/i.test(message) ? 'the DuckDB file is in use by another process' : 'a concurrent write conflicted';
    return new TransientError(`${busy}: ${firstLine(message)}`, context, { cause: error });
  }
  return new TerminalError(`DuckDB: ${firstLine(message)}`, context, { cause: error });
}

/** The first three non-empty lines of an error message, joined, at most 600 characters. */
export function firstLine(message: string): string {
  return message
    .split('\n')
    .filter((line) => line.trim() !== '')
    .slice(0, 3)
    .join(' ')
    .slice(0, 600);
}
