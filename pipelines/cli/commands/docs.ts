import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Config } from '../../config/config.js';
import { isTransient } from '../../core/errors.js';
import { docsFromProject } from '../../docs/from-project.js';
import { generateDocsSite } from '../../docs/generate-site.js';
import { DEFAULT_MODELS_DIR } from '../../transform/compile-project.js';
import { createWarehouse } from '../../warehouse/create-warehouse.js';
import type { Warehouse } from '../../warehouse/warehouse.js';
import type { RegisterCommand } from '../context.js';

/** `docs`: writes the static documentation site (models, lineage, charts from the marts) and prints the path of its index. */
export const registerDocs: RegisterCommand = (program, context) => {
  program
    .command('docs')
    .description('Generate the documentation site: one folder of static HTML with every mart, the lineage picture and charts')
    .option('--out <dir>', 'folder to write the site into (created when missing)', './site')
    .option('--models-dir <dir>', 'folder of the SQL models', DEFAULT_MODELS_DIR)
    .option('--no-data', 'do not open the warehouse: no charts, freshness or row counts')
    .addHelpText(
      'after',
      `
The site needs no server and no network: open index.html from disk, or publish the folder on any
static host. Charts, freshness and row counts are read from the configured warehouse (DuckDB is
opened read-only; BigQuery runs a few small SELECTs); marts not built yet show "no data yet".
Example queries name tables \`<BIGQUERY_PROJECT>.<BIGQUERY_DATASET_PREFIX>marts.<name>\`.

Exit codes: 0 success; 1 a model or its YAML is invalid, or a warehouse read failed (the site is
still written, and says what is missing); 75 the warehouse is busy (a run holds the DuckDB file):
the site is written without charts, run docs again when the run ends.`,
    )
    .action(async (flags: { out: string; modelsDir: string; data: boolean }) => {
      const config = context.config();
      const project = config.env.BIGQUERY_PROJECT;
      const prefix = config.env.BIGQUERY_DATASET_PREFIX;
      const { models, sources } = docsFromProject({
        modelsDir: resolve(flags.modelsDir),
        project,
        bigqueryDatasetPrefix: prefix,
      });
      const opened = flags.data ? await openReadOnly(config.warehouse) : { note: 'generated with --no-data' };
      try {
        const result = await generateDocsSite({
          models,
          sources,
          warehouse: opened.warehouse,
          dataNote: opened.note,
          outDir: resolve(flags.out),
          project,
          bigqueryDatasetPrefix: prefix,
        });
        if (opened.note && flags.data) process.stderr.write(`docs: ${opened.note}\n`);
        for (const problem of [...(opened.problem ? [opened.problem] : []), ...result.problems]) {
          process.stderr.write(`docs: could not read ${problem}\n`);
        }
        const drawn = Object.entries(result.charts)
          .filter(([, yes]) => yes)
          .map(([name]) => name);
        process.stdout.write(
          `docs: ${result.files.length} files written, charts drawn: ${drawn.length > 0 ? drawn.join(', ') : 'none'}\n${result.index}\n`,
        );
        context.setExitCode(opened.busy ? 75 : opened.problem || result.problems.length > 0 ? 1 : 0);
      } finally {
        await opened.warehouse?.close();
      }
    });
};

interface Opened {
  warehouse?: Warehouse;
  /** Why there is no warehouse, for the pages and the terminal. */
  note?: string;
  busy?: boolean;
  /** An open that failed for a reason other than a busy file. */
  problem?: string;
}

async function openReadOnly(config: Config['warehouse']): Promise<Opened> {
  if (config.engine === 'duckdb' && config.duckdb.path !== ':memory:' && !existsSync(config.duckdb.path)) {
    return { note: `no warehouse yet at ${config.duckdb.path}: run the pipeline first` };
  }
  try {
    const warehouse = await createWarehouse(
      config.engine === 'duckdb' ? { engine: 'duckdb', duckdb: { ...config.duckdb, readOnly: true } } : config,
    );
    return { warehouse };
  } catch (error) {
    const message = (error as Error).message.split('\n')[0]!;
    if (isTransient(error)) {
      return {
        busy: true,
        note: `the warehouse is busy (a run is probably in progress), so the pages have no charts: run docs again when it ends (${message})`,
      };
    }
    return { note: `the warehouse could not be opened: ${message}`, problem: `the warehouse: ${message}` };
  }
}
