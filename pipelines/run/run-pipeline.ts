import type { Config } from '../config/config.js';
import { isTransient } from '../core/errors.js';
import { newRunId } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import type { RunResult, StepResult } from '../core/result.js';
import { lockOwner, WarehouseLock } from '../state/lock.js';
import { RunStore } from '../state/run-store.js';
import { prepareWarehouse } from './prepare-warehouse.js';
import { openWarehouse } from '../warehouse/open-warehouse.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { crmStage, freshnessStage, marketingStage, transformStage, type Stage, type StageContext } from './stages.js';
import { skippedStep } from './stage.js';

export const PIPELINE_LOCK = 'pipeline';

export interface RunPipelineOptions {
  config: Config;
  logger: Logger;
  kind?: 'manual' | 'scheduled';
  runId?: string;
  /** An open warehouse (tests, the scheduler); otherwise the configured one is opened and closed. */
  warehouse?: Warehouse;
  /** Aborting stops the run between units of work (SIGTERM): what is committed stays, nothing is half-written. */
  signal?: AbortSignal;
  /** Restrict the run: which sources to extract, which models to build (`--models` syntax). */
  only?: {
    crm?: boolean;
    marketing?: boolean;
    models?: string[];
    transform?: boolean;
    /** Run every data test on its whole model (by default incremental models are checked on the partitions rebuilt). */
    fullTests?: boolean;
  };
  /** Called after each step is recorded, e.g. to show progress. */
  onStep?: (step: StepResult) => void;
}

/**
 * The main job: extract and load the CRM exports and the marketing API, then build the models and run
 * their tests, under the pipeline lock, recording the run and its steps in `ops` as it goes.
 * Never throws for a pipeline failure: the result says what happened; the caller maps it to an exit code.
 */
export async function runPipeline(options: RunPipelineOptions): Promise<RunResult> {
  const runId = options.runId ?? newRunId();
  const kind = options.kind ?? 'manual';
  const started = new Date();
  const logger = options.logger.child({ runId });
  let warehouse: Warehouse;
  try {
    warehouse = options.warehouse ?? (await openWarehouse(options.config.warehouse, logger));
  } catch (error) {
    if (isTransient(error)) {
      logger.warn({ err: error }, 'warehouse busy: another run is in progress; this run is skipped');
      return finished(runId, kind, started, [], 'skipped', { step: 'open-warehouse', message: (error as Error).message });
    }
    throw error;
  }
  const ownsWarehouse = options.warehouse === undefined;
  try {
    await prepareWarehouse(warehouse);
    const lock = new WarehouseLock(
      warehouse,
      PIPELINE_LOCK,
      lockOwner(runId),
      options.config.schedule.lockTtlMinutes * 60_000,
      logger,
    );
    const taken = await lock.acquire();
    if (!taken.acquired) {
      logger.warn({ holder: taken.holder }, 'another run holds the pipeline lock; this run is skipped');
      return finished(runId, kind, started, [], 'skipped', {
        step: 'lock',
        message: `lock held by ${taken.holder.owner} until ${taken.holder.expiresAt}`,
      });
    }
    const store = new RunStore(warehouse);
    try {
      const abandoned = await store.closeAbandoned(runId);
      if (abandoned > 0) logger.warn({ abandoned }, 'closed runs left running by a process that died');
      await store.start({ runId, kind, startedAt: started.toISOString(), args: options.only });
      const steps: StepResult[] = [];
      // A stage's steps are known together when it ends: they are recorded together, in one statement.
      const record = async (finished: StepResult[]) => {
        steps.push(...finished);
        await store.recordSteps(runId, finished);
        for (const step of finished) {
          logStep(logger, step);
          options.onStep?.(step);
        }
      };
      const context: StageContext = { config: options.config, logger, runId, warehouse, signal: options.signal };
      const stages: Array<[Stage, boolean]> = [
        [crmStage, options.only?.crm ?? true],
        [marketingStage, options.only?.marketing ?? true],
        [transformStage(options.only?.models, options.only?.fullTests ?? false), options.only?.transform ?? true],
        [freshnessStage, (options.only?.crm ?? true) && (options.only?.marketing ?? true)],
      ];
      for (const [stage, enabled] of stages) {
        if (!enabled) continue;
        if (options.signal?.aborted) {
          await record([skippedStep(stage.name, 'other', 'shutdown requested before this stage')]);
          continue;
        }
        await record(await stage.run(context));
      }
      const failed = steps.find((s) => s.status === 'error');
      const interrupted = options.signal?.aborted === true;
      const status = failed || interrupted ? 'error' : 'success';
      const error = failed
        ? { step: failed.name, message: failed.error?.message ?? 'failed' }
        : interrupted
          ? { step: 'run', message: 'interrupted by a shutdown signal' }
          : undefined;
      const result = finished(runId, kind, started, steps, status, error);
      await store.finish(result);
      return result;
    } finally {
      await lock.release();
    }
  } finally {
    if (ownsWarehouse) await warehouse.close();
  }
}

function finished(
  runId: string,
  kind: RunResult['kind'],
  started: Date,
  steps: StepResult[],
  status: RunResult['status'],
  error?: RunResult['error'],
): RunResult {
  const ended = new Date();
  return {
    runId,
    kind,
    status,
    startedAt: started.toISOString(),
    endedAt: ended.toISOString(),
    durationMs: ended.getTime() - started.getTime(),
    steps,
    ...(error ? { error } : {}),
  };
}

function logStep(logger: Logger, step: StepResult): void {
  const fields = {
    step: step.name,
    status: step.status,
    durationMs: step.durationMs,
    counts: step.counts,
    rows: step.rows,
    failures: step.failures,
  };
  if (step.status === 'error') logger.error({ ...fields, error: step.error?.message }, 'step failed');
  else if (step.message) logger.warn({ ...fields, message: step.message }, 'step finished with a warning');
  else logger.info(fields, 'step finished');
}
