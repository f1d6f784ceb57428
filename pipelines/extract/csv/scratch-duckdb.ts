import { mkdirSync } from 'node:fs';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { TerminalError, type ErrorContext } from '../../core/errors.js';
import { firstLine } from '../../warehouse/duckdb/duckdb-errors.js';

export interface ScratchOptions {
  /** Where DuckDB spills when a step needs more than `memoryLimit`. */
  tempDir: string;
  /** DuckDB memory limit of the scratch instance, e.g. `512MB`. */
  memoryLimit?: string;
  threads?: number;
}

/**
 * A throw-away in-memory DuckDB, separate from the warehouse, where export files are parsed, typed and
 * staged to Parquet. Its memory is capped (DuckDB spills to `tempDir` beyond the cap), so the memory of
 * a load does not grow with the file. Errors become TerminalErrors carrying the given context.
 */
export class ScratchDuckDb {
  readonly #instance: DuckDBInstance;
  readonly #connection: DuckDBConnection;

  private constructor(instance: DuckDBInstance, connection: DuckDBConnection) {
    this.#instance = instance;
    this.#connection = connection;
  }

  static async open(options: ScratchOptions): Promise<ScratchDuckDb> {
    mkdirSync(options.tempDir, { recursive: true });
    const settings: Record<string, string> = {
      memory_limit: options.memoryLimit ?? '512MB',
      temp_directory: options.tempDir,
    };
    if (options.threads) settings.threads = String(options.threads);
    try {
      const instance = await DuckDBInstance.create(':memory:', settings);
      const connection = await instance.connect();
      await connection.run(`SET TimeZone = 'UTC'`);
      await connection.run('SET enable_progress_bar = true');
      await connection.run('SET enable_progress_bar_print = false');
      return new ScratchDuckDb(instance, connection);
    } catch (error) {
      throw new TerminalError(
        `cannot start the scratch DuckDB: ${firstLine(error instanceof Error ? error.message : String(error))}`,
        {},
        { cause: error },
      );
    }
  }

  /** Runs a statement; returns the rows it changed or wrote (COPY) when DuckDB says so. */
  async run(sql: string, context: ErrorContext = {}): Promise<number> {
    try {
      const result = await this.#connection.run(sql);
      return Number(result.rowsChanged ?? 0);
    } catch (error) {
      throw new TerminalError(`DuckDB: ${firstLine(error instanceof Error ? error.message : String(error))}`, context, {
        cause: error,
      });
    }
  }

  /** Rows of a query as plain objects (BIGINT as number). */
  async rows<Row = Record<string, unknown>>(sql: string, context: ErrorContext = {}): Promise<Row[]> {
    try {
      const reader = await this.#connection.runAndReadAll(sql);
      return reader.getRowObjectsJS().map((row) => {
        const out: Record<string, unknown> = {};
        for (const [key, value] of Object.entries(row)) out[key] = typeof value === 'bigint' ? Number(value) : value;
        return out as Row;
      }) as Row[];
    } catch (error) {
      throw new TerminalError(`DuckDB: ${firstLine(error instanceof Error ? error.message : String(error))}`, context, {
        cause: error,
      });
    }
  }

  /**
   * Runs a long statement, reporting DuckDB's own progress (0..1) every `everyMs`, and interrupting it
   * when `signal` aborts.
   */
  async runWithProgress(
    sql: string,
    options: { onProgress?: (fraction: number) => void; everyMs?: number; signal?: AbortSignal; context?: ErrorContext },
  ): Promise<number> {
    const onAbort = () => this.#connection.interrupt();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = options.onProgress
      ? setInterval(() => {
          const progress = this.#connection.progress;
          if (progress.percentage >= 0) options.onProgress?.(Math.min(1, progress.percentage / 100));
        }, options.everyMs ?? 250)
      : undefined;
    try {
      return await this.run(sql, options.context);
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason ?? error;
      throw error;
    } finally {
      if (timer) clearInterval(timer);
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  close(): void {
    this.#connection.closeSync();
    this.#instance.closeSync();
  }
}

/** A SQL string literal. A NUL character cannot be written in one; it becomes U+FFFD. */
export function sqlString(text: string): string {
  return `'${text.replace(/'/g, "''").replace(/\0/g, '\uFFFD')}'`;
}

/** A quoted SQL identifier. */
export function sqlIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * A TIMESTAMPTZ literal of a time. Staged Parquet holds instants (TIMESTAMP with isAdjustedToUTC), which
 * every warehouse reads as TIMESTAMP; a naive timestamp would read as DATETIME on BigQuery.
 */
export function sqlTimestamp(time: Date): string {
  return `TIMESTAMPTZ '${time.toISOString().replace('T', ' ').replace('Z', '')}+00'`;
}
