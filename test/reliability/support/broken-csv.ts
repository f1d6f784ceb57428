import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { seededRandom } from './seeded-random.js';

/** What the loader must make of a broken export, per its contract. */
export interface BrokenExpectation {
  status: 'loaded' | 'rejected';
  /** null: any number, as long as read = loaded + quarantined. */
  read: number | null;
  loaded: number;
  quarantined: number | null;
  /** Physical lines (header = 1) the quarantine rows name, sorted; absent when not itemized per line. */
  lines?: number[];
  /** The ledger message (why a file was rejected) must match. */
  message?: RegExp;
  /** The quarantine reasons must match. */
  reason?: RegExp;
  /** A row the raw table must hold after the load: `column` of the record `id`. */
  kept?: { id: string; column: string; value: string };
}

export interface BrokenCase {
  /** Short name, e.g. `truncated-mid-row`. */
  name: string;
  /** What is broken, in words. */
  what: string;
  /** The export's bytes. */
  content: Buffer;
  expect: BrokenExpectation;
}

/** A valid export to break: its header and records of one physical line each (no embedded line breaks). */
export interface Template {
  header: string[];
  records: string[][];
}

/** Data records of each corpus file (they sit on lines 2 to RECORDS + 1). */
export const RECORDS = 40;

/** Reads a generated opportunities export and keeps RECORDS single-line records with distinct ids. */
export function readTemplate(path: string): Template {
  const rows = parse(readFileSync(path), { relax_column_count: false, bom: true }) as string[][];
  const [header, ...body] = rows;
  if (!header) throw new Error(`${path} has no header`);
  const seen = new Set<string>();
  const records = body.filter((r) => {
    const id = r[0] ?? '';
    if (seen.has(id) || r.some((f) => /[\r\n]/.test(f))) return false;
    seen.add(id);
    return true;
  });
  if (records.length < RECORDS) throw new Error(`${path} has only ${records.length} usable records`);
  return { header, records: records.slice(0, RECORDS) };
}

function csv(rows: string[][], delimiter = ','): string {
  return stringify(rows, { delimiter, record_delimiter: '\n' });
}

/** Index of the column `name` in the template. */
function column(template: Template, name: string): number {
  const i = template.header.indexOf(name);
  if (i < 0) throw new Error(`the template has no column ${name}`);
  return i;
}

/**
 * The corpus of broken exports (opportunities), written at test time, never committed: each case with
 * what the loader must make of it. Line numbers are physical lines of the file, the header being line 1.
 */
export function brokenCorpus(template: Template): BrokenCase[] {
  const { header, records } = template;
  const text = column(template, 'BanquePrincipaleEmp__c');
  const stage = column(template, 'StageName');
  const whole = csv([header, ...records]);
  const lastLine = RECORDS + 1;

  // Cut the last record in the middle of its fields (no newline at the end).
  const lastRecord = csv([records[RECORDS - 1]!]).trimEnd();
  const cutRow = csv([header, ...records.slice(0, RECORDS - 1)]) + lastRecord.slice(0, Math.floor(lastRecord.length / 2));

  // Cut the last record inside a quoted field: the quote is never closed.
  const cutQuoted =
    csv([header, ...records.slice(0, RECORDS - 1)]) + csv([records[RECORDS - 1]!.slice(0, text)]).trimEnd() + ',"Crédit, Mut';

  const random = seededRandom(7);
  const garbage = Buffer.alloc(64 * 1024);
  for (let i = 0; i < garbage.length; i++) garbage[i] = Math.floor(random() * 256);

  // Records 5, 10 and 30 (lines 7, 12, 32) share one id with different values: the last one wins.
  const duplicated = records.map((r) => [...r]);
  for (const [k, stageName] of [
    [10, '2-Constitution du dossier'],
    [30, '5-Gagnée'],
  ] as const) {
    duplicated[k]![0] = duplicated[5]![0]!;
    duplicated[k]![stage] = stageName;
  }

  const huge = records.map((r, k) => (k === 19 ? r.map((f, i) => (i === text ? 'x'.repeat(10 * 1024 * 1024) : f)) : r));

  // Bytes that are not UTF-8 (a lead byte without its continuation, 0xFF, 0xFE) in a field of record 14 (line 16).
  const marker = 'NOT_UTF8_MARKER';
  const marked = Buffer.from(
    csv([header, ...records.map((r, k) => (k === 14 ? r.map((f, i) => (i === text ? marker : f)) : r))]),
  );
  const at = marked.indexOf(marker);
  const invalidUtf8 = Buffer.concat([
    marked.subarray(0, at),
    Buffer.from([0x42, 0xc3, 0x28, 0xff, 0xfe]),
    marked.subarray(at + marker.length),
  ]);

  return [
    {
      name: 'truncated-mid-row',
      what: 'the file ends in the middle of its last record',
      content: Buffer.from(cutRow),
      expect: { status: 'loaded', read: RECORDS, loaded: RECORDS - 1, quarantined: 1, lines: [lastLine] },
    },
    {
      name: 'truncated-mid-quote',
      what: 'the file ends inside a quoted field (the quote never closes)',
      content: Buffer.from(cutQuoted),
      expect: { status: 'loaded', read: RECORDS, loaded: RECORDS - 1, quarantined: 1, lines: [lastLine] },
    },
    {
      name: 'binary-garbage',
      what: '64 KB of random bytes',
      content: garbage,
      // How many records random bytes hold depends on the bytes: only that they all are accounted for is checked.
      expect: {
        status: 'rejected',
        read: null,
        loaded: 0,
        quarantined: null,
        message: /not valid UTF-8|missing required column/,
      },
    },
    {
      name: 'wrong-delimiter',
      what: 'semicolons instead of commas',
      content: Buffer.from(csv([header, ...records], ';')),
      expect: {
        status: 'rejected',
        read: RECORDS,
        loaded: 0,
        quarantined: RECORDS,
        lines: records.map((_, k) => k + 2),
        message: /missing required columns?.*delimiter/,
      },
    },
    {
      name: 'header-only',
      what: 'the header and no record',
      content: Buffer.from(csv([header])),
      expect: { status: 'loaded', read: 0, loaded: 0, quarantined: 0 },
    },
    {
      name: 'empty-file',
      what: '0 bytes',
      content: Buffer.alloc(0),
      expect: { status: 'rejected', read: 0, loaded: 0, quarantined: 0, message: /empty/ },
    },
    {
      name: 'duplicate-ids',
      what: 'one id on lines 7, 12 and 32 with different values',
      content: Buffer.from(csv([header, ...duplicated])),
      expect: {
        status: 'loaded',
        read: RECORDS,
        loaded: RECORDS - 2,
        quarantined: 2,
        lines: [7, 12],
        reason: /duplicate Id.*line 32/,
        kept: { id: duplicated[30]![0]!, column: 'StageName', value: '5-Gagnée' },
      },
    },
    {
      name: '10mb-field',
      what: 'a 10 MB field on line 21',
      content: Buffer.from(csv([header, ...huge])),
      expect: { status: 'loaded', read: RECORDS, loaded: RECORDS - 1, quarantined: 1, lines: [21] },
    },
    {
      name: 'invalid-utf8',
      what: 'bytes that are not UTF-8 in a field of line 16',
      content: invalidUtf8,
      expect: { status: 'loaded', read: RECORDS, loaded: RECORDS - 1, quarantined: 1, lines: [16] },
    },
    {
      name: 'valid-control',
      what: 'the same records, unbroken (control)',
      content: Buffer.from(whole),
      expect: { status: 'loaded', read: RECORDS, loaded: RECORDS, quarantined: 0 },
    },
  ];
}

/** Writes a case into `dir` under the name the CRM gives an opportunities export of `date`. */
export async function writeCase(dir: string, fileName: string, brokenCase: BrokenCase): Promise<string> {
  const path = join(dir, fileName);
  await writeFile(path, brokenCase.content);
  return path;
}
