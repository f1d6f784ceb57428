import { normalizeDateTime } from './date-time.js';

/**
 * Reading typed values out of an API record. Each reader returns the value ready for its column or throws a
 * FieldProblem naming the field (as a dotted path), the value as written and why it cannot be typed; the
 * record then goes to quarantine whole.
 */
export class FieldProblem extends Error {
  constructor(
    readonly field: string,
    readonly rawValue: unknown,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}

export type JsonObject = Record<string, unknown>;

/** The outcome of typing one record: a row for the raw table, or why it goes to quarantine. */
export type TypedRecord =
  | { ok: true; row: Record<string, unknown>; position: string | null }
  | { ok: false; field: string; rawValue: string | null; reason: string; position: string | null };

/** The stamp every row of one load carries. */
export interface LoadStamp {
  loadId: string;
  /** UTC, `YYYY-MM-DDTHH:MM:SS.sssZ`. */
  loadedAt: string;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function path(parent: string, key: string): string {
  return parent ? `${parent}.${key}` : key;
}

export function requiredString(record: JsonObject, key: string, parent = ''): string {
  const value = record[key];
  if (value === undefined || value === null) throw new FieldProblem(path(parent, key), value, 'required field is missing');
  if (typeof value !== 'string' || value === '') throw new FieldProblem(path(parent, key), value, 'must be a non-empty string');
  return value;
}

/** A string column: absent or null is NULL; numbers and booleans are kept as their text; objects cannot be typed. */
export function optionalString(record: JsonObject | null, key: string, parent = ''): string | null {
  const value = record?.[key];
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new FieldProblem(path(parent, key), value, 'must be a string');
}

export function requiredDateTime(record: JsonObject, key: string, parent = ''): string {
  const value = record[key];
  if (value === undefined || value === null) throw new FieldProblem(path(parent, key), value, 'required field is missing');
  const normalized = typeof value === 'string' ? normalizeDateTime(value) : null;
  if (normalized === null) {
    throw new FieldProblem(path(parent, key), value, 'must be an RFC 3339 date-time with a time zone');
  }
  return normalized;
}

export function requiredObject(record: JsonObject, key: string, parent = ''): JsonObject {
  const value = record[key];
  if (value === undefined || value === null) throw new FieldProblem(path(parent, key), value, 'required field is missing');
  if (!isObject(value)) throw new FieldProblem(path(parent, key), value, 'must be an object');
  return value;
}

/** A nested object that may be absent or null (then its fields are NULL). */
export function optionalObject(record: JsonObject | null, key: string, parent = ''): JsonObject | null {
  const value = record?.[key];
  if (value === undefined || value === null) return null;
  if (!isObject(value)) throw new FieldProblem(path(parent, key), value, 'must be an object');
  return value;
}

export function optionalInteger(record: JsonObject | null, key: string, parent = ''): number | null {
  const value = record?.[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isSafeInteger(value))
    throw new FieldProblem(path(parent, key), value, 'must be an integer');
  return value;
}

export function optionalBoolean(record: JsonObject | null, key: string, parent = ''): boolean | null {
  const value = record?.[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'boolean') throw new FieldProblem(path(parent, key), value, 'must be true or false');
  return value;
}

export function requiredStringArray(record: JsonObject, key: string, parent = ''): string[] {
  const value = record[key];
  if (value === undefined || value === null) throw new FieldProblem(path(parent, key), value, 'required field is missing');
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw new FieldProblem(path(parent, key), value, 'must be an array of strings');
  }
  return value as string[];
}

/** A value's JSON text: `served` (its text as the API wrote it) when known, else the value serialized. */
export function jsonText(served: string | undefined, value: unknown): string {
  return served ?? JSON.stringify(value);
}

/** The offending value as text for `ops.quarantine.raw_value`: strings as they are, anything else as JSON. */
export function rawValueText(value: unknown): string | null {
  if (value === undefined) return null;
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/**
 * Runs a typing function; a FieldProblem becomes the quarantine outcome. The position is the record's
 * `positionKey` date-time (normalized), when it has a valid one.
 */
export function typed(build: () => Record<string, unknown>, record: unknown, positionKey: string): TypedRecord {
  try {
    const row = build();
    return { ok: true, row, position: row[positionKey] as string };
  } catch (error) {
    if (!(error instanceof FieldProblem)) throw error;
    let position: string | null = null;
    try {
      if (isObject(record)) position = requiredDateTime(record, positionKey);
    } catch {
      // The position field itself is what is wrong: the record has no position.
    }
    return { ok: false, field: error.field, rawValue: rawValueText(error.rawValue), reason: error.reason, position };
  }
}
