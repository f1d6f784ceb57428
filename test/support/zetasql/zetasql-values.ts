import type { ColumnType, ParamTypes, ParamValue, Params } from '../../../pipelines/warehouse/types.js';

/** A ZetaSQL `TypeProto`, as @grpc/proto-loader decodes it (enums as names). */
export interface TypeProto {
  typeKind?: string;
  arrayType?: { elementType?: TypeProto };
  structType?: { field?: Array<{ fieldName?: string; fieldType?: TypeProto }> };
}

/** A ZetaSQL `ValueProto`: exactly one field set, or none for NULL. */
export type ValueProto = Record<string, unknown>;

const TYPE_KINDS: Record<ColumnType, string> = {
  STRING: 'TYPE_STRING',
  INT64: 'TYPE_INT64',
  FLOAT64: 'TYPE_DOUBLE',
  BOOL: 'TYPE_BOOL',
  TIMESTAMP: 'TYPE_TIMESTAMP',
  DATE: 'TYPE_DATE',
  JSON: 'TYPE_JSON',
};

const TYPE_NAMES: Record<string, string> = {
  TYPE_STRING: 'STRING',
  TYPE_INT64: 'INT64',
  TYPE_DOUBLE: 'FLOAT64',
  TYPE_BOOL: 'BOOL',
  TYPE_TIMESTAMP: 'TIMESTAMP',
  TYPE_DATE: 'DATE',
  TYPE_JSON: 'JSON',
  TYPE_BYTES: 'BYTES',
  TYPE_DATETIME: 'DATETIME',
  TYPE_TIME: 'TIME',
  TYPE_NUMERIC: 'NUMERIC',
  TYPE_BIGNUMERIC: 'BIGNUMERIC',
  TYPE_GEOGRAPHY: 'GEOGRAPHY',
  TYPE_INTERVAL: 'INTERVAL',
};

const MS_PER_DAY = 86_400_000;

/** The ZetaSQL type of a column type, or of an `ARRAY<...>` parameter type. */
export function typeProto(type: ColumnType | `ARRAY<${ColumnType}>`): TypeProto {
  if (type.startsWith('ARRAY<')) {
    return { typeKind: 'TYPE_ARRAY', arrayType: { elementType: typeProto(type.slice(6, -1) as ColumnType) } };
  }
  const kind = TYPE_KINDS[type as ColumnType];
  if (!kind) throw new Error(`ZetaSQL: unsupported column type ${type}`);
  return { typeKind: kind };
}

/** The GoogleSQL name of a ZetaSQL type: `INT64`, `ARRAY<STRING>`, `STRUCT<a INT64>`. */
export function typeName(type: TypeProto | undefined): string {
  const kind = type?.typeKind ?? 'TYPE_UNKNOWN';
  if (kind === 'TYPE_ARRAY') return `ARRAY<${typeName(type?.arrayType?.elementType)}>`;
  if (kind === 'TYPE_STRUCT') {
    const fields = (type?.structType?.field ?? []).map((f) => `${f.fieldName ?? ''} ${typeName(f.fieldType)}`.trim());
    return `STRUCT<${fields.join(', ')}>`;
  }
  return TYPE_NAMES[kind] ?? kind.replace(/^TYPE_/, '');
}

/** The type a parameter gets when none is declared, as BigQuery infers it from the value. */
export function inferParamType(name: string, value: ParamValue): ColumnType | `ARRAY<${ColumnType}>` {
  if (value === null) throw new Error(`ZetaSQL: parameter @${name} is null; declare its type`);
  if (Array.isArray(value)) {
    const first = value[0];
    if (first === undefined) throw new Error(`ZetaSQL: parameter @${name} is an empty array; declare its type`);
    return `ARRAY<${inferParamType(name, first) as ColumnType}>`;
  }
  if (typeof value === 'string') return 'STRING';
  if (typeof value === 'boolean') return 'BOOL';
  if (typeof value === 'bigint') return 'INT64';
  if (typeof value === 'number') return Number.isInteger(value) ? 'INT64' : 'FLOAT64';
  return 'TIMESTAMP';
}

/** Declared or inferred types of every parameter. */
export function paramTypes(params: Params = {}, types: ParamTypes = {}): ParamTypes {
  return Object.fromEntries(Object.entries(params).map(([name, value]) => [name, types[name] ?? inferParamType(name, value)]));
}

/**
 * Encodes a plain JS value as a ZetaSQL value of the given type. Accepts the shapes a Warehouse
 * returns (ISO strings for TIMESTAMP, `YYYY-MM-DD` for DATE, JSON text or any JSON-able value).
 */
export function toValueProto(value: unknown, type: TypeProto, where: string): ValueProto {
  if (value === null || value === undefined) return {};
  const fail = (): never => {
    throw new Error(`ZetaSQL: ${where}: cannot encode ${JSON.stringify(value)} as ${typeName(type)}`);
  };
  switch (type.typeKind) {
    case 'TYPE_STRING':
      return typeof value === 'string' ? { stringValue: value } : fail();
    case 'TYPE_INT64':
      if (typeof value === 'bigint') return { int64Value: value.toString() };
      if (typeof value === 'number' && Number.isSafeInteger(value)) return { int64Value: String(value) };
      if (typeof value === 'string' && /^-?\d+$/.test(value)) return { int64Value: value };
      return fail();
    case 'TYPE_DOUBLE':
      return typeof value === 'number' ? { doubleValue: value } : fail();
    case 'TYPE_BOOL':
      return typeof value === 'boolean' ? { boolValue: value } : fail();
    case 'TYPE_TIMESTAMP': {
      const ms = value instanceof Date ? value.getTime() : typeof value === 'string' ? Date.parse(value) : NaN;
      if (Number.isNaN(ms)) return fail();
      const seconds = Math.floor(ms / 1000);
      return { timestampValue: { seconds: String(seconds), nanos: (ms - seconds * 1000) * 1_000_000 } };
    }
    case 'TYPE_DATE': {
      const text = value instanceof Date ? value.toISOString().slice(0, 10) : value;
      if (typeof text !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(text)) return fail();
      return { dateValue: Math.round(Date.parse(`${text}T00:00:00Z`) / MS_PER_DAY) };
    }
    case 'TYPE_JSON':
      return { jsonValue: typeof value === 'string' ? value : JSON.stringify(value) };
    case 'TYPE_ARRAY': {
      if (!Array.isArray(value)) return fail();
      const element = type.arrayType?.elementType ?? {};
      return { arrayValue: { element: value.map((v, i) => toValueProto(v, element, `${where}[${i}]`)) } };
    }
    default:
      return fail();
  }
}

/**
 * Decodes a ZetaSQL value to the plain shape `Warehouse.query` returns: INT64 as a number when safe
 * (a decimal string otherwise), TIMESTAMP as an ISO string with milliseconds and `Z`, DATE as
 * `YYYY-MM-DD`, JSON as its text, ARRAY as an array, STRUCT as an object, NULL as null.
 */
export function fromValueProto(value: ValueProto | undefined, type: TypeProto | undefined): unknown {
  if (!value || Object.entries(value).every(([k, v]) => k === 'value' || v === undefined || v === null)) return null;
  switch (type?.typeKind) {
    case 'TYPE_INT64': {
      const text = String(value.int64Value);
      const n = Number(text);
      return Number.isSafeInteger(n) ? n : text;
    }
    case 'TYPE_DOUBLE':
      return Number(value.doubleValue);
    case 'TYPE_BOOL':
      return Boolean(value.boolValue);
    case 'TYPE_STRING':
      return String(value.stringValue);
    case 'TYPE_JSON':
      return String(value.jsonValue);
    case 'TYPE_DATE':
      return new Date(Number(value.dateValue) * MS_PER_DAY).toISOString().slice(0, 10);
    case 'TYPE_TIMESTAMP': {
      const ts = value.timestampValue as { seconds?: string | number; nanos?: number };
      const ms = Number(ts.seconds ?? 0) * 1000 + Math.floor((ts.nanos ?? 0) / 1_000_000);
      return new Date(ms).toISOString();
    }
    case 'TYPE_ARRAY': {
      const elements = (value.arrayValue as { element?: ValueProto[] }).element ?? [];
      return elements.map((e) => fromValueProto(e, type.arrayType?.elementType));
    }
    case 'TYPE_STRUCT': {
      const fields = (value.structValue as { field?: ValueProto[] }).field ?? [];
      const types = type.structType?.field ?? [];
      return Object.fromEntries(types.map((f, i) => [f.fieldName ?? `_field_${i + 1}`, fromValueProto(fields[i], f.fieldType)]));
    }
    default:
      throw new Error(`ZetaSQL: decoding ${typeName(type)} values is not supported`);
  }
}
