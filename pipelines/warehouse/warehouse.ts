import type {
  JobContext,
  LoadUnit,
  MaterializeRequest,
  Params,
  QueryOptions,
  Statement,
  TableInfo,
  TableRef,
  TableSpec,
  UnitResult,
} from './types.js';

export type Engine = 'duckdb' | 'bigquery';

/**
 * The one seam between the pipeline and a warehouse engine. The rest of the code knows only this
 * interface; DuckDB and BigQuery implement it side by side.
 *
 * Contract shared by every implementation:
 * - SQL text is GoogleSQL-compatible where both engines agree, with parameters written `@name` and
 *   relation names obtained from `qualify`; every value goes in as a parameter, never spliced.
 * - Engine errors are mapped at this edge to `TransientError` (retry may help: rate limit, backend
 *   error, busy file) or `TerminalError` (it will not), carrying job id, table and run context.
 *   Implementations never retry on their own beyond what their client library does for a single call;
 *   the runner decides.
 * - `commitUnit`, `materialize` and `transaction` are atomic: all or nothing, even if the process dies.
 */
export interface Warehouse {
  readonly engine: Engine;

  /** Creates the layers (schemas/datasets) when missing. Idempotent. (The ops tables: `pipelines/state/ops-tables.ts`.) */
  init(): Promise<void>;

  /** The fully qualified, quoted name of a relation, for use in SQL text. */
  qualify(ref: TableRef): string;

  /**
   * Creates the table when missing; when present, adds columns the spec has and the table lacks
   * (schema evolution by field addition). Returns the names of the columns added.
   */
  ensureTable(spec: TableSpec, context?: JobContext): Promise<string[]>;

  /** Runs a query and returns its rows as plain objects (numbers, strings, booleans, ISO strings for times, null). */
  query<Row = Record<string, unknown>>(sql: string, params?: Params, options?: QueryOptions): Promise<Row[]>;

  /** Runs one statement; returns the number of rows it changed when the engine says so. */
  execute(sql: string, params?: Params, options?: QueryOptions): Promise<number | null>;

  /** Runs statements in one transaction: all of them take effect, or none. */
  transaction(statements: Statement[], context?: JobContext): Promise<void>;

  /** Loads staged files and commits state in one transaction. See `LoadUnit`. */
  commitUnit(unit: LoadUnit): Promise<UnitResult>;

  /** Builds one model's relation atomically. Returns the row count of the relation when known. */
  materialize(request: MaterializeRequest): Promise<{ rows: number | null }>;

  /** Columns and row count of a relation, or null when it does not exist. */
  describe(ref: TableRef): Promise<TableInfo | null>;

  /** Removes a relation when present (used by tests and by model renames). */
  drop(ref: TableRef): Promise<void>;

  close(): Promise<void>;
}
