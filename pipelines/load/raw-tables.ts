import type { CrmSource } from '../extract/csv/crm-sources.js';
import { KIND_TYPES } from '../extract/csv/crm-sources.js';
import type { ColumnSpec, TableRef, TableSpec } from '../warehouse/types.js';

/**
 * The raw CRM tables: the export's columns under their export names, typed per the contract, one row
 * per `Id` (the newest export wins), plus the load metadata below.
 */
export const LOAD_METADATA_COLUMNS: ColumnSpec[] = [
  { name: '_load_id', type: 'STRING', description: 'Load that wrote the row (one per file version and run)' },
  { name: '_file', type: 'STRING', description: 'Export file the row came from' },
  { name: '_line', type: 'INT64', description: 'Physical line where the record starts in that file (header is line 1)' },
  { name: '_exported_at', type: 'TIMESTAMP', description: 'Export time: date in the file name, else file modification time' },
  { name: '_loaded_at', type: 'TIMESTAMP', description: 'Load time' },
];

/** Version order of an upsert into a raw CRM table: newest export, then latest load. */
export const RAW_VERSION_BY = ['_exported_at', '_loaded_at'];

export function rawTableRef(source: CrmSource): TableRef {
  return { layer: 'raw', name: source.rawTable };
}

/** `raw.crm_<table>`, as named in the quarantine and in step counts. */
export function rawTableName(source: CrmSource): string {
  return `raw.${source.rawTable}`;
}

/**
 * The raw table's spec: contract columns, then `extraColumns` (columns an export carried that the
 * contract does not know, kept as STRING; adding them to the table is schema evolution), then metadata.
 */
export function rawTableSpec(source: CrmSource, extraColumns: string[] = []): TableSpec {
  return {
    ref: rawTableRef(source),
    description: `${source.description} Raw layer: one row per ${source.primaryKey}, from the newest export (by _exported_at, then _loaded_at).`,
    columns: [
      ...source.columns.map((c) => ({ name: c.name, type: KIND_TYPES[c.kind], description: c.description })),
      ...extraColumns.map((name) => ({
        name,
        type: 'STRING' as const,
        description: 'Column found in an export that the contract does not declare',
      })),
      ...LOAD_METADATA_COLUMNS,
    ],
  };
}
