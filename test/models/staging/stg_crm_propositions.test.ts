import { expect } from 'chai';
import { DuckDbWarehouse } from '../../../pipelines/warehouse/duckdb/duckdb-warehouse.js';
import { buildModels, createRawCrm, failures, insertRaw } from '../support/crm-raw.js';

describe('staging.stg_crm_propositions', function () {
  let warehouse: DuckDbWarehouse;
  before(async function () {
    warehouse = await DuckDbWarehouse.open({ path: ':memory:' });
    await createRawCrm(warehouse);
    await insertRaw(warehouse, 'opportunities', [{ Id: 'o1' }]);
    await insertRaw(warehouse, 'banks', [{ Id: 'b1', Name: 'CIC' }]);
    await insertRaw(warehouse, 'propositions', [
      {
        Id: 'p1',
        Opportunity__c: 'o1',
        Partenaire__c: 'b1',
        TXHA__c: 0.0,
        TauxAss__c: 0.3,
        DureePret_Mois__c: 240,
        Etape_Source__c: '99-Non éligible',
      },
      { Id: 'p2', Opportunity__c: 'o1', Partenaire__c: 'b2', TXHA__c: null, CreatedDate: '2024-01-01 10:00:00' },
    ]);
  });
  after(async () => warehouse.close());

  it('keeps the proposition id and the bank id apart, a 0.0 rate as 0 and an empty one as NULL', async function () {
    const steps = await buildModels(warehouse, { models: 'stg_crm_opportunities,stg_crm_propositions,stg_crm_banks' });
    expect(failures(steps)).to.deep.equal([]);
    expect(
      await warehouse.query(
        'SELECT proposition_id, opportunity_id, bank_id, created_at, interest_rate, insurance_rate, duration_months, source_step FROM staging.stg_crm_propositions ORDER BY proposition_id',
      ),
    ).to.deep.equal([
      {
        proposition_id: 'p1',
        opportunity_id: 'o1',
        bank_id: 'b1',
        created_at: null,
        interest_rate: 0,
        insurance_rate: 0.3,
        duration_months: 240,
        source_step: '99-Non éligible',
      },
      {
        proposition_id: 'p2',
        opportunity_id: 'o1',
        bank_id: 'b2',
        created_at: '2024-01-01T10:00:00.000Z',
        interest_rate: null,
        insurance_rate: null,
        duration_months: null,
        source_step: null,
      },
    ]);
  });
});
