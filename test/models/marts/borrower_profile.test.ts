import { expect } from 'chai';
import { DuckDbWarehouse } from '../../../pipelines/warehouse/duckdb/duckdb-warehouse.js';
import { BORROWERS } from '../support/borrowers.js';
import { buildModels, createRawCrm, failures, insertRaw, loadRealOpportunities } from '../support/crm-raw.js';

describe('marts.borrower_profile', function () {
  let warehouse: DuckDbWarehouse;
  beforeEach(async function () {
    warehouse = await DuckDbWarehouse.open({ path: ':memory:' });
    await createRawCrm(warehouse);
  });
  afterEach(async () => warehouse.close());

  async function profile(): Promise<Record<string, unknown>> {
    const steps = await buildModels(warehouse, { models: '+borrower_profile' });
    expect(failures(steps)).to.deep.equal([]);
    const rows = await warehouse.query('SELECT * FROM marts.borrower_profile');
    expect(rows).to.have.length(1);
    return rows[0]!;
  }

  it('describes the typical borrower, leaving impossible ages out of the age figures', async function () {
    await insertRaw(warehouse, 'opportunities', BORROWERS);
    const row = await profile();
    // Valid ages: 18, 25, 33, 41, 60, 100 (-940, 144 and 17.5 excluded; one age missing).
    expect(row.age_mean).to.be.closeTo(277 / 6, 1e-9);
    expect(row).to.deep.include({
      borrowers: 10,
      age_median: 37,
      age_p25: 27,
      age_p75: 55.25,
      ages_excluded: 3,
      banque_principale_mode: 'CIC',
      banque_principale_share: 0.4,
      deja_souscrit_credit_immo_mode: false,
      deja_souscrit_credit_immo_share: 0.5,
      categorie_professionnelle_mode: 'Salarié du privé',
      categorie_professionnelle_share: 0.5,
      contrat_travail_mode: "CDI période d'essai terminée",
      contrat_travail_share: 0.5,
    });
    // 4 of the 9 borrowers whose answer is known.
    expect(row.share_prior_mortgage).to.be.closeTo(4 / 9, 1e-12);
  });

  it('breaks a tie for the most common value by the smaller value, and ignores NULL as a mode', async function () {
    await insertRaw(warehouse, 'opportunities', [
      { Id: 'x1', Age_emprunteur__c: 30, BanquePrincipaleEmp__c: 'LCL' },
      { Id: 'x2', Age_emprunteur__c: 40, BanquePrincipaleEmp__c: 'CIC' },
      { Id: 'x3', Age_emprunteur__c: 50, BanquePrincipaleEmp__c: 'LCL' },
      { Id: 'x4', Age_emprunteur__c: 60, BanquePrincipaleEmp__c: 'CIC' },
      { Id: 'x5', BanquePrincipaleEmp__c: null },
      { Id: 'x6', BanquePrincipaleEmp__c: null },
      { Id: 'x7', BanquePrincipaleEmp__c: null },
    ]);
    const row = await profile();
    expect(row).to.deep.include({
      borrowers: 7,
      banque_principale_mode: 'CIC',
      banque_principale_share: 2 / 7,
      age_mean: 45,
      age_median: 45,
      ages_excluded: 0,
      categorie_professionnelle_mode: null,
      categorie_professionnelle_share: null,
      share_prior_mortgage: null,
    });
  });

  it('describes the borrowers of the real sample', async function () {
    await loadRealOpportunities(warehouse);
    const row = await profile();
    // Ages 22, 28, 30, 33, 37, 41, 41, 42, 50; 7 of 9 borrowers are private-sector employees (one
    // public-sector borrower has a private-sector co-borrower).
    expect(row).to.deep.include({
      borrowers: 9,
      age_mean: 36,
      age_median: 37,
      age_p25: 30,
      age_p75: 41,
      ages_excluded: 0,
      banque_principale_mode: 'BNP PARIBAS',
      banque_principale_share: 3 / 9,
      deja_souscrit_credit_immo_mode: false,
      deja_souscrit_credit_immo_share: 5 / 9,
      categorie_professionnelle_mode: 'Salarié du privé',
      categorie_professionnelle_share: 7 / 9,
      contrat_travail_mode: "CDI période d'essai terminée",
      contrat_travail_share: 7 / 9,
      share_prior_mortgage: 4 / 9,
    });
  });

  it('is still one row when there are no borrowers', async function () {
    const row = await profile();
    expect(row).to.deep.include({
      borrowers: 0,
      age_mean: null,
      age_median: null,
      ages_excluded: 0,
      banque_principale_mode: null,
    });
  });
});
