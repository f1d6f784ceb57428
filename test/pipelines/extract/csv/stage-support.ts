import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CrmSource } from '../../../../pipelines/extract/csv/crm-sources.js';
import { planHeader, readHeaderNames } from '../../../../pipelines/extract/csv/csv-header.js';
import { scanFile } from '../../../../pipelines/extract/csv/file-scan.js';
import { ScratchDuckDb, sqlString } from '../../../../pipelines/extract/csv/scratch-duckdb.js';
import { stageCsv, type StagedCsv } from '../../../../pipelines/extract/csv/stage-csv.js';
import { tempDir } from './crm-test-support.js';

export interface StagedText {
  staged: StagedCsv;
  rows: Array<Record<string, unknown>>;
  quarantine: Array<Record<string, unknown>>;
}

/** Stages `content` as an export of `source` in a fresh scratch DuckDB; returns the staged rows and quarantine. */
export async function stageText(
  source: CrmSource,
  content: string | Buffer,
  options: { rejectsLimit?: number } = {},
): Promise<StagedText> {
  const dir = tempDir('stage-');
  const file = join(dir, 'export.csv');
  writeFileSync(file, content);
  const stageDir = join(dir, 'stage');
  mkdirSync(stageDir);
  const scratch = await ScratchDuckDb.open({ tempDir: join(dir, 'tmp'), memoryLimit: '256MB' });
  try {
    const lineMapPath = join(stageDir, 'line-map.csv');
    const scan = await scanFile(file, { lineMapPath });
    const names = await readHeaderNames(scratch, scan.header, join(stageDir, 'header.csv'));
    const staged = await stageCsv({
      scratch,
      source,
      readPath: file,
      scan,
      lineMapPath,
      plan: names === null ? null : planHeader(source, names),
      stageDir,
      stamp: {
        loadId: 'load-1',
        runId: 'run-1',
        fileName: 'export.csv',
        tableName: `raw.${source.rawTable}`,
        exportedAt: new Date('2026-11-29T00:00:00Z'),
        loadedAt: new Date('2026-11-29T01:00:00Z'),
      },
      rejectsLimit: options.rejectsLimit,
    });
    const read = async (path: string | undefined) =>
      path
        ? scratch.rows(
            `SELECT * FROM read_parquet(${sqlString(path)}) ORDER BY ${path.includes('quarantine') ? 'line' : '_line'}`,
          )
        : [];
    return { staged, rows: await read(staged.rowsPath), quarantine: await read(staged.quarantinePath) };
  } finally {
    scratch.close();
  }
}
