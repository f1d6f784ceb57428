import { rmSync } from 'node:fs';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { expect } from 'chai';
import { generateBanks } from '../../../pipelines/generate/banks.js';
import { generateCrmExports } from '../../../pipelines/generate/generate-crm.js';
import type { GenerateManifest } from '../../../pipelines/generate/manifest.js';
import { tempDir } from './csv-files.js';

/** Proportions of ../shared/data/SOURCES.md, checked on a `medium` export read back with DuckDB. */
describe('generated exports at medium scale: proportions of the real data', function () {
  this.timeout(120_000);
  let dir: string;
  let manifest: GenerateManifest;
  let instance: DuckDBInstance;
  let db: DuckDBConnection;

  const one = async <T>(sql: string): Promise<T> => (await db.runAndReadAll(sql)).getRowObjectsJson()[0] as T;
  const shares = async (column: string): Promise<Record<string, number>> => {
    const rows = (
      await db.runAndReadAll(
        `SELECT ${column} AS value, count(*) / sum(count(*)) OVER () AS share FROM opportunities WHERE ${column} IS NOT NULL GROUP BY 1`,
      )
    ).getRowObjectsJson() as Array<{ value: string; share: number }>;
    return Object.fromEntries(rows.map((r) => [r.value, r.share]));
  };

  before(async function () {
    dir = tempDir('generate-medium-');
    manifest = await generateCrmExports({ dir, scale: 'medium', seed: 2026 });
    instance = await DuckDBInstance.create(':memory:');
    db = await instance.connect();
    const path = (table: string) => manifest.files.find((f) => f.table === table)!.path;
    await db.run(`CREATE TABLE opportunities AS SELECT * FROM read_csv('${path('opportunities')}', header = true)`);
    await db.run(`CREATE TABLE propositions AS SELECT * FROM read_csv('${path('propositions')}', header = true)`);
    await db.run(`CREATE TABLE banks AS SELECT * FROM read_csv('${path('banks')}', header = true)`);
  });

  after(function () {
    db?.closeSync();
    instance?.closeSync();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads whole with typed columns: floats, timestamps, flags', async function () {
    const row = await one<Record<string, string | number>>(
      `SELECT count(*)::INTEGER AS n, typeof(any_value(Age_emprunteur__c)) AS age, typeof(any_value(CreatedDate)) AS created,
              typeof(any_value(MontPretPricip__c)) AS loan FROM opportunities`,
    );
    expect(row).to.deep.equal({ n: 20_000, age: 'DOUBLE', created: 'TIMESTAMP', loan: 'DOUBLE' });
  });

  it('has mean age 37.3 and median 36 once impossible ages are removed, and a few impossible ages', async function () {
    const ages = await one<{ mean: number; median: number; impossible: number }>(
      `SELECT avg(Age_emprunteur__c) FILTER (WHERE Age_emprunteur__c BETWEEN 18 AND 100) AS mean,
              median(Age_emprunteur__c) FILTER (WHERE Age_emprunteur__c BETWEEN 18 AND 100) AS median,
              count(*) FILTER (WHERE Age_emprunteur__c NOT BETWEEN 18 AND 100)::INTEGER AS impossible
       FROM opportunities`,
    );
    expect(ages.mean).to.be.closeTo(37.3, 0.3);
    expect(ages.median).to.equal(36);
    expect(ages.impossible).to.be.within(2, 10).and.equal(manifest.expected.impossibleAges);
  });

  it("has the borrower's professional categories and contracts of the real export", async function () {
    const categories = await shares('TechMail_CategorieProfessionnelleEmpru__c');
    const expected = { 'Salarié du privé': 0.722, 'Salarié du public': 0.155, 'Dirigeant de société': 0.028, Retraité: 0.024 };
    for (const [value, share] of Object.entries(expected)) expect(categories[value], value).to.be.closeTo(share, 0.012);
    const contracts = await shares('TechMail_ContratDeTravailEmprunteur__c');
    const expectedContracts = {
      "CDI période d'essai terminée": 0.791,
      'Fonctionnaire ou assimilé': 0.143,
      'Éducation nationale': 0.023,
      CDD: 0.019,
    };
    for (const [value, share] of Object.entries(expectedContracts)) expect(contracts[value], value).to.be.closeTo(share, 0.012);
  });

  it('has 40.8% borrowers who had a mortgage before', async function () {
    const prior = await one<{ share: number }>(`SELECT avg(Deja_souscrit_credit_immo__c) AS share FROM opportunities`);
    expect(prior.share).to.be.closeTo(0.408, 0.012);
  });

  it("leaves co-borrower columns mostly empty, and otherwise not a copy of the borrower's", async function () {
    const co = await one<{ empty: number; differs: number; contractEmpty: number }>(
      `SELECT avg((TechMail_CategorieProfessionnelleCoEmpru__c IS NULL)::INTEGER) AS empty,
              avg((TechMail_ContratDeTravailCoEmprunteur__c IS NULL)::INTEGER) AS "contractEmpty",
              avg((TechMail_CategorieProfessionnelleCoEmpru__c <> TechMail_CategorieProfessionnelleEmpru__c)::INTEGER)
                FILTER (WHERE TechMail_CategorieProfessionnelleCoEmpru__c IS NOT NULL) AS differs
       FROM opportunities`,
    );
    expect(co.empty).to.be.closeTo(0.58, 0.02);
    expect(co.contractEmpty).to.be.greaterThan(co.empty);
    expect(co.differs).to.be.within(0.3, 0.6);
  });

  it('uses the six pipeline stages from 1-Découverte to 6-Perdue, mostly lost', async function () {
    const stages = await shares('StageName');
    expect(Object.keys(stages).sort()).to.have.length(6);
    expect(Object.keys(stages).sort()[0]).to.equal('1-Découverte');
    expect(Object.keys(stages).sort()[5]).to.equal('6-Perdue');
    expect(stages['6-Perdue']).to.be.greaterThan(0.5);
  });

  it('keeps ~52,000 joined propositions per 174,000 opportunities, as the real inner join', async function () {
    const join = await one<{ n: number }>(
      `SELECT count(*)::INTEGER AS n FROM propositions p JOIN opportunities o ON p.Opportunity__c = o.Id JOIN banks b ON p.Partenaire__c = b.Id`,
    );
    expect(join.n).to.equal(manifest.expected.joinedPropositions);
    expect(join.n / 20_000).to.be.closeTo(52_000 / 174_000, 0.03);
    const rates = await one<{ empty: number; zero: number }>(
      `SELECT avg((TXHA__c IS NULL)::INTEGER) AS empty, avg((TXHA__c = 0)::INTEGER) AS zero FROM propositions`,
    );
    expect(rates.empty).to.be.within(0.03, 0.1);
    expect(rates.zero).to.be.within(0.01, 0.05);
  });

  it('writes 2,881 banks at real scale with ~1,927 distinct names, created 2010-05-07 to 2024-03-29', function () {
    const banks = generateBanks(2026, 2881);
    expect(banks.rows).to.have.length(2881);
    expect(new Set(banks.rows.map((r) => r.id)).size).to.equal(2881);
    expect(new Set(banks.rows.map((r) => r.name)).size).to.be.closeTo(1927, 20);
    const dates = banks.rows.map((r) => new Date(r.createdAt * 1000).toISOString().slice(0, 10)).sort();
    expect(dates[0]).to.equal('2010-05-07');
    expect(dates.at(-1)! <= '2024-03-29').to.equal(true);
    expect(banks.rows.some((r) => /[ÉÈÔ’]/.test(r.name))).to.equal(true);
    for (const id of [...banks.unknownIds, ...banks.entityIds]) expect(banks.rows.some((r) => r.id === id)).to.equal(false);
  });
});
