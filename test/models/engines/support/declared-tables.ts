import { MKT_EVENTS, MKT_USERS } from '../../../../pipelines/extract/api/marketing-tables.js';
import { CRM_SOURCES } from '../../../../pipelines/extract/csv/crm-sources.js';
import { rawTableSpec } from '../../../../pipelines/load/raw-tables.js';
import { OPS_TABLES } from '../../../../pipelines/state/ops-tables.js';
import type { CompiledModel } from '../../../../pipelines/transform/index.js';
import type { TableRef, TableSpec } from '../../../../pipelines/warehouse/types.js';

/** The raw tables as their loaders declare them: the three CRM exports, then the marketing API's two. */
export const RAW_SPECS: TableSpec[] = [
  ...Object.values(CRM_SOURCES).map((source) => rawTableSpec(source)),
  MKT_EVENTS,
  MKT_USERS,
];

/**
 * Every relation the pipeline declares: raw tables, ops tables, and each model's relation with the
 * columns its YAML declares (what a statement reading it may rely on).
 */
export function declaredTables(models: CompiledModel[]): TableSpec[] {
  return [...RAW_SPECS, ...OPS_TABLES, ...models.map((m) => m.spec)];
}

/** The declared spec of a relation, or undefined. */
export function specOf(tables: TableSpec[], ref: TableRef): TableSpec | undefined {
  return tables.find((t) => t.ref.layer === ref.layer && t.ref.name === ref.name);
}
