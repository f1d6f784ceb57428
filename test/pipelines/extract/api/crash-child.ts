/**
 * Child process of the crash test: extracts the marketing API into a DuckDB file, logging every page and
 * unit at debug level on stdout (synchronously, so that the parent sees a line before it kills).
 * Arguments: <api url> <duckdb path> <work dir> <now ISO> <run id>
 */
import pino from 'pino';
import { extractLoadMarketing } from '../../../../pipelines/extract/api/extract-load-marketing.js';
import { ensureOpsTables } from '../../../../pipelines/state/ops-tables.js';
import { DuckDbWarehouse } from '../../../../pipelines/warehouse/duckdb/duckdb-warehouse.js';
import { apiSettings } from './marketing-fixtures.js';

const [url, path, workDir, now, runId] = process.argv.slice(2) as [string, string, string, string, string];
const warehouse = await DuckDbWarehouse.open({ path });
await ensureOpsTables(warehouse);
const logger = pino({ level: 'debug' }, pino.destination({ fd: 1, sync: true }));
const steps = await extractLoadMarketing({
  warehouse,
  api: apiSettings(url, { pageLimit: 100, chunkRecords: 800 }),
  workDir,
  runId,
  logger,
  now: () => new Date(now),
});
await warehouse.close();
logger.info({ steps: steps.map((s) => s.status) }, 'child finished');
