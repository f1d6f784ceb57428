import type { TableSpec } from '../warehouse/types.js';
import type { Warehouse } from '../warehouse/warehouse.js';

/**
 * The pipeline's own tables, in the `ops` layer: what it knows about itself. Every module that writes
 * bookkeeping uses these specs; `ensureOpsTables` creates them (and adds columns they gain).
 */
export const FILE_LEDGER: TableSpec = {
  ref: { layer: 'ops', name: 'file_ledger' },
  description: 'One row per CRM export file version seen in the landing folder, and what became of it.',
  columns: [
    { name: 'file_version_id', type: 'STRING', mode: 'REQUIRED', description: 'sha256 of the file content: the version key' },
    { name: 'file_name', type: 'STRING', mode: 'REQUIRED', description: 'File name in the landing folder' },
    { name: 'table_name', type: 'STRING', mode: 'REQUIRED', description: 'CRM table the file was matched to' },
    { name: 'size_bytes', type: 'INT64', description: 'File size' },
    { name: 'checksum', type: 'STRING', description: 'sha256 of the file content, hex' },
    { name: 'exported_at', type: 'TIMESTAMP', description: 'Export time: date in the file name, else file modification time' },
    { name: 'status', type: 'STRING', mode: 'REQUIRED', description: 'loaded | rejected' },
    { name: 'rows_read', type: 'INT64', description: 'Data records read from the file' },
    { name: 'rows_loaded', type: 'INT64', description: 'Records loaded into the raw table' },
    { name: 'rows_quarantined', type: 'INT64', description: 'Records kept in ops.quarantine with a reason' },
    { name: 'message', type: 'STRING', description: 'Why the file was rejected, or warnings (extra columns)' },
    { name: 'load_id', type: 'STRING', description: 'Load id stamped on the raw rows' },
    { name: 'run_id', type: 'STRING', description: 'Run that loaded it' },
    { name: 'loaded_at', type: 'TIMESTAMP', description: 'Commit time' },
  ],
};

export const QUARANTINE: TableSpec = {
  ref: { layer: 'ops', name: 'quarantine' },
  description: 'Source records that could not be loaded, with where they came from and why. Nothing is dropped silently.',
  columns: [
    { name: 'load_id', type: 'STRING', mode: 'REQUIRED', description: 'Load that met the record' },
    { name: 'source', type: 'STRING', mode: 'REQUIRED', description: 'csv | api' },
    { name: 'table_name', type: 'STRING', mode: 'REQUIRED', description: 'Raw table the record was meant for' },
    { name: 'file_name', type: 'STRING', description: 'CSV file name, or API stream and window' },
    { name: 'line', type: 'INT64', description: 'Physical line number in the file (header is line 1), when known' },
    { name: 'field', type: 'STRING', description: 'Offending column, when one is to blame' },
    { name: 'raw_value', type: 'STRING', description: 'The offending value as written in the source' },
    { name: 'reason', type: 'STRING', mode: 'REQUIRED', description: 'Why the record was not loaded' },
    { name: 'raw_record', type: 'STRING', description: 'The whole source record as written' },
    { name: 'run_id', type: 'STRING', description: 'Run that met the record' },
    { name: 'quarantined_at', type: 'TIMESTAMP', description: 'When' },
  ],
};

export const HIGH_WATER_MARKS: TableSpec = {
  ref: { layer: 'ops', name: 'high_water_marks' },
  description: 'Per API stream, the end of the last committed extraction window (exclusive).',
  columns: [
    { name: 'stream', type: 'STRING', mode: 'REQUIRED', description: 'events | users' },
    { name: 'high_water_mark', type: 'TIMESTAMP', mode: 'REQUIRED', description: 'Everything before it is committed' },
    { name: 'run_id', type: 'STRING', description: 'Run that moved it' },
    { name: 'updated_at', type: 'TIMESTAMP', description: 'When it moved' },
  ],
};

export const PIPELINE_RUNS: TableSpec = {
  ref: { layer: 'ops', name: 'pipeline_runs' },
  description: 'Every run (scheduled, manual, backfill), recorded as it goes.',
  columns: [
    { name: 'run_id', type: 'STRING', mode: 'REQUIRED', description: 'Run id' },
    { name: 'kind', type: 'STRING', mode: 'REQUIRED', description: 'scheduled | manual | backfill' },
    { name: 'status', type: 'STRING', mode: 'REQUIRED', description: 'running | success | error | skipped' },
    { name: 'window_from', type: 'TIMESTAMP', description: 'Start of the window a backfill covers' },
    { name: 'window_to', type: 'TIMESTAMP', description: 'End of the window (exclusive)' },
    { name: 'started_at', type: 'TIMESTAMP', mode: 'REQUIRED', description: 'Start' },
    { name: 'ended_at', type: 'TIMESTAMP', description: 'End, once finished' },
    { name: 'row_counts', type: 'STRING', description: 'Rows read, loaded and quarantined per table (JSON text)' },
    { name: 'error', type: 'STRING', description: 'The failing step and its error' },
    { name: 'summary', type: 'STRING', description: 'The run result (JSON text)' },
    { name: 'args', type: 'STRING', description: 'Arguments of the run: backfill window, streams, models (JSON text)' },
  ],
};

export const PIPELINE_STEPS: TableSpec = {
  ref: { layer: 'ops', name: 'pipeline_steps' },
  description: 'The steps of each run, recorded as they finish.',
  columns: [
    { name: 'run_id', type: 'STRING', mode: 'REQUIRED', description: 'Run id' },
    { name: 'step', type: 'STRING', mode: 'REQUIRED', description: 'Step name' },
    { name: 'kind', type: 'STRING', description: 'extract-load | model | test | state | other' },
    { name: 'status', type: 'STRING', mode: 'REQUIRED', description: 'success | error | skipped' },
    { name: 'started_at', type: 'TIMESTAMP', description: 'Start' },
    { name: 'ended_at', type: 'TIMESTAMP', description: 'End' },
    { name: 'row_counts', type: 'STRING', description: 'Counts per table, or rows built (JSON text)' },
    { name: 'message', type: 'STRING', description: 'Skip reason or warning' },
    { name: 'error', type: 'STRING', description: 'Error message' },
  ],
};

export const LOCKS: TableSpec = {
  ref: { layer: 'ops', name: 'locks' },
  description: 'Named locks with an owner and an expiry; an expired lock may be taken over.',
  columns: [
    { name: 'name', type: 'STRING', mode: 'REQUIRED', description: 'Lock name' },
    { name: 'owner', type: 'STRING', mode: 'REQUIRED', description: 'Holder: host, pid and run id' },
    { name: 'acquired_at', type: 'TIMESTAMP', mode: 'REQUIRED', description: 'When taken' },
    { name: 'expires_at', type: 'TIMESTAMP', mode: 'REQUIRED', description: 'When it may be taken over unless renewed' },
  ],
};

export const MODEL_STATE: TableSpec = {
  ref: { layer: 'ops', name: 'model_state' },
  description: 'Per incremental model, how far its sources have been processed.',
  columns: [
    { name: 'model', type: 'STRING', mode: 'REQUIRED', description: 'Model name' },
    { name: 'watermark', type: 'TIMESTAMP', description: 'Load time of the newest source row already built into the model' },
    { name: 'built_at', type: 'TIMESTAMP', description: 'Last build' },
    { name: 'run_id', type: 'STRING', description: 'Run of the last build' },
  ],
};

export const BACKFILL_PARTITIONS: TableSpec = {
  ref: { layer: 'ops', name: 'backfill_partitions' },
  description: 'Partitions of a backfill and whether each is done, so that a failed backfill resumes.',
  columns: [
    { name: 'run_id', type: 'STRING', mode: 'REQUIRED', description: 'Backfill run id' },
    { name: 'stream', type: 'STRING', mode: 'REQUIRED', description: 'Stream or crm' },
    { name: 'partition_from', type: 'TIMESTAMP', mode: 'REQUIRED', description: 'Partition start' },
    { name: 'partition_to', type: 'TIMESTAMP', mode: 'REQUIRED', description: 'Partition end (exclusive)' },
    { name: 'status', type: 'STRING', mode: 'REQUIRED', description: 'done' },
    { name: 'rows_extracted', type: 'INT64', description: 'Records extracted' },
    { name: 'finished_at', type: 'TIMESTAMP', description: 'When done' },
  ],
};

export const OPS_TABLES: TableSpec[] = [
  FILE_LEDGER,
  QUARANTINE,
  HIGH_WATER_MARKS,
  PIPELINE_RUNS,
  PIPELINE_STEPS,
  LOCKS,
  MODEL_STATE,
  BACKFILL_PARTITIONS,
];

/** Creates the layers and every ops table when missing. Idempotent. */
export async function ensureOpsTables(warehouse: Warehouse): Promise<void> {
  await warehouse.init();
  for (const spec of OPS_TABLES) await warehouse.ensureTable(spec);
}
