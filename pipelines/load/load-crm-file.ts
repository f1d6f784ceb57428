import { createHash } from 'node:crypto';
import { mkdir, rm, stat, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { TransientError, withErrorContext } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { TableCounts } from '../core/result.js';
import { CRM_SOURCES } from '../extract/csv/crm-sources.js';
import { planHeader, readHeaderNames } from '../extract/csv/csv-header.js';
import { readError, scanFile } from '../extract/csv/file-scan.js';
import type { LandingFile } from '../extract/csv/landing-files.js';
import type { LoadProgress } from '../extract/csv/load-progress.js';
import type { ScratchDuckDb } from '../extract/csv/scratch-duckdb.js';
import { stageCsv } from '../extract/csv/stage-csv.js';
import { QUARANTINE } from '../state/ops-tables.js';
import type { LoadUnit, StagedLoad } from '../warehouse/types.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { isAlreadyLoaded, ledgerStatement, type LedgerEntry } from './file-ledger.js';
import { RAW_VERSION_BY, rawTableName, rawTableSpec } from './raw-tables.js';

export interface FileLoadContext {
  warehouse: Warehouse;
  scratch: ScratchDuckDb;
  /** Folder under which each load gets its own staging folder, removed once committed. */
  stagingRoot: string;
  runId: string;
  logger: Logger;
  progress: LoadProgress;
  /** Latest ledger entry per file name. */
  latest: Map<string, LedgerEntry>;
  rejectsLimit?: number;
  signal?: AbortSignal;
}

export type FileOutcome =
  | { kind: 'skipped'; file: LandingFile; entry: LedgerEntry }
  | {
      kind: 'loaded' | 'rejected';
      file: LandingFile;
      loadId: string;
      counts: TableCounts;
      /** Rows that changed the raw table (rows older than the version already there are not applied). */
      written: number;
      rejection?: string;
      warnings: string[];
    };

let sequence = 0;

/**
 * Loads one export file version atomically: scan (sha256, record boundaries), skip when the ledger's
 * latest entry for the name has the same checksum, stage with DuckDB (`stageCsv`), then ONE
 * `commitUnit`: raw rows upserted on the primary key (newest `_exported_at`, then `_loaded_at`, wins),
 * quarantine rows appended, ledger row merged. The staging folder is removed whatever happens.
 * A file that changes while it is loaded is a TransientError (retry loads its new content).
 */
export async function loadCrmFile(context: FileLoadContext, file: LandingFile): Promise<FileOutcome> {
  const source = CRM_SOURCES[file.table];
  const errorContext = { runId: context.runId, table: rawTableName(source), file: file.name };
  const stageDir = join(context.stagingRoot, `${context.runId}-${process.pid}-${++sequence}`);
  const { progress } = context;
  // A file the ledger already holds, unchanged since (same size, not modified after its load), is not
  // read again: hashing every export of a growing landing folder each hour would grow with history.
  const previous = context.latest.get(file.name);
  if (previous?.loadedAt && previous.sizeBytes === file.size && file.mtime.getTime() < Date.parse(previous.loadedAt)) {
    return { kind: 'skipped', file, entry: previous };
  }
  progress.start(file.name, file.size);
  try {
    await mkdir(stageDir, { recursive: true });
    const lineMapPath = join(stageDir, 'line-map.csv');
    const scan = await scanFile(file.path, {
      lineMapPath,
      displayName: file.name,
      signal: context.signal,
      onBytes: (bytes) => progress.update('scan', file.size > 0 ? bytes / file.size : 1),
    });
    const already = isAlreadyLoaded(context.latest, file.name, scan.sha256);
    if (already) return { kind: 'skipped', file, entry: already };

    const loadedAt = new Date();
    const loadId = `crm-${source.table}-${scan.sha256.slice(0, 12)}-${context.runId}`;
    const readPath = await linkForDuckDb(file.path, join(stageDir, 'input.csv'));
    const names = scan.headerTruncated ? [] : await readHeaderNames(context.scratch, scan.header, join(stageDir, 'header.csv'));
    const plan = names === null ? null : planHeader(source, names);
    if (plan && scan.headerTruncated) plan.rejection = 'the header row is longer than 1 MB';
    const staged = await stageCsv({
      scratch: context.scratch,
      source,
      readPath,
      scan,
      lineMapPath,
      plan,
      stageDir,
      stamp: {
        loadId,
        runId: context.runId,
        fileName: file.name,
        tableName: rawTableName(source),
        exportedAt: file.exportedAt,
        loadedAt,
      },
      rejectsLimit: context.rejectsLimit,
      signal: context.signal,
      onProgress: (fraction) => progress.update('parse', fraction),
    });
    progress.update('stage', 1);
    await checkUnchanged(file, scan.size);

    const loads: StagedLoad[] = [];
    if (staged.status === 'loaded' && staged.rowsPath) {
      loads.push({
        target: rawTableSpec(source, plan?.extras.map((c) => c.name) ?? []),
        file: staged.rowsPath,
        format: 'parquet',
        write: { mode: 'upsert', key: [source.primaryKey], versionBy: RAW_VERSION_BY },
      });
    }
    if (staged.quarantinePath) {
      loads.push({ target: QUARANTINE, file: staged.quarantinePath, format: 'parquet', write: { mode: 'append' } });
    }
    const message = [staged.rejection ? `rejected: ${staged.rejection}` : undefined, ...staged.warnings]
      .filter(Boolean)
      .join('; ');
    const unit: LoadUnit = {
      unitId: `crm_${source.table}_${createHash('sha256').update(file.name).digest('hex').slice(0, 8)}_${scan.sha256.slice(0, 24)}`,
      loads,
      state: [
        ledgerStatement(context.warehouse, {
          fileVersionId: scan.sha256,
          fileName: file.name,
          tableName: source.table,
          sizeBytes: scan.size,
          checksum: scan.sha256,
          exportedAt: file.exportedAt,
          status: staged.status,
          rowsRead: staged.counts.read,
          rowsLoaded: staged.counts.loaded,
          rowsQuarantined: staged.counts.quarantined,
          message: message || null,
          loadId,
          runId: context.runId,
          loadedAt,
        }),
      ],
      context: { runId: context.runId, step: `extract-load:${source.rawTable}`, table: rawTableName(source), file: file.name },
    };
    progress.update('commit', 0);
    const result = await context.warehouse.commitUnit(unit);
    progress.update('commit', 1);
    const written = result.written[rawTableName(source)] ?? 0;
    return {
      kind: staged.status,
      file,
      loadId,
      counts: staged.counts,
      written,
      rejection: staged.rejection,
      warnings: staged.warnings,
    };
  } catch (error) {
    if (context.signal?.aborted) throw error;
    throw withErrorContext(error, errorContext);
  } finally {
    progress.stop();
    await rm(stageDir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/**
 * DuckDB reads file names as glob patterns; a link with a plain name in the staging folder lets it read
 * any export name as is. Where links cannot be made, the path itself is used.
 */
async function linkForDuckDb(path: string, link: string): Promise<string> {
  try {
    await symlink(path, link);
    return link;
  } catch {
    return path;
  }
}

async function checkUnchanged(file: LandingFile, scannedSize: number): Promise<void> {
  let now;
  try {
    now = await stat(file.path);
  } catch (error) {
    throw readError(error, file.name);
  }
  if (now.size !== scannedSize || now.size !== file.size || now.mtime.getTime() !== file.mtime.getTime()) {
    throw new TransientError(`${file.name} changed while it was being loaded; it will be loaded again`, { file: file.name });
  }
}
