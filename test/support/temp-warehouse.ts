import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureOpsTables } from '../../pipelines/state/ops-tables.js';
import { DuckDbWarehouse } from '../../pipelines/warehouse/duckdb/duckdb-warehouse.js';

/** A fresh DuckDB warehouse in a temporary folder, with the ops tables; `dispose` closes and deletes it. */
export async function tempDuckDb(
  prefix = 'elt-test-',
): Promise<{ warehouse: DuckDbWarehouse; dir: string; path: string; dispose(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const path = join(dir, 'warehouse.duckdb');
  const warehouse = await DuckDbWarehouse.open({ path });
  await ensureOpsTables(warehouse);
  return {
    warehouse,
    dir,
    path,
    async dispose() {
      await warehouse.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
