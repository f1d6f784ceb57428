import { join } from 'node:path';
import { expect } from 'chai';
import { BANKS, PROPOSITIONS } from '../../../../pipelines/extract/csv/crm-sources.js';
import { planHeader, readHeaderNames } from '../../../../pipelines/extract/csv/csv-header.js';
import { ScratchDuckDb } from '../../../../pipelines/extract/csv/scratch-duckdb.js';
import { tempDir } from './crm-test-support.js';

describe('csv header', function () {
  it('reads header names with DuckDB, quotes and all', async function () {
    const dir = tempDir('header-');
    const scratch = await ScratchDuckDb.open({ tempDir: join(dir, 'tmp') });
    try {
      const names = await readHeaderNames(scratch, Buffer.from('Id,"Created, ""Date""",,Name'), join(dir, 'h.csv'));
      expect(names).to.deep.equal(['Id', 'Created, "Date"', '', 'Name']);
      expect(await readHeaderNames(scratch, Buffer.alloc(0), join(dir, 'h2.csv'))).to.deep.equal([]);
    } finally {
      scratch.close();
    }
  });

  it('maps contract columns by name in any order, types them, and keeps extras as STRING', function () {
    const plan = planHeader(PROPOSITIONS, [
      'Opportunity__c',
      'Id',
      'Partenaire__c',
      'DureePret_Mois__c',
      'TXHA__c',
      'CreatedDate',
      'Etape_Source__c',
      'TauxAss__c',
      'Note du conseiller',
    ]);
    expect(plan.rejection).to.equal(undefined);
    expect(plan.columns.map((c) => [c.position, c.name, c.type])).to.deep.equal([
      [0, 'Opportunity__c', 'STRING'],
      [1, 'Id', 'STRING'],
      [2, 'Partenaire__c', 'STRING'],
      [3, 'DureePret_Mois__c', 'FLOAT64'],
      [4, 'TXHA__c', 'FLOAT64'],
      [5, 'CreatedDate', 'TIMESTAMP'],
      [6, 'Etape_Source__c', 'STRING'],
      [7, 'TauxAss__c', 'FLOAT64'],
      [8, 'Note_du_conseiller', 'STRING'],
    ]);
    expect(plan.extras.map((c) => c.name)).to.deep.equal(['Note_du_conseiller']);
    expect(plan.warnings).to.deep.equal(['extra column "Note du conseiller" (position 9) kept as Note_du_conseiller as STRING']);
  });

  it('matches a column whose case differs, with a warning', function () {
    const plan = planHeader(BANKS, ['ID', 'CreatedDate', 'name']);
    expect(plan.rejection).to.equal(undefined);
    expect(plan.columns.map((c) => c.name)).to.deep.equal(['Id', 'CreatedDate', 'Name']);
    expect(plan.warnings).to.have.length(2);
  });

  it('names every missing required column', function () {
    const plan = planHeader(PROPOSITIONS, ['Id', 'CreatedDate', 'TXHA__c']);
    expect(plan.missing).to.deep.equal(['Opportunity__c', 'Partenaire__c', 'DureePret_Mois__c', 'TauxAss__c', 'Etape_Source__c']);
    expect(plan.rejection).to.equal(
      'missing required columns Opportunity__c, Partenaire__c, DureePret_Mois__c, TauxAss__c, Etape_Source__c',
    );
  });

  it('rejects an extra column named like load metadata, and names an unnamed one by position', function () {
    expect(planHeader(BANKS, ['Id', 'CreatedDate', 'Name', '_line']).rejection).to.equal(
      'column _line (position 4) has the name of a load metadata column',
    );
    const plan = planHeader(BANKS, ['Id', 'CreatedDate', 'Name', '']);
    expect(plan.rejection).to.equal(undefined);
    expect(plan.extras.map((c) => c.name)).to.deep.equal(['column_4']);
  });
});
