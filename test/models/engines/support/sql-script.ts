import type { QueryParameter } from '../../../../pipelines/warehouse/bigquery/bigquery-params.js';
import type { ColumnType, ParamTypes } from '../../../../pipelines/warehouse/types.js';

/**
 * The statements of a GoogleSQL script, split on the semicolons that end them (not those inside
 * string literals, quoted identifiers or comments), trimmed, empty ones dropped.
 */
export function splitScript(script: string): string[] {
  const statements: string[] = [];
  let start = 0;
  let i = 0;
  while (i < script.length) {
    const ch = script[i]!;
    const next = script[i + 1];
    if (ch === "'" || ch === '"' || ch === '`') {
      i = closingQuote(script, i);
    } else if ((ch === '-' && next === '-') || ch === '#') {
      const end = script.indexOf('\n', i);
      i = end === -1 ? script.length : end;
    } else if (ch === '/' && next === '*') {
      const end = script.indexOf('*/', i + 2);
      i = end === -1 ? script.length : end + 2;
    } else if (ch === ';') {
      statements.push(script.slice(start, i));
      start = i + 1;
      i++;
    } else {
      i++;
    }
  }
  statements.push(script.slice(start));
  return statements.map((s) => s.trim()).filter((s) => s !== '' && !/^(--[^\n]*\s*)+$/.test(s));
}

function closingQuote(sql: string, start: number): number {
  const quote = sql[start]!;
  const triple = quote !== '`' && sql.startsWith(quote.repeat(3), start);
  const close = triple ? quote.repeat(3) : quote;
  let i = start + close.length;
  while (i < sql.length) {
    if (sql[i] === '\\') {
      i += 2;
      continue;
    }
    if (sql.startsWith(close, i)) return i + close.length;
    i++;
  }
  return sql.length;
}

/**
 * The scripting statements the BigQuery warehouse writes around its DML (see `commitScript`):
 * ZetaSQL's analyzer resolves single statements, not script variables, so these are checked against
 * their exact shape instead.
 */
const SCRIPTING: RegExp[] = [
  /^DECLARE elt_w\d+ INT64 DEFAULT 0$/,
  /^SET elt_w\d+ = @@row_count$/,
  /^SELECT 1 AS committed(, elt_w\d+ AS w\d+)*$/,
];

/** Whether a statement is one of the warehouse's scripting statements (variables, row counts). */
export function isScripting(statement: string): boolean {
  return SCRIPTING.some((pattern) => pattern.test(statement));
}

/** The declared type of each REST query parameter, as `ParamTypes`. */
export function parameterTypes(parameters: QueryParameter[]): ParamTypes {
  return Object.fromEntries(
    parameters.map((p) => {
      const type = p.parameterType;
      if (type.type === 'ARRAY') return [p.name, `ARRAY<${type.arrayType!.type as ColumnType}>` as const];
      return [p.name, type.type as ColumnType];
    }),
  );
}
