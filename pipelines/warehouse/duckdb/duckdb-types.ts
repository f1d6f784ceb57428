import {
  BIGINT,
  BOOLEAN,
  DATE,
  DOUBLE,
  type DuckDBType,
  DuckDBTypeId,
  LIST,
  TIMESTAMP,
  VARCHAR,
  listValue,
  timestampValue,
  type DuckDBValue,
} from '@duckdb/node-api';
import type { ColumnType, ParamTypes, ParamValue, Params } from '../types.js';

const SQL_TYPES: Record<ColumnType, string> = {
  STRING: 'VARCHAR',
  INT64: 'BIGINT',
  FLOAT64: 'DOUBLE',
  BOOL: 'BOOLEAN',
  // Naive timestamps that always hold UTC: BigQuery's TIMESTAMP is an instant, shown in UTC.
  TIMESTAMP: 'TIMESTAMP',
  DATE: 'DATE',
  JSON: 'JSON',
};

export function duckDbSqlType(type: ColumnType): string {
  return SQL_TYPES[type];
}

const BIND_TYPES: Record<ColumnType, DuckDBType> = {
  STRING: VARCHAR,
  INT64: BIGINT,
  FLOAT64: DOUBLE,
  BOOL: BOOLEAN,
  TIMESTAMP: TIMESTAMP,
  DATE: DATE,
  // Bound as text; DuckDB casts text to JSON where a JSON value is expected.
  JSON: VARCHAR,
};

/** Converts `@name` parameters to DuckDB values and bind types. */
export function bindParams(
  params: Params = {},
  types: ParamTypes = {},
): { values: Record<string, DuckDBValue>; types: Record<string, DuckDBType> } {
  const values: Record<string, DuckDBValue> = {};
  const bindTypes: Record<string, DuckDBType> = {};
  for (const [name, value] of Object.entries(params)) {
    const declared = types[name];
    if (typeof value === 'string' && (declared === 'TIMESTAMP' || declared === 'DATE')) {
      // Text binds as VARCHAR and DuckDB casts it where a time is expected.
      values[name] = value;
      continue;
    }
    if (declared?.startsWith('ARRAY<')) {
      const element = declared.slice(6, -1) as ColumnType;
      bindTypes[name] = LIST(BIND_TYPES[element]);
    } else if (declared) {
      bindTypes[name] = BIND_TYPES[declared as ColumnType];
    }
    values[name] = toDuckDbValue(value, name, bindTypes);
  }
  return { values, types: bindTypes };
}

function toDuckDbValue(value: ParamValue, name: string, bindTypes: Record<string, DuckDBType>): DuckDBValue {
  if (value instanceof Date) {
    bindTypes[name] = TIMESTAMP;
    return timestampValue(BigInt(value.getTime()) * 1000n);
  }
  if (Array.isArray(value)) {
    if (!bindTypes[name]) bindTypes[name] = LIST(typeof value[0] === 'number' ? DOUBLE : VARCHAR);
    return listValue(value as DuckDBValue[]);
  }
  if (typeof value === 'number' && Number.isInteger(value) && !bindTypes[name]) {
    bindTypes[name] = BIGINT;
    return BigInt(value);
  }
  if (typeof value === 'bigint') {
    bindTypes[name] ??= BIGINT;
  }
  if (value === null && !bindTypes[name]) bindTypes[name] = VARCHAR;
  return value;
}

/**
 * Converts a value read from DuckDB to the plain shape every Warehouse returns: safe integers as
 * numbers (larger ones as strings), TIMESTAMP as ISO 8601 with `Z`, DATE as `YYYY-MM-DD`.
 */
export function fromDuckDbValue(value: unknown, typeId: DuckDBTypeId): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  }
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) return null;
    return typeId === DuckDBTypeId.DATE ? value.toISOString().slice(0, 10) : value.toISOString();
  }
  if (Array.isArray(value)) return value.map((v) => fromDuckDbValue(v, DuckDBTypeId.INVALID));
  return value;
}
