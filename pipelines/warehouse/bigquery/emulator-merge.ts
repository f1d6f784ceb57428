import { TerminalError } from '../../core/errors.js';
import type { ErrorContext } from '../../core/errors.js';
import { rewriteParams } from '../sql-params.js';
import { quoteIdentifier } from './bigquery-sql.js';

const MERGE_START = /^\s*MERGE\b/i;

/** True when the statement is a MERGE (the emulator needs it rewritten, see `emulatorMerge`). */
export function isMerge(sql: string): boolean {
  return MERGE_START.test(mask(sql));
}

/**
 * Emulator only. The emulator accepts only a table as a MERGE's source and drops the parameters of a
 * MERGE, so `MERGE <target> [AS] t USING (<query>) [AS] s ON ... WHEN ...` becomes two statements of
 * the same script:
 *
 *     CREATE TEMP TABLE <temp> AS SELECT s.*, @p AS elt_p_p, ... FROM (<query>) AS s;
 *     MERGE <target> [AS] t USING <temp> AS s ON ... WHEN ...   -- every @p read as s.elt_p_p
 *
 * The temporary table's query keeps its parameters (the script runner binds them); the MERGE reads
 * them as columns of its source, so it takes no parameter at all. A table source is wrapped the same
 * way. Any other statement is returned as it is. Throws a TerminalError when a MERGE has a shape this
 * does not handle (no alias for its source, unbalanced parentheses).
 */
export function emulatorMerge(sql: string, params: readonly string[], temp: string, context: ErrorContext = {}): string[] {
  const masked = mask(sql);
  if (!MERGE_START.test(masked)) return [sql];
  const refuse = (why: string) =>
    new TerminalError(`the BigQuery emulator cannot run this MERGE (${why}); write the statement as DELETE + INSERT`, context);
  const using = /\bUSING\b/i.exec(masked);
  if (!using) throw refuse('no USING clause');
  const head = sql.slice(0, using.index).trimEnd();
  let i = using.index + using[0].length;
  while (/\s/.test(masked[i] ?? '')) i++;
  let source: string;
  if (masked[i] === '(') {
    const close = matchingParen(masked, i);
    if (close < 0) throw refuse('unbalanced parentheses in its source');
    source = sql.slice(i + 1, close);
    i = close + 1;
  } else {
    const table = /^(?:`[^`]*`|[A-Za-z_][\w-]*)(?:\s*\.\s*(?:`[^`]*`|[A-Za-z_][\w-]*))*/.exec(masked.slice(i));
    if (!table) throw refuse('its source is neither a query nor a table');
    source = `SELECT * FROM ${sql.slice(i, i + table[0].length)}`;
    i += table[0].length;
  }
  const alias = /^\s+(?:AS\s+)?([A-Za-z_]\w*)(?=\s+ON\b)/i.exec(masked.slice(i));
  if (!alias || /^ON$/i.test(alias[1]!)) throw refuse('its source has no alias');
  const name = alias[1]!;
  const rest = sql.slice(i + alias[0].length);
  const used = new Set<string>();
  const body = rewriteParams(rest, (param) => {
    if (!params.includes(param)) return `@${param}`;
    used.add(param);
    return `${name}.${quoteIdentifier(`elt_p_${param}`)}`;
  });
  const columns = [`${name}.*`, ...[...used].map((param) => `@${param} AS ${quoteIdentifier(`elt_p_${param}`)}`)];
  return [
    `CREATE TEMP TABLE ${temp} AS SELECT ${columns.join(', ')} FROM (${source}) AS ${name}`,
    `${head} USING ${temp} AS ${name}${body}`,
  ];
}

/** The text with string literals, quoted identifiers and comments blanked out (same length and offsets). */
function mask(sql: string): string {
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i]!;
    const next = sql[i + 1];
    if (ch === "'" || ch === '"' || ch === '`') {
      const end = closingQuote(sql, i, ch);
      out += ch + 'x'.repeat(Math.max(0, end - i - 2)) + (end - i >= 2 ? ch : '');
      i = end;
    } else if ((ch === '-' && next === '-') || ch === '#') {
      const end = sql.indexOf('\n', i);
      const stop = end === -1 ? sql.length : end;
      out += ' '.repeat(stop - i);
      i = stop;
    } else if (ch === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      const stop = end === -1 ? sql.length : end + 2;
      out += ' '.repeat(stop - i);
      i = stop;
    } else {
      out += ch;
      i++;
    }
  }
  return out;
}

function closingQuote(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === '\\') {
      i += 2;
      continue;
    }
    if (sql[i] === quote) return i + 1;
    i++;
  }
  return sql.length;
}

function matchingParen(masked: string, open: number): number {
  let depth = 0;
  for (let i = open; i < masked.length; i++) {
    if (masked[i] === '(') depth++;
    else if (masked[i] === ')' && --depth === 0) return i;
  }
  return -1;
}
