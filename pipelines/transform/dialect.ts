import type { ColumnType, ParamTypes } from '../warehouse/types.js';
import type { Target } from './types.js';

/**
 * The dialect macros: the only place where a model's SQL differs between DuckDB and BigQuery. Models
 * are written once, in GoogleSQL that DuckDB also accepts; where the engines disagree, the model calls a
 * macro (nunjucks: `{{ safe_divide('a', 'b') }}`), whose arguments are SQL text and whose output is
 * SQL text for the compile target. Every macro returns the same values, of the same type, on both.
 *
 * | macro                               | BigQuery                                   | DuckDB                                        |
 * |-------------------------------------|--------------------------------------------|-----------------------------------------------|
 * | `type(t)`                           | `t` (GoogleSQL name)                       | `DOUBLE` for FLOAT64, `VARCHAR`, `BIGINT`...  |
 * | `cast(expr, t)`                     | `CAST(expr AS t)`                          | `CAST(expr AS <type(t)>)`                     |
 * | `safe_cast(expr, t)`                | `SAFE_CAST(expr AS t)`                     | `TRY_CAST(expr AS <type(t)>)`                 |
 * | `safe_divide(a, b)`                 | `SAFE_DIVIDE(a, b)`                        | `CAST(a AS DOUBLE) / NULLIF(b, 0)`            |
 * | `percentile_cont(expr, f, by?)`     | `PERCENTILE_CONT(expr, f) OVER (...)`      | `quantile_cont(expr, f) OVER (...)`           |
 * | `median(expr, by?)`                 | `percentile_cont(expr, 0.5, by)`           | idem                                          |
 * | `countif(cond)`                     | `COUNTIF(cond)`                            | `COUNT(CASE WHEN cond THEN 1 END)` (BIGINT)   |
 * | `logical_or(x)` / `logical_and(x)`  | `LOGICAL_OR(x)` / `LOGICAL_AND(x)`         | `bool_or(x)` / `bool_and(x)`                  |
 * | `date_trunc(d, unit)`               | `DATE_TRUNC(d, UNIT)`                      | `CAST(date_trunc('unit', d) AS DATE)`         |
 * | `timestamp_trunc(ts, unit)`         | `TIMESTAMP_TRUNC(ts, UNIT)`                | `date_trunc('unit', ts)`                      |
 * | `date_diff(end, start, unit)`       | `DATE_DIFF(end, start, UNIT)`              | `date_diff('unit', start, end)`               |
 * | `timestamp_diff(end, start, unit)`  | `TIMESTAMP_DIFF(end, start, UNIT)`         | micros difference `//` unit length            |
 * | `date_add(d, n, unit)`              | `DATE_ADD(d, INTERVAL n UNIT)`             | `CAST(d + INTERVAL (n) UNIT AS DATE)`         |
 * | `timestamp_add(ts, n, unit)`        | `TIMESTAMP_ADD(ts, INTERVAL n UNIT)`       | `ts + INTERVAL (n) UNIT`                      |
 * | `unix_micros(ts)`                   | `UNIX_MICROS(ts)`                          | `epoch_us(ts)`                                |
 * | `timestamp_micros(n)`               | `TIMESTAMP_MICROS(n)`                      | `make_timestamp(n)`                           |
 * | `trim_whitespace(s)`                | `TRIM(s, <whitespace>)`                    | idem (TRIM alone: spaces only on DuckDB)      |
 * | `sha256_hex(s)`                     | `TO_HEX(SHA256(s))`                        | `sha256(s)` (lowercase hex of the UTF-8 bytes) |
 * | `json_string(json, path)`           | `JSON_VALUE(json, path)`                   | `json_extract_string` (NULL for an object/array) |
 * | `json_string_array(json)`           | `JSON_VALUE_ARRAY(json)`                   | `CAST(json_extract_string(json, '$[*]') AS VARCHAR[])` |
 * | `unnest(array, alias)` (FROM item)  | `UNNEST(array) AS alias`                   | `unnest(array) AS alias__unnest(alias)`       |
 * | `regexp_contains(s, re)`            | `REGEXP_CONTAINS(s, re)`                   | `regexp_matches(s, re)`                       |
 * | `regexp_extract(s, re)`             | `REGEXP_EXTRACT(s, re)`                    | group 1 when `s` matches, else NULL           |
 * | `incremental_filter(expr)`          | `expr IN UNNEST(@partitions)` (ARRAY<DATE>) | `expr IN (SELECT CAST(unnest(@partitions) AS DATE))` |
 * | `is_incremental()`                  | true in the incremental variant of an incremental model, false otherwise            |
 *
 * Units: `date_trunc` day | isoweek | month | quarter | year; `timestamp_trunc`, `timestamp_diff`,
 * `timestamp_add` second | minute | hour | day (UTC; a day is 24 h); `date_diff` day | month | quarter | year
 * (both engines count unit boundaries crossed); `date_add` day | month | year (month ends clamp on both).
 * `timestamp_diff` truncates toward zero on both. `percentile_cont` interpolates linearly, ignores NULLs,
 * and is an analytic function on both (BigQuery has no aggregate form): fold it with MAX() in an outer
 * query. On a full build, `incremental_filter` renders `TRUE`, so it may stand anywhere a predicate may.
 * `json_string` reads a scalar at a JSONPath (`'$.key'`) of JSON text as STRING (numbers as their JSON
 * text: cast them), NULL for a missing key, a JSON null, an object or an array. `json_string_array`
 * reads a JSON array of strings. `unnest` is a FROM item (after `CROSS JOIN`) whose one column is named
 * `alias` (refer to it unqualified). Regular expressions are RE2 on both; write them without
 * backslashes (`[.]` for a dot: the engines read backslashes in string literals differently);
 * `regexp_extract`'s pattern has exactly one capturing group. `trim_whitespace` removes leading and
 * trailing spaces, tabs, line feeds, vertical tabs, form feeds, carriage returns and no-break spaces on
 * both (a bare TRIM removes all whitespace on BigQuery, only spaces on DuckDB).
 */
export interface Dialect {
  readonly target: Target;
  /** The engine's name for a column type. */
  typeName(type: ColumnType): string;
  /** Microseconds since the epoch of a TIMESTAMP expression, as INT64. */
  unixMicros(expr: string): string;
  /** The TIMESTAMP of an INT64 expression of microseconds since the epoch. */
  timestampMicros(expr: string): string;
  /** The DATE `expr` is one of the dates of the array parameter `@param` (typed `partitionsType`). */
  inDatesParam(expr: string, param: string): string;
  /** `expr` is one of the values of the array parameter `@param` (an array of `expr`'s type). */
  inArrayParam(expr: string, param: string): string;
  /** Type of the `@partitions` parameter of an incremental SELECT (values are `YYYY-MM-DD` strings). */
  readonly partitionsType: ParamTypes[string];
  /**
   * The macros available to templates; `incremental` says which variant is being rendered, `merge`
   * whether it is the row-level one (`loaded_since` filters on the load window).
   */
  macros(mode: RenderMode): Record<string, (...args: unknown[]) => string | boolean>;
}

/**
 * Thrown for a macro called with bad arguments; the renderer adds the file and the line (of the first
 * match of `locate` in the template when given, else the line nunjucks reports).
 */
export class MacroError extends Error {
  constructor(
    message: string,
    readonly locate?: RegExp,
  ) {
    super(message);
  }
}

const DUCKDB_TYPES: Record<ColumnType, string> = {
  STRING: 'VARCHAR',
  INT64: 'BIGINT',
  FLOAT64: 'DOUBLE',
  BOOL: 'BOOLEAN',
  TIMESTAMP: 'TIMESTAMP',
  DATE: 'DATE',
  JSON: 'JSON',
};

const COLUMN_TYPES = Object.keys(DUCKDB_TYPES) as ColumnType[];
// Written with CHR: the engines read backslash escapes in string literals differently.
const WHITESPACE = "' ' || CHR(9) || CHR(10) || CHR(11) || CHR(12) || CHR(13) || CHR(160)";
const DATE_TRUNC_UNITS = ['day', 'isoweek', 'month', 'quarter', 'year'] as const;
const TIME_UNITS = ['second', 'minute', 'hour', 'day'] as const;
const DATE_DIFF_UNITS = ['day', 'month', 'quarter', 'year'] as const;
const DATE_ADD_UNITS = ['day', 'month', 'year'] as const;
const MICROS_PER: Record<(typeof TIME_UNITS)[number], number> = {
  second: 1_000_000,
  minute: 60_000_000,
  hour: 3_600_000_000,
  day: 86_400_000_000,
};

/** Which variant of a model a template is rendered as. */
export interface RenderMode {
  /** The incremental variant: `incremental_filter` is a predicate on `@partitions`. */
  incremental: boolean;
  /** Its row-level variant (a model with `unique_key`): `loaded_since` is a predicate on `@since`/`@until`. */
  merge?: boolean;
}

export function dialectFor(target: Target): Dialect {
  if (target !== 'duckdb' && target !== 'bigquery')
    throw new MacroError(`unknown target '${String(target)}' (duckdb or bigquery)`);
  const duck = target === 'duckdb';
  const typeName = (type: ColumnType) => (duck ? DUCKDB_TYPES[type] : type);
  const inDatesParam = (expr: string, param: string) =>
    duck ? `(${expr}) IN (SELECT CAST(unnest(@${param}) AS DATE))` : `(${expr}) IN UNNEST(@${param})`;
  const inArrayParam = (expr: string, param: string) =>
    duck ? `(${expr}) IN (SELECT unnest(@${param}))` : `(${expr}) IN UNNEST(@${param})`;
  const unixMicros = (expr: string) => (duck ? `epoch_us(${expr})` : `UNIX_MICROS(${expr})`);
  const timestampMicros = (expr: string) => (duck ? `make_timestamp(${expr})` : `TIMESTAMP_MICROS(${expr})`);

  function macros(mode: RenderMode): Record<string, (...args: unknown[]) => string | boolean> {
    return {
      type: (t) => typeName(columnType('type', t)),
      cast: (expr, t) => `CAST(${sql('cast', 'expr', expr)} AS ${typeName(columnType('cast', t))})`,
      safe_cast: (expr, t) =>
        `${duck ? 'TRY_CAST' : 'SAFE_CAST'}(${sql('safe_cast', 'expr', expr)} AS ${typeName(columnType('safe_cast', t))})`,
      safe_divide: (a, b) => {
        const [x, y] = [sql('safe_divide', 'numerator', a), sql('safe_divide', 'denominator', b)];
        return duck ? `(CAST(${x} AS DOUBLE) / NULLIF(${y}, 0))` : `SAFE_DIVIDE(${x}, ${y})`;
      },
      percentile_cont: (expr, fraction, by) => percentile('percentile_cont', expr, fraction, by),
      median: (expr, by) => percentile('median', expr, 0.5, by),
      countif: (cond) => {
        const c = sql('countif', 'condition', cond);
        return duck ? `COUNT(CASE WHEN ${c} THEN 1 END)` : `COUNTIF(${c})`;
      },
      logical_or: (x) => `${duck ? 'bool_or' : 'LOGICAL_OR'}(${sql('logical_or', 'expr', x)})`,
      logical_and: (x) => `${duck ? 'bool_and' : 'LOGICAL_AND'}(${sql('logical_and', 'expr', x)})`,
      date_trunc: (d, u) => {
        const [e, unit] = [sql('date_trunc', 'date', d), oneOf('date_trunc', u, DATE_TRUNC_UNITS)];
        return duck
          ? `CAST(date_trunc('${unit === 'isoweek' ? 'week' : unit}', ${e}) AS DATE)`
          : `DATE_TRUNC(${e}, ${unit.toUpperCase()})`;
      },
      timestamp_trunc: (ts, u) => {
        const [e, unit] = [sql('timestamp_trunc', 'timestamp', ts), oneOf('timestamp_trunc', u, TIME_UNITS)];
        return duck ? `date_trunc('${unit}', ${e})` : `TIMESTAMP_TRUNC(${e}, ${unit.toUpperCase()})`;
      },
      date_diff: (end, start, u) => {
        const [a, b] = [sql('date_diff', 'end', end), sql('date_diff', 'start', start)];
        const unit = oneOf('date_diff', u, DATE_DIFF_UNITS);
        return duck ? `date_diff('${unit}', ${b}, ${a})` : `DATE_DIFF(${a}, ${b}, ${unit.toUpperCase()})`;
      },
      timestamp_diff: (end, start, u) => {
        const [a, b] = [sql('timestamp_diff', 'end', end), sql('timestamp_diff', 'start', start)];
        const unit = oneOf('timestamp_diff', u, TIME_UNITS);
        // DuckDB's date_diff counts boundaries crossed; BigQuery counts whole units elapsed.
        return duck
          ? `((epoch_us(${a}) - epoch_us(${b})) // ${MICROS_PER[unit]})`
          : `TIMESTAMP_DIFF(${a}, ${b}, ${unit.toUpperCase()})`;
      },
      date_add: (d, n, u) => {
        const [e, count] = [sql('date_add', 'date', d), sql('date_add', 'count', typeof n === 'number' ? String(n) : n)];
        const unit = oneOf('date_add', u, DATE_ADD_UNITS).toUpperCase();
        return duck ? `CAST(${e} + INTERVAL (${count}) ${unit} AS DATE)` : `DATE_ADD(${e}, INTERVAL ${count} ${unit})`;
      },
      timestamp_add: (ts, n, u) => {
        const e = sql('timestamp_add', 'timestamp', ts);
        const count = sql('timestamp_add', 'count', typeof n === 'number' ? String(n) : n);
        const unit = oneOf('timestamp_add', u, TIME_UNITS).toUpperCase();
        return duck ? `(${e} + INTERVAL (${count}) ${unit})` : `TIMESTAMP_ADD(${e}, INTERVAL ${count} ${unit})`;
      },
      unix_micros: (ts) => unixMicros(sql('unix_micros', 'timestamp', ts)),
      timestamp_micros: (n) => timestampMicros(sql('timestamp_micros', 'micros', n)),
      // incremental_filter(expr, days_before = 0, days_after = 0): expr is a rebuilt date, or within
      // days_before before / days_after after one. One IN, not an OR of several: engines prune on it.
      incremental_filter: (expr, before = 0, after = 0) => {
        const e = sql('incremental_filter', 'expr', expr);
        const [b, a] = [days('incremental_filter', 'days_before', before), days('incremental_filter', 'days_after', after)];
        if (!mode.incremental) return 'TRUE';
        if (b === 0 && a === 0) return inDatesParam(e, 'partitions');
        return duck
          ? `(${e}) IN (SELECT CAST(CAST(p AS DATE) + INTERVAL (o) DAY AS DATE) FROM unnest(@partitions) AS __p(p), range(${-b}, ${a + 1}) AS __o(o))`
          : `(${e}) IN (SELECT DATE_ADD(p, INTERVAL o DAY) FROM UNNEST(@partitions) AS p CROSS JOIN UNNEST(GENERATE_ARRAY(${-b}, ${a})) AS o)`;
      },
      is_incremental: () => mode.incremental,
      loaded_since: (expr) => {
        const e = sql('loaded_since', 'expr', expr);
        return mode.merge ? `((${e}) > ${timestampMicros('@since')} AND (${e}) <= ${timestampMicros('@until')})` : 'TRUE';
      },
      is_merge: () => mode.merge === true,
      trim_whitespace: (s) => `TRIM(${sql('trim_whitespace', 'expr', s)}, ${WHITESPACE})`,
      sha256_hex: (s) => {
        const e = sql('sha256_hex', 'expr', s);
        return duck ? `sha256(${e})` : `TO_HEX(SHA256(${e}))`;
      },
      json_string: (json, path) => {
        const [j, p] = [sql('json_string', 'json', json), sql('json_string', 'path', path)];
        // DuckDB gives an object or array as its JSON text; BigQuery's JSON_VALUE gives NULL.
        return duck
          ? `(CASE WHEN json_type(${j}, ${p}) IN ('OBJECT', 'ARRAY') THEN NULL ELSE json_extract_string(${j}, ${p}) END)`
          : `JSON_VALUE(${j}, ${p})`;
      },
      json_string_array: (json) => {
        const j = sql('json_string_array', 'json', json);
        return duck ? `CAST(json_extract_string(${j}, '$[*]') AS VARCHAR[])` : `JSON_VALUE_ARRAY(${j})`;
      },
      unnest: (array, alias) => {
        const [a, name] = [sql('unnest', 'array', array), identifier('unnest', 'alias', alias)];
        return duck ? `unnest(${a}) AS ${name}__unnest(${name})` : `UNNEST(${a}) AS ${name}`;
      },
      regexp_contains: (s, re) => {
        const [e, p] = [sql('regexp_contains', 'expr', s), sql('regexp_contains', 'pattern', re)];
        return duck ? `regexp_matches(${e}, ${p})` : `REGEXP_CONTAINS(${e}, ${p})`;
      },
      regexp_extract: (s, re) => {
        const [e, p] = [sql('regexp_extract', 'expr', s), sql('regexp_extract', 'pattern', re)];
        // DuckDB's regexp_extract gives '' when nothing matches; BigQuery gives NULL.
        return duck
          ? `(CASE WHEN regexp_matches(${e}, ${p}) THEN regexp_extract(${e}, ${p}, 1) END)`
          : `REGEXP_EXTRACT(${e}, ${p})`;
      },
    };
  }

  function percentile(macro: string, expr: unknown, fraction: unknown, by: unknown): string {
    const e = sql(macro, 'expr', expr);
    const f = typeof fraction === 'string' && fraction.trim() !== '' ? Number(fraction) : fraction;
    if (typeof f !== 'number' || !Number.isFinite(f) || f < 0 || f > 1) {
      throw new MacroError(`${macro}: fraction must be a number from 0 to 1 (got ${JSON.stringify(fraction)})`);
    }
    const partition = by === undefined || by === null || by === '' ? '' : `PARTITION BY ${sql(macro, 'partition_by', by)}`;
    return `${duck ? 'quantile_cont' : 'PERCENTILE_CONT'}(${e}, ${f}) OVER (${partition})`;
  }

  return {
    target,
    typeName,
    unixMicros,
    timestampMicros,
    inDatesParam,
    inArrayParam,
    partitionsType: duck ? 'ARRAY<STRING>' : 'ARRAY<DATE>',
    macros,
  };
}

function sql(macro: string, argument: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new MacroError(`${macro}: ${argument} must be SQL text in quotes, e.g. ${macro}('column') (got ${describe(value)})`);
  }
  return value;
}

function days(macro: string, argument: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 31) {
    throw new MacroError(`${macro}: ${argument} must be a whole number of days from 0 to 31 (got ${describe(value)})`);
  }
  return value;
}

function identifier(macro: string, argument: string, value: unknown): string {
  if (typeof value !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(value)) {
    throw new MacroError(
      `${macro}: ${argument} must be a name in quotes, letters, digits and underscores (got ${describe(value)})`,
    );
  }
  return value;
}

function columnType(macro: string, value: unknown): ColumnType {
  const name = typeof value === 'string' ? value.toUpperCase() : '';
  if (!COLUMN_TYPES.includes(name as ColumnType)) {
    throw new MacroError(`${macro}: type must be one of ${COLUMN_TYPES.join(', ')} (got ${describe(value)})`);
  }
  return name as ColumnType;
}

function oneOf<T extends string>(macro: string, value: unknown, allowed: readonly T[]): T {
  const unit = typeof value === 'string' ? value.toLowerCase() : '';
  if (!allowed.includes(unit as T))
    throw new MacroError(`${macro}: unit must be one of ${allowed.join(', ')} (got ${describe(value)})`);
  return unit as T;
}

function describe(value: unknown): string {
  return value === undefined ? 'nothing: an unquoted name is an undefined template variable' : JSON.stringify(value);
}
