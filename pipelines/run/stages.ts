import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from '../config/config.js';
import type { Logger } from '../core/logger.js';
import type { StepResult } from '../core/result.js';
import { extractLoadCrm } from '../extract/csv/extract-load-crm.js';
import { extractLoadMarketing } from '../extract/api/extract-load-marketing.js';
import type { MarketingApiSettings } from '../extract/api/settings.js';
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

/**
 * The landing folder: the configured one, or sample exports generated into the work folder. The sample
 * export of a day is generated once (deterministic for its seed, scale and date), as a daily export lands.
 */
export async function landingDir(
  config: Config,
  logger: Logger,
  today: string = new Date().toISOString().slice(0, 10),
): Promise<string> {
  if (config.csv.dir) return config.csv.dir;
  const dir = join(config.workDir, 'landing', `sample-${config.sample.scale}-seed${config.sample.seed}`);
  const marker = join(dir, `.complete-${today}`);
  if (!existsSync(marker)) {
    logger.info({ dir, scale: config.sample.scale, date: today }, 'ELT_CSV_DIR is not set: generating sample CRM exports');
    await generateCrmExports({ dir, scale: config.sample.scale, seed: config.sample.seed, date: today });
    writeFileSync(marker, new Date().toISOString());
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

/**
 * Runs `work` with the marketing API settings: the configured API, or, when MARKETING_API_URL is not
 * set, the local simulator served in-process, its leads pointing at the sample CRM export.
 */
export async function withMarketingApi<T>(
  config: Config,
  logger: Logger,
  work: (api: MarketingApiSettings) => Promise<T>,
): Promise<T> {
  if (config.marketing.url) return work({ ...config.marketing });
  const seed = config.sample.seed;
  const count = config.csv.dir ? 0 : opportunityCount(config.sample.scale);
  const opportunityIds = Array.from({ length: count }, (_, i) => opportunityIdAt(seed, i));
  const token = 'local-simulator-token';
  const simulator = await startSimulator({ seed, opportunityIds, token });
  logger.info({ url: simulator.url }, 'MARKETING_API_URL is not set: extracting from the in-process simulator');
  try {
    return await work({ ...config.marketing, url: simulator.url, token });
  } finally {
    await simulator.close();
  }
}

export const marketingStage: Stage = {
  name: 'extract-load:marketing',
  async run(context) {
    try {
      return await withMarketingApi(context.config, context.logger, (api) =>
        extractLoadMarketing({
          warehouse: context.warehouse,
          api,
          workDir: context.config.workDir,
          runId: context.runId,
          logger: context.logger,
          signal: context.signal,
        }),
      );
    } catch (error) {
      return [await timedStep('extract-load:marketing', 'extract-load', async () => Promise.reject(error), context)];
    }
  },
};

export function transformStage(models?: string[], fullTests = false): Stage {
  return {
    name: 'transform',
    async run(context) {
      let plan;
      try {
        plan = await compileProject(MODELS_DIR, context.warehouse.engine, (ref) => context.warehouse.qualify(ref), {
          select: models,
          fullTests,
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
