import { fileURLToPath } from 'node:url';
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse';
import { loadConfig } from '../../../../pipelines/config/config.js';
import { silentLogger } from '../../../../pipelines/core/logger.js';
import { extractLoadCrm, type ExtractLoadCrmOptions } from '../../../../pipelines/extract/csv/extract-load-crm.js';
import type { LoadProgress } from '../../../../pipelines/extract/csv/load-progress.js';
import { DuckDbWarehouse } from '../../../../pipelines/warehouse/duckdb/duckdb-warehouse.js';
import type { Warehouse } from '../../../../pipelines/warehouse/warehouse.js';

export const PATTERNS = loadConfig({}).csv.patterns;
// ../shared beside the repository, as in CI.
export const REAL_DIR = fileURLToPath(new URL('../../../../../shared/data/real', import.meta.url));

export const quietProgress: LoadProgress = { start: () => undefined, update: () => undefined, stop: () => undefined };

const created: string[] = [];

/** A fresh temporary folder, removed when the test run ends. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

after(function () {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export async function openWarehouse(dir: string = tempDir('crm-wh-')): Promise<DuckDbWarehouse> {
  return DuckDbWarehouse.open({ path: join(dir, 'warehouse.duckdb') });
}

let runs = 0;

/** extractLoadCrm with test defaults: quiet logger and progress, a run id per call. */
export async function load(warehouse: Warehouse, dir: string, extra: Partial<ExtractLoadCrmOptions> = {}) {
  return extractLoadCrm({
    warehouse,
    dir,
    patterns: PATTERNS,
    workDir: extra.workDir ?? tempDir('crm-work-'),
    runId: `run-${++runs}`,
    logger: silentLogger(),
    progress: quietProgress,
    ...extra,
  });
}

/** Row count and a digest of a relation's rows (all columns but `exclude`), order-independent. */
export async function tableDigest(
  warehouse: Warehouse,
  relation: string,
  exclude: string[] = [],
): Promise<{ n: number; digest: string }> {
  const except = exclude.length > 0 ? ` EXCLUDE (${exclude.join(', ')})` : '';
  const [row] = await warehouse.query<{ n: number; digest: string }>(
    `SELECT count(*) AS n, coalesce(md5(string_agg(CAST(s AS VARCHAR), '|' ORDER BY CAST(s AS VARCHAR))), '') AS digest
     FROM (SELECT *${except} FROM ${relation}) s`,
  );
  return row!;
}

/**
 * An independent reading of an export (csv-parse): each record's fields by header name and its physical
 * start line, counted as the generator counts (1 + line ends inside the previous records' fields).
 */
export async function oracleRecords(path: string): Promise<Array<{ line: number; fields: Record<string, string> }>> {
  const parser = createReadStream(path).pipe(parse({ bom: true, relax_column_count: true }));
  const out: Array<{ line: number; fields: Record<string, string> }> = [];
  let header: string[] | undefined;
  let line = 1;
  for await (const record of parser as AsyncIterable<string[]>) {
    const start = line;
    line += 1 + record.reduce((n, f) => n + (f.match(/\n/g)?.length ?? 0), 0);
    if (!header) {
      header = record;
      continue;
    }
    out.push({ line: start, fields: Object.fromEntries(header.map((name, i) => [name, record[i] ?? ''])) });
  }
  return out;
}
