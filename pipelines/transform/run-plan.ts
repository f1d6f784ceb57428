import { ConfigError, PipelineError, TerminalError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { StepResult } from '../core/result.js';
import { MODEL_STATE } from '../state/ops-tables.js';
import { paramNames } from '../warehouse/sql-params.js';
import type { Params } from '../warehouse/types.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { checkColumns } from './column-contract.js';
import { descendants } from './dag.js';
import { buildIncremental, partitionList } from './incremental.js';
import { failureMessage, runDataTest } from './run-data-test.js';
import type { CompiledModel, CompiledTest, TransformPlan } from './types.js';

export interface RunPlanOptions {
  warehouse: Warehouse;
  runId: string;
  logger: Logger;
  /**
   * Steps already done by an earlier attempt of the run, to resume it: model names (`best_proposition`)
   * or step names (`model:marts.best_proposition`, `test:unique_best_proposition_opportunity_id`). A
   * completed model is not rebuilt; its tests still run unless they are listed too.
   */
  completed?: Set<string>;
  /** When aborted, the steps not yet started are skipped ("shutdown requested"). */
  signal?: AbortSignal;
}

/**
 * Executes a plan: builds each model atomically (`warehouse.materialize`), checks its columns against
 * its YAML, then runs its tests. Never throws for a failing model or test; returns one StepResult
 * per step (`model:<layer>.<name>`, `test:<name>`), in plan order:
 *
 * - a model that fails is `error`, and everything downstream of it is `skipped` with the reason;
 * - a test with failing rows is `error` when its severity is error (downstream models are skipped,
 *   as dbt build does), `success` with a message when it is warn; the message names the model, the
 *   test and a sample of up to 5 failing rows; a test whose query fails is `error` (and holds the
 *   models downstream only when its severity is error);
 * - a model or test in `completed` is `skipped` ("already done").
 *
 * Throws only for a plan that cannot run on this warehouse (compiled for another engine).
 */
export async function runPlan(plan: TransformPlan, options: RunPlanOptions): Promise<StepResult[]> {
  const { warehouse, runId, logger } = options;
  if (plan.target !== warehouse.engine) {
    throw new ConfigError(`the plan was compiled for ${plan.target} but the warehouse is ${warehouse.engine}`);
  }
  const completed = options.completed ?? new Set<string>();
  const results: StepResult[] = [];
  // Incremental model -> the partitions this run rebuilt: its scoped tests check those only.
  const rebuilt = new Map<string, string[]>();
  // Model name -> why it must not be built (an upstream failure).
  const blocked = new Map<string, string>();
  const unavailable = new Map<string, string>();
  const byName = new Map(plan.all.map((m) => [m.name, m]));
  const relation = (name: string) => {
    const model = byName.get(name);
    return model ? `${model.ref.layer}.${model.name}` : name;
  };
  const block = (name: string, reason: string) => {
    for (const downstream of descendants(plan.all, name)) if (!blocked.has(downstream)) blocked.set(downstream, reason);
  };

  if (plan.models.some((m) => m.materialized === 'incremental')) {
    await warehouse.ensureTable(MODEL_STATE, { runId });
  }

  for (const step of plan.steps) {
    if (step.kind === 'model') {
      const model = step.model;
      const name = `model:${relation(model.name)}`;
      if (options.signal?.aborted) {
        results.push(skipped(name, 'model', 'shutdown requested'));
        unavailable.set(model.name, 'shutdown requested');
      } else if (completed.has(model.name) || completed.has(name)) {
        results.push(skipped(name, 'model', 'already built by an earlier attempt of this run'));
      } else if (blocked.has(model.name)) {
        const reason = blocked.get(model.name)!;
        results.push(skipped(name, 'model', reason));
        unavailable.set(model.name, reason);
        block(model.name, reason);
      } else {
        const result = await timed(name, 'model', () => buildModel(model, plan, options, name, rebuilt));
        results.push(result);
        log(logger, result);
        if (result.status === 'error') {
          unavailable.set(model.name, `model ${relation(model.name)} failed`);
          block(model.name, `upstream model ${relation(model.name)} failed`);
        }
      }
      continue;
    }

    const test = step.test;
    const name = `test:${test.name}`;
    const missing = test.dependsOn.find((d) => unavailable.has(d));
    if (options.signal?.aborted) {
      results.push(skipped(name, 'test', 'shutdown requested'));
    } else if (completed.has(name)) {
      results.push(skipped(name, 'test', 'already passed in an earlier attempt of this run'));
    } else if (missing) {
      results.push(skipped(name, 'test', `model ${relation(missing)} was not built: ${unavailable.get(missing)}`));
    } else {
      const scope = test.scoped && !plan.fullTests ? rebuilt.get(test.model) : undefined;
      const result = await timed(name, 'test', () => runTest(test, relation(test.model), options, name, scope));
      results.push(result);
      log(logger, result);
      // A warn-level test informs; even when its query fails, it does not hold the models downstream.
      if (result.status === 'error' && test.severity === 'error') block(test.model, `upstream test ${test.name} failed`);
    }
  }
  return results;
}

async function buildModel(
  model: CompiledModel,
  plan: TransformPlan,
  options: RunPlanOptions,
  step: string,
  rebuilt: Map<string, string[]>,
): Promise<Partial<StepResult>> {
  const { warehouse, runId } = options;
  const context = { runId, step, model: model.name };
  const params = modelParams(model, plan.params);
  let rows: number | undefined;
  let message: string | undefined;
  if (model.materialized === 'incremental') {
    const outcome = await buildIncremental(warehouse, model, plan, params, context);
    ({ rows, message } = outcome);
    if (outcome.rebuilt) rebuilt.set(model.name, outcome.rebuilt);
  } else {
    const built = await warehouse.materialize({
      spec: model.spec,
      sql: model.sql,
      params,
      materialization: { kind: model.materialized },
      context,
    });
    rows = built.rows ?? undefined;
  }
  const info = await warehouse.describe(model.ref);
  if (!info)
    throw new TerminalError(`model ${model.ref.layer}.${model.name} was not found after its build`, { model: model.name });
  checkColumns(model, info, warehouse.engine);
  // What an incremental build did (which partitions) is information, not a warning.
  return { ...(rows !== undefined ? { rows } : {}), ...(message ? { info: message } : {}) };
}

function modelParams(model: CompiledModel, available: Params): Params {
  const names = new Set([
    ...paramNames(model.sql),
    ...paramNames(model.incremental?.sql ?? ''),
    ...paramNames(model.incremental?.merge?.sql ?? ''),
  ]);
  // Set by the incremental build itself.
  for (const own of ['partitions', 'since', 'until']) names.delete(own);
  const params: Params = {};
  for (const name of names) {
    if (!(name in available)) {
      throw new ConfigError(
        `model ${model.ref.layer}.${model.name} reads the parameter @${name}, which the run does not provide`,
        {
          model: model.name,
        },
      );
    }
    params[name] = available[name]!;
  }
  return params;
}

/**
 * Runs a test; with `scope` (the partitions its incremental model rebuilt in this run), its scoped
 * variant, on those partitions only: the rows the run did not write were checked when they were.
 */
async function runTest(
  test: CompiledTest,
  relation: string,
  options: RunPlanOptions,
  step: string,
  scope?: string[],
): Promise<Partial<StepResult>> {
  const context = { runId: options.runId, step, model: test.model };
  if (scope && scope.length === 0) {
    return { severity: test.severity, failures: 0, info: 'its model rebuilt no partition in this run: nothing new to check' };
  }
  const outcome =
    scope && test.scoped
      ? await runDataTest(
          options.warehouse,
          { ...test, sql: test.scoped.sql, params: { ...test.params, partitions: scope }, types: test.scoped.types },
          context,
        )
      : await runDataTest(options.warehouse, test, context);
  const base = {
    severity: test.severity,
    failures: outcome.failures,
    ...(scope
      ? {
          info: `checked the rebuilt partitions ${partitionList(scope)}`,
        }
      : {}),
  };
  if (outcome.failures === 0) return base;
  const message = failureMessage(test, relation, outcome);
  if (test.severity === 'error') throw new DataTestFailure(message, { ...base, sample: outcome.sample });
  return { ...base, sample: outcome.sample, message: `warning: ${message}` };
}

class DataTestFailure extends TerminalError {
  constructor(
    message: string,
    readonly extra: Partial<StepResult>,
  ) {
    super(message);
  }
}

async function timed(name: string, kind: StepResult['kind'], work: () => Promise<Partial<StepResult>>): Promise<StepResult> {
  const started = new Date();
  const finish = (extra: Partial<StepResult>, status: StepResult['status']): StepResult => {
    const ended = new Date();
    return {
      name,
      kind,
      status,
      startedAt: started.toISOString(),
      endedAt: ended.toISOString(),
      durationMs: ended.getTime() - started.getTime(),
      ...extra,
    };
  };
  try {
    return finish(await work(), 'success');
  } catch (error) {
    const extra = error instanceof DataTestFailure ? error.extra : {};
    const kindOf = error instanceof PipelineError ? error.kind : 'terminal';
    const message = error instanceof Error ? error.message : String(error);
    return finish({ ...extra, error: { kind: kindOf, message } }, 'error');
  }
}

function skipped(name: string, kind: StepResult['kind'], message: string): StepResult {
  const now = new Date().toISOString();
  return { name, kind, status: 'skipped', startedAt: now, endedAt: now, durationMs: 0, message };
}

function log(logger: Logger, result: StepResult): void {
  // Counts and names only: a failing sample may hold record values, so it stays out of the log.
  const fields = {
    step: result.name,
    status: result.status,
    durationMs: result.durationMs,
    ...(result.rows !== undefined ? { rows: result.rows } : {}),
    ...(result.failures !== undefined ? { failures: result.failures, severity: result.severity } : {}),
  };
  if (result.status === 'error' && result.kind === 'model')
    logger.error({ ...fields, error: result.error }, `${result.name} failed`);
  else if (result.status === 'error') logger.error({ ...fields, error: result.error?.kind }, `${result.name} failed`);
  else if (result.failures) logger.warn(fields, `${result.name}: ${result.failures} failing rows (warn)`);
  else logger.info(fields, `${result.name} ${result.message ?? result.info ?? 'done'}`);
}
