import type { Warehouse } from '../warehouse/warehouse.js';

/** One data test as the docs show it. */
export interface DocsTest {
  name: string;
  /** The test's kind (`unique`, `not_null`, `accepted_values`...). */
  kind: string;
  /** What passing means, in words. */
  description?: string;
  severity?: 'error' | 'warn';
}

export interface DocsColumn {
  name: string;
  /** Declared type (GoogleSQL name); absent for undocumented source columns. */
  type?: string;
  description?: string;
  tests: DocsTest[];
}

/**
 * A model as the docs site needs it, independent of the model compiler (see `from-project.ts` for the
 * adapter from compiled models).
 */
export interface DocsModel {
  name: string;
  layer: 'staging' | 'marts';
  description: string;
  /** `view`, `table` or `incremental`. */
  materialization: string;
  columns: DocsColumn[];
  /** Model-level tests (column tests are on their columns). */
  tests: DocsTest[];
  /** Relations it reads, as `layer.name`: `raw.crm_opportunities`, `staging.stg_crm_banks`, `marts.x`. */
  dependsOn: string[];
  /** DATE column the table is partitioned by, when it is. */
  partitionBy?: string;
  /** Source file of the model, relative to the repository (shown on its page). */
  path?: string;
  /** The model's SELECT compiled for BigQuery (shown on its page). */
  sql?: string;
}

/** A raw relation the models read. */
export interface DocsSource {
  /** Table name in the `raw` layer. */
  name: string;
  description: string;
  columns: Array<{ name: string; type?: string; description?: string }>;
}

export interface DocsSiteOptions {
  models: DocsModel[];
  sources: DocsSource[];
  /**
   * Where the chart data, freshness and source columns come from (read only: the generator runs
   * SELECTs and `describe`, nothing else). Absent: pages say the data is unavailable, with `dataNote`.
   */
  warehouse?: Warehouse;
  /** Why there is no warehouse (shown on the chart pages), e.g. "the warehouse is busy". */
  dataNote?: string;
  /** Folder to write the site into; created when missing. Files the generator writes are replaced. */
  outDir: string;
  /** BigQuery project and dataset prefix used in the example queries. */
  project?: string;
  bigqueryDatasetPrefix?: string;
  /** Time the site is generated at (freshness ages are relative to it). Default: now. */
  now?: Date;
}

export interface DocsSiteResult {
  outDir: string;
  /** Absolute path of index.html. */
  index: string;
  /** File names written, relative to outDir. */
  files: string[];
  /** Whether the charts were drawn from data (false: no warehouse, or the marts are missing/empty). */
  charts: { borrowerProfile: boolean; funnel: boolean; traffic: boolean };
  /** Warehouse reads that failed (the pages say what is missing); empty on full success. */
  problems: string[];
}
