import { join } from 'node:path';
import { TerminalError } from '../../core/errors.js';
import type { TableCounts } from '../../core/result.js';
import type { CrmSource } from './crm-sources.js';
import type { FileColumn, HeaderPlan } from './csv-header.js';
import type { FileScan } from './file-scan.js';
import { CSV_FIELD_MACRO, DUCKDB_TYPES, MAX_RAW_CHARS, positional, rawRecordSql, rejectedRecordsSql } from './quarantine-sql.js';
import { sqlIdent, sqlString, sqlTimestamp, type ScratchDuckDb } from './scratch-duckdb.js';

/** What every staged row and quarantine row is stamped with. */
export interface LoadStamp {
  loadId: string;
  runId: string;
  /** File name as listed in the landing folder. */
  fileName: string;
  tableName: string;
  exportedAt: Date;
  loadedAt: Date;
}

export interface StageRequest {
  scratch: ScratchDuckDb;
  source: CrmSource;
  /** Path DuckDB reads (a link to the export, free of glob characters). */
  readPath: string;
  scan: FileScan;
  lineMapPath: string;
  /** The header matched to the contract; null when the header could not be read (invalid UTF-8). */
  plan: HeaderPlan | null;
  /** Folder for the staged Parquet files. */
  stageDir: string;
  stamp: LoadStamp;
  /** Rejected records DuckDB keeps per file; more than that and the file is rejected whole. */
  rejectsLimit?: number;
  onProgress?: (fraction: number) => void;
  signal?: AbortSignal;
}

/** The staged result of one export file. */
export interface StagedCsv {
  status: 'loaded' | 'rejected';
  /** Parquet of the typed rows to load (absent when the file is rejected). */
  rowsPath?: string;
  /** Parquet of the quarantine rows (absent when there are none). */
  quarantinePath?: string;
  counts: TableCounts;
  /** Why the file was rejected, when it was. */
  rejection?: string;
  warnings: string[];
}

export const DEFAULT_REJECTS_LIMIT = 100_000;

/**
 * Parses and types one export with DuckDB's CSV reader in the scratch database, and stages it as Parquet:
 *
 * 1. One streaming pass `read_csv` -> Parquet: columns named from the file's own header (so any order
 *    works), typed per the contract by the reader itself (`timestampformat`, DOUBLE, BOOLEAN); records
 *    that do not parse or type land in DuckDB's reject table (`store_rejects`). `_line` is provisionally
 *    the record's ordinal + 1.
 * 2. When needed (rejects, blank lines, records spanning lines, empty or duplicated `Id`): a Parquet ->
 *    Parquet pass fixes `_line` from the line map (see `record-boundaries.ts`) and drops empty-`Id` rows
 *    and all but the last occurrence of a duplicated `Id`.
 * 3. The quarantine Parquet: every rejected record (file, physical line, field, raw value, reason, record
 *    as written), every dropped row (reason naming the kept line).
 *
 * A file whose header misses a required column (or that has more than `rejectsLimit` bad records) is
 * rejected whole: nothing of it is staged for the raw table, and every record goes to quarantine with
 * the reason. Rows read = rows loaded + rows quarantined is checked; a mismatch is a TerminalError (a bug).
 */
export async function stageCsv(request: StageRequest): Promise<StagedCsv> {
  const { scratch, plan } = request;
  await scratch.run(CSV_FIELD_MACRO);
  if (!plan) return rejectUnread(request, 'the header row is not valid UTF-8');
  if (plan.columns.length === 0) return rejectUnread(request, 'the file is empty: no header row');
  if (plan.rejection) return rejectWhole(request, plan, plan.rejection);

  const limit = request.rejectsLimit ?? DEFAULT_REJECTS_LIMIT;
  const rowsPath = join(request.stageDir, 'rows.parquet');
  const pass = await readToParquet(request, plan, rowsPath, true, limit);
  if (pass.rejectErrors >= limit) {
    return rejectWhole(request, plan, `more than ${limit} records could not be read or typed`);
  }
  const context = { file: request.stamp.fileName, table: request.stamp.tableName };
  const id = sqlIdent(request.source.primaryKey);
  const rowsSource = `read_parquet(${sqlString(rowsPath)}, file_row_number = true)`;
  const [stats] = await scratch.rows<{ n: number; empty_ids: number; distinct_ids: number; misordered: number }>(
    `SELECT count(*) AS n, count(*) FILTER (WHERE ${id} IS NULL) AS empty_ids, count(DISTINCT ${id}) AS distinct_ids,
       count(*) FILTER (WHERE _line <> file_row_number + 2) AS misordered
     FROM ${rowsSource}`,
    context,
  );
  const n = stats?.n ?? 0;
  const emptyIds = stats?.empty_ids ?? 0;
  const duplicates = n - emptyIds - (stats?.distinct_ids ?? 0);
  const warnings = [...plan.warnings];
  const lines = await prepareLineMap(request, pass.rejectUnits, n, (stats?.misordered ?? 0) > 0);
  if (lines.mismatch) warnings.push(lines.mismatch);

  const needsFilter = emptyIds > 0 || duplicates > 0;
  if (needsFilter) {
    await scratch.run(
      `CREATE OR REPLACE TEMP TABLE ids AS SELECT file_row_number + 1 AS k, ${id} AS id FROM ${rowsSource}`,
      context,
    );
    await scratch.run(
      `CREATE OR REPLACE TEMP TABLE keep_last AS SELECT id, max(k) AS keep_k FROM ids WHERE id IS NOT NULL GROUP BY id HAVING count(*) > 1`,
      context,
    );
    await scratch.run(
      `CREATE OR REPLACE TEMP TABLE dropped AS
         SELECT k, 'empty primary key ' || ${sqlString(request.source.primaryKey)} AS reason, NULL::BIGINT AS keep_k, NULL::VARCHAR AS raw_value FROM ids WHERE id IS NULL
         UNION ALL
         SELECT i.k, 'duplicate ' || ${sqlString(request.source.primaryKey)} || ' in the file', d.keep_k, i.id FROM ids i JOIN keep_last d USING (id) WHERE i.k <> d.keep_k`,
      context,
    );
  }

  let loadPath = rowsPath;
  let loaded = n;
  if (needsFilter || lines.fix) {
    loadPath = join(request.stageDir, 'load.parquet');
    const line = lines.fix ? 'kl.line' : 'r._line';
    const join_ = lines.fix ? 'JOIN kline kl ON kl.k = r.file_row_number + 1' : '';
    const filter = needsFilter ? `WHERE NOT EXISTS (SELECT 1 FROM dropped d WHERE d.k = r.file_row_number + 1)` : '';
    const select = [
      ...plan.columns.map((c) => `r.${sqlIdent(c.name)}`),
      `${line} AS _line`,
      'r._load_id',
      'r._file',
      'r._exported_at',
      'r._loaded_at',
    ];
    loaded = await scratch.run(
      `COPY (SELECT ${select.join(', ')} FROM ${rowsSource} r ${join_} ${filter}) TO ${sqlString(loadPath)} (FORMAT PARQUET)`,
      context,
    );
  }

  const parts: string[] = [];
  if (pass.rejectUnits > 0) parts.push(rejectedPart(plan));
  if (needsFilter) {
    const lineOf = (k: string, alias: string) => (lines.fix ? `${alias}.line` : `(${k} + 1)`);
    const keptJoin = lines.fix ? 'LEFT JOIN kline kk ON kk.k = d.keep_k JOIN kline kd ON kd.k = d.k' : '';
    parts.push(`
      SELECT ${lineOf('d.k', 'kd')} AS line, ${sqlString(request.source.primaryKey)} AS field, d.raw_value,
        d.reason || CASE WHEN d.keep_k IS NULL THEN '' ELSE '; the last occurrence, line ' || CAST(${lineOf('d.keep_k', 'kk')} AS VARCHAR) || ', is kept' END AS reason,
        ${rawRecordSql('r', plan.columns, true)} AS raw_record
      FROM dropped d JOIN ${rowsSource} r ON r.file_row_number + 1 = d.k ${keptJoin}`);
  }
  const quarantined = parts.length > 0 ? await writeQuarantine(request, parts) : 0;
  const read = n + pass.rejectUnits;
  checkReconciled(request, read, loaded, quarantined);
  return {
    status: 'loaded',
    rowsPath: loadPath,
    quarantinePath: quarantined > 0 ? join(request.stageDir, 'quarantine.parquet') : undefined,
    counts: { read, loaded, quarantined },
    warnings,
  };
}

interface ReadPass {
  /** Rows of DuckDB's reject table (one per error). */
  rejectErrors: number;
  /** Distinct records rejected. */
  rejectUnits: number;
}

/** Pass 1: `read_csv` -> Parquet, typed (or all VARCHAR, by position, for a rejected file). */
async function readToParquet(
  request: StageRequest,
  plan: HeaderPlan,
  path: string,
  typed: boolean,
  limit: number,
): Promise<ReadPass> {
  const { scratch, stamp } = request;
  const context = { file: stamp.fileName, table: stamp.tableName };
  await scratch.run('DROP TABLE IF EXISTS rejects; DROP TABLE IF EXISTS reject_scan', context);
  const struct = plan.columns.map((c) => `${sqlString(positional(c.position))}: '${typed ? DUCKDB_TYPES[c.type] : 'VARCHAR'}'`);
  const select = typed
    ? [
        ...plan.columns.map((c) =>
          c.type === 'TIMESTAMP'
            ? `CAST(${positional(c.position)} AS TIMESTAMPTZ) AS ${sqlIdent(c.name)}`
            : `${positional(c.position)} AS ${sqlIdent(c.name)}`,
        ),
        'row_number() OVER () + 1 AS _line',
        `${sqlString(stamp.loadId)} AS _load_id`,
        `${sqlString(stamp.fileName)} AS _file`,
        `${sqlTimestamp(stamp.exportedAt)} AS _exported_at`,
        `${sqlTimestamp(stamp.loadedAt)} AS _loaded_at`,
      ]
    : ['*'];
  await scratch.runWithProgress(
    `COPY (
       SELECT ${select.join(', ')}
       FROM read_csv(${sqlString(request.readPath)}, auto_detect = false, header = true, delim = ',', quote = '"', escape = '"',
         columns = {${struct.join(', ')}}, timestampformat = '%Y-%m-%d %H:%M:%S',
         store_rejects = true, rejects_table = 'rejects', rejects_scan = 'reject_scan', rejects_limit = ${limit})
     ) TO ${sqlString(path)} (FORMAT PARQUET)`,
    { onProgress: request.onProgress, signal: request.signal, context },
  );
  const [counts] = await scratch.rows<{ errors: number; units: number }>(
    `SELECT count(*) AS errors, count(DISTINCT line) AS units FROM rejects`,
    context,
  );
  return { rejectErrors: counts?.errors ?? 0, rejectUnits: counts?.units ?? 0 };
}

interface LineMapping {
  /** `kline(k, line)` exists and `_line` must be taken from it. */
  fix: boolean;
  /** Warning when the line scan and DuckDB disagree on the number of records. */
  mismatch?: string;
}

/**
 * Builds `offs(unit, off)` (and, when lines need fixing, `kline(k, line)`: the physical line of the k-th
 * row DuckDB returned). DuckDB numbers records and blank lines ("units"), skipping rejected ones in its
 * output; with the rejected units and the blank units known, the k-th row's unit follows, and its
 * physical line is the unit plus the line map's offset.
 */
async function prepareLineMap(
  request: StageRequest,
  rejectUnits: number,
  rows: number,
  misordered: boolean,
): Promise<LineMapping> {
  const { scratch, scan, stamp } = request;
  const context = { file: stamp.fileName, table: stamp.tableName };
  await scratch.run(
    `CREATE OR REPLACE TEMP TABLE linemap AS SELECT * FROM read_csv(${sqlString(request.lineMapPath)}, header = true, auto_detect = false,
       delim = ',', columns = {'kind': 'VARCHAR', 'unit': 'BIGINT', 'value': 'BIGINT'})`,
    context,
  );
  await scratch.run(`CREATE OR REPLACE TEMP TABLE offs AS SELECT unit, value AS off FROM linemap WHERE kind = 'o'`, context);
  const dataRecords = Math.max(0, scan.records - 1);
  const mismatch =
    dataRecords !== rows + rejectUnits
      ? `line numbers may be approximate: DuckDB read ${rows + rejectUnits} records, the line scan found ${dataRecords}`
      : undefined;
  const fix = rejectUnits > 0 || scan.lineMapRows > 0 || misordered;
  if (!fix || rows === 0) return { fix: false, mismatch };
  await scratch.run(
    `CREATE OR REPLACE TEMP TABLE exceptions AS
       SELECT unit, row_number() OVER (ORDER BY unit) AS j
       FROM (SELECT DISTINCT line AS unit FROM rejects UNION SELECT unit FROM linemap WHERE kind = 'b')`,
    context,
  );
  // g: rows DuckDB returned before exception j; the k-th row comes after every exception with g < k.
  await scratch.run(
    `CREATE OR REPLACE TEMP TABLE exceptions_g AS SELECT unit - 1 - j AS g, max(j) AS j FROM exceptions GROUP BY ALL`,
    context,
  );
  await scratch.run(
    `CREATE OR REPLACE TEMP TABLE kline AS
       SELECT x.k, x.u + coalesce(o.off, 0) AS line
       FROM (SELECT r.k, r.k + 1 + coalesce(e.j, 0) AS u FROM range(1, ${rows + 1}) r(k) ASOF LEFT JOIN exceptions_g e ON r.k > e.g) x
       ASOF LEFT JOIN offs o ON x.u >= o.unit`,
    context,
  );
  return { fix: true, mismatch };
}

/** Quarantine rows of DuckDB's rejected records, with their physical line. */
function rejectedPart(plan: HeaderPlan, prefix?: string): string {
  const reason = prefix ? `${sqlString(`${prefix}; `)} || j.reason` : 'j.reason';
  return `
    SELECT j.unit + coalesce(o.off, 0) AS line, j.field, j.raw_value, ${reason} AS reason, j.raw_record
    FROM (${rejectedRecordsSql('rejects', plan.columns)}) j ASOF LEFT JOIN offs o ON j.unit >= o.unit`;
}

async function writeQuarantine(request: StageRequest, parts: string[]): Promise<number> {
  const { stamp } = request;
  const path = join(request.stageDir, 'quarantine.parquet');
  return request.scratch.run(
    `COPY (
       SELECT ${sqlString(stamp.loadId)} AS load_id, 'csv' AS source, ${sqlString(stamp.tableName)} AS table_name,
         ${sqlString(stamp.fileName)} AS file_name, CAST(q.line AS BIGINT) AS line, q.field, q.raw_value, q.reason, q.raw_record,
         ${sqlString(stamp.runId)} AS run_id, ${sqlTimestamp(stamp.loadedAt)} AS quarantined_at
       FROM (${parts.join('\nUNION ALL\n')}) q
     ) TO ${sqlString(path)} (FORMAT PARQUET)`,
    { file: stamp.fileName, table: stamp.tableName },
  );
}

/**
 * A file rejected whole, its header being readable: every record is read as text (by position) and put
 * in quarantine with the reason; records DuckDB cannot even split are quarantined from its reject table.
 */
async function rejectWhole(request: StageRequest, plan: HeaderPlan, reason: string): Promise<StagedCsv> {
  const { scratch } = request;
  const limit = request.rejectsLimit ?? DEFAULT_REJECTS_LIMIT;
  const rowsPath = join(request.stageDir, 'rejected.parquet');
  const pass = await readToParquet(request, plan, rowsPath, false, limit);
  if (pass.rejectErrors >= limit)
    return rejectUnread(request, `${reason}; more than ${limit} records could not even be split into fields`);
  const rowsSource = `read_parquet(${sqlString(rowsPath)}, file_row_number = true)`;
  const [stats] = await scratch.rows<{ n: number }>(`SELECT count(*) AS n FROM ${rowsSource}`);
  const n = stats?.n ?? 0;
  const lines = await prepareLineMap(request, pass.rejectUnits, n, false);
  const field = plan.missing[0] ?? null;
  const parts = pass.rejectUnits > 0 ? [rejectedPart(plan, `file rejected: ${reason}`)] : [];
  if (n > 0) {
    parts.unshift(`
      SELECT ${lines.fix ? 'kl.line' : 'r.file_row_number + 2'} AS line, ${field ? sqlString(field) : 'NULL'} AS field, NULL AS raw_value,
        ${sqlString(`file rejected: ${reason}`)} AS reason, ${rawRecordSql('r', plan.columns, false)} AS raw_record
      FROM ${rowsSource} r ${lines.fix ? 'JOIN kline kl ON kl.k = r.file_row_number + 1' : ''}`);
  }
  const quarantined = parts.length > 0 ? await writeQuarantine(request, parts) : 0;
  const read = n + pass.rejectUnits;
  checkReconciled(request, read, 0, quarantined);
  return {
    status: 'rejected',
    quarantinePath: quarantined > 0 ? join(request.stageDir, 'quarantine.parquet') : undefined,
    counts: { read, loaded: 0, quarantined },
    rejection: reason,
    warnings: lines.mismatch ? [...plan.warnings, lines.mismatch] : [...plan.warnings],
  };
}

/**
 * A file rejected whole whose records cannot be listed one by one (no header, unreadable header, or too
 * many broken records): one quarantine row says why; the counts come from the line scan.
 */
async function rejectUnread(request: StageRequest, reason: string): Promise<StagedCsv> {
  const read = Math.max(0, request.scan.records - 1);
  if (read === 0) {
    return { status: 'rejected', counts: { read: 0, loaded: 0, quarantined: 0 }, rejection: reason, warnings: [] };
  }
  const header = request.scan.header.toString('utf8').slice(0, MAX_RAW_CHARS);
  const part = `SELECT 1 AS line, NULL AS field, NULL AS raw_value, ${sqlString(`file rejected: ${reason}; ${read} records not itemized`)} AS reason, ${sqlString(header)} AS raw_record`;
  await writeQuarantine(request, [part]);
  return {
    status: 'rejected',
    quarantinePath: join(request.stageDir, 'quarantine.parquet'),
    // Every record of the file is accounted for by the one quarantine row that names the file.
    counts: { read, loaded: 0, quarantined: read },
    rejection: reason,
    warnings: [],
  };
}

function checkReconciled(request: StageRequest, read: number, loaded: number, quarantined: number): void {
  if (read !== loaded + quarantined) {
    throw new TerminalError(`bug: rows read (${read}) != rows loaded (${loaded}) + rows quarantined (${quarantined})`, {
      file: request.stamp.fileName,
      table: request.stamp.tableName,
    });
  }
}

/** Column names a staged rows file holds, in order: the file's columns, then the load metadata. */
export function stagedColumns(columns: FileColumn[]): string[] {
  return [...columns.map((c) => c.name), '_line', '_load_id', '_file', '_exported_at', '_loaded_at'];
}
