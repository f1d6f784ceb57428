import { MODEL_STATE } from '../state/ops-tables.js';
import type { JobContext, Params } from '../warehouse/types.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { dialectFor } from './dialect.js';
import type { CompiledModel, TransformPlan } from './types.js';

export interface IncrementalOutcome {
  rows?: number;
  message: string;
  /** The partitions this build replaced (all or some of their rows); absent after a full build. */
  rebuilt?: string[];
}

/**
 * Builds one incremental model.
 *
 * - Forced partitions (`plan.partitions`, a backfill): exactly those are rebuilt; the watermark does not move.
 * - First build (no table or no watermark) or `plan.fullRefresh`: the whole table is rebuilt.
 * - Otherwise: the partitions (`partition_expr`) of the source rows loaded after the watermark
 *   (`loaded_at` > watermark) are rebuilt, and nothing else; no new rows, nothing is built. A model
 *   with a `unique_key` rebuilds, in those partitions, only the rows its `merge` SELECT returns for the
 *   load window (watermark, newest load]: its cost follows the new rows, not the partitions' size.
 *
 * The new watermark (the greatest `loaded_at` of the source) is read before the build and stored in
 * `ops.model_state` after it: rows loaded during the build are seen again next time, never missed. A
 * crash between build and watermark only makes the next run rebuild the same partitions again.
 */
export async function buildIncremental(
  warehouse: Warehouse,
  model: CompiledModel,
  plan: TransformPlan,
  params: Params,
  context: JobContext & { runId: string },
): Promise<IncrementalOutcome> {
  const incremental = model.incremental!;
  const dialect = dialectFor(plan.target);
  const source = warehouse.qualify(incremental.source);
  const loadedAt = incremental.loadedAt;
  const request = { spec: model.spec, context };
  const column = incremental.partitionBy;

  if (plan.partitions) {
    if (plan.partitions.length === 0) return { message: 'no partitions given: nothing rebuilt', rebuilt: [] };
    const { rows } = await warehouse.materialize({
      ...request,
      sql: incremental.sql,
      params: { ...params, partitions: plan.partitions },
      types: incremental.types,
      materialization: { kind: 'incremental', partitionColumn: column, partitions: plan.partitions, full: false },
    });
    return {
      rows: rows ?? undefined,
      message: `rebuilt partitions ${partitionList(plan.partitions)} (watermark unchanged)`,
      rebuilt: plan.partitions,
    };
  }

  const [state] = await warehouse.query<{ since: unknown }>(
    `SELECT ${dialect.unixMicros('watermark')} AS since FROM ${warehouse.qualify(MODEL_STATE.ref)} WHERE model = @model`,
    { model: model.name },
    { context },
  );
  const since = toMicros(state?.since);
  // Only the rows after the watermark are read: the source (often a view) is not scanned whole.
  const [latest] = await warehouse.query<{ until: unknown }>(
    `SELECT ${dialect.unixMicros(`MAX(${loadedAt})`)} AS until FROM ${source}` +
      (since === null ? '' : `\nWHERE ${loadedAt} > ${dialect.timestampMicros('@since')}`),
    since === null ? {} : { since },
    since === null ? { context } : { types: { since: 'INT64' }, context },
  );
  const until = toMicros(latest?.until) ?? since;
  const existing = await warehouse.describe(model.ref);

  if (plan.fullRefresh || existing === null || since === null) {
    const { rows } = await warehouse.materialize({
      ...request,
      sql: model.sql,
      params,
      materialization: { kind: 'incremental', partitionColumn: column, partitions: [], full: true },
    });
    await saveWatermark(warehouse, model.name, until, context);
    const why = plan.fullRefresh ? 'full refresh' : existing === null ? 'first build' : 'no watermark yet';
    return { rows: rows ?? undefined, message: `full build (${why})` };
  }
  if (until === null || until <= since) {
    return { rows: existing.rows ?? undefined, message: 'up to date: no source rows loaded since the watermark', rebuilt: [] };
  }

  const partitionRows = await warehouse.query<{ partition_value: string }>(
    `SELECT DISTINCT CAST(${incremental.partitionExpr} AS STRING) AS partition_value
FROM ${source}
WHERE ${loadedAt} > ${dialect.timestampMicros('@since')} AND ${loadedAt} <= ${dialect.timestampMicros('@until')}
  AND (${incremental.partitionExpr}) IS NOT NULL
ORDER BY partition_value`,
    { since, until },
    { types: { since: 'INT64', until: 'INT64' }, context },
  );
  const partitions = partitionRows.map((r) => String(r.partition_value));
  if (partitions.length === 0) {
    await saveWatermark(warehouse, model.name, until, context);
    return { rows: existing.rows ?? undefined, message: 'new source rows have no partition: nothing rebuilt', rebuilt: [] };
  }
  const merge = incremental.merge;
  const { rows } = await warehouse.materialize({
    ...request,
    sql: merge?.sql ?? incremental.sql,
    params: merge ? { ...params, partitions, since, until } : { ...params, partitions },
    types: merge?.types ?? incremental.types,
    materialization: {
      kind: 'incremental',
      partitionColumn: column,
      partitions,
      full: false,
      ...(merge ? { uniqueKey: merge.uniqueKey } : {}),
    },
  });
  await saveWatermark(warehouse, model.name, until, context);
  const what = merge ? `rebuilt the changed rows (by ${merge.uniqueKey}) of partitions` : 'rebuilt partitions';
  return { rows: rows ?? undefined, message: `${what} ${partitionList(partitions)}`, rebuilt: partitions };
}

async function saveWatermark(warehouse: Warehouse, model: string, until: number | null, context: JobContext & { runId: string }) {
  const table = warehouse.qualify(MODEL_STATE.ref);
  const dialect = dialectFor(warehouse.engine);
  await warehouse.transaction(
    [
      { sql: `DELETE FROM ${table} WHERE model = @model`, params: { model } },
      {
        sql: `INSERT INTO ${table} (model, watermark, built_at, run_id) VALUES (@model, ${dialect.timestampMicros('@watermark')}, @built_at, @run_id)`,
        params: { model, watermark: until, built_at: new Date(), run_id: context.runId },
        types: { watermark: 'INT64', built_at: 'TIMESTAMP' },
      },
    ],
    context,
  );
}

function toMicros(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const micros = Number(value);
  return Number.isFinite(micros) ? micros : null;
}

/** Dates for a message: all of them up to 10, else the first 10 and how many more. */
export function partitionList(partitions: string[]): string {
  return partitions.length <= 10
    ? partitions.join(', ')
    : `${partitions.slice(0, 10).join(', ')} and ${partitions.length - 10} more`;
}
