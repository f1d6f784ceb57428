import { alertOnFailure } from '../../ops/alerts.js';
import { startScheduler } from '../../ops/scheduler.js';
import { runPipeline } from '../../run/run-pipeline.js';
import type { RegisterCommand } from '../context.js';

export const registerSchedule: RegisterCommand = (program, context) => {
  program
    .command('schedule')
    .description('Run the main job on a cron schedule until SIGTERM or SIGINT (default: minute 5 of every hour, Europe/Paris)')
    .option('--cron <expression>', 'cron expression (overrides ELT_SCHEDULE_CRON; a sixth leading field means seconds)')
    .option('--timezone <zone>', 'IANA time zone (overrides ELT_SCHEDULE_TZ)')
    .addHelpText(
      'after',
      '\nRuns never overlap: a tick while a run is in progress, here or in another process, is skipped and logged.\nOn SIGTERM/SIGINT the running step finishes or rolls back, then the process exits.',
    )
    .action(async (flags: { cron?: string; timezone?: string }) => {
      const config = context.config();
      const logger = context.logger();
      const scheduler = startScheduler({
        cron: flags.cron ?? config.schedule.cron,
        timezone: flags.timezone ?? config.schedule.timezone,
        logger,
        job: (signal) => runPipeline({ config, logger, kind: 'scheduled', signal }),
        onResult: async (result) => {
          const fields = { runId: result.runId, status: result.status, durationMs: result.durationMs, error: result.error };
          if (result.status === 'success') logger.info(fields, 'scheduled run finished');
          else if (result.status === 'skipped') logger.warn(fields, 'scheduled run skipped');
          else logger.error(fields, 'scheduled run failed');
          await alertOnFailure(result, { webhook: config.alerts.webhook, logsUrl: config.alerts.logsUrl, logger });
        },
      });
      const stop = (signal: NodeJS.Signals) => {
        logger.info({ signal }, 'shutdown requested');
        void scheduler.stop();
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
      await scheduler.stopped;
    });
};
