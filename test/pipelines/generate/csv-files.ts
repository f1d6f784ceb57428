import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';

/** Test helpers: parse generated exports with an independent RFC 4180 reader (csv-parse). */

export const REAL_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../../../shared/data/real');

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface ParsedCsv {
  raw: Buffer;
  header: string[];
  /** Data records, in file order. */
  records: string[][];
  /** Physical line where each data record starts (1 + the `\n` before it; the header is line 1). */
  lines: number[];
}

/** Reads a CSV file whole (small files only); records may have any number of fields. */
export function readCsv(path: string): ParsedCsv {
  const raw = readFileSync(path);
  const rows = parse(raw, { bom: true, relax_column_count: true }) as string[][];
  const [header, ...records] = rows;
  if (!header) throw new Error(`${path} has no header`);
  const lines: number[] = [];
  // Every `\n` of the file ends a record or sits inside a quoted field, so a record spans 1 + its fields' `\n`.
  let line = 1 + newlines(header);
  for (const record of records) {
    lines.push(line + 1);
    line += 1 + newlines(record);
  }
  return { raw, header, records, lines };
}

/** Records as objects keyed by header name. */
export function objects(csv: ParsedCsv): Array<Record<string, string>> {
  return csv.records.map((record) => Object.fromEntries(csv.header.map((name, i) => [name, record[i] ?? ''])));
}

export function countNewlines(buffer: Buffer): number {
  let count = 0;
  for (let i = buffer.indexOf(10); i >= 0; i = buffer.indexOf(10, i + 1)) count++;
  return count;
}

function newlines(fields: string[]): number {
  return fields.reduce((sum, field) => sum + (field.match(/\n/g)?.length ?? 0), 0);
}
