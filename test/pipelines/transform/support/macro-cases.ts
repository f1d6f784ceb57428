/**
 * The dialect macros, each with its rendering for both engines and the value and DuckDB type it must
 * give; shared by the DuckDB test and the ZetaSQL (BigQuery reference engine) test.
 */
export interface MacroCase {
  macro: string;
  duckdb: string;
  bigquery: string;
  value: unknown;
  type: string;
  /** Evaluated over the values 1, 2, 3, 4, 10 and NULL in a column `x` (aggregate or analytic macros). */
  overValues?: boolean;
}

/** The column `x` of values, in each engine's syntax. */
export const VALUES_FROM = {
  duckdb: '(SELECT CAST(x AS DOUBLE) AS x FROM (VALUES (1.0), (2.0), (3.0), (4.0), (10.0), (NULL)) AS t(x)) AS v',
  bigquery: 'UNNEST([1.0, 2.0, 3.0, 4.0, 10.0, NULL]) AS x',
};

export const MACRO_CASES: MacroCase[] = [
  { macro: "cast('1', 'FLOAT64')", duckdb: 'CAST(1 AS DOUBLE)', bigquery: 'CAST(1 AS FLOAT64)', value: 1, type: 'DOUBLE' },
  { macro: "cast('7', 'int64')", duckdb: 'CAST(7 AS BIGINT)', bigquery: 'CAST(7 AS INT64)', value: 7, type: 'BIGINT' },
  {
    macro: "safe_cast(\"'abc'\", 'INT64')",
    duckdb: "TRY_CAST('abc' AS BIGINT)",
    bigquery: "SAFE_CAST('abc' AS INT64)",
    value: null,
    type: 'BIGINT',
  },
  {
    macro: "safe_divide('6', '4')",
    duckdb: '(CAST(6 AS DOUBLE) / NULLIF(4, 0))',
    bigquery: 'SAFE_DIVIDE(6, 4)',
    value: 1.5,
    type: 'DOUBLE',
  },
  {
    macro: "safe_divide('1', '0')",
    duckdb: '(CAST(1 AS DOUBLE) / NULLIF(0, 0))',
    bigquery: 'SAFE_DIVIDE(1, 0)',
    value: null,
    type: 'DOUBLE',
  },
  {
    macro: "percentile_cont('x', 0.3)",
    overValues: true,
    duckdb: 'quantile_cont(x, 0.3) OVER ()',
    bigquery: 'PERCENTILE_CONT(x, 0.3) OVER ()',
    value: 2.2,
    type: 'DOUBLE',
  },
  {
    macro: "median('x')",
    overValues: true,
    duckdb: 'quantile_cont(x, 0.5) OVER ()',
    bigquery: 'PERCENTILE_CONT(x, 0.5) OVER ()',
    value: 3,
    type: 'DOUBLE',
  },
  {
    macro: "countif('x > 2')",
    overValues: true,
    duckdb: 'COUNT(CASE WHEN x > 2 THEN 1 END)',
    bigquery: 'COUNTIF(x > 2)',
    value: 3,
    type: 'BIGINT',
  },
  {
    macro: "logical_or('x > 9')",
    overValues: true,
    duckdb: 'bool_or(x > 9)',
    bigquery: 'LOGICAL_OR(x > 9)',
    value: true,
    type: 'BOOLEAN',
  },
  {
    macro: "logical_and('x > 1')",
    overValues: true,
    duckdb: 'bool_and(x > 1)',
    bigquery: 'LOGICAL_AND(x > 1)',
    value: false,
    type: 'BOOLEAN',
  },
  {
    macro: "date_trunc(\"DATE '2024-05-17'\", 'isoweek')",
    duckdb: "CAST(date_trunc('week', DATE '2024-05-17') AS DATE)",
    bigquery: "DATE_TRUNC(DATE '2024-05-17', ISOWEEK)",
    value: '2024-05-13',
    type: 'DATE',
  },
  {
    macro: "date_trunc(\"DATE '2024-05-17'\", 'quarter')",
    duckdb: "CAST(date_trunc('quarter', DATE '2024-05-17') AS DATE)",
    bigquery: "DATE_TRUNC(DATE '2024-05-17', QUARTER)",
    value: '2024-04-01',
    type: 'DATE',
  },
  {
    macro: "timestamp_trunc(\"TIMESTAMP '2024-05-17 13:45:12.5'\", 'hour')",
    duckdb: "date_trunc('hour', TIMESTAMP '2024-05-17 13:45:12.5')",
    bigquery: "TIMESTAMP_TRUNC(TIMESTAMP '2024-05-17 13:45:12.5', HOUR)",
    value: '2024-05-17T13:00:00.000Z',
    type: 'TIMESTAMP',
  },
  {
    macro: "date_diff(\"DATE '2024-03-01'\", \"DATE '2024-01-31'\", 'month')",
    duckdb: "date_diff('month', DATE '2024-01-31', DATE '2024-03-01')",
    bigquery: "DATE_DIFF(DATE '2024-03-01', DATE '2024-01-31', MONTH)",
    value: 2,
    type: 'BIGINT',
  },
  {
    macro: "date_diff(\"DATE '2024-03-01'\", \"DATE '2024-01-31'\", 'day')",
    duckdb: "date_diff('day', DATE '2024-01-31', DATE '2024-03-01')",
    bigquery: "DATE_DIFF(DATE '2024-03-01', DATE '2024-01-31', DAY)",
    value: 30,
    type: 'BIGINT',
  },
  {
    // 0.2 s elapsed across a second boundary: whole seconds elapsed, as BigQuery counts, is 0.
    macro: "timestamp_diff(\"TIMESTAMP '2024-01-01 00:00:01.1'\", \"TIMESTAMP '2024-01-01 00:00:00.9'\", 'second')",
    duckdb: "((epoch_us(TIMESTAMP '2024-01-01 00:00:01.1') - epoch_us(TIMESTAMP '2024-01-01 00:00:00.9')) // 1000000)",
    bigquery: "TIMESTAMP_DIFF(TIMESTAMP '2024-01-01 00:00:01.1', TIMESTAMP '2024-01-01 00:00:00.9', SECOND)",
    value: 0,
    type: 'BIGINT',
  },
  {
    // Truncated toward zero, as BigQuery does: -90 minutes is -1 hour.
    macro: "timestamp_diff(\"TIMESTAMP '2024-01-01 10:00:00'\", \"TIMESTAMP '2024-01-01 11:30:00'\", 'hour')",
    duckdb: "((epoch_us(TIMESTAMP '2024-01-01 10:00:00') - epoch_us(TIMESTAMP '2024-01-01 11:30:00')) // 3600000000)",
    bigquery: "TIMESTAMP_DIFF(TIMESTAMP '2024-01-01 10:00:00', TIMESTAMP '2024-01-01 11:30:00', HOUR)",
    value: -1,
    type: 'BIGINT',
  },
  {
    macro: "date_add(\"DATE '2024-01-31'\", 1, 'month')",
    duckdb: "CAST(DATE '2024-01-31' + INTERVAL (1) MONTH AS DATE)",
    bigquery: "DATE_ADD(DATE '2024-01-31', INTERVAL 1 MONTH)",
    value: '2024-02-29',
    type: 'DATE',
  },
  {
    macro: "timestamp_add(\"TIMESTAMP '2024-01-01 23:00:00'\", '90', 'minute')",
    duckdb: "(TIMESTAMP '2024-01-01 23:00:00' + INTERVAL (90) MINUTE)",
    bigquery: "TIMESTAMP_ADD(TIMESTAMP '2024-01-01 23:00:00', INTERVAL 90 MINUTE)",
    value: '2024-01-02T00:30:00.000Z',
    type: 'TIMESTAMP',
  },
  {
    macro: 'unix_micros("TIMESTAMP \'2024-01-02 03:04:05.123456\'")',
    duckdb: "epoch_us(TIMESTAMP '2024-01-02 03:04:05.123456')",
    bigquery: "UNIX_MICROS(TIMESTAMP '2024-01-02 03:04:05.123456')",
    value: 1704164645123456,
    type: 'BIGINT',
  },
  {
    macro: "timestamp_micros('1704164645123000')",
    duckdb: 'make_timestamp(1704164645123000)',
    bigquery: 'TIMESTAMP_MICROS(1704164645123000)',
    value: '2024-01-02T03:04:05.123Z',
    type: 'TIMESTAMP',
  },
  {
    macro: 'sha256_hex("\'abc\'")',
    duckdb: "sha256('abc')",
    bigquery: "TO_HEX(SHA256('abc'))",
    value: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    type: 'VARCHAR',
  },
  {
    macro: `json_string("'{\\"a\\": \\"x\\", \\"n\\": 220000}'", "'$.a'")`,
    duckdb: `(CASE WHEN json_type('{"a": "x", "n": 220000}', '$.a') IN ('OBJECT', 'ARRAY') THEN NULL ELSE json_extract_string('{"a": "x", "n": 220000}', '$.a') END)`,
    bigquery: `JSON_VALUE('{"a": "x", "n": 220000}', '$.a')`,
    value: 'x',
    type: 'VARCHAR',
  },
  {
    macro: `json_string("'{\\"a\\": \\"x\\", \\"n\\": 220000}'", "'$.n'")`,
    duckdb: `(CASE WHEN json_type('{"a": "x", "n": 220000}', '$.n') IN ('OBJECT', 'ARRAY') THEN NULL ELSE json_extract_string('{"a": "x", "n": 220000}', '$.n') END)`,
    bigquery: `JSON_VALUE('{"a": "x", "n": 220000}', '$.n')`,
    value: '220000',
    type: 'VARCHAR',
  },
  {
    // An object is not a scalar: NULL on both (DuckDB alone would give its JSON text).
    macro: `json_string("'{\\"o\\": {\\"b\\": 1}}'", "'$.o'")`,
    duckdb: `(CASE WHEN json_type('{"o": {"b": 1}}', '$.o') IN ('OBJECT', 'ARRAY') THEN NULL ELSE json_extract_string('{"o": {"b": 1}}', '$.o') END)`,
    bigquery: `JSON_VALUE('{"o": {"b": 1}}', '$.o')`,
    value: null,
    type: 'VARCHAR',
  },
  {
    macro: `json_string("'{\\"z\\": null}'", "'$.z'")`,
    duckdb: `(CASE WHEN json_type('{"z": null}', '$.z') IN ('OBJECT', 'ARRAY') THEN NULL ELSE json_extract_string('{"z": null}', '$.z') END)`,
    bigquery: `JSON_VALUE('{"z": null}', '$.z')`,
    value: null,
    type: 'VARCHAR',
  },
  {
    macro: `json_string("'{\\"z\\": 1}'", "'$.missing'")`,
    duckdb: `(CASE WHEN json_type('{"z": 1}', '$.missing') IN ('OBJECT', 'ARRAY') THEN NULL ELSE json_extract_string('{"z": 1}', '$.missing') END)`,
    bigquery: `JSON_VALUE('{"z": 1}', '$.missing')`,
    value: null,
    type: 'VARCHAR',
  },
  {
    macro: `regexp_contains("'www.google.fr'", "'(^|[.])google[.]'")`,
    duckdb: `regexp_matches('www.google.fr', '(^|[.])google[.]')`,
    bigquery: `REGEXP_CONTAINS('www.google.fr', '(^|[.])google[.]')`,
    value: true,
    type: 'BOOLEAN',
  },
  {
    macro: `regexp_extract("'https://www.qwant.com/?q=taux'", "'^[a-z]+://([^/?#]+)'")`,
    duckdb: `(CASE WHEN regexp_matches('https://www.qwant.com/?q=taux', '^[a-z]+://([^/?#]+)') THEN regexp_extract('https://www.qwant.com/?q=taux', '^[a-z]+://([^/?#]+)', 1) END)`,
    bigquery: `REGEXP_EXTRACT('https://www.qwant.com/?q=taux', '^[a-z]+://([^/?#]+)')`,
    value: 'www.qwant.com',
    type: 'VARCHAR',
  },
  {
    // No match: NULL on both (DuckDB alone would give '').
    macro: `regexp_extract("'android-app://x'", "'^https?://([^/?#]+)'")`,
    duckdb: `(CASE WHEN regexp_matches('android-app://x', '^https?://([^/?#]+)') THEN regexp_extract('android-app://x', '^https?://([^/?#]+)', 1) END)`,
    bigquery: `REGEXP_EXTRACT('android-app://x', '^https?://([^/?#]+)')`,
    value: null,
    type: 'VARCHAR',
  },
  {
    macro: `trim_whitespace("CHR(9) || ' a b ' || CHR(13) || CHR(10) || CHR(160)")`,
    duckdb: `TRIM(CHR(9) || ' a b ' || CHR(13) || CHR(10) || CHR(160), ' ' || CHR(9) || CHR(10) || CHR(11) || CHR(12) || CHR(13) || CHR(160))`,
    bigquery: `TRIM(CHR(9) || ' a b ' || CHR(13) || CHR(10) || CHR(160), ' ' || CHR(9) || CHR(10) || CHR(11) || CHR(12) || CHR(13) || CHR(160))`,
    value: 'a b',
    type: 'VARCHAR',
  },
];
