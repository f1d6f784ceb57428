import { writeFile } from 'node:fs/promises';
import type { ColumnType } from '../../warehouse/types.js';
import { KIND_TYPES, type CrmSource, type SourceColumn } from './crm-sources.js';
import type { ScratchDuckDb } from './scratch-duckdb.js';
import { sqlString } from './scratch-duckdb.js';

/** Names of the load metadata columns every raw table carries; an export column cannot take them. */
export const METADATA_COLUMN_NAMES = ['_load_id', '_file', '_line', '_exported_at', '_loaded_at'] as const;

/** One column of an export file, by position, and what it becomes in the raw table. */
export interface FileColumn {
  /** 0-based position in the file. */
  position: number;
  /** The header text as written. */
  header: string;
  /** Column name in the raw table: the contract name, or the (sanitized) header of an extra column. */
  name: string;
  /** The contract column; absent for an extra column. */
  source?: SourceColumn;
  type: ColumnType;
}

export interface HeaderPlan {
  columns: FileColumn[];
  /** Columns the contract does not know, loaded as STRING. */
  extras: FileColumn[];
  /** Required contract columns absent from the file. */
  missing: string[];
  /** Why the whole file must be rejected (missing columns, duplicates...), or undefined. */
  rejection?: string;
  /** Things worth a warning that do not stop the load (extra columns, renamed headers). */
  warnings: string[];
}

/**
 * Parses the header record with DuckDB's CSV reader (the record's bytes are written to `path` first), so
 * that quoted names read as the data will. Returns the names as written, or null when the header is not
 * readable (invalid UTF-8).
 */
export async function readHeaderNames(scratch: ScratchDuckDb, header: Buffer, path: string): Promise<string[] | null> {
  if (header.length === 0) return [];
  await writeFile(path, Buffer.concat([header, Buffer.from('\n')]));
  const rows = await scratch.rows<Record<string, string | null>>(
    `SELECT * FROM read_csv(${sqlString(path)}, header = false, all_varchar = true, delim = ',', quote = '"', escape = '"',
       ignore_errors = true, sample_size = 1)`,
  );
  const row = rows[0];
  if (!row) return null;
  return Object.values(row).map((value) => value ?? '');
}

/**
 * Matches a file's header to the contract. Contract columns are found by exact name, else by name
 * ignoring case (a warning); other columns are extras (kept as STRING, named by their header made a
 * portable identifier). Rejects the file when a required column is missing, a column appears twice, or
 * an extra column would take a metadata column's name.
 */
export function planHeader(source: CrmSource, names: string[]): HeaderPlan {
  const warnings: string[] = [];
  const problems: string[] = [];
  const byLower = new Map(source.columns.map((c) => [c.name.toLowerCase(), c]));
  const columns: FileColumn[] = [];
  const taken = new Map<string, number>();
  names.forEach((raw, position) => {
    const header = raw.trim();
    const exact = source.columns.find((c) => c.name === header);
    const loose = exact ?? byLower.get(header.toLowerCase());
    if (loose && !exact) warnings.push(`column ${JSON.stringify(header)} read as ${loose.name} (case differs)`);
    const name = loose ? loose.name : extraName(header, position);
    const key = name.toLowerCase();
    if (taken.has(key)) {
      problems.push(`column ${name} appears twice in the header (positions ${taken.get(key)! + 1} and ${position + 1})`);
    }
    taken.set(key, position);
    if (!loose && (METADATA_COLUMN_NAMES as readonly string[]).includes(key)) {
      problems.push(`column ${name} (position ${position + 1}) has the name of a load metadata column`);
    }
    columns.push({ position, header, name, source: loose, type: loose ? KIND_TYPES[loose.kind] : 'STRING' });
  });
  const present = new Set(columns.map((c) => c.source?.name).filter(Boolean));
  const missing = source.columns.filter((c) => c.required && !present.has(c.name)).map((c) => c.name);
  const extras = columns.filter((c) => !c.source);
  if (missing.length > 0) {
    const hint =
      names.length === 1 && /[;\t|]/.test(names[0] ?? '') ? ' (the header has one column: is the delimiter not a comma?)' : '';
    problems.unshift(`missing required column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}${hint}`);
  }
  for (const extra of extras) {
    const renamed = extra.name !== extra.header ? ` as ${extra.name}` : '';
    warnings.push(`extra column ${JSON.stringify(extra.header)} (position ${extra.position + 1}) kept${renamed} as STRING`);
  }
  return { columns, extras, missing, rejection: problems.length > 0 ? problems.join('; ') : undefined, warnings };
}

/** An extra column's name as a portable identifier (letters, digits, `_`; not starting with a digit). */
function extraName(header: string, position: number): string {
  if (header === '') return `column_${position + 1}`;
  const cleaned = header.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 300);
  return /^[0-9]/.test(cleaned) ? `c_${cleaned}` : cleaned;
}
