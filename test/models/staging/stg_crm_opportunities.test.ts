import { expect } from 'chai';
import { DuckDbWarehouse } from '../../../pipelines/warehouse/duckdb/duckdb-warehouse.js';
import { BORROWERS } from '../support/borrowers.js';
import { buildModels, createRawCrm, failures, insertRaw } from '../support/crm-raw.js';

describe('staging.stg_crm_opportunities', function () {
  let warehouse: DuckDbWarehouse;
  beforeEach(async function () {
    warehouse = await DuckDbWarehouse.open({ path: ':memory:' });
    await createRawCrm(warehouse);
  });
  afterEach(async () => warehouse.close());

  it("renames to snake_case, keeps the borrower's own columns and flags usable ages", async function () {
    await insertRaw(warehouse, 'opportunities', BORROWERS);
    const steps = await buildModels(warehouse, { models: 'stg_crm_opportunities' });
    expect(failures(steps)).to.deep.equal([]);
    const columns = (await warehouse.describe({ layer: 'staging', name: 'stg_crm_opportunities' }))!.columns.map((c) => c.name);
    expect(columns.every((c) => /^[a-z0-9_]+$/.test(c))).to.equal(true);
    expect(columns.filter((c) => /co_?emprunt|coempru/i.test(c))).to.deep.equal([]);
    const rows = await warehouse.query(
      `SELECT opportunity_id, age_emprunteur, age_valid, deja_souscrit_credit_immo, categorie_professionnelle, contrat_travail
       FROM staging.stg_crm_opportunities WHERE opportunity_id IN ('a01', 'a04', 'a05', 'a06', 'a08', 'a10') ORDER BY opportunity_id`,
    );
    expect(rows).to.deep.equal([
      {
        opportunity_id: 'a01',
        age_emprunteur: 33,
        age_valid: true,
        deja_souscrit_credit_immo: true,
        categorie_professionnelle: 'Salarié du privé',
        contrat_travail: "CDI période d'essai terminée",
      },
      {
        opportunity_id: 'a04',
        age_emprunteur: -940,
        age_valid: false,
        deja_souscrit_credit_immo: false,
        categorie_professionnelle: 'Salarié du privé',
        contrat_travail: 'CDD',
      },
      {
        opportunity_id: 'a05',
        age_emprunteur: 144,
        age_valid: false,
        deja_souscrit_credit_immo: null,
        categorie_professionnelle: null,
        contrat_travail: null,
      },
      {
        opportunity_id: 'a06',
        age_emprunteur: null,
        age_valid: false,
        deja_souscrit_credit_immo: false,
        categorie_professionnelle: 'Dirigeant de société',
        contrat_travail: "CDI période d'essai terminée",
      },
      {
        opportunity_id: 'a08',
        age_emprunteur: 100,
        age_valid: true,
        deja_souscrit_credit_immo: false,
        categorie_professionnelle: 'Retraité',
        contrat_travail: 'Autres',
      },
      {
        opportunity_id: 'a10',
        age_emprunteur: 17.5,
        age_valid: false,
        deja_souscrit_credit_immo: false,
        categorie_professionnelle: 'Salarié du privé',
        contrat_travail: "CDI période d'essai terminée",
      },
    ]);
  });

  it('fails its reconciliation and key tests when raw holds an Id twice', async function () {
    await insertRaw(warehouse, 'opportunities', [{ Id: 'o1' }, { Id: 'o1' }, { Id: 'o2' }]);
    const steps = await buildModels(warehouse, { models: 'stg_crm_opportunities' });
    const reconcile = steps.find((s) => s.name === 'test:reconcile_count_stg_crm_opportunities')!;
    expect(reconcile.status).to.equal('error');
    expect(reconcile.sample).to.deep.equal([{ actual: 3, expected: 2 }]);
    expect(reconcile.error!.message).to.match(
      /^test reconcile_count_stg_crm_opportunities on model staging\.stg_crm_opportunities failed/,
    );
    expect(steps.find((s) => s.name === 'test:unique_stg_crm_opportunities_opportunity_id')!.sample).to.deep.equal([
      { value: 'o1', occurrences: 2 },
    ]);
  });
});
