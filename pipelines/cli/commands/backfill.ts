import { SingleBar, Presets } from 'cli-progress';
import { Option } from 'commander';
import { exitCodeOf } from '../../core/result.js';
import { alertOnFailure } from '../../ops/alerts.js';
import { runBackfill, type BackfillProgress } from '../../ops/backfill.js';
import { planBackfill, BACKFILL_STREAMS, type BackfillPlan } from '../../ops/backfill-plan.js';
import { MODELS_DIR } from '../../run/stages.js';
import { formatSummary } from '../../run/summary.js';
import { listCompiledModels } from '../../transform/index.js';
import type { RegisterCommand } from '../context.js';

const list = (value: string) =>
  value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);

export const registerBackfill: RegisterCommand = (program, context) => {
  program
    .command('backfill')
    .description(
      'Re-extract and reload a window with an explicit end (high-water marks untouched), then rebuild the affected mart partitions',
    )
    .requiredOption(
      '--from <date|datetime>',
      'start of the window, inclusive (YYYY-MM-DD is midnight UTC; or a date-time with a zone)',
    )
    .requiredOption('--to <date|datetime>', 'end of the window, exclusive')
    .option(
      '--streams <list>',
      `comma-separated, among ${BACKFILL_STREAMS.join(', ')} (default events,users; crm reloads the window's exports from the landing folder)`,
      list,
    )
    .option('--models <list>', 'models to rebuild (default all; a trailing + adds downstream)', list)
    .addOption(new Option('--granularity <unit>', 'partition size').choices(['auto', 'hour', 'day']).default('auto'))
    .option('--concurrency <n>', 'partitions extracted at once', (v) => Number.parseInt(v, 10), 1)
    .option('--resume <runId>', 'resume this backfill run (default: the unfinished run with the same window and streams)')
    .option('--dry-run', 'print the plan (partitions, API calls, models) and change nothing')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      '\nIdempotent: backfilling a window twice leaves the same rows as once. Refuses a window in the future or outside the API retention.',
    )
    .action(
      async (flags: {
        from: string;
        to: string;
        streams?: string[];
        models?: string[];
        granularity: 'auto' | 'hour' | 'day';
        concurrency: number;
        resume?: string;
        dryRun?: boolean;
        json?: boolean;
      }) => {
        const config = context.config();
        const logger = context.logger();
        if (!Number.isInteger(flags.concurrency) || flags.concurrency < 1 || flags.concurrency > 16) {
          throw new Error(`--concurrency must be a whole number from 1 to 16 (got ${flags.concurrency})`);
        }
        const models = listCompiledModels(MODELS_DIR).map((m) => m.name);
        const plan = planBackfill(
          { from: flags.from, to: flags.to, streams: flags.streams, models: flags.models, granularity: flags.granularity },
          models,
        );
        if (flags.dryRun) {
          process.stdout.write(flags.json ? `${JSON.stringify(plan, null, 2)}\n` : `${formatPlan(plan, models)}\n`);
          return;
        }
        const controller = new AbortController();
        const stop = () => controller.abort();
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
        const progress = progressReporter(logger);
        try {
          const result = await runBackfill({
            config,
            logger,
            plan,
            resumeRunId: flags.resume,
            concurrency: flags.concurrency,
            signal: controller.signal,
            onProgress: progress.update,
          });
          progress.stop();
          await alertOnFailure(result, { webhook: config.alerts.webhook, logsUrl: config.alerts.logsUrl, logger });
          process.stdout.write(flags.json ? `${JSON.stringify(result, null, 2)}\n` : `${formatSummary(result)}\n`);
          context.setExitCode(exitCodeOf(result));
        } finally {
          progress.stop();
          process.off('SIGTERM', stop);
          process.off('SIGINT', stop);
        }
      },
    );
};

export function formatPlan(plan: BackfillPlan, allModels: string[]): string {
  const lines = [`backfill plan ${plan.from} .. ${plan.to} (${plan.granularity} partitions), dry run: nothing is changed`, ''];
  for (const stream of plan.streams) {
    const parts = plan.partitions.filter((p) => p.stream === stream);
    if (stream === 'crm') {
      lines.push(`crm: reload the exports of the window from the landing folder`);
      continue;
    }
    lines.push(`${stream}: ${parts.length} partitions, at least ${parts.length} API calls (GET /v1/${stream}, one per page)`);
    for (const p of parts.slice(0, 6)) lines.push(`  ${p.from} .. ${p.to}`);
    if (parts.length > 6) lines.push(`  ... ${parts.length - 6} more`);
  }
  lines.push(
    '',
    `models rebuilt: ${(plan.models ?? allModels).join(', ')}`,
    `incremental partitions rebuilt: ${plan.dates.join(', ')} (and the dates of late events received in the window)`,
  );
  return lines.join('\n');
}

function progressReporter(logger: ReturnType<Parameters<RegisterCommand>[1]['logger']>) {
  if (process.stderr.isTTY) {
    const bar = new SingleBar(
      { format: 'backfill [{bar}] {value}/{total} partitions | {rows} rows | ETA {eta_formatted}', stream: process.stderr },
      Presets.shades_classic,
    );
    let started = false;
    return {
      update: (p: BackfillProgress) => {
        if (!started) {
          bar.start(p.total, p.done, { rows: p.rows });
          started = true;
        } else bar.update(p.done, { rows: p.rows });
      },
      stop: () => {
        if (started) bar.stop();
        started = false;
      },
    };
  }
  return {
    update: (p: BackfillProgress) =>
      logger.info(
        {
          done: p.done,
          total: p.total,
          rows: p.rows,
          partition: p.partition ? `${p.partition.stream} ${p.partition.from}` : undefined,
        },
        'backfill progress',
      ),
    stop: () => undefined,
  };
}
