import { expect } from 'chai';
import { DuckDbWarehouse } from '../../../pipelines/warehouse/duckdb/duckdb-warehouse.js';
import { buildModels, createRawCrm, failures, insertRaw, loadRealBanks, loadRealOpportunities } from '../support/crm-raw.js';

describe('marts.opportunity_lookup', function () {
  let warehouse: DuckDbWarehouse;
  beforeEach(async function () {
    warehouse = await DuckDbWarehouse.open({ path: ':memory:' });
    await createRawCrm(warehouse);
  });
  afterEach(async () => warehouse.close());

  const lookup = async (id: string) =>
    (await warehouse.query('SELECT * FROM marts.opportunity_lookup WHERE id = @id', { id }))[0];

  it('serves the real record 0065q00000AlAK0AAN as exported', async function () {
    await loadRealOpportunities(warehouse);
    await loadRealBanks(warehouse);
    // Two offers for a real opportunity from a real bank id (CFCAL), one without a rate.
    await insertRaw(warehouse, 'propositions', [
      {
        Id: 'a0P000000000001AAA',
        Opportunity__c: '0065q00000AlAKPAA3',
        Partenaire__c: '0011i000002MVpNAAW',
        TXHA__c: 3.2,
        DureePret_Mois__c: 300,
      },
      { Id: 'a0P000000000002AAA', Opportunity__c: '0065q00000AlAKPAA3', Partenaire__c: '0011i000003PFlRAAW', TXHA__c: null },
    ]);
    const steps = await buildModels(warehouse);
    expect(failures(steps)).to.deep.equal([]);

    expect(await lookup('0065q00000AlAK0AAN')).to.deep.equal({
      id: '0065q00000AlAK0AAN',
      age_emprunteur: 33,
      banque_principale: 'CIC',
      deja_souscrit_credit_immo: true,
      categorie_professionnelle: 'Salarié du privé',
      contrat_travail: "CDI période d'essai terminée",
      revenu_total: 7731.67,
      montant_pret_principal: 235055,
      stage_name: '6-Perdue',
      created_at: '2023-10-20T04:44:34.000Z',
      best_proposition_id: null,
      best_interest_rate: null,
      best_duration_months: null,
      best_bank_name: null,
    });
    // The borrower's own contract (CDD) though the co-borrower's is empty, and the best offer's bank name.
    expect(await lookup('0065q00000AlAKPAA3')).to.deep.include({
      contrat_travail: 'CDD',
      best_proposition_id: 'a0P000000000001AAA',
      best_interest_rate: 3.2,
      best_duration_months: 300,
      best_bank_name: 'CFCAL',
    });
    // Public-sector borrower with a private-sector co-borrower.
    expect(await lookup('0065q00000AlAMXAA3')).to.deep.include({
      categorie_professionnelle: 'Salarié du public',
      contrat_travail: 'Fonctionnaire ou assimilé',
    });
    expect(await warehouse.query('SELECT COUNT(*) AS n FROM marts.opportunity_lookup')).to.deep.equal([{ n: 9 }]);
  });

  it('serves an impossible age as recorded, and every opportunity once', async function () {
    await insertRaw(warehouse, 'opportunities', [
      { Id: 'o1', Age_emprunteur__c: -940, CreatedDate: '2024-02-03 04:05:06' },
      { Id: 'o2', Age_emprunteur__c: 144 },
      { Id: 'o3' },
    ]);
    await insertRaw(warehouse, 'banks', [{ Id: 'b1', Name: 'CIC' }]);
    await insertRaw(warehouse, 'propositions', [
      { Id: 'p1', Opportunity__c: 'o1', Partenaire__c: 'b1', TXHA__c: 1.1, DureePret_Mois__c: 240 },
      { Id: 'p2', Opportunity__c: 'o1', Partenaire__c: 'b1', TXHA__c: 0.9, DureePret_Mois__c: 300 },
      { Id: 'p3', Opportunity__c: 'o2', Partenaire__c: 'b1', TXHA__c: null },
    ]);
    const steps = await buildModels(warehouse);
    expect(failures(steps)).to.deep.equal([]);
    const rows = await warehouse.query(
      'SELECT id, age_emprunteur, created_at, best_proposition_id, best_interest_rate, best_duration_months, best_bank_name FROM marts.opportunity_lookup ORDER BY id',
    );
    expect(rows).to.deep.equal([
      {
        id: 'o1',
        age_emprunteur: -940,
        created_at: '2024-02-03T04:05:06.000Z',
        best_proposition_id: 'p2',
        best_interest_rate: 0.9,
        best_duration_months: 300,
        best_bank_name: 'CIC',
      },
      {
        id: 'o2',
        age_emprunteur: 144,
        created_at: null,
        best_proposition_id: null,
        best_interest_rate: null,
        best_duration_months: null,
        best_bank_name: null,
      },
      {
        id: 'o3',
        age_emprunteur: null,
        created_at: null,
        best_proposition_id: null,
        best_interest_rate: null,
        best_duration_months: null,
        best_bank_name: null,
      },
    ]);
  });
});
