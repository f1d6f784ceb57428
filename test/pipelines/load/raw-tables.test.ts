import { expect } from 'chai';
import { OPPORTUNITIES, PROPOSITIONS } from '../../../pipelines/extract/csv/crm-sources.js';
import { METADATA_COLUMN_NAMES } from '../../../pipelines/extract/csv/csv-header.js';
import { LOAD_METADATA_COLUMNS, rawTableName, rawTableSpec } from '../../../pipelines/load/raw-tables.js';

describe('raw tables', function () {
  it('keep the export columns under their names, typed per the contract, then extras, then load metadata', function () {
    const spec = rawTableSpec(PROPOSITIONS, ['Commentaire']);
    expect(spec.ref).to.deep.equal({ layer: 'raw', name: 'crm_propositions' });
    expect(spec.columns.map((c) => [c.name, c.type])).to.deep.equal([
      ['Id', 'STRING'],
      ['CreatedDate', 'TIMESTAMP'],
      ['Opportunity__c', 'STRING'],
      ['Partenaire__c', 'STRING'],
      ['TXHA__c', 'FLOAT64'],
      ['DureePret_Mois__c', 'FLOAT64'],
      ['TauxAss__c', 'FLOAT64'],
      ['Etape_Source__c', 'STRING'],
      ['Commentaire', 'STRING'],
      ['_load_id', 'STRING'],
      ['_file', 'STRING'],
      ['_line', 'INT64'],
      ['_exported_at', 'TIMESTAMP'],
      ['_loaded_at', 'TIMESTAMP'],
    ]);
    expect(spec.columns.every((c) => c.description)).to.equal(true);
    expect(rawTableSpec(OPPORTUNITIES).columns.find((c) => c.name === 'Deja_souscrit_credit_immo__c')!.type).to.equal('BOOL');
    expect(rawTableName(OPPORTUNITIES)).to.equal('raw.crm_opportunities');
  });

  it('reserves the metadata names the header check refuses', function () {
    expect(LOAD_METADATA_COLUMNS.map((c) => c.name)).to.deep.equal([...METADATA_COLUMN_NAMES]);
  });
});
