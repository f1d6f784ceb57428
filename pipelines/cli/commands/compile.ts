import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Option } from 'commander';
import { compileProject, DEFAULT_MODELS_DIR } from '../../transform/compile-project.js';
import { PLACEHOLDER_PROJECT, qualifyFor } from '../../transform/qualify.js';
import type { CompiledModel, Target } from '../../transform/types.js';
import type { RegisterCommand } from '../context.js';

/** `compile`: writes each model's SQL compiled for an engine, one file per model, for review. Opens no warehouse. */
export const registerCompile: RegisterCommand = (program, context) => {
  program
    .command('compile')
    .description("Compile the SQL models for an engine and write each model's SQL to a folder, for review (opens no warehouse)")
    .addOption(new Option('--target <engine>', 'engine to compile for').choices(['duckdb', 'bigquery']).makeOptionMandatory())
    .requiredOption('--out <dir>', 'folder to write <layer>.<name>.sql files into (created when missing)')
    .option(
      '--models <selection>',
      'only these models (comma-separated; a trailing + adds everything downstream, a leading + everything upstream)',
    )
    .option('--models-dir <dir>', 'folder of the SQL models', DEFAULT_MODELS_DIR)
    .addHelpText(
      'after',
      `
For --target bigquery, relations are named \`<project>.<prefix><layer>.<name>\` with BIGQUERY_PROJECT
(placeholder \`${PLACEHOLDER_PROJECT}\` when unset) and BIGQUERY_DATASET_PREFIX (default empty).
An incremental model's file holds its incremental variant, filtered on @partitions (a full build
renders each incremental_filter() as TRUE).

Exit codes: 0 success, 1 a model or its YAML is invalid (the message names the file), 2 bad usage.`,
    )
    .action((flags: { target: Target; out: string; models?: string; modelsDir: string }) => {
      const env = context.config().env;
      const qualify = qualifyFor(flags.target, {
        projectId: env.BIGQUERY_PROJECT || PLACEHOLDER_PROJECT,
        datasetPrefix: env.BIGQUERY_DATASET_PREFIX,
      });
      const plan = compileProject(resolve(flags.modelsDir), flags.target, qualify, { models: flags.models });
      const out = resolve(flags.out);
      mkdirSync(out, { recursive: true });
      for (const model of plan.models) {
        writeFileSync(join(out, `${model.ref.layer}.${model.name}.sql`), compiledFile(model, flags.target));
      }
      process.stdout.write(`compiled ${plan.models.length} models for ${flags.target} into ${out}\n`);
      context.setExitCode(0);
    });
};

function compiledFile(model: CompiledModel, target: Target): string {
  const header = [
    `-- ${model.ref.layer}.${model.name} (${model.materialized}), compiled for ${target} from ${model.path}`,
    `-- Documented in ${model.yamlPath}; depends on: ${[...model.dependsOn, ...model.sources.map((s) => `${s.layer}.${s.name}`)].join(', ') || 'nothing'}`,
  ];
  if (model.incremental) {
    header.push(
      `-- Incremental on ${model.incremental.partitionBy}: @partitions (${model.incremental.types.partitions}) lists the dates rebuilt;`,
      `-- a full build is the same query with every incremental_filter() rendered as TRUE.`,
    );
  }
  return `${header.join('\n')}\n${model.incremental?.sql ?? model.sql}\n`;
}
