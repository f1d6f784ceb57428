import { expect } from 'chai';
import { DEFAULT_MODELS_DIR, listCompiledModels } from '../../../pipelines/transform/index.js';
import { runDataTest } from '../../../pipelines/transform/run-data-test.js';
import { DuckDbWarehouse } from '../../../pipelines/warehouse/duckdb/duckdb-warehouse.js';
import { buildModels, createRawCrm, failures, insertRaw } from '../support/crm-raw.js';

describe('marts.best_proposition', function () {
  let warehouse: DuckDbWarehouse;
  let steps: Awaited<ReturnType<typeof buildModels>>;

  before(async function () {
    warehouse = await DuckDbWarehouse.open({ path: ':memory:' });
    await createRawCrm(warehouse);
    await insertRaw(
      warehouse,
      'opportunities',
      ['o1', 'o2', 'o3', 'o4', 'o5', 'o6', 'o7', 'o9', 'o10'].map((Id) => ({ Id })),
    );
    await insertRaw(warehouse, 'banks', [
      { Id: 'b1', Name: 'CIC' },
      { Id: 'b2', Name: 'BNP PARIBAS' },
    ]);
    const offer = (Id: string, Opportunity__c: string | null, TXHA__c: number | null, more: Record<string, unknown> = {}) => ({
      Id,
      Opportunity__c,
      TXHA__c,
      Partenaire__c: 'b1',
      CreatedDate: '2024-01-01 00:00:00',
      ...more,
    });
    await insertRaw(warehouse, 'propositions', [
      // An offer with no rate must not win, though it sorts first on BigQuery.
      offer('p1a', 'o1', 2.0),
      offer('p1b', 'o1', null, { Partenaire__c: 'b2' }),
      offer('p1c', 'o1', 1.8, { Partenaire__c: 'b2', DureePret_Mois__c: 240 }),
      // 0.0 is a rate, and the lowest.
      offer('p2a', 'o2', 1.0),
      offer('p2b', 'o2', 0.0),
      // Equal rates: the lower insurance rate wins; an unknown insurance rate comes last.
      offer('p3a', 'o3', 1.5, { TauxAss__c: 0.3 }),
      offer('p3b', 'o3', 1.5, { TauxAss__c: 0.2 }),
      offer('p3c', 'o3', 1.5, { TauxAss__c: null }),
      // Then the shorter duration, an unknown one last.
      offer('p4a', 'o4', 1.5, { TauxAss__c: 0.2, DureePret_Mois__c: 240 }),
      offer('p4b', 'o4', 1.5, { TauxAss__c: 0.2, DureePret_Mois__c: 180 }),
      offer('p4c', 'o4', 1.5, { TauxAss__c: 0.2, DureePret_Mois__c: null }),
      // Then the earlier creation.
      offer('p5a', 'o5', 1.5, { TauxAss__c: 0.2, DureePret_Mois__c: 180, CreatedDate: '2024-01-02 00:00:00' }),
      offer('p5b', 'o5', 1.5, { TauxAss__c: 0.2, DureePret_Mois__c: 180, CreatedDate: '2024-01-01 12:00:00' }),
      // Then the smaller proposition id.
      offer('p6b', 'o6', 1.5, { TauxAss__c: 0.2, DureePret_Mois__c: 180 }),
      offer('p6a', 'o6', 1.5, { TauxAss__c: 0.2, DureePret_Mois__c: 180 }),
      // No rated offer: no row.
      offer('p7a', 'o7', null),
      // An opportunity missing from the opportunities export keeps its best offer.
      offer('p8a', 'o8', 3.0),
      // A bank missing from the banks export: the row stays, with no bank name.
      offer('p9a', 'o9', 2.5, { Partenaire__c: 'b404' }),
      // An offer attached to no opportunity is not anyone's best.
      offer('p0a', null, 0.1),
    ]);
    steps = await buildModels(warehouse);
  });
  after(async () => warehouse.close());

  it('picks, for each opportunity with a rated offer, the lowest rate with every tie broken', async function () {
    const rows = await warehouse.query('SELECT * FROM marts.best_proposition ORDER BY opportunity_id');
    expect(rows).to.deep.equal([
      {
        opportunity_id: 'o1',
        proposition_id: 'p1c',
        interest_rate: 1.8,
        duration_months: 240,
        bank_id: 'b2',
        bank_name: 'BNP PARIBAS',
      },
      { opportunity_id: 'o2', proposition_id: 'p2b', interest_rate: 0, duration_months: null, bank_id: 'b1', bank_name: 'CIC' },
      { opportunity_id: 'o3', proposition_id: 'p3b', interest_rate: 1.5, duration_months: null, bank_id: 'b1', bank_name: 'CIC' },
      { opportunity_id: 'o4', proposition_id: 'p4b', interest_rate: 1.5, duration_months: 180, bank_id: 'b1', bank_name: 'CIC' },
      { opportunity_id: 'o5', proposition_id: 'p5b', interest_rate: 1.5, duration_months: 180, bank_id: 'b1', bank_name: 'CIC' },
      { opportunity_id: 'o6', proposition_id: 'p6a', interest_rate: 1.5, duration_months: 180, bank_id: 'b1', bank_name: 'CIC' },
      { opportunity_id: 'o8', proposition_id: 'p8a', interest_rate: 3, duration_months: null, bank_id: 'b1', bank_name: 'CIC' },
      {
        opportunity_id: 'o9',
        proposition_id: 'p9a',
        interest_rate: 2.5,
        duration_months: null,
        bank_id: 'b404',
        bank_name: null,
      },
    ]);
  });

  it('passes its data tests, warning about the orphan opportunity and bank', function () {
    expect(failures(steps)).to.deep.equal([]);
    const warned = steps.filter((s) => s.message?.startsWith('warning:')).map((s) => s.name);
    expect(warned).to.include.members([
      'test:relationships_best_proposition_opportunity_id__stg_crm_opportunities_opportunity_id',
      'test:relationships_stg_crm_propositions_bank_id__stg_crm_banks_bank_id',
    ]);
    const orphan = steps.find(
      (s) => s.name === 'test:relationships_best_proposition_opportunity_id__stg_crm_opportunities_opportunity_id',
    )!;
    expect(orphan.sample).to.deep.equal([{ value: 'o8', occurrences: 1 }]);
  });

  it('fails its tests if a bank id were served as the proposition id', async function () {
    // What the known mistake would produce: Partenaire__c in the proposition_id column.
    await warehouse.execute(`UPDATE marts.best_proposition SET proposition_id = bank_id WHERE opportunity_id = 'o2'`);
    const test = listCompiledModels(DEFAULT_MODELS_DIR, 'duckdb', (ref) => warehouse.qualify(ref))
      .find((m) => m.name === 'best_proposition')!
      .tests.find((t) => t.name === 'relationships_best_proposition_proposition_id__stg_crm_propositions_proposition_id')!;
    expect(test.severity).to.equal('error');
    expect(await runDataTest(warehouse, test, {})).to.deep.equal({ failures: 1, sample: [{ value: 'b1', occurrences: 1 }] });
  });
});
