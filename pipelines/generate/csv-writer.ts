import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import type { BadRow } from './manifest.js';

/**
 * Streams records to a CSV file with RFC 4180 quoting (csv-stringify): fields holding a comma, a quote,
 * CR or LF are quoted, quotes doubled; empty strings stay empty. Memory stays flat: the record source is
 * pulled only as fast as the file takes it. Tracks the physical line of each record marked bad.
 */

export interface OutRow {
  fields: string[];
  bad?: Omit<BadRow, 'line'>;
}

export interface CsvWriteOptions {
  bom: boolean;
  lineEnding: 'lf' | 'crlf';
}

export interface CsvWriteResult {
  rows: number;
  lines: number;
  bytes: number;
  badRows: BadRow[];
}

// Records buffered ahead of the CSV encoder: bounds memory whatever the file's size.
const BUFFERED_RECORDS = 256;

export async function writeCsv(
  path: string,
  header: string[],
  rows: Iterable<OutRow>,
  options: CsvWriteOptions,
): Promise<CsvWriteResult> {
  const result: CsvWriteResult = { rows: 0, lines: 1, bytes: 0, badRows: [] };
  const stringifier = stringify({
    bom: options.bom,
    record_delimiter: options.lineEnding === 'crlf' ? 'windows' : 'unix',
    // csv-stringify quotes only the record delimiter by default; a bare CR or LF must be quoted too.
    quoted_match: /[\r\n]/,
    eof: true,
  });
  function* records(): Generator<string[]> {
    yield header;
    for (const row of rows) {
      if (row.bad) result.badRows.push({ line: result.lines + 1, ...row.bad });
      result.lines += 1 + newlines(row.fields);
      result.rows++;
      yield row.fields;
    }
  }
  await pipeline(
    Readable.from(records(), { objectMode: true, highWaterMark: BUFFERED_RECORDS }),
    stringifier,
    createWriteStream(path),
  );
  result.bytes = (await stat(path)).size;
  return result;
}

function newlines(fields: string[]): number {
  let count = 0;
  for (const field of fields) {
    if (field.length === 0) continue;
    for (let i = field.indexOf('\n'); i >= 0; i = field.indexOf('\n', i + 1)) count++;
  }
  return count;
}
