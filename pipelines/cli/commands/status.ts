import { isTransient, TransientError } from '../../core/errors.js';
import { collectStatus, formatStatus } from '../../ops/status.js';
import { ensureOpsTables } from '../../state/ops-tables.js';
import { openWarehouse } from '../../warehouse/open-warehouse.js';
import type { RegisterCommand } from '../context.js';

export const registerStatus: RegisterCommand = (program, context) => {
  program
    .command('status')
    .description('Show recent runs, the freshness of every source and mart, and any lock held')
    .option('--json', 'print the status as JSON, for machines')
    .option('--limit <n>', 'how many recent runs to show', (v) => Number.parseInt(v, 10), 10)
    .addHelpText(
      'after',
      '\nExit code 0; 1 when a source is past its error threshold; 75 when the warehouse is busy (a run holds it).',
    )
    .action(async (flags: { json?: boolean; limit: number }) => {
      const config = context.config();
      const warehouse = await openWarehouse(config.warehouse, context.logger(), 10_000).catch((error: unknown) => {
        if (isTransient(error))
          throw new TransientError(
            `the warehouse is busy (a run is probably in progress); try again when it ends`,
            {},
            { cause: error },
          );
        throw error;
      });
      try {
        await ensureOpsTables(warehouse);
        const report = await collectStatus(warehouse, config, { limit: flags.limit });
        process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatStatus(report)}\n`);
        context.setExitCode(report.sources.some((s) => s.level === 'error') ? 1 : 0);
      } finally {
        await warehouse.close();
      }
    });
};
