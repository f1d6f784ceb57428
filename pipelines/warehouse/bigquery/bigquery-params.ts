import { TerminalError } from '../../core/errors.js';
import { rewriteParams } from '../sql-params.js';
import type { ColumnType, ParamTypes, ParamValue, Params } from '../types.js';

/** A query parameter in the shape of the BigQuery REST API (`QueryParameter`). */
export interface QueryParameter {
  name: string;
  parameterType: { type: string; arrayType?: { type: string } };
  parameterValue: { value?: string; arrayValues?: Array<{ value: string }> };
}

type ParamType = ColumnType | `ARRAY<${ColumnType}>`;

/**
 * The type of a parameter: the declared one, else inferred from the value as BigQuery's client does
 * (integer numbers and bigints INT64, other numbers FLOAT64, Date TIMESTAMP). Like the DuckDB
 * warehouse, a null or an empty array without a declared type is taken as STRING.
 */
export function paramType(name: string, value: ParamValue, types: ParamTypes = {}): ParamType {
  const declared = types[name];
  if (declared) return declared;
  if (value === null) return 'STRING';
  if (Array.isArray(value)) {
    const values = value as unknown[];
    if (values.length === 0 || typeof values[0] === 'string') return 'ARRAY<STRING>';
    return values.every((v) => typeof v === 'number' && Number.isInteger(v)) ? 'ARRAY<INT64>' : 'ARRAY<FLOAT64>';
  }
  if (typeof value === 'string') return 'STRING';
  if (typeof value === 'boolean') return 'BOOL';
  if (typeof value === 'bigint') return 'INT64';
  if (typeof value === 'number') return Number.isInteger(value) ? 'INT64' : 'FLOAT64';
  return 'TIMESTAMP';
}

/** Converts `Params` to the REST API's named query parameters, every value sent as typed text. */
export function toQueryParameters(params: Params = {}, types: ParamTypes = {}): QueryParameter[] {
  return Object.entries(params).map(([name, value]) => {
    const type = paramType(name, value, types);
    if (type.startsWith('ARRAY<')) {
      const element = type.slice(6, -1) as ColumnType;
      if (value !== null && !Array.isArray(value)) {
        throw new TerminalError(`query parameter @${name} is declared ${type} but is not an array`, { field: name });
      }
      return {
        name,
        parameterType: { type: 'ARRAY', arrayType: { type: element } },
        parameterValue:
          value === null ? {} : { arrayValues: (value as unknown[]).map((v) => ({ value: scalarText(name, v, element) })) },
      };
    }
    return {
      name,
      parameterType: { type },
      parameterValue: value === null ? {} : { value: scalarText(name, value, type as ColumnType) },
    };
  });
}

function scalarText(name: string, value: unknown, type: ColumnType): string {
  if (value === null || value === undefined) {
    throw new TerminalError(`query parameter @${name}: arrays cannot hold NULL on BigQuery`, { field: name });
  }
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new TerminalError(`query parameter @${name} is an invalid Date`, { field: name });
    return type === 'DATE' ? value.toISOString().slice(0, 10) : value.toISOString();
  }
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/**
 * Emulator only. The emulator types a DATE, JSON or NULL parameter, and the elements of a non-STRING
 * array, from the JSON text it receives (as STRING, or INT64 for NULL); casting each reference to its
 * declared type gives queries the types BigQuery gives them. Production SQL is never rewritten.
 */
export function castParamsForEmulator(sql: string, params: Params = {}, types: ParamTypes = {}): string {
  return rewriteParams(sql, (name) => {
    if (!(name in params)) return `@${name}`;
    const value = params[name] as ParamValue;
    const type = paramType(name, value, types);
    if (type.startsWith('ARRAY<')) {
      const element = type.slice(6, -1);
      return element === 'STRING' ? `@${name}` : `ARRAY(SELECT ${castExpression('e', element)} FROM UNNEST(@${name}) AS e)`;
    }
    if (type === 'DATE' || type === 'JSON' || value === null) return castExpression(`@${name}`, type);
    return `@${name}`;
  });
}

function castExpression(expression: string, type: string): string {
  return type === 'JSON' ? `PARSE_JSON(${expression})` : `CAST(${expression} AS ${type})`;
}

/** Renames every `@name` of one statement to `@<prefix>name`, so that statements joined in one script keep their own parameters. */
export function prefixParams(
  sql: string,
  params: Params = {},
  types: ParamTypes = {},
  prefix: string,
): { sql: string; params: Params; types: ParamTypes } {
  const renamed = rewriteParams(sql, (name) => (name in params || name in types ? `@${prefix}${name}` : `@${name}`));
  return {
    sql: renamed,
    params: Object.fromEntries(Object.entries(params).map(([k, v]) => [`${prefix}${k}`, v])),
    types: Object.fromEntries(Object.entries(types).map(([k, v]) => [`${prefix}${k}`, v])),
  };
}
