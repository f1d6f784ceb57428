import type { ColumnType, ParamTypes, Params, TableRef, TableSpec } from '../warehouse/types.js';

/** The engine a project is compiled for. */
export type Target = 'duckdb' | 'bigquery';

/** Gives the fully qualified, quoted name of a relation (a Warehouse's `qualify`, or a pure equivalent). */
export type Qualify = (ref: TableRef) => string;

export type Materialized = 'view' | 'table' | 'incremental';

export type TestKind =
  | 'unique'
  | 'not_null'
  | 'accepted_values'
  | 'relationships'
  | 'accepted_range'
  | 'unique_combination'
  | 'expression_is_true'
  | 'reconcile_count'
  | 'custom_sql';

/**
 * One data test, compiled. `sql` is a query whose rows are the failures (none = pass), in the
 * target's dialect, with its own parameters; the runner counts them and samples up to 5.
 */
export interface CompiledTest {
  /** Unique across the project, e.g. `unique_best_proposition_opportunity_id`. */
  name: string;
  kind: TestKind;
  /** The model the test is declared on. */
  model: string;
  /** The column, for column tests. */
  column?: string;
  severity: 'error' | 'warn';
  /** What passing means, in words. */
  description: string;
  /** The arguments as declared in the YAML (values, to, field, min_value, expression...). */
  args: Record<string, unknown>;
  sql: string;
  params: Params;
  types: ParamTypes;
  /**
   * On an incremental model: the test restricted to the partitions a run rebuilt (`@partitions`), which
   * a scheduled run checks instead of the whole table. Absent when the test cannot be restricted (a
   * `custom_sql` or `reconcile_count` that does not call `incremental_filter`).
   */
  scoped?: { sql: string; types: ParamTypes };
  /** Models the test reads (its own model first); it runs once all of them are built. */
  dependsOn: string[];
  /** Raw sources the test reads. */
  sources: TableRef[];
}

export interface ModelColumn {
  name: string;
  type: ColumnType;
  description: string;
  /** Names of the tests declared on this column. */
  tests: string[];
}

/** How an incremental model finds and rebuilds its affected partitions. */
export interface IncrementalConfig {
  /** DATE column of the model whose daily partitions are replaced. */
  partitionBy: string;
  /** The relation whose newly loaded rows decide which partitions to rebuild. */
  source: TableRef;
  /** Model name when `source` is a model (then it is also a dependency). */
  sourceModel?: string;
  /** Load-time column of `source` compared with the model's watermark (e.g. `_loaded_at`). */
  loadedAt: string;
  /** Expression over `source` rows giving the DATE partition they feed, rendered for the target. */
  partitionExpr: string;
  /** The model's SELECT restricted to `@partitions` (every `incremental_filter` rendered as a predicate). */
  sql: string;
  /** Types of the incremental SELECT's parameters (`partitions`: the dates as `YYYY-MM-DD`). */
  types: ParamTypes;
  /**
   * Row-level incremental builds (`unique_key` in the YAML): a scheduled run replaces, in the partitions
   * it rebuilds, only the rows whose key the `merge` SELECT returns; that SELECT reads only what the
   * rows loaded in (`@since`, `@until`] affect (every `loaded_since` rendered as that predicate). A
   * backfill of given partitions still replaces them whole, with `sql`.
   */
  merge?: {
    uniqueKey: string;
    sql: string;
    /** `partitions` as above; `since` and `until`: the load-time window, in microseconds since the epoch. */
    types: ParamTypes;
  };
}

/** One model, compiled for a target: what `listCompiledModels` returns and what a plan runs. */
export interface CompiledModel {
  name: string;
  ref: TableRef;
  /** Path of the SQL file, relative to the models folder's parent (e.g. `models/marts/best_proposition.sql`). */
  path: string;
  /** Path of the YAML file that documents it. */
  yamlPath: string;
  description: string;
  materialized: Materialized;
  columns: ModelColumn[];
  /** Column and model-level tests, in declaration order. */
  tests: CompiledTest[];
  /** Models it selects from, through `ref()`. */
  dependsOn: string[];
  /** Raw relations it selects from, through `source()`. */
  sources: TableRef[];
  /** The full-build SELECT in the target's dialect (every `incremental_filter` rendered as `TRUE`). */
  sql: string;
  /** Target relation with the declared columns, description, partitioning and clustering. */
  spec: TableSpec;
  incremental?: IncrementalConfig;
}

/** A raw relation declared in a `sources:` block. */
export interface SourceTable {
  ref: TableRef;
  description: string;
  /** File that declares it. */
  yamlPath: string;
  columns: Array<{ name: string; description: string; type?: ColumnType }>;
}

export interface CompileOptions {
  /**
   * Model selection: names (or `layer.name`), `name+` adds everything downstream, `+name` everything
   * upstream. A comma-separated string or a list. Absent or empty: every model.
   */
  models?: string | string[];
  /** Same as `models` (the name the run stage uses). */
  select?: string | string[];
  /** Rebuild incremental models from scratch. */
  fullRefresh?: boolean;
  /**
   * Run every data test on its whole model. By default, a test on an incremental model checks only the
   * partitions the run rebuilt (when it can be restricted to them), so that an hourly run's tests do
   * not grow with the history; a full build or full refresh checks everything.
   */
  fullTests?: boolean;
  /**
   * Rebuild exactly these daily partitions (`YYYY-MM-DD`) of every selected incremental model, without
   * moving its watermark (backfill).
   */
  partitions?: string[];
  /**
   * Run-time values the models read as query parameters (`@name` in their SQL), never spliced into the
   * SQL text: secrets stay out of compiled files. Each model gets the ones its SQL names. Not usable
   * in views (neither engine takes parameters in a view's definition).
   */
  params?: Params;
  /** Shorthand for `params.pseudonym_salt` (the salt of the marketing marts' pseudonymous user key). */
  pseudonymSalt?: string;
}

export type PlanStep = { kind: 'model'; model: CompiledModel } | { kind: 'test'; test: CompiledTest };

/** What `compileProject` returns and `runPlan` executes. */
export interface TransformPlan {
  target: Target;
  modelsDir: string;
  /** Every model of the project, in dependency order. */
  all: CompiledModel[];
  /** Selected models, in dependency order. */
  models: CompiledModel[];
  /** Models then their tests, each test placed after the last selected model it reads. */
  steps: PlanStep[];
  fullRefresh: boolean;
  /** See `CompileOptions.fullTests`. */
  fullTests: boolean;
  partitions?: string[];
  /** Run-time parameters (see `CompileOptions.params`). */
  params: Params;
}
