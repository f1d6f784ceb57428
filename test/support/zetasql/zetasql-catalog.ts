import type { ColumnType, TableSpec } from '../../../pipelines/warehouse/types.js';
import { type TypeProto, typeProto } from './zetasql-values.js';

/**
 * The relations an analyzed statement may name, as the warehouse declares them. BigQuery names a
 * table `dataset.table` or `project.dataset.table`, where the dataset of layer `L` is
 * `${datasetPrefix}L`; both spellings resolve, quoted as one identifier (`` `raw.people` ``, as the
 * BigQuery warehouse's `qualify` writes them) or as a path (`raw.people`, `` `p`.`raw`.`people` ``).
 */
export interface CatalogSpec {
  tables: TableSpec[];
  /** The BigQuery project, to resolve three-part names. */
  projectId?: string;
  /** As BIGQUERY_DATASET_PREFIX. Default: none. */
  datasetPrefix?: string;
}

/** A table of literal rows for `ZetaSql.evaluate`, named exactly as the SQL names it. */
export interface EvaluationTable {
  /** The name the SQL uses, e.g. `raw.people` (written `` `raw.people` `` in the SQL) or `people`. */
  name: string;
  columns: Array<{ name: string; type: ColumnType }>;
  /** Rows keyed by column name; a missing key is NULL. */
  rows: Array<Record<string, unknown>>;
}

export interface SimpleColumnProto {
  name: string;
  type: TypeProto;
}

export interface SimpleTableProto {
  name: string;
  column: SimpleColumnProto[];
}

export interface SimpleCatalogProto {
  name: string;
  table: SimpleTableProto[];
  catalog: SimpleCatalogProto[];
  builtinFunctionOptions?: { languageOptions: unknown };
}

function table(name: string, columns: Array<{ name: string; type: ColumnType }>): SimpleTableProto {
  return { name, column: columns.map((c) => ({ name: c.name, type: typeProto(c.type) })) };
}

/** The ZetaSQL catalog of a set of warehouse tables (see `CatalogSpec` for the names that resolve). */
export function catalogFromSpecs(spec: CatalogSpec, languageOptions: unknown): SimpleCatalogProto {
  const prefix = spec.datasetPrefix ?? '';
  const root: SimpleCatalogProto = { name: 'root', table: [], catalog: [], builtinFunctionOptions: { languageOptions } };
  const datasets = new Map<string, SimpleCatalogProto>();
  for (const t of spec.tables) {
    const dataset = `${prefix}${t.ref.layer}`;
    let catalog = datasets.get(dataset);
    if (!catalog) {
      catalog = { name: dataset, table: [], catalog: [] };
      datasets.set(dataset, catalog);
    }
    catalog.table.push(table(t.ref.name, t.columns));
    root.table.push(table(`${dataset}.${t.ref.name}`, t.columns));
    if (spec.projectId) root.table.push(table(`${spec.projectId}.${dataset}.${t.ref.name}`, t.columns));
  }
  root.catalog.push(...datasets.values());
  if (spec.projectId) root.catalog.push({ name: spec.projectId, table: [], catalog: [...datasets.values()] });
  return root;
}

/** A catalog holding literal tables at its root, under their names as given. */
export function catalogFromTables(tables: EvaluationTable[], languageOptions: unknown): SimpleCatalogProto {
  return {
    name: 'root',
    table: tables.map((t) => table(t.name, t.columns)),
    catalog: [],
    builtinFunctionOptions: { languageOptions },
  };
}
