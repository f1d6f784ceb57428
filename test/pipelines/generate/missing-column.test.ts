import { rmSync } from 'node:fs';
import { basename } from 'node:path';
import { expect } from 'chai';
import { ConfigError } from '../../../pipelines/core/errors.js';
import { CRM_SOURCES } from '../../../pipelines/extract/csv/crm-sources.js';
import { writeExportWithoutColumn } from '../../../pipelines/generate/missing-column.js';
import { readCsv, tempDir } from './csv-files.js';

describe('writeExportWithoutColumn', function () {
  let dir: string;
  before(function () {
    dir = tempDir('generate-missing-');
  });
  after(function () {
    rmSync(dir, { recursive: true, force: true });
  });

  for (const [table, column] of [
    ['opportunities', 'StageName'],
    ['propositions', 'Opportunity__c'],
    ['banks', 'Name'],
  ] as const) {
    it(`writes the ${table} export with every contract column but ${column}`, async function () {
      const written = await writeExportWithoutColumn({ dir, table, column, rows: 12, date: '2026-12-01' });
      expect(written.missingColumn).to.equal(column);
      expect(written.rows).to.equal(12);
      expect(basename(written.path)).to.match(/^(opportunity|propositions|banques)_2026-12-01\.csv$/);
      const csv = readCsv(written.path);
      const expected = CRM_SOURCES[table].columns.map((c) => c.name).filter((name) => name !== column);
      expect(csv.header).to.deep.equal(expected);
      expect(csv.records).to.have.length(12);
      for (const record of csv.records) expect(record).to.have.length(expected.length);
    });
  }

  it('rejects a column the contract does not have, naming it', async function () {
    const error = await writeExportWithoutColumn({ dir, table: 'banks', column: 'Nom' }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(ConfigError);
    expect((error as Error).message).to.include('Nom');
  });
});
