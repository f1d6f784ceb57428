import type { ColumnType } from '../../warehouse/types.js';
import type { FileColumn } from './csv-header.js';
import { sqlIdent, sqlString } from './scratch-duckdb.js';

/** Longest raw record or value kept in quarantine; longer ones are cut (an unterminated quote can swallow a file). */
export const MAX_RAW_CHARS = 65_536;

/** DuckDB column types of the warehouse types an export column can have. */
export const DUCKDB_TYPES: Partial<Record<ColumnType, string>> = {
  STRING: 'VARCHAR',
  FLOAT64: 'DOUBLE',
  BOOL: 'BOOLEAN',
  TIMESTAMP: 'TIMESTAMP',
};

const EXPECTED: Partial<Record<ColumnType, string>> = {
  FLOAT64: 'is not a number',
  BOOL: 'is not a flag (0 or 1)',
  TIMESTAMP: 'is not a timestamp YYYY-MM-DD HH:MM:SS',
};

/**
 * A SELECT over DuckDB's reject table `rejects` giving one row per rejected record (`unit`: DuckDB's line
 * number) with the offending field, its raw value, a reason and the record as written. A record with
 * several errors is reported by its most telling kind: invalid UTF-8, then a misplaced quote, then an
 * over-long record, then a wrong number of fields, then values that do not type (all of them named).
 */
export function rejectedRecordsSql(rejects: string, columns: FileColumn[]): string {
  const names = columns.map(
    (c) => `(${c.position + 1}, ${sqlString(c.name)}, ${sqlString(EXPECTED[c.type] ?? 'cannot be read')})`,
  );
  const columnTable =
    names.length > 0
      ? `(VALUES ${names.join(', ')}) AS m(idx, name, expected)`
      : `(SELECT NULL::BIGINT AS idx, NULL AS name, NULL AS expected WHERE false) m`;
  return `
    WITH e AS (
      SELECT r.line AS unit, r.error_type, r.column_idx, r.error_message, r.csv_line, m.name, m.expected,
        CASE
          WHEN r.error_type IN ('INVALID ENCODING', 'INVALID UNICODE') THEN 1
          WHEN r.error_type = 'UNQUOTED VALUE' THEN 2
          WHEN r.error_type = 'LINE SIZE OVER MAXIMUM' THEN 3
          WHEN r.error_type IN ('TOO MANY COLUMNS', 'MISSING COLUMNS') THEN 4
          WHEN r.error_type = 'CAST' THEN 5
          ELSE 6
        END AS prio
      FROM ${rejects} r LEFT JOIN ${columnTable} ON m.idx = r.column_idx
    ),
    ranked AS (SELECT *, min(prio) OVER (PARTITION BY unit) AS top FROM e)
    SELECT
      unit,
      CASE WHEN top IN (1, 2, 5, 6) THEN arg_min(name, column_idx) END AS field,
      CASE WHEN top = 5 THEN left(regexp_extract(arg_min(error_message, column_idx), 'Could not convert string "(.*)" to ''', 1), ${MAX_RAW_CHARS}) END AS raw_value,
      CASE top
        WHEN 1 THEN 'invalid UTF-8' || coalesce(' in ' || arg_min(name, column_idx), '')
        WHEN 2 THEN 'misplaced or unterminated quote' || coalesce(' in ' || arg_min(name, column_idx), '')
        WHEN 3 THEN 'record longer than the maximum line size'
        WHEN 4 THEN 'wrong number of fields: ' || regexp_replace(arg_max(error_message, column_idx), 'Expected Number of Columns: (\\d+) Found: (\\d+)', 'expected \\1, found \\2')
        WHEN 5 THEN string_agg(name || ' ' || expected, '; ' ORDER BY column_idx)
        ELSE arg_min(error_type || ': ' || error_message, column_idx)
      END AS reason,
      left(trim(any_value(csv_line), chr(13) || chr(10)), ${MAX_RAW_CHARS}) AS raw_record
    FROM ranked
    WHERE prio = top
    GROUP BY unit, top`;
}

/**
 * An expression re-serializing a row as a CSV record in the file's column order, from columns named
 * `<alias>.<column name>`: values typed back to the export's text (numbers as DuckDB prints them, flags
 * 0/1, timestamps YYYY-MM-DD HH:MM:SS), quoted when they hold a comma, a quote or a line end.
 */
export function rawRecordSql(alias: string, columns: FileColumn[], typed: boolean): string {
  const fields = columns.map((c) => {
    const ref = `${alias}.${sqlIdent(typed ? c.name : positional(c.position))}`;
    const text = !typed
      ? ref
      : c.type === 'BOOL'
        ? `CASE WHEN ${ref} THEN '1' WHEN NOT ${ref} THEN '0' END`
        : c.type === 'TIMESTAMP'
          ? `strftime(${ref}, '%Y-%m-%d %H:%M:%S')`
          : c.type === 'FLOAT64'
            ? `CAST(${ref} AS VARCHAR)`
            : ref;
    return `csv_field(${text})`;
  });
  return fields.length > 0 ? `left(concat_ws(',', ${fields.join(', ')}), ${MAX_RAW_CHARS})` : `''`;
}

/** The macro `csv_field(text)`: a value written as an RFC 4180 field. */
export const CSV_FIELD_MACRO = `CREATE OR REPLACE TEMP MACRO csv_field(v) AS
  CASE WHEN v IS NULL THEN '' WHEN regexp_matches(v, '[",\\r\\n]') THEN '"' || replace(v, '"', '""') || '"' ELSE v END`;

/** The scratch column name of the field at `position` (columns are read by position, named later). */
export function positional(position: number): string {
  return `c${position}`;
}
