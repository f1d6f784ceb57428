import { Option } from 'commander';
import { exitCodeOf } from '../../core/result.js';
import { alertOnFailure } from '../../ops/alerts.js';
import { runPipeline } from '../../run/run-pipeline.js';
import { formatSummary } from '../../run/summary.js';
import type { RegisterCommand } from '../context.js';

export const registerRun: RegisterCommand = (program, context) => {
  program
    .command('run')
    .description(
      'Run the main job once: extract and load the CRM exports and the marketing API, build the models, run their tests',
    )
    .option('--models <selection>', 'build only these models (comma-separated; a trailing + adds everything downstream)')
    .option('--no-crm', 'skip the CRM exports')
    .option('--no-marketing', 'skip the marketing API')
    .option('--no-transform', 'skip building the models')
    .option(
      '--full-tests',
      'run every data test on its whole model (by default a test on an incremental model checks the partitions the run rebuilt)',
    )
    .addOption(new Option('--kind <kind>', 'how the run is recorded').choices(['manual', 'scheduled']).default('manual'))
    .option('--json', 'print the run result as JSON instead of a summary')
    .addHelpText('after', '\nExit codes: 0 success, 1 failure, 3 skipped (another run holds the lock), 2 bad usage.')
    .action(
      async (flags: {
        models?: string;
        crm: boolean;
        marketing: boolean;
        transform: boolean;
        fullTests?: boolean;
        kind: 'manual' | 'scheduled';
        json?: boolean;
      }) => {
        const controller = new AbortController();
        const stop = (signal: NodeJS.Signals) => {
          context.logger().warn({ signal }, 'shutdown requested: finishing the current unit of work');
          controller.abort();
        };
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
        try {
          const result = await runPipeline({
            config: context.config(),
            logger: context.logger(),
            kind: flags.kind,
            signal: controller.signal,
            only: {
              crm: flags.crm,
              marketing: flags.marketing,
              transform: flags.transform,
              fullTests: flags.fullTests ?? false,
              models: flags.models
                ?.split(',')
                .map((m) => m.trim())
                .filter(Boolean),
            },
          });
          const config = context.config();
          await alertOnFailure(result, {
            webhook: config.alerts.webhook,
            logsUrl: config.alerts.logsUrl,
            logger: context.logger(),
          });
          process.stdout.write(flags.json ? `${JSON.stringify(result, null, 2)}\n` : `${formatSummary(result)}\n`);
          context.setExitCode(exitCodeOf(result));
        } finally {
          process.off('SIGTERM', stop);
          process.off('SIGINT', stop);
        }
      },
    );
};
