import type { TableRef } from '../warehouse/types.js';
import type { Qualify, Target } from './types.js';

/**
 * Pure equivalents of the warehouses' `qualify`, for compiling without opening a warehouse (the
 * `compile` command, docs, tests). They must write names exactly as the warehouses do.
 */

/** DuckDB: `"layer"."name"`. */
export const duckDbQualify: Qualify = (ref: TableRef) => `${quoteDuckDb(ref.layer)}.${quoteDuckDb(ref.name)}`;

/** Placeholder project id used when BIGQUERY_PROJECT is unset (compiled SQL for review only). */
export const PLACEHOLDER_PROJECT = 'your-project';

/** BigQuery: `` `project.<prefix>layer.name` ``, the dataset of a layer being `${datasetPrefix}${layer}`. */
export function bigQueryQualify(projectId: string = PLACEHOLDER_PROJECT, datasetPrefix = ''): Qualify {
  if (!/^[A-Za-z0-9_]*$/.test(datasetPrefix)) {
    throw new Error(`dataset prefix '${datasetPrefix}': letters, digits and underscores only`);
  }
  if (!/^[a-z0-9.:-]+$/i.test(projectId)) throw new Error(`project id '${projectId}': not a valid BigQuery project id`);
  return (ref: TableRef) => `\`${projectId}.${datasetPrefix}${ref.layer}.${ref.name}\``;
}

/** The pure qualify function of a target. */
export function qualifyFor(target: Target, bigquery: { projectId?: string; datasetPrefix?: string } = {}): Qualify {
  return target === 'duckdb' ? duckDbQualify : bigQueryQualify(bigquery.projectId, bigquery.datasetPrefix);
}

function quoteDuckDb(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}
