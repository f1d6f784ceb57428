import { join, relative } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { checkExportDate, DEFAULT_EXPORT_DATE, generateCrmExports } from '../../generate/generate-crm.js';
import { opportunityCount } from '../../generate/ids.js';
import type { DirtLevel, GenerateManifest } from '../../generate/manifest.js';
import type { RegisterCommand } from '../context.js';

interface GenerateFlags {
  out?: string;
  scale?: string;
  seed?: number;
  date: string;
  dirt: DirtLevel;
  json?: boolean;
}

export const registerGenerate: RegisterCommand = (program, context) => {
  program
    .command('generate')
    .description('Write realistic CRM exports (opportunities, propositions, banks), seeded and deterministic')
    .option('--out <dir>', 'folder to write into (default: <ELT_WORK_DIR>/landing)')
    .option(
      '--scale <scale>',
      'small (2,000 opportunities), medium (20,000), real (174,000) or a number (default: ELT_SAMPLE_SCALE)',
      parseScale,
    )
    .option('--seed <n>', 'seed: the same seed writes byte-identical files (default: ELT_SAMPLE_SEED)', parseSeed)
    .option('--date <yyyy-mm-dd>', 'export date, in the file names', parseDate, DEFAULT_EXPORT_DATE)
    .option(
      '--dirt <level>',
      'realistic (only the real exports dirt) or all (every dirt a loader must survive)',
      parseDirt,
      'realistic',
    )
    .option('--json', 'print the manifest as JSON')
    .addHelpText(
      'after',
      '\nWrites opportunity_<date>.csv, propositions_<date>.csv and banques_<date>.csv.' +
        '\nExit code 0 on success; 2 on an invalid option; 1 on an invalid ELT_SAMPLE_* setting or a write error.',
    )
    .action(async (flags: GenerateFlags) => {
      const config = context.config();
      const manifest = await generateCrmExports({
        dir: flags.out ?? join(config.workDir, 'landing'),
        scale: flags.scale ?? config.sample.scale,
        seed: flags.seed ?? config.sample.seed,
        date: flags.date,
        dirt: flags.dirt,
      });
      process.stdout.write(flags.json ? `${JSON.stringify(manifest, null, 2)}\n` : summary(manifest));
      context.setExitCode(0);
    });
};

function summary(manifest: GenerateManifest): string {
  const lines = [
    `generated ${manifest.scale} CRM exports (seed ${manifest.seed}, date ${manifest.date}, dirt ${manifest.dirt}) in ${manifest.dir}`,
  ];
  for (const file of manifest.files) {
    const bad = file.badRows.length > 0 ? `, ${file.badRows.length} bad` : '';
    const size = file.bytes >= 1e6 ? `${(file.bytes / 1e6).toFixed(1)} MB` : `${(file.bytes / 1e3).toFixed(1)} kB`;
    lines.push(
      `  ${file.table.padEnd(13)} ${String(file.rows).padStart(9)} rows${bad}  ${size}  ${relative(manifest.dir, file.path)}`,
    );
  }
  lines.push(`  inner join propositions x opportunities x banks: ${manifest.expected.joinedPropositions} rows`);
  lines.push(`  took ${(manifest.durationMs / 1000).toFixed(2)} s`);
  return `${lines.join('\n')}\n`;
}

function parseSeed(value: string): number {
  const seed = Number(value);
  if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(seed)) {
    throw new InvalidArgumentError('expected a whole number');
  }
  return seed;
}

function parseScale(value: string): string {
  try {
    opportunityCount(value);
  } catch (error) {
    throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
  }
  return value;
}

function parseDate(value: string): string {
  try {
    checkExportDate(value);
  } catch (error) {
    throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
  }
  return value;
}

function parseDirt(value: string): DirtLevel {
  if (value !== 'realistic' && value !== 'all') {
    throw new InvalidArgumentError('expected realistic or all');
  }
  return value;
}
