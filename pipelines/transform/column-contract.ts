import { TerminalError } from '../core/errors.js';
import type { ColumnType, TableInfo } from '../warehouse/types.js';
import type { CompiledModel } from './types.js';

// Type names as DuckDB's information_schema and BigQuery's table schema write them.
const ENGINE_TYPES: Record<string, ColumnType> = {
  VARCHAR: 'STRING',
  STRING: 'STRING',
  BIGINT: 'INT64',
  INT64: 'INT64',
  INTEGER: 'INT64',
  DOUBLE: 'FLOAT64',
  FLOAT64: 'FLOAT64',
  FLOAT: 'FLOAT64',
  BOOLEAN: 'BOOL',
  BOOL: 'BOOL',
  TIMESTAMP: 'TIMESTAMP',
  DATE: 'DATE',
  JSON: 'JSON',
};

/**
 * Checks a built relation against its YAML: the same column names, in any order, and each of the
 * declared type. On DuckDB, INTEGER (32-bit) is not INT64: it is BIGINT on BigQuery, so an INTEGER
 * column means a literal that should be cast, and is reported like any other mismatch. Throws a
 * TerminalError naming the model, its YAML file and every difference.
 */
export function checkColumns(model: CompiledModel, built: TableInfo, engine: 'duckdb' | 'bigquery'): void {
  const declared = new Map(model.columns.map((c) => [c.name.toLowerCase(), c]));
  const actual = new Map(built.columns.map((c) => [c.name.toLowerCase(), c]));
  const problems: string[] = [];
  const missing = model.columns.filter((c) => !actual.has(c.name.toLowerCase())).map((c) => c.name);
  const extra = built.columns.filter((c) => !declared.has(c.name.toLowerCase())).map((c) => c.name);
  if (missing.length > 0) problems.push(`declared but not built: ${missing.join(', ')}`);
  if (extra.length > 0) problems.push(`built but not declared: ${extra.join(', ')}`);
  for (const column of model.columns) {
    const got = actual.get(column.name.toLowerCase());
    if (!got) continue;
    const upper = got.type.toUpperCase();
    const type = engine === 'duckdb' && upper === 'INTEGER' ? undefined : ENGINE_TYPES[upper];
    if (type !== column.type) problems.push(`${column.name} is ${got.type}, declared ${column.type}`);
  }
  if (problems.length > 0) {
    throw new TerminalError(`model ${model.ref.layer}.${model.name} does not match ${model.yamlPath}: ${problems.join('; ')}`, {
      model: model.name,
    });
  }
}
