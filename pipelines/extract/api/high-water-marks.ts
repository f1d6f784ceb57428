import { HIGH_WATER_MARKS } from '../../state/ops-tables.js';
import type { Statement } from '../../warehouse/types.js';
import type { Warehouse } from '../../warehouse/warehouse.js';

/** The stored high-water mark of a stream (ISO 8601 UTC), or null before its first committed window. */
export async function readHighWaterMark(warehouse: Warehouse, stream: string): Promise<string | null> {
  const rows = await warehouse.query<{ high_water_mark: string | null }>(
    `SELECT high_water_mark FROM ${warehouse.qualify(HIGH_WATER_MARKS.ref)} WHERE stream = @stream`,
    { stream },
    { context: { step: `hwm:${stream}` } },
  );
  return rows[0]?.high_water_mark ?? null;
}

/**
 * The statement that moves a stream's mark to `mark` (exclusive end of what is committed), to run in the
 * same unit as the rows it covers. It only moves the mark forward: a unit replayed after a later one
 * cannot take it back.
 */
export function highWaterMarkStatement(warehouse: Warehouse, stream: string, mark: string, runId: string, now: Date): Statement {
  return {
    sql: `MERGE INTO ${warehouse.qualify(HIGH_WATER_MARKS.ref)} t
      USING (SELECT @stream AS stream) s
      ON t.stream = s.stream
      WHEN MATCHED AND t.high_water_mark < CAST(@mark AS TIMESTAMP) THEN
        UPDATE SET high_water_mark = CAST(@mark AS TIMESTAMP), run_id = @run_id, updated_at = @now
      WHEN NOT MATCHED THEN
        INSERT (stream, high_water_mark, run_id, updated_at) VALUES (@stream, CAST(@mark AS TIMESTAMP), @run_id, @now)`,
    params: { stream, mark, run_id: runId, now },
    types: { mark: 'TIMESTAMP' },
  };
}
