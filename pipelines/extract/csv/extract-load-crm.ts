import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isTransient, withErrorContext, type PipelineError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { StepResult, TableCounts } from '../../core/result.js';
import { readLedger, latestByName } from '../../load/file-ledger.js';
import { loadCrmFile, type FileOutcome } from '../../load/load-crm-file.js';
import { rawTableName } from '../../load/raw-tables.js';
import { FILE_LEDGER, QUARANTINE } from '../../state/ops-tables.js';
import type { Warehouse } from '../../warehouse/warehouse.js';
import { CRM_SOURCES, type CrmTable } from './crm-sources.js';
import { CRM_LOAD_ORDER, listLandingFiles, type CrmPatterns, type LandingFile, type LandingListing } from './landing-files.js';
import { createLoadProgress, type LoadProgress } from './load-progress.js';
import { ScratchDuckDb } from './scratch-duckdb.js';

export interface ExtractLoadCrmOptions {
  warehouse: Warehouse;
  /** Landing folder of the CRM exports. */
  dir: string;
  patterns: CrmPatterns;
  /** Scratch space; staging goes under `<workDir>/csv-load`. */
  workDir: string;
  runId: string;
  logger: Logger;
  /** Restrict the load to these files (names, or paths inside `dir`), e.g. for a backfill. */
  files?: string[];
  signal?: AbortSignal;
  /** Default: a cli-progress bar when stderr is a TTY, plain log lines otherwise. */
  progress?: LoadProgress;
  /** Memory limit of the scratch DuckDB that parses the files (default 512MB); beyond it, it spills. */
  scratchMemoryLimit?: string;
  /** Rejected records kept per file before the file is rejected whole (default 100,000). */
  rejectsLimit?: number;
}

/** Staging folders left by a crashed load are removed once older than this. */
const STALE_STAGING_MS = 60 * 60 * 1000;

/**
 * Extracts and loads the CRM exports of the landing folder: each file version once (ops.file_ledger),
 * each atomically (rows, quarantine and ledger row in one commit), in order banks, opportunities,
 * propositions, and within a table by export time then name. Returns one StepResult per table
 * (`extract-load:crm_<table>`), with counts for `raw.crm_<table>`.
 *
 * A broken file never stops the others: a rejected file (e.g. a missing required column) is recorded in
 * the ledger and reported in the step's `message`; an unexpected failure makes the table's step an
 * error and the next file is loaded. A TransientError (warehouse busy, a file changing while read) is
 * thrown after the current file is cleaned up, for the runner to retry: files already committed are
 * then skipped by the ledger.
 */
export async function extractLoadCrm(options: ExtractLoadCrmOptions): Promise<StepResult[]> {
  const started = new Date();
  const { warehouse, logger, runId } = options;
  const tables = new Map<CrmTable, TableRun>(CRM_LOAD_ORDER.map((table) => [table, new TableRun(table)]));
  const finishAll = (error?: PipelineError) => CRM_LOAD_ORDER.map((table) => tables.get(table)!.result(started, error));

  let listing: LandingListing;
  try {
    listing = await listLandingFiles(options.dir, options.patterns, options.files);
    await warehouse.init();
    await warehouse.ensureTable(FILE_LEDGER, { runId });
    await warehouse.ensureTable(QUARANTINE, { runId });
  } catch (error) {
    const mapped = withErrorContext(error, { runId, step: 'extract-load:crm' });
    if (isTransient(mapped)) throw mapped;
    return finishAll(mapped);
  }
  for (const file of listing.ignored) {
    const ambiguous = file.reason.startsWith('matches several');
    logger[ambiguous ? 'warn' : 'debug']({ file: file.name, reason: file.reason }, 'landing file not loaded');
  }
  for (const file of listing.files) tables.get(file.table)!.files.push(file);

  const stagingRoot = join(options.workDir, 'csv-load');
  await mkdir(stagingRoot, { recursive: true });
  await removeStaleStaging(stagingRoot);
  const tempDir = join(stagingRoot, `duckdb-tmp-${runId}-${process.pid}`);
  let scratch: ScratchDuckDb | undefined;
  try {
    const latest = latestByName(await readLedger(warehouse));
    scratch = await ScratchDuckDb.open({ tempDir, memoryLimit: options.scratchMemoryLimit });
    const progress = options.progress ?? createLoadProgress({ logger });
    for (const table of CRM_LOAD_ORDER) {
      const run = tables.get(table)!;
      run.startedAt = new Date();
      for (const file of run.files) {
        if (options.signal?.aborted) throw options.signal.reason ?? new Error('aborted');
        try {
          const outcome = await loadCrmFile(
            {
              warehouse,
              scratch,
              stagingRoot,
              runId,
              logger,
              progress,
              latest,
              rejectsLimit: options.rejectsLimit,
              signal: options.signal,
            },
            file,
          );
          run.record(outcome, logger);
        } catch (error) {
          const mapped = withErrorContext(error, { runId, step: run.step, table: run.rawTable, file: file.name });
          if (isTransient(mapped) || options.signal?.aborted) throw mapped;
          logger.error(
            { file: file.name, table: run.rawTable, err: mapped.message },
            'loading a file failed; going on with the next',
          );
          run.failures.push(mapped);
        }
      }
      run.endedAt = new Date();
    }
  } catch (error) {
    const mapped = withErrorContext(error, { runId, step: 'extract-load:crm' });
    if (isTransient(mapped) || options.signal?.aborted) throw mapped;
    logger.error({ err: mapped.message }, 'the CRM load stopped');
    return finishAll(mapped);
  } finally {
    scratch?.close();
    await rm(tempDir, { recursive: true, force: true }).catch(() => undefined);
  }
  return finishAll();
}

/** What happened to one table's files in this call. */
class TableRun {
  readonly table: CrmTable;
  readonly step: string;
  readonly rawTable: string;
  readonly files: LandingFile[] = [];
  readonly counts: TableCounts = { read: 0, loaded: 0, quarantined: 0 };
  readonly notes: string[] = [];
  readonly failures: PipelineError[] = [];
  startedAt: Date | undefined;
  endedAt: Date | undefined;
  loaded = 0;
  skipped = 0;

  constructor(table: CrmTable) {
    this.table = table;
    this.step = `extract-load:${CRM_SOURCES[table].rawTable}`;
    this.rawTable = rawTableName(CRM_SOURCES[table]);
  }

  record(outcome: FileOutcome, logger: Logger): void {
    const name = outcome.file.name;
    if (outcome.kind === 'skipped') {
      this.skipped++;
      logger.debug({ file: name, table: this.rawTable, loadedAt: outcome.entry.loadedAt }, 'file already loaded');
      return;
    }
    this.counts.read += outcome.counts.read;
    this.counts.loaded += outcome.counts.loaded;
    this.counts.quarantined += outcome.counts.quarantined;
    const log = { file: name, table: this.rawTable, loadId: outcome.loadId, ...outcome.counts, written: outcome.written };
    if (outcome.kind === 'rejected') {
      this.notes.push(`${name} rejected: ${outcome.rejection}`);
      logger.warn({ ...log, reason: outcome.rejection }, 'file rejected: its records are in ops.quarantine');
    } else {
      this.loaded++;
      const older = outcome.counts.loaded - outcome.written;
      if (older > 0) this.notes.push(`${name}: ${older} rows older than the version already loaded were not applied`);
      logger.info(log, 'file loaded');
    }
    for (const warning of outcome.warnings) {
      this.notes.push(`${name}: ${warning}`);
      logger.warn({ file: name, table: this.rawTable }, warning);
    }
  }

  /** The table's step; `error` (a failure that stopped the whole call) applies when the table was not done. */
  result(runStarted: Date, stopped?: PipelineError): StepResult {
    const error = this.endedAt ? undefined : stopped;
    const startedAt = this.startedAt ?? runStarted;
    const endedAt = this.endedAt ?? new Date();
    const base = {
      name: this.step,
      kind: 'extract-load' as const,
      startedAt: startedAt.toISOString(),
      endedAt: endedAt.toISOString(),
      durationMs: endedAt.getTime() - startedAt.getTime(),
      counts: { [this.rawTable]: { ...this.counts } },
    };
    const failure = error ?? this.failures[0];
    if (failure) {
      const more = this.failures.length > 1 ? ` (and ${this.failures.length - 1} more failed file(s))` : '';
      return {
        ...base,
        status: 'error',
        message: this.summary() || undefined,
        error: { kind: failure.kind, message: `${failure.message}${more}` },
      };
    }
    if (this.files.length === 0)
      return { ...base, status: 'skipped', message: `no ${this.table} export file in the landing folder` };
    return { ...base, status: 'success', message: this.summary() || undefined, info: this.fileCounts() };
  }

  fileCounts(): string {
    return `${this.loaded} file(s) loaded, ${this.skipped} already loaded`;
  }

  summary(): string {
    // A step's message is for warnings (rejected files, extra columns); file counts go to the log.
    return this.notes.join('; ');
  }
}

async function removeStaleStaging(root: string): Promise<void> {
  const now = Date.now();
  for (const entry of await readdir(root).catch(() => [])) {
    const path = join(root, entry);
    const info = await stat(path).catch(() => null);
    if (info && now - info.mtimeMs > STALE_STAGING_MS) await rm(path, { recursive: true, force: true }).catch(() => undefined);
  }
}
