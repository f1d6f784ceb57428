import pLimit from 'p-limit';
import type { Config } from '../config/config.js';
import { newRunId } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import type { RunResult, StepResult } from '../core/result.js';
import { extractWindow } from '../extract/api/extract-window.js';
import { extractLoadCrm } from '../extract/csv/extract-load-crm.js';
import { listLandingFiles } from '../extract/csv/landing-files.js';
import { MKT_EVENTS } from '../extract/api/marketing-tables.js';
import { landingDir, MODELS_DIR, withMarketingApi } from '../run/stages.js';
import { PIPELINE_LOCK } from '../run/run-pipeline.js';
import { timedStep } from '../run/stage.js';
import { lockOwner, WarehouseLock } from '../state/lock.js';
import { BACKFILL_PARTITIONS, PIPELINE_RUNS } from '../state/ops-tables.js';
import { prepareWarehouse } from '../run/prepare-warehouse.js';
import { RunStore } from '../state/run-store.js';
import { compileProject, runPlan } from '../transform/index.js';
import { openWarehouse } from '../warehouse/open-warehouse.js';
import type { Statement } from '../warehouse/types.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import type { BackfillPartition, BackfillPlan } from './backfill-plan.js';

export interface BackfillProgress {
  done: number;
  total: number;
  rows: number;
  partition?: BackfillPartition;
}

export interface BackfillOptions {
  config: Config;
  logger: Logger;
  plan: BackfillPlan;
  /** Resume this backfill run: its partitions already done are skipped. */
  resumeRunId?: string;
  concurrency?: number;
  warehouse?: Warehouse;
  signal?: AbortSignal;
  now?: () => Date;
  onProgress?: (progress: BackfillProgress) => void;
}

/**
 * Re-extracts a window partition by partition with an explicit end (the stored high-water marks stay
 * as they are), reloads each idempotently with its "done" mark in the same commit, then rebuilds only
 * the affected partitions of the marts. A failed backfill is resumed by the same command (it finds the
 * unfinished run with the same window and streams) or by `resumeRunId`: done partitions are skipped.
 */
export async function runBackfill(options: BackfillOptions): Promise<RunResult> {
  const { config, plan } = options;
  const started = new Date();
  const warehouse = options.warehouse ?? (await openWarehouse(config.warehouse, options.logger));
  const ownsWarehouse = options.warehouse === undefined;
  try {
    await prepareWarehouse(warehouse);
    const args = backfillArgs(plan);
    const runId = options.resumeRunId ?? (await unfinishedRun(warehouse, args)) ?? newRunId(started);
    const logger = options.logger.child({ runId, backfill: `${plan.from}..${plan.to}` });
    const lock = new WarehouseLock(warehouse, PIPELINE_LOCK, lockOwner(runId), config.schedule.lockTtlMinutes * 60_000, logger);
    const taken = await lock.acquire();
    if (!taken.acquired) {
      const now = new Date().toISOString();
      return {
        runId,
        kind: 'backfill',
        status: 'skipped',
        startedAt: started.toISOString(),
        endedAt: now,
        durationMs: Date.now() - started.getTime(),
        window: { from: plan.from, to: plan.to },
        steps: [],
        error: { step: 'lock', message: `lock held by ${taken.holder.owner} until ${taken.holder.expiresAt}` },
      };
    }
    const store = new RunStore(warehouse);
    try {
      await store.closeAbandoned(runId);
      const resumed = await markRunning(warehouse, store, runId, started, plan, args);
      if (resumed) logger.info('resuming an unfinished backfill: partitions already done are skipped');
      const done = await donePartitions(warehouse, runId);
      const steps: StepResult[] = [];
      const record = async (step: StepResult) => {
        steps.push(step);
        await store.recordStep(runId, step);
      };
      const todo = plan.partitions.filter((p) => !done.has(partitionKey(p)));
      const progress: BackfillProgress = { done: plan.partitions.length - todo.length, total: plan.partitions.length, rows: 0 };
      options.onProgress?.(progress);
      const apiPartitions = todo.filter((p) => p.stream !== 'crm');
      if (apiPartitions.length > 0) {
        await withMarketingApi(config, logger, async (api) => {
          const limit = pLimit(Math.max(1, options.concurrency ?? 1));
          await Promise.all(
            apiPartitions.map((partition) =>
              limit(async () => {
                if (options.signal?.aborted) return;
                const name = `backfill:${partition.stream}:${partition.from}`;
                const step = await timedStep(
                  name,
                  'extract-load',
                  async () => {
                    const result = await extractWindow({
                      warehouse,
                      api,
                      workDir: config.workDir,
                      runId,
                      logger,
                      signal: options.signal,
                      now: options.now,
                      stream: partition.stream as 'events' | 'users',
                      from: partition.from,
                      to: partition.to,
                      extraState: (counts) => [partitionDone(warehouse, runId, partition, counts.read)],
                    });
                    if (result.interrupted) throw new Error('interrupted by a shutdown signal before the partition was complete');
                    progress.rows += result.read;
                    const table = partition.stream === 'events' ? 'raw.mkt_events' : 'raw.mkt_users';
                    return { counts: { [table]: { read: result.read, loaded: result.loaded, quarantined: result.quarantined } } };
                  },
                  { runId },
                );
                await record(step);
                if (step.status === 'success') progress.done += 1;
                options.onProgress?.({ ...progress, partition });
              }),
            ),
          );
        });
      }
      for (const partition of todo.filter((p) => p.stream === 'crm')) {
        if (options.signal?.aborted) break;
        const step = await timedStep(
          `backfill:crm:${partition.from}`,
          'extract-load',
          async () => {
            const dir = await landingDir(config, logger);
            const listing = await listLandingFiles(dir, config.csv.patterns);
            const from = Date.parse(partition.from);
            const to = Date.parse(partition.to);
            const files = listing.files
              .filter((f) => f.exportedAt.getTime() >= from && f.exportedAt.getTime() < to)
              .map((f) => f.name);
            if (files.length === 0)
              return { message: `no CRM export in the landing folder was exported in ${partition.from}..${partition.to}` };
            const crmSteps = await extractLoadCrm({
              warehouse,
              dir,
              patterns: config.csv.patterns,
              workDir: config.workDir,
              runId,
              logger,
              files,
              signal: options.signal,
            });
            const failed = crmSteps.find((s) => s.status === 'error');
            if (failed) throw new Error(`${failed.name}: ${failed.error?.message}`);
            await warehouse.transaction([
              partitionDone(
                warehouse,
                runId,
                partition,
                crmSteps.reduce((n, s) => n + Object.values(s.counts ?? {}).reduce((m, c) => m + c.read, 0), 0),
              ),
            ]);
            const counts = Object.assign({}, ...crmSteps.map((s) => s.counts ?? {}));
            return { counts };
          },
          { runId },
        );
        await record(step);
        if (step.status === 'success') progress.done += 1;
        options.onProgress?.({ ...progress, partition });
      }
      const extractFailed = steps.some((s) => s.status === 'error');
      if (!extractFailed && !options.signal?.aborted) {
        const dates = await affectedDates(warehouse, plan);
        const transformPlan = compileProject(MODELS_DIR, warehouse.engine, (ref) => warehouse.qualify(ref), {
          models: plan.models,
          partitions: dates,
          pseudonymSalt: config.pseudonymSalt,
        });
        for (const step of await runPlan(transformPlan, { warehouse, runId, logger, signal: options.signal })) await record(step);
      }
      const failed = steps.find((s) => s.status === 'error');
      const interrupted = options.signal?.aborted === true;
      const ended = new Date();
      const result: RunResult = {
        runId,
        kind: 'backfill',
        status: failed || interrupted ? 'error' : 'success',
        startedAt: started.toISOString(),
        endedAt: ended.toISOString(),
        durationMs: ended.getTime() - started.getTime(),
        window: { from: plan.from, to: plan.to },
        steps,
        ...(failed
          ? { error: { step: failed.name, message: failed.error?.message ?? 'failed' } }
          : interrupted
            ? { error: { step: 'backfill', message: 'interrupted by a shutdown signal; run the same command again to resume' } }
            : {}),
      };
      await store.finish(result);
      return result;
    } finally {
      await lock.release();
    }
  } finally {
    if (ownsWarehouse) await warehouse.close();
  }
}

/** What identifies "the same backfill" for resuming: window and streams. */
export function backfillArgs(plan: BackfillPlan): { from: string; to: string; streams: string[]; models: string[] | null } {
  return { from: plan.from, to: plan.to, streams: [...plan.streams].sort(), models: plan.models ?? null };
}

async function unfinishedRun(warehouse: Warehouse, args: ReturnType<typeof backfillArgs>): Promise<string | undefined> {
  const rows = await warehouse.query<{ run_id: string }>(
    `SELECT run_id FROM ${warehouse.qualify(PIPELINE_RUNS.ref)}
     WHERE kind = 'backfill' AND status <> 'success' AND args = @args
     ORDER BY started_at DESC LIMIT 1`,
    { args: JSON.stringify(args) },
  );
  return rows[0]?.run_id;
}

async function markRunning(
  warehouse: Warehouse,
  store: RunStore,
  runId: string,
  started: Date,
  plan: BackfillPlan,
  args: unknown,
): Promise<boolean> {
  const existing = await warehouse.query(`SELECT run_id FROM ${warehouse.qualify(PIPELINE_RUNS.ref)} WHERE run_id = @run_id`, {
    run_id: runId,
  });
  if (existing.length > 0) {
    await warehouse.execute(
      `UPDATE ${warehouse.qualify(PIPELINE_RUNS.ref)} SET status = 'running', ended_at = NULL, error = NULL WHERE run_id = @run_id`,
      { run_id: runId },
    );
    return true;
  }
  await store.start({
    runId,
    kind: 'backfill',
    startedAt: started.toISOString(),
    window: { from: plan.from, to: plan.to },
    args,
  });
  return false;
}

async function donePartitions(warehouse: Warehouse, runId: string): Promise<Set<string>> {
  const rows = await warehouse.query<{ stream: string; partition_from: string; partition_to: string }>(
    `SELECT stream, partition_from, partition_to FROM ${warehouse.qualify(BACKFILL_PARTITIONS.ref)} WHERE run_id = @run_id AND status = 'done'`,
    { run_id: runId },
  );
  return new Set(
    rows.map((r) =>
      partitionKey({ stream: r.stream as BackfillPartition['stream'], from: r.partition_from, to: r.partition_to }),
    ),
  );
}

function partitionKey(p: BackfillPartition): string {
  return `${p.stream}|${new Date(p.from).toISOString()}|${new Date(p.to).toISOString()}`;
}

function partitionDone(warehouse: Warehouse, runId: string, partition: BackfillPartition, rows: number): Statement {
  return {
    sql: `INSERT INTO ${warehouse.qualify(BACKFILL_PARTITIONS.ref)} (run_id, stream, partition_from, partition_to, status, rows_extracted, finished_at)
          VALUES (@run_id, @stream, @partition_from, @partition_to, 'done', @rows_extracted, @finished_at)`,
    params: {
      run_id: runId,
      stream: partition.stream,
      partition_from: new Date(partition.from),
      partition_to: new Date(partition.to),
      rows_extracted: rows,
      finished_at: new Date(),
    },
  };
}

/** The window's dates, the device-time dates of events received in it (late events land on older dates), and their neighbours. */
async function affectedDates(warehouse: Warehouse, plan: BackfillPlan): Promise<string[]> {
  const dates = new Set(plan.dates);
  if (plan.streams.includes('events') && (await warehouse.describe(MKT_EVENTS.ref))) {
    const rows = await warehouse.query<{ d: string }>(
      `SELECT DISTINCT CAST(DATE(timestamp) AS STRING) AS d FROM ${warehouse.qualify(MKT_EVENTS.ref)} WHERE received_at >= @from AND received_at < @to`,
      { from: new Date(plan.from), to: new Date(plan.to) },
    );
    for (const row of rows) dates.add(row.d);
  }
  // Sessions cross midnight: a rebuilt date's neighbours are rebuilt too, as the hourly run does.
  for (const day of [...dates]) {
    const ms = Date.parse(`${day}T00:00:00Z`);
    for (const neighbour of [ms - 86_400_000, ms + 86_400_000]) dates.add(new Date(neighbour).toISOString().slice(0, 10));
  }
  return [...dates].sort();
}
