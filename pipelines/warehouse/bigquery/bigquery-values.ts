/** A field of a BigQuery result or table schema, as the REST API returns it. */
export interface SchemaField {
  name: string;
  type: string;
  mode?: string;
  fields?: SchemaField[];
  description?: string;
}

/** A row of a REST result: `{ f: [{ v }] }`, values as text, nested for RECORD and REPEATED. */
export interface RawRow {
  f: Array<{ v: unknown }>;
}

const TYPE_NAMES: Record<string, string> = {
  INTEGER: 'INT64',
  INT64: 'INT64',
  FLOAT: 'FLOAT64',
  FLOAT64: 'FLOAT64',
  BOOLEAN: 'BOOL',
  BOOL: 'BOOL',
  RECORD: 'STRUCT',
  STRUCT: 'STRUCT',
};

/** The GoogleSQL name of a schema field's type (the REST API still says INTEGER, FLOAT, BOOLEAN, RECORD). */
export function googleSqlType(field: Pick<SchemaField, 'type' | 'mode'>): string {
  const name = TYPE_NAMES[field.type] ?? field.type;
  return field.mode === 'REPEATED' ? `ARRAY<${name}>` : name;
}

/**
 * Converts REST result rows to plain objects, in the shapes every Warehouse returns: INT64 as a number
 * when it is a safe integer (a decimal string otherwise), FLOAT64 and NUMERIC as numbers, BOOL as a
 * boolean, TIMESTAMP as an ISO 8601 string in UTC with milliseconds (`2026-11-29T10:00:00.000Z`),
 * DATE as `YYYY-MM-DD`, DATETIME and TIME as BigQuery writes them, JSON as its text (not parsed),
 * BYTES as a Buffer, ARRAY as an array, STRUCT as an object, NULL as null.
 */
export function rowsToObjects(fields: SchemaField[], rows: RawRow[]): Array<Record<string, unknown>> {
  return rows.map((row) => rowToObject(fields, row));
}

function rowToObject(fields: SchemaField[], row: RawRow): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  fields.forEach((field, i) => {
    out[field.name] = fieldValue(field, row.f[i]?.v);
  });
  return out;
}

function fieldValue(field: SchemaField, raw: unknown): unknown {
  if (raw === null || raw === undefined) return field.mode === 'REPEATED' ? [] : null;
  if (field.mode === 'REPEATED') {
    return (raw as Array<{ v: unknown }>).map((cell) => fieldValue({ ...field, mode: 'NULLABLE' }, cell?.v));
  }
  const type = TYPE_NAMES[field.type] ?? field.type;
  if (type === 'STRUCT') return rowToObject(field.fields ?? [], raw as RawRow);
  const text = String(raw);
  switch (type) {
    case 'INT64': {
      const n = Number(text);
      return Number.isSafeInteger(n) ? n : text;
    }
    case 'FLOAT64':
    case 'NUMERIC':
    case 'BIGNUMERIC':
      return Number(text);
    case 'BOOL':
      return text.toLowerCase() === 'true';
    case 'TIMESTAMP':
      return timestampText(text);
    case 'BYTES':
      return Buffer.from(text, 'base64');
    default:
      return text;
  }
}

/**
 * A TIMESTAMP cell as an ISO string. BigQuery sends integer microseconds when asked
 * (`formatOptions.useInt64Timestamp`), float seconds otherwise (`1767261600.123456`), and some paths
 * an ISO string.
 */
export function timestampText(text: string): string {
  let ms: number;
  if (/^-?\d+$/.test(text)) {
    const micros = BigInt(text);
    // BigInt division truncates toward zero; an instant before 1970 must round down.
    ms = Number(micros / 1000n - (micros % 1000n < 0n ? 1n : 0n));
  } else if (/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(text)) ms = Math.floor(Number(text) * 1000);
  else ms = Date.parse(text);
  if (Number.isNaN(ms)) return text;
  return new Date(ms).toISOString();
}
