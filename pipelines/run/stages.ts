import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from '../config/config.js';
import type { Logger } from '../core/logger.js';
import type { StepResult } from '../core/result.js';
import { extractLoadCrm } from '../extract/csv/extract-load-crm.js';
import { extractLoadMarketing } from '../extract/api/extract-load-marketing.js';
import { generateCrmExports } from '../generate/generate-crm.js';
import { opportunityCount, opportunityIdAt } from '../generate/ids.js';
import { startSimulator } from '../simulator/server.js';
import { compileProject, runPlan } from '../transform/index.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { checkFreshness } from '../ops/freshness.js';
import { withRetry } from './retry.js';
import { skippedStep, timedStep } from './stage.js';

export interface StageContext {
  config: Config;
  logger: Logger;
  runId: string;
  warehouse: Warehouse;
  signal?: AbortSignal;
}

/** One stage of the main job; returns its steps and never throws for a pipeline failure. */
export interface Stage {
  name: string;
  run(context: StageContext): Promise<StepResult[]>;
}

export const MODELS_DIR = resolve(import.meta.dirname, '../../models');

/** The landing folder: the configured one, or generated sample exports (deterministic, made once). */
export async function landingDir(config: Config, logger: Logger): Promise<string> {
  if (config.csv.dir) return config.csv.dir;
  const dir = join(config.workDir, 'landing', `sample-${config.sample.scale}-seed${config.sample.seed}`);
  if (!existsSync(join(dir, '.complete'))) {
    logger.info({ dir, scale: config.sample.scale }, 'ELT_CSV_DIR is not set: generating sample CRM exports');
    await generateCrmExports({ dir, scale: config.sample.scale, seed: config.sample.seed });
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, '.complete'), new Date().toISOString());
  }
  return dir;
}

export const crmStage: Stage = {
  name: 'extract-load:crm',
  async run(context) {
    let dir: string;
    try {
      dir = await landingDir(context.config, context.logger);
    } catch (error) {
      return [await timedStep('extract-load:crm', 'extract-load', async () => Promise.reject(error), context)];
    }
    return withRetry(
      () =>
        extractLoadCrm({
          warehouse: context.warehouse,
          dir,
          patterns: context.config.csv.patterns,
          workDir: context.config.workDir,
          runId: context.runId,
          logger: context.logger,
          signal: context.signal,
        }),
      undefined,
      {
        signal: context.signal,
        onRetry: (error, attempt, delayMs) =>
          context.logger.warn({ err: error.message, attempt, delayMs }, 'retrying the CRM load'),
      },
    );
  },
};

export const marketingStage: Stage = {
  name: 'extract-load:marketing',
  async run(context) {
    const { config } = context;
    let url = config.marketing.url;
    let token = config.marketing.token;
    let simulator: Awaited<ReturnType<typeof startSimulator>> | undefined;
    if (!url) {
      // No API configured: serve the local simulator in-process, its leads pointing at the sample export.
      const seed = config.sample.seed;
      const count = config.csv.dir ? 0 : opportunityCount(config.sample.scale);
      const opportunityIds = Array.from({ length: count }, (_, i) => opportunityIdAt(seed, i));
      simulator = await startSimulator({ seed, opportunityIds, token: 'local-simulator-token' });
      url = simulator.url;
      token = 'local-simulator-token';
      context.logger.info({ url }, 'MARKETING_API_URL is not set: extracting from the in-process simulator');
    }
    try {
      return await extractLoadMarketing({
        warehouse: context.warehouse,
        api: { ...config.marketing, url, token },
        workDir: config.workDir,
        runId: context.runId,
        logger: context.logger,
        signal: context.signal,
      });
    } finally {
      await simulator?.close();
    }
  },
};

export function transformStage(models?: string[]): Stage {
  return {
    name: 'transform',
    async run(context) {
      let plan;
      try {
        plan = await compileProject(MODELS_DIR, context.warehouse.engine, (ref) => context.warehouse.qualify(ref), {
          select: models,
          pseudonymSalt: context.config.pseudonymSalt,
        });
      } catch (error) {
        return [await timedStep('transform:compile', 'model', async () => Promise.reject(error), context)];
      }
      if (context.signal?.aborted) return [skippedStep('transform', 'model', 'shutdown requested')];
      return runPlan(plan, {
        warehouse: context.warehouse,
        runId: context.runId,
        logger: context.logger,
        signal: context.signal,
      });
    },
  };
}

/** Warns, then fails the run, when a source has had no new data for longer than its thresholds. */
export const freshnessStage: Stage = {
  name: 'freshness',
  async run(context) {
    return [
      await timedStep(
        'freshness',
        'other',
        async () => {
          const reports = await checkFreshness(context.warehouse, context.config.freshness);
          const late = reports.filter((r) => r.level === 'warn' || r.level === 'error');
          const describe = (r: (typeof reports)[number]) =>
            `${r.name} has no new data for ${r.ageHours} h (${r.level} past ${r.level === 'error' ? r.errorHours : r.warnHours} h)`;
          const errors = late.filter((r) => r.level === 'error');
          if (errors.length > 0) throw new Error(`stale sources: ${errors.map(describe).join('; ')}`);
          return late.length > 0 ? { message: late.map(describe).join('; ') } : {};
        },
        context,
      ),
    ];
  },
};
