import { expect } from 'chai';
import { DuckDbWarehouse } from '../../../pipelines/warehouse/duckdb/duckdb-warehouse.js';
import { BORROWERS } from '../support/borrowers.js';
import { buildModels, createRawCrm, failures, insertRaw } from '../support/crm-raw.js';

describe('marts.borrower_profile_distribution', function () {
  let warehouse: DuckDbWarehouse;
  let steps: Awaited<ReturnType<typeof buildModels>>;

  before(async function () {
    warehouse = await DuckDbWarehouse.open({ path: ':memory:' });
    await createRawCrm(warehouse);
    await insertRaw(warehouse, 'opportunities', BORROWERS);
    steps = await buildModels(warehouse, { models: '+borrower_profile_distribution' });
  });
  after(async () => warehouse.close());

  const rows = (dimension: string) =>
    warehouse.query<{ value: string | null; borrowers: number; share: number }>(
      `SELECT value, borrowers, share FROM marts.borrower_profile_distribution WHERE dimension = @dimension ORDER BY value NULLS FIRST`,
      { dimension },
    );

  it('passes its data tests (impossible ages only warned about in staging)', function () {
    expect(failures(steps)).to.deep.equal([]);
    const warned = steps.find((s) => s.name === 'test:accepted_range_stg_crm_opportunities_age_emprunteur')!;
    expect(warned.failures).to.equal(3);
  });

  it('bands ages, with impossible ones in their own band and a missing age as NULL', async function () {
    expect(await rows('age_band')).to.deep.equal([
      { value: null, borrowers: 1, share: 0.1 },
      { value: '18-24', borrowers: 1, share: 0.1 },
      { value: '25-29', borrowers: 1, share: 0.1 },
      { value: '30-34', borrowers: 1, share: 0.1 },
      { value: '40-44', borrowers: 1, share: 0.1 },
      { value: '60+', borrowers: 2, share: 0.2 },
      { value: 'invalid', borrowers: 3, share: 0.3 },
    ]);
  });

  it("counts the borrower's own category and contract, never the co-borrower's", async function () {
    expect(await rows('categorie_professionnelle')).to.deep.equal([
      { value: null, borrowers: 1, share: 0.1 },
      { value: 'Dirigeant de société', borrowers: 1, share: 0.1 },
      { value: 'Retraité', borrowers: 1, share: 0.1 },
      { value: 'Salarié du privé', borrowers: 5, share: 0.5 },
      { value: 'Salarié du public', borrowers: 2, share: 0.2 },
    ]);
    expect(await rows('contrat_travail')).to.deep.equal([
      { value: null, borrowers: 1, share: 0.1 },
      { value: 'Autres', borrowers: 1, share: 0.1 },
      { value: 'CDD', borrowers: 1, share: 0.1 },
      { value: "CDI période d'essai terminée", borrowers: 5, share: 0.5 },
      { value: 'Fonctionnaire ou assimilé', borrowers: 2, share: 0.2 },
    ]);
  });

  it('counts banks and the prior-mortgage flag as text, NULL included', async function () {
    expect(await rows('banque_principale')).to.deep.equal([
      { value: null, borrowers: 1, share: 0.1 },
      { value: 'BNP PARIBAS', borrowers: 3, share: 0.3 },
      { value: 'CIC', borrowers: 4, share: 0.4 },
      { value: 'LCL', borrowers: 2, share: 0.2 },
    ]);
    expect(await rows('deja_souscrit_credit_immo')).to.deep.equal([
      { value: null, borrowers: 1, share: 0.1 },
      { value: 'false', borrowers: 5, share: 0.5 },
      { value: 'true', borrowers: 4, share: 0.4 },
    ]);
    const [{ n }] = (await warehouse.query<{ n: number }>(`SELECT COUNT(*) AS n FROM marts.borrower_profile_distribution`)) as [
      { n: number },
    ];
    expect(n).to.equal(7 + 5 + 5 + 4 + 3);
  });
});
