/** The layers of the warehouse: schemas on DuckDB, datasets on BigQuery. */
export const LAYERS = ['raw', 'staging', 'marts', 'ops'] as const;
export type Layer = (typeof LAYERS)[number];

export interface TableRef {
  layer: Layer;
  name: string;
}

/** Column types, named as GoogleSQL names them; each engine maps them to its own. */
export type ColumnType = 'STRING' | 'INT64' | 'FLOAT64' | 'BOOL' | 'TIMESTAMP' | 'DATE' | 'JSON';

export interface ColumnSpec {
  name: string;
  type: ColumnType;
  /** REQUIRED columns are NOT NULL; the default is NULLABLE. */
  mode?: 'NULLABLE' | 'REQUIRED';
  description?: string;
}

export interface TableSpec {
  ref: TableRef;
  columns: ColumnSpec[];
  description?: string;
  /** Daily partitioning on a DATE or TIMESTAMP column (BigQuery; DuckDB ignores it). */
  partitionBy?: { column: string };
  clusterBy?: string[];
  labels?: Record<string, string>;
}

/** A query parameter. Arrays are arrays of one scalar type. */
export type ParamValue = string | number | bigint | boolean | Date | null | string[] | number[];
export type Params = Record<string, ParamValue>;

/**
 * Explicit types for parameters whose type cannot be inferred from the value (null, empty array).
 * Arrays are written `ARRAY<STRING>`.
 */
export type ParamTypes = Record<string, ColumnType | `ARRAY<${ColumnType}>`>;

/** Context attached to every job or statement: becomes BigQuery job labels and error context. */
export interface JobContext {
  runId?: string;
  step?: string;
  table?: string;
  model?: string;
  window?: { from: string; to: string };
  [key: string]: unknown;
}

export interface QueryOptions {
  types?: ParamTypes;
  context?: JobContext;
}

/** One parameterized statement. SQL text names parameters `@name`, as GoogleSQL does. */
export interface Statement {
  sql: string;
  params?: Params;
  types?: ParamTypes;
}

/**
 * Rows staged in a local file, to be written into one table. The file's columns are a subset of the
 * target's columns, by name; columns missing from the file are NULL.
 */
export interface StagedLoad {
  target: TableSpec;
  file: string;
  format: 'parquet' | 'ndjson';
  write:
    | { mode: 'append' }
    /**
     * One row per key in the target. Within the file and against the target, the row with the greatest
     * `versionBy` tuple wins; on equal versions the file's row replaces the target's. Rows of the file
     * whose key already holds a newer version are dropped (counted as `skipped`).
     */
    | { mode: 'upsert'; key: string[]; versionBy: string[] }
    /**
     * Insert only keys not already present (at-least-once sources, e.g. events by message_id).
     * `pruneBy` names a DATE/TIMESTAMP column whose range in the file bounds the target partitions
     * scanned to find existing keys (BigQuery cost), when the key determines that column.
     */
    | { mode: 'insert-new'; key: string[]; pruneBy?: string };
}

/**
 * One atomic unit of load, as the flow sketch puts it: the staged rows of one source unit (a CSV file
 * version, an API window) and the bookkeeping that says they are there (ledger row, high-water mark),
 * committed together. After `commitUnit` resolves, all of it is visible; if it rejects or the process
 * dies, none of it is.
 */
export interface LoadUnit {
  /**
   * Deterministic id of the unit's content (the same input gives the same id), used to derive
   * idempotent job ids. Letters, digits, `_` and `-` only.
   */
  unitId: string;
  loads: StagedLoad[];
  /** Statements (usually MERGE/UPDATE/INSERT into `ops`) executed in the same transaction, after the loads. */
  state: Statement[];
  context: JobContext;
}

export interface UnitResult {
  /** Rows written per target (`layer.name`), after upsert/insert-new rules. */
  written: Record<string, number>;
}

/** How a model's relation is materialized. */
export type Materialization =
  | { kind: 'view' }
  | { kind: 'table' }
  /**
   * Replaces, atomically, exactly the given daily partitions of `partitionColumn` (a DATE column): rows
   * of the target in those dates are removed and the query's rows inserted. The query is expected to
   * return rows of those dates only. With `full: true` the whole table is rebuilt (first build).
   *
   * With `uniqueKey`, a row-level build: of those partitions, only the rows whose `uniqueKey` the query
   * returns are replaced (removed, then the query's rows inserted), the others are kept, atomically.
   */
  | { kind: 'incremental'; partitionColumn: string; partitions: string[]; full: boolean; uniqueKey?: string };

export interface MaterializeRequest {
  /** Target relation; its columns (with descriptions) when the model declares them. */
  spec: TableSpec;
  /** A SELECT in this warehouse's dialect, fully compiled (refs resolved, parameters named `@name`). */
  sql: string;
  params?: Params;
  types?: ParamTypes;
  materialization: Materialization;
  context: JobContext;
}

export interface TableInfo {
  ref: TableRef;
  columns: Array<{ name: string; type: string }>;
  rows: number | null;
}
