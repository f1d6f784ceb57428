import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { listCrmFiles } from '../../../../pipelines/extract/csv/landing-status.js';
import { load, openWarehouse, PATTERNS, tempDir } from './crm-test-support.js';

describe('listCrmFiles', function () {
  it('lists landing files with their table and ledger status', async function () {
    const dir = tempDir('crm-status-');
    const warehouse = await openWarehouse();
    try {
      writeFileSync(join(dir, 'banques_test.csv'), 'Id,CreatedDate,Name\nB1,2020-01-01 00:00:00,A\n');
      writeFileSync(join(dir, 'opportunity_test.csv'), 'Id,Name\n1,a\n');
      writeFileSync(join(dir, 'notes.csv'), 'x\n');
      const before = await listCrmFiles({ warehouse, dir, patterns: PATTERNS });
      expect(before.map((f) => [f.name, f.table, f.status])).to.deep.equal([
        ['banques_test.csv', 'banks', 'new'],
        ['opportunity_test.csv', 'opportunities', 'new'],
        ['notes.csv', null, 'ignored'],
      ]);
      await load(warehouse, dir);
      writeFileSync(join(dir, 'propositions_test.csv'), 'Id\n');
      writeFileSync(join(dir, 'banques_test.csv'), 'Id,CreatedDate,Name\nB1,2020-01-01 00:00:00,B\n');
      const after = await listCrmFiles({ warehouse, dir, patterns: PATTERNS });
      expect(after.map((f) => [f.name, f.status])).to.deep.equal([
        ['banques_test.csv', 'changed'],
        ['opportunity_test.csv', 'rejected'],
        ['propositions_test.csv', 'new'],
        ['notes.csv', 'ignored'],
      ]);
      const rejected = after.find((f) => f.name === 'opportunity_test.csv')!;
      expect(rejected.ledger!.message).to.contain('missing required column');
      expect(rejected.checksum).to.equal(rejected.ledger!.fileVersionId);
      await load(warehouse, dir, { files: ['banques_test.csv'] });
      const banks = (await listCrmFiles({ warehouse, dir, patterns: PATTERNS, checksums: false })).find(
        (f) => f.name === 'banques_test.csv',
      )!;
      expect(banks.status).to.equal('loaded');
      expect(banks.checksum).to.equal(null);
    } finally {
      await warehouse.close();
    }
  });
});
