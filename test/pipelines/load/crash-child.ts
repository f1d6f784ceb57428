/**
 * Child process of the crash test: loads the landing folder into a DuckDB file and prints each phase it
 * enters (`phase <file> <phase>`), so that the parent can SIGKILL it at a chosen point.
 * Usage: tsx crash-child.ts <duckdb path> <landing dir> <work dir> <run id>
 */
import { loadConfig } from '../../../pipelines/config/config.js';
import { silentLogger } from '../../../pipelines/core/logger.js';
import { extractLoadCrm } from '../../../pipelines/extract/csv/extract-load-crm.js';
import type { LoadProgress, Phase } from '../../../pipelines/extract/csv/load-progress.js';
import { DuckDbWarehouse } from '../../../pipelines/warehouse/duckdb/duckdb-warehouse.js';

const [path, dir, workDir, runId] = process.argv.slice(2) as [string, string, string, string];
let file = '';
const seen = new Set<string>();
const progress: LoadProgress = {
  start: (name) => {
    file = name;
  },
  update: (phase: Phase) => {
    const key = `${file} ${phase}`;
    if (seen.has(key)) return;
    seen.add(key);
    process.stdout.write(`phase ${key}\n`);
  },
  stop: () => undefined,
};
const warehouse = await DuckDbWarehouse.open({ path });
process.stdout.write('ready\n');
await extractLoadCrm({ warehouse, dir, patterns: loadConfig({}).csv.patterns, workDir, runId, logger: silentLogger(), progress });
await warehouse.close();
process.stdout.write('done\n');
