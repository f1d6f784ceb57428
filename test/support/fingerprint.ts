import { DuckDbWarehouse } from '../../pipelines/warehouse/duckdb/duckdb-warehouse.js';

/**
 * Columns whose values differ between two warehouses by nature (load ids, load and run times, which run
 * did it): left out of the fingerprint. The data must not differ.
 */
export const VOLATILE_COLUMNS = new Set(['_load_id', '_loaded_at', 'loaded_at', '_file', 'load_id', 'run_id', 'quarantined_at']);

/** ops tables whose content is data, not time: a crash must not leave a file recorded twice or a record quarantined twice. */
const OPS_TABLES = ['file_ledger', 'quarantine'];

/**
 * Row count and an order-independent checksum (sum of row hashes) of every table and view of raw,
 * staging and marts, plus ops.file_ledger and ops.quarantine, without the volatile columns: two
 * warehouses holding the same data have the same fingerprint. Keys are `schema.table`, values `count:checksum`.
 */
export async function fingerprint(path: string): Promise<Record<string, string>> {
  const warehouse = await DuckDbWarehouse.open({ path, readOnly: true });
  try {
    const tables = await warehouse.query<{ s: string; t: string }>(
      `SELECT table_schema AS s, table_name AS t FROM information_schema.tables
       WHERE table_schema IN ('raw', 'staging', 'marts') OR (table_schema = 'ops' AND table_name IN (${OPS_TABLES.map((t) => `'${t}'`).join(', ')}))
       ORDER BY 1, 2`,
    );
    const out: Record<string, string> = {};
    for (const { s, t } of tables) {
      const columns = await warehouse.query<{ name: string }>(
        `SELECT column_name AS name FROM information_schema.columns WHERE table_schema = @s AND table_name = @t ORDER BY ordinal_position`,
        { s, t },
      );
      const kept = columns.filter((c) => !VOLATILE_COLUMNS.has(c.name)).map((c) => `"${c.name.replace(/"/g, '""')}"`);
      const [row] = await warehouse.query<{ n: number; h: string | null }>(
        `SELECT count(*) AS n, CAST(sum(hash(${kept.join(', ')})) AS VARCHAR) AS h FROM "${s}"."${t}"`,
      );
      out[`${s}.${t}`] = `${row?.n}:${row?.h ?? 'empty'}`;
    }
    return out;
  } finally {
    await warehouse.close();
  }
}

/** The tables whose fingerprints differ (or exist on one side only), as `table: expected -> actual`. */
export function fingerprintDiff(expected: Record<string, string>, actual: Record<string, string>): string[] {
  const names = [...new Set([...Object.keys(expected), ...Object.keys(actual)])].sort();
  return names
    .filter((name) => expected[name] !== actual[name])
    .map((name) => `${name}: ${expected[name] ?? 'missing'} -> ${actual[name] ?? 'missing'}`);
}

/** Row counts per table of a fingerprint, e.g. for a report. */
export function rowCounts(print: Record<string, string>): Record<string, number> {
  return Object.fromEntries(Object.entries(print).map(([table, value]) => [table, Number(value.split(':')[0])]));
}
