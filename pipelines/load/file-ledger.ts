import { FILE_LEDGER } from '../state/ops-tables.js';
import type { Statement } from '../warehouse/types.js';
import type { Warehouse } from '../warehouse/warehouse.js';

/** One row of `ops.file_ledger`: a CRM export file version and what became of it. */
export interface LedgerEntry {
  fileVersionId: string;
  fileName: string;
  tableName: string;
  sizeBytes: number | null;
  checksum: string | null;
  exportedAt: string | null;
  status: 'loaded' | 'rejected';
  rowsRead: number | null;
  rowsLoaded: number | null;
  rowsQuarantined: number | null;
  message: string | null;
  loadId: string | null;
  runId: string | null;
  loadedAt: string | null;
}

interface LedgerRow {
  file_version_id: string;
  file_name: string;
  table_name: string;
  size_bytes: number | null;
  checksum: string | null;
  exported_at: string | null;
  status: string;
  rows_read: number | null;
  rows_loaded: number | null;
  rows_quarantined: number | null;
  message: string | null;
  load_id: string | null;
  run_id: string | null;
  loaded_at: string | null;
}

/** Every ledger entry, newest load first. */
export async function readLedger(warehouse: Warehouse): Promise<LedgerEntry[]> {
  const rows = await warehouse.query<LedgerRow>(
    `SELECT file_version_id, file_name, table_name, size_bytes, checksum, exported_at, status, rows_read, rows_loaded,
       rows_quarantined, message, load_id, run_id, loaded_at
     FROM ${warehouse.qualify(FILE_LEDGER.ref)}
     ORDER BY loaded_at DESC, file_name`,
  );
  return rows.map((r) => ({
    fileVersionId: r.file_version_id,
    fileName: r.file_name,
    tableName: r.table_name,
    sizeBytes: r.size_bytes,
    checksum: r.checksum,
    exportedAt: r.exported_at,
    status: r.status === 'rejected' ? 'rejected' : 'loaded',
    rowsRead: r.rows_read,
    rowsLoaded: r.rows_loaded,
    rowsQuarantined: r.rows_quarantined,
    message: r.message,
    loadId: r.load_id,
    runId: r.run_id,
    loadedAt: r.loaded_at,
  }));
}

/** The most recent ledger entry of each file name. */
export function latestByName(entries: LedgerEntry[]): Map<string, LedgerEntry> {
  const latest = new Map<string, LedgerEntry>();
  for (const entry of entries) {
    const seen = latest.get(entry.fileName);
    if (!seen || (entry.loadedAt ?? '') > (seen.loadedAt ?? '')) latest.set(entry.fileName, entry);
  }
  return latest;
}

/**
 * A file's current content is already in the warehouse when the latest ledger entry of its name has the
 * same checksum. (A name whose content changed, even back to an older version, is loaded again.)
 */
export function isAlreadyLoaded(latest: Map<string, LedgerEntry>, fileName: string, checksum: string): LedgerEntry | undefined {
  const entry = latest.get(fileName);
  return entry && entry.fileVersionId === checksum ? entry : undefined;
}

export interface LedgerRecord {
  fileVersionId: string;
  fileName: string;
  tableName: string;
  sizeBytes: number;
  checksum: string;
  exportedAt: Date;
  status: 'loaded' | 'rejected';
  rowsRead: number;
  rowsLoaded: number;
  rowsQuarantined: number;
  message: string | null;
  loadId: string;
  runId: string;
  loadedAt: Date;
}

/**
 * The MERGE recording a file version in the ledger, keyed by (file_version_id, file_name); run in the
 * same transaction as the file's rows, so that a crashed load leaves no entry and is simply redone.
 */
export function ledgerStatement(warehouse: Warehouse, record: LedgerRecord): Statement {
  const columns = [
    'file_version_id',
    'file_name',
    'table_name',
    'size_bytes',
    'checksum',
    'exported_at',
    'status',
    'rows_read',
    'rows_loaded',
    'rows_quarantined',
    'message',
    'load_id',
    'run_id',
    'loaded_at',
  ];
  const updated = columns.filter((c) => c !== 'file_version_id' && c !== 'file_name');
  return {
    sql: `MERGE INTO ${warehouse.qualify(FILE_LEDGER.ref)} t
USING (SELECT ${columns.map((c) => `@${c} AS ${c}`).join(', ')}) s
ON t.file_version_id = s.file_version_id AND t.file_name = s.file_name
WHEN MATCHED THEN UPDATE SET ${updated.map((c) => `${c} = s.${c}`).join(', ')}
WHEN NOT MATCHED THEN INSERT (${columns.join(', ')}) VALUES (${columns.map((c) => `s.${c}`).join(', ')})`,
    params: {
      file_version_id: record.fileVersionId,
      file_name: record.fileName,
      table_name: record.tableName,
      size_bytes: record.sizeBytes,
      checksum: record.checksum,
      exported_at: record.exportedAt,
      status: record.status,
      rows_read: record.rowsRead,
      rows_loaded: record.rowsLoaded,
      rows_quarantined: record.rowsQuarantined,
      message: record.message,
      load_id: record.loadId,
      run_id: record.runId,
      loaded_at: record.loadedAt,
    },
    types: {
      size_bytes: 'INT64',
      exported_at: 'TIMESTAMP',
      rows_read: 'INT64',
      rows_loaded: 'INT64',
      rows_quarantined: 'INT64',
      message: 'STRING',
      loaded_at: 'TIMESTAMP',
    },
  };
}
