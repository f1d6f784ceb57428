import type { RunResult, StepResult } from '../core/result.js';
import type { ParamTypes, Params } from '../warehouse/types.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { PIPELINE_RUNS, PIPELINE_STEPS } from './ops-tables.js';

/** Steps per INSERT: a few hundred query parameters, far below BigQuery's limits. */
const STEPS_PER_INSERT = 50;

/**
 * Records runs and their steps in `ops.pipeline_runs` / `ops.pipeline_steps` as they go, so a run that
 * dies still shows what it did, and `status` can tell a running run from a finished one.
 */
export class RunStore {
  constructor(private readonly warehouse: Warehouse) {}

  async start(run: {
    runId: string;
    kind: RunResult['kind'];
    startedAt: string;
    window?: { from: string; to: string };
    args?: unknown;
  }): Promise<void> {
    await this.warehouse.execute(
      `INSERT INTO ${this.warehouse.qualify(PIPELINE_RUNS.ref)} (run_id, kind, status, window_from, window_to, started_at, args)
       VALUES (@run_id, @kind, 'running', @window_from, @window_to, @started_at, @args)`,
      {
        run_id: run.runId,
        kind: run.kind,
        window_from: run.window ? new Date(run.window.from) : null,
        window_to: run.window ? new Date(run.window.to) : null,
        started_at: new Date(run.startedAt),
        args: run.args === undefined ? null : JSON.stringify(run.args),
      },
      {
        types: { window_from: 'TIMESTAMP', window_to: 'TIMESTAMP', args: 'STRING' },
        context: { runId: run.runId, step: 'record-run' },
      },
    );
  }

  async recordStep(runId: string, step: StepResult): Promise<void> {
    await this.recordSteps(runId, [step]);
  }

  /**
   * Records steps that finished together (a stage's) with one INSERT per `STEPS_PER_INSERT` steps:
   * BigQuery bills and quotas each DML statement, and a run has about two hundred steps.
   */
  async recordSteps(runId: string, steps: StepResult[]): Promise<void> {
    for (let start = 0; start < steps.length; start += STEPS_PER_INSERT) {
      const params: Params = { run_id: runId };
      const types: ParamTypes = {};
      const values = steps.slice(start, start + STEPS_PER_INSERT).map((step, i) => {
        const rows = step.counts ?? (step.rows !== undefined ? { rows: step.rows } : null);
        Object.assign(params, {
          [`step_${i}`]: step.name,
          [`kind_${i}`]: step.kind,
          [`status_${i}`]: step.status,
          [`started_at_${i}`]: new Date(step.startedAt),
          [`ended_at_${i}`]: new Date(step.endedAt),
          [`row_counts_${i}`]: rows === null ? null : JSON.stringify(rows),
          [`message_${i}`]: step.message ?? null,
          [`error_${i}`]: step.error?.message ?? null,
        });
        Object.assign(types, { [`row_counts_${i}`]: 'STRING', [`message_${i}`]: 'STRING', [`error_${i}`]: 'STRING' });
        const columns = ['step', 'kind', 'status', 'started_at', 'ended_at', 'row_counts', 'message', 'error'];
        return `(@run_id, ${columns.map((c) => `@${c}_${i}`).join(', ')})`;
      });
      await this.warehouse.execute(
        `INSERT INTO ${this.warehouse.qualify(PIPELINE_STEPS.ref)} (run_id, step, kind, status, started_at, ended_at, row_counts, message, error)
       VALUES ${values.join(',\n       ')}`,
        params,
        { types, context: { runId, step: 'record-step' } },
      );
    }
  }

  async finish(result: RunResult): Promise<void> {
    await this.warehouse.execute(
      `UPDATE ${this.warehouse.qualify(PIPELINE_RUNS.ref)}
       SET status = @status, ended_at = @ended_at, row_counts = @row_counts, error = @error, summary = @summary
       WHERE run_id = @run_id`,
      {
        run_id: result.runId,
        status: result.status,
        ended_at: new Date(result.endedAt),
        row_counts: JSON.stringify(rowsPerTable(result.steps)),
        error: result.error ? `${result.error.step}: ${result.error.message}` : null,
        summary: JSON.stringify(result),
      },
      { types: { error: 'STRING' }, context: { runId: result.runId, step: 'record-run' } },
    );
  }

  /**
   * Closes the runs still marked `running` that no process is running any more: called by the holder of
   * the pipeline lock, which no other run can hold, so any other `running` row is a run that died.
   */
  async closeAbandoned(currentRunId: string, now: Date = new Date()): Promise<number> {
    const changed = await this.warehouse.execute(
      `UPDATE ${this.warehouse.qualify(PIPELINE_RUNS.ref)}
       SET status = 'error', ended_at = @now, error = 'abandoned: the process ended before the run finished (killed or crashed)'
       WHERE status = 'running' AND run_id <> @run_id`,
      { now, run_id: currentRunId },
      { context: { runId: currentRunId, step: 'record-run' } },
    );
    return changed ?? 0;
  }

  /** Steps of a run that succeeded, by name: what a resumed run may skip. */
  async succeededSteps(runId: string): Promise<Set<string>> {
    const rows = await this.warehouse.query<{ step: string }>(
      `SELECT DISTINCT step FROM ${this.warehouse.qualify(PIPELINE_STEPS.ref)} WHERE run_id = @run_id AND status = 'success'`,
      { run_id: runId },
    );
    return new Set(rows.map((r) => r.step));
  }
}

/** Sums the counts of every extract-load step, per table. */
export function rowsPerTable(steps: StepResult[]): Record<string, { read: number; loaded: number; quarantined: number }> {
  const totals: Record<string, { read: number; loaded: number; quarantined: number }> = {};
  for (const step of steps) {
    for (const [table, counts] of Object.entries(step.counts ?? {})) {
      const total = (totals[table] ??= { read: 0, loaded: 0, quarantined: 0 });
      total.read += counts.read;
      total.loaded += counts.loaded;
      total.quarantined += counts.quarantined;
    }
  }
  return totals;
}
