import type { DuckDbWarehouse } from '../../../../pipelines/warehouse/duckdb/duckdb-warehouse.js';
import type { ParamTypes, Params, TableSpec } from '../../../../pipelines/warehouse/types.js';

type Row = Record<string, unknown>;

/**
 * Creates a raw table as its loader declares it and inserts the rows in one parameterized statement
 * (TIMESTAMP values as ISO text cast by DuckDB). A row key that is not a column of the spec is an error.
 */
export async function insertRows(warehouse: DuckDbWarehouse, spec: TableSpec, rows: Row[]): Promise<void> {
  await warehouse.ensureTable(spec);
  if (rows.length === 0) return;
  const names = new Set(spec.columns.map((c) => c.name));
  rows.forEach((row, index) => {
    const unknown = Object.keys(row).filter((k) => !names.has(k));
    if (unknown.length > 0)
      throw new Error(`fixture ${spec.ref.layer}.${spec.ref.name} row ${index + 1}: unknown columns ${unknown.join(', ')}`);
  });
  const params: Params = {};
  const types: ParamTypes = {};
  const tuples = rows.map((row, r) => {
    const values = spec.columns.map((c, i) => {
      const name = `p${r}_${i}`;
      params[name] = (row[c.name] ?? null) as Params[string];
      types[name] = c.type === 'TIMESTAMP' ? 'STRING' : c.type;
      return c.type === 'TIMESTAMP' ? `CAST(@${name} AS TIMESTAMP)` : `@${name}`;
    });
    return `(${values.join(', ')})`;
  });
  const columns = spec.columns.map((c) => `"${c.name}"`).join(', ');
  await warehouse.execute(`INSERT INTO ${warehouse.qualify(spec.ref)} (${columns}) VALUES ${tuples.join(',\n')}`, params, {
    types,
  });
}

/**
 * Every row of a relation, its declared columns in order, in the shapes `Warehouse.query` returns;
 * with `dates`, only the rows whose DATE column is one of them.
 */
export async function readRows(
  warehouse: DuckDbWarehouse,
  spec: TableSpec,
  dates?: { column: string; values: string[] },
): Promise<Row[]> {
  const columns = spec.columns.map((c) => `"${c.name}"`).join(', ');
  const where = dates ? ` WHERE "${dates.column}" IN (SELECT CAST(unnest(@dates) AS DATE))` : '';
  return warehouse.query(`SELECT ${columns} FROM ${warehouse.qualify(spec.ref)}${where}`, dates ? { dates: dates.values } : {}, {
    types: dates ? { dates: 'ARRAY<STRING>' } : {},
  });
}
