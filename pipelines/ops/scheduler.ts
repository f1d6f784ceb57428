import cron, { type ScheduledTask } from 'node-cron';
import { ConfigError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { RunResult } from '../core/result.js';

export interface SchedulerOptions {
  cron: string;
  timezone: string;
  logger: Logger;
  /** One run of the job; it must stop between units of work when the signal aborts. */
  job: (signal: AbortSignal) => Promise<RunResult>;
  /** Called with each finished run (logging, alerts). */
  onResult?: (result: RunResult) => Promise<void> | void;
}

export interface Scheduler {
  /** Next planned run times. */
  nextRuns(count: number): Date[];
  /** Stops scheduling, asks a running run to stop between units of work, and waits for it. */
  stop(): Promise<void>;
  /** Resolves when the scheduler has stopped. */
  readonly stopped: Promise<void>;
}

/**
 * Runs the job on a cron expression (node-cron). Runs never overlap in this process (node-cron's
 * noOverlap; a tick that would overlap is logged as skipped), and the job itself takes the warehouse
 * lock, so they never overlap across processes either.
 */
export function startScheduler(options: SchedulerOptions): Scheduler {
  if (!cron.validate(options.cron))
    throw new ConfigError(
      `invalid configuration: ELT_SCHEDULE_CRON: not a cron expression (got ${JSON.stringify(options.cron)})`,
    );
  if (!validTimezone(options.timezone))
    throw new ConfigError(`invalid configuration: ELT_SCHEDULE_TZ: unknown time zone (got ${JSON.stringify(options.timezone)})`);
  const { logger } = options;
  let controller: AbortController | undefined;
  let running: Promise<void> | undefined;
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));

  const task: ScheduledTask = cron.schedule(
    options.cron,
    async () => {
      controller = new AbortController();
      const run = (async () => {
        try {
          const result = await options.job(controller!.signal);
          await options.onResult?.(result);
        } catch (error) {
          logger.error({ err: error }, 'scheduled run crashed');
        }
      })();
      running = run;
      await run;
      running = undefined;
    },
    {
      timezone: options.timezone,
      noOverlap: true,
      name: 'mortgage-elt',
      // node-cron's own messages go through pino; overlaps are logged below with context.
      logger: {
        info: (message) => logger.debug({ source: 'node-cron' }, message),
        warn: (message) => logger.debug({ source: 'node-cron' }, message),
        error: (message) => logger.error({ source: 'node-cron' }, String(message)),
        debug: (message) => logger.debug({ source: 'node-cron' }, String(message)),
      },
    },
  );
  task.on('execution:overlap', () => logger.warn('previous run still in progress: this tick is skipped'));
  logger.info({ cron: options.cron, timezone: options.timezone, next: task.getNextRun()?.toISOString() }, 'scheduler started');

  return {
    nextRuns: (count) => task.getNextRuns(count),
    stopped,
    async stop() {
      await task.stop();
      await task.destroy();
      controller?.abort();
      if (running) {
        logger.info('waiting for the running run to finish its current unit of work');
        await running;
      }
      logger.info('scheduler stopped');
      resolveStopped();
    },
  };
}

function validTimezone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
