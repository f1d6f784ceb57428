import { readFileSync, rmSync } from 'node:fs';
import { expect } from 'chai';
import { CRM_SOURCES, type CrmTable } from '../../../pipelines/extract/csv/crm-sources.js';
import { EXTRA_COLUMN } from '../../../pipelines/generate/dirt.js';
import { generateCrmExports } from '../../../pipelines/generate/generate-crm.js';
import { opportunityIdAt } from '../../../pipelines/generate/ids.js';
import type { BadRowReason, GeneratedFile, GenerateManifest } from '../../../pipelines/generate/manifest.js';
import { countNewlines, readCsv, tempDir, type ParsedCsv } from './csv-files.js';

/**
 * `dirt: 'all'`: the manifest must say exactly what is in the files, so a loader test can reconcile
 * rows read = rows loaded + rows quarantined. Each file is parsed here by csv-parse and validated
 * against the contract, independently of the generator.
 */
describe("generateCrmExports with dirt 'all'", function () {
  const SEED = 77;
  let dir: string;
  let manifest: GenerateManifest;
  const files = {} as Record<CrmTable, { file: GeneratedFile; csv: ParsedCsv }>;

  before(async function () {
    dir = tempDir('generate-dirt-');
    manifest = await generateCrmExports({ dir, scale: '1500', seed: SEED, dirt: 'all' });
    for (const file of manifest.files) files[file.table] = { file, csv: readCsv(file.path) };
  });

  after(function () {
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists exactly the bad rows a validating reader finds, at their physical lines', function () {
    for (const table of ['opportunities', 'propositions', 'banks'] as const) {
      const { file, csv } = files[table];
      const found = csv.records
        .map((record, i) => ({ line: csv.lines[i] as number, problem: validate(table, csv.header, record) }))
        .filter((r) => r.problem !== undefined);
      const listed = file.badRows.map((b) => ({ line: b.line, problem: { field: b.field, reason: b.reason } }));
      expect(found, table).to.deep.equal(listed);
      expect(csv.records.length, table).to.equal(file.rows);
      expect(countNewlines(csv.raw), table).to.equal(file.lines);
    }
  });

  it('has one bad row of each kind per table (no number column in banks)', function () {
    const reasons = (table: CrmTable) => files[table].file.badRows.map((b) => b.reason).sort();
    const all: BadRowReason[] = ['empty_id', 'impossible_date', 'not_a_number', 'wrong_field_count'];
    expect(reasons('opportunities')).to.deep.equal(all);
    expect(reasons('propositions')).to.deep.equal(all);
    expect(reasons('banks')).to.deep.equal(all.filter((r) => r !== 'not_a_number'));
  });

  it('puts each bad row at its line in the raw file, with its id', function () {
    for (const table of ['opportunities', 'propositions', 'banks'] as const) {
      const { file } = files[table];
      const physical = readFileSync(file.path, 'utf8').split('\n');
      for (const bad of file.badRows) {
        const line = physical[bad.line - 1] as string;
        if (bad.reason === 'empty_id') expect(bad.id).to.equal('');
        else expect(line, `${table} line ${bad.line}`).to.include(bad.id);
      }
    }
  });

  it('writes a BOM and CRLF line ends in opportunities and banks, and newlines, quotes and commas inside fields', function () {
    for (const table of ['opportunities', 'banks'] as const) {
      const { file, csv } = files[table];
      expect(file.bom && file.lineEnding === 'crlf').to.equal(true);
      expect(csv.raw.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf])), table).to.equal(true);
      expect(csv.raw.toString('utf8').split('\r\n').length - 1, table).to.be.greaterThan(file.rows);
    }
    const fields = (table: CrmTable) => files[table].csv.records.flat();
    for (const table of ['opportunities', 'propositions', 'banks'] as const) {
      expect(
        fields(table).some((v) => v.includes(',') && v.includes('"')),
        `${table} quoted comma and quote`,
      ).to.equal(true);
      expect(
        fields(table).some((v) => v.includes('\n')),
        `${table} newline in a field`,
      ).to.equal(true);
    }
    expect(fields('opportunities').some((v) => v.includes('\r\n'))).to.equal(true);
    expect(files.propositions.csv.raw.includes('\r\n')).to.equal(true);
    expect(files.propositions.file.lineEnding).to.equal('lf');
  });

  it('adds an unknown column to opportunities and writes propositions in another column order', function () {
    const opportunities = files.opportunities.csv.header;
    expect(opportunities.filter((c) => c !== EXTRA_COLUMN)).to.deep.equal(CRM_SOURCES.opportunities.columns.map((c) => c.name));
    expect(opportunities).to.include(EXTRA_COLUMN);
    expect(files.opportunities.file.extraColumns).to.deep.equal([EXTRA_COLUMN]);
    const propositions = files.propositions.csv.header;
    const contract = CRM_SOURCES.propositions.columns.map((c) => c.name);
    expect([...propositions].sort()).to.deep.equal([...contract].sort());
    expect(propositions).to.not.deep.equal(contract);
    expect(files.propositions.file.header).to.deep.equal(propositions);
  });

  it('keeps the regular opportunity rows and their ids next to the bad ones', function () {
    const { csv } = files.opportunities;
    const badLines = new Set(files.opportunities.file.badRows.map((b) => b.line));
    const ids = csv.records.filter((_, i) => !badLines.has(csv.lines[i] as number)).map((r) => r[0]);
    expect(ids).to.deep.equal(Array.from({ length: 1500 }, (_, i) => opportunityIdAt(SEED, i)));
  });
});

const NUMBER = /^-?\d+(\.\d+)?$/;
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

/** What a strict loader would reject in a record, by the contract alone. */
function validate(
  table: CrmTable,
  header: string[],
  record: string[],
): { field: string | null; reason: BadRowReason } | undefined {
  if (record.length !== header.length) return { field: null, reason: 'wrong_field_count' };
  for (const column of CRM_SOURCES[table].columns) {
    const value = record[header.indexOf(column.name)] as string;
    if (column.name === 'Id' && value === '') return { field: 'Id', reason: 'empty_id' };
    if (value === '') continue;
    if (column.kind === 'number' && !NUMBER.test(value)) return { field: column.name, reason: 'not_a_number' };
    if (column.kind === 'timestamp' && !realTimestamp(value)) return { field: column.name, reason: 'impossible_date' };
  }
  return undefined;
}

function realTimestamp(value: string): boolean {
  const match = TIMESTAMP.exec(value);
  if (!match) return false;
  const date = new Date(`${value.replace(' ', 'T')}Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 19).replace('T', ' ') === value;
}
