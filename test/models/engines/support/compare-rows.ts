import type { ColumnSpec } from '../../../../pipelines/warehouse/types.js';

type Row = Record<string, unknown>;

/**
 * Relative tolerance for FLOAT64 columns: the engines may sum or average in another order, which
 * changes the last bits of a double (|a - b| <= 1e-9 * max(|a|, |b|)).
 */
export const FLOAT_RELATIVE_TOLERANCE = 1e-9;

function sameValue(a: unknown, b: unknown, type: ColumnSpec['type']): boolean {
  if (a === null || b === null || a === undefined || b === undefined) return (a ?? null) === (b ?? null);
  if (type === 'FLOAT64' && typeof a === 'number' && typeof b === 'number') {
    return a === b || Math.abs(a - b) <= FLOAT_RELATIVE_TOLERANCE * Math.max(Math.abs(a), Math.abs(b));
  }
  return JSON.stringify(a) === JSON.stringify(b);
}

function canonical(row: Row, columns: ColumnSpec[]): string {
  return JSON.stringify(columns.map((c) => row[c.name] ?? null));
}

/**
 * Compares two results as multisets of rows over the given columns (TIMESTAMP and DATE as the
 * warehouses return them: ISO text, `YYYY-MM-DD`), FLOAT64 within FLOAT_RELATIVE_TOLERANCE. Returns
 * the differences in words, none when equal: extra or missing columns, and for each unmatched row
 * the nearest row of the other side with the columns that differ and both values.
 */
export function rowDifferences(
  columns: ColumnSpec[],
  duckdb: Row[],
  zetasql: Row[],
  names: { left: string; right: string } = { left: 'DuckDB', right: 'ZetaSQL' },
): string[] {
  const problems: string[] = [];
  const expected = columns.map((c) => c.name).join(', ');
  for (const [side, rows] of [
    [names.left, duckdb],
    [names.right, zetasql],
  ] as const) {
    const got = rows[0] ? Object.keys(rows[0]).join(', ') : expected;
    if (got !== expected) problems.push(`${side} columns are (${got}), declared (${expected})`);
  }
  if (problems.length > 0) return problems;

  const sorted = (rows: Row[]) => [...rows].sort((a, b) => canonical(a, columns).localeCompare(canonical(b, columns)));
  const left = sorted(duckdb);
  const unmatched = sorted(zetasql);
  const leftovers: Row[] = [];
  for (const row of left) {
    const index = unmatched.findIndex((other) => columns.every((c) => sameValue(row[c.name], other[c.name], c.type)));
    if (index === -1) leftovers.push(row);
    else unmatched.splice(index, 1);
  }
  if (leftovers.length === 0 && unmatched.length === 0) return [];

  problems.push(`${duckdb.length} rows on ${names.left}, ${zetasql.length} on ${names.right}`);
  const pool = [...unmatched];
  for (const row of leftovers) {
    const nearest = nearestRow(row, pool, columns);
    if (!nearest) {
      problems.push(`only on ${names.left}: ${canonical(row, columns)}`);
      continue;
    }
    pool.splice(pool.indexOf(nearest), 1);
    const differing = columns
      .filter((c) => !sameValue(row[c.name], nearest[c.name], c.type))
      .map((c) => `${c.name}: ${names.left}=${JSON.stringify(row[c.name])} ${names.right}=${JSON.stringify(nearest[c.name])}`);
    const key = columns
      .filter((c) => sameValue(row[c.name], nearest[c.name], c.type))
      .slice(0, 3)
      .map((c) => `${c.name}=${JSON.stringify(row[c.name])}`);
    problems.push(`row (${key.join(', ')}) differs: ${differing.join('; ')}`);
  }
  for (const row of pool) problems.push(`only on ${names.right}: ${canonical(row, columns)}`);
  return problems;
}

/** The row of `pool` equal to `row` on the most columns (at least half of them), or undefined. */
function nearestRow(row: Row, pool: Row[], columns: ColumnSpec[]): Row | undefined {
  let best: Row | undefined;
  let bestScore = Math.ceil(columns.length / 2) - 1;
  for (const other of pool) {
    const score = columns.filter((c) => sameValue(row[c.name], other[c.name], c.type)).length;
    if (score > bestScore) {
      best = other;
      bestScore = score;
    }
  }
  return best;
}
