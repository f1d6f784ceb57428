import { expect } from 'chai';
import { compileProject, DEFAULT_MODELS_DIR, duckDbQualify } from '../../../pipelines/transform/index.js';
import { DuckDbWarehouse } from '../../../pipelines/warehouse/duckdb/duckdb-warehouse.js';
import { buildMarketing, MARKETING, problems, SALT } from './support/marketing-raw.js';
import { PERSONAL } from './support/scenario.js';
import { seedScenario } from './support/seed.js';

const PERSONAL_VALUES = [
  ...PERSONAL.emails,
  ...PERSONAL.phones,
  ...PERSONAL.names,
  ...PERSONAL.ips,
  ...PERSONAL.postalCodes,
  ...PERSONAL.cities,
];

// Column names that would say a column holds personal data (or the site's own ids, which the marts replace by keys).
const PERSONAL_NAME =
  /email|e_mail|phone|mobile|first_?name|last_?name|full_?name|^name$|surname|(^|_)ip($|_)|ip_address|address|birth|city|postal_code|zip|traits|user_agent|^user_id$|anonymous_id/i;

interface StringColumn {
  schema: string;
  relation: string;
  column: string;
}

async function stringColumns(warehouse: DuckDbWarehouse, schemas: string[]): Promise<StringColumn[]> {
  return warehouse.query<StringColumn>(
    `SELECT table_schema AS schema, table_name AS relation, column_name AS column
     FROM information_schema.columns
     WHERE table_schema IN (SELECT unnest(@schemas)) AND data_type = 'VARCHAR'
     ORDER BY table_schema, table_name, column_name`,
    { schemas },
    { types: { schemas: 'ARRAY<STRING>' } },
  );
}

/** Every (relation.column, personal value) where a string value of the column contains the personal value. */
async function leaks(warehouse: DuckDbWarehouse, schemas: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const c of await stringColumns(warehouse, schemas)) {
    const values = await warehouse.query<{ v: string }>(
      `SELECT DISTINCT LOWER("${c.column}") AS v FROM "${c.schema}"."${c.relation}" WHERE "${c.column}" IS NOT NULL`,
    );
    for (const personal of PERSONAL_VALUES) {
      // A hex key may hold any run of digits by chance: digit-only values (postal codes) are not looked for in keys.
      if (c.column.endsWith('_key') && /^[0-9]+$/.test(personal)) continue;
      if (values.some((r) => r.v.includes(personal.toLowerCase())))
        found.push(`${c.schema}.${c.relation}.${c.column}: ${personal}`);
    }
  }
  return found;
}

describe('marketing marts keep personal data in raw', function () {
  this.timeout(60_000);
  let warehouse: DuckDbWarehouse;

  before(async function () {
    warehouse = await DuckDbWarehouse.open({ path: ':memory:' });
    await seedScenario(warehouse);
    expect(problems(await buildMarketing(warehouse))).to.deep.equal([]);
  });
  after(async () => warehouse.close());

  it('raw holds every personal value of the scenario (so the scan below can find them)', async function () {
    const inRaw = new Set((await leaks(warehouse, ['raw'])).map((l) => l.split(': ')[1]));
    expect([...PERSONAL_VALUES].filter((v) => !inRaw.has(v))).to.deep.equal([]);
  });

  it('no string value of any staging or mart relation contains an email, phone, name, IP, postal code or city of raw', async function () {
    const scanned = await stringColumns(warehouse, ['staging', 'marts']);
    expect(scanned.map((c) => c.relation)).to.include.members([
      'stg_mkt_events',
      'fct_events',
      'dim_users',
      'campaign_performance',
    ]);
    expect(await leaks(warehouse, ['staging', 'marts'])).to.deep.equal([]);
  });

  it('no mart column is named like personal data or a site id', async function () {
    const columns = await warehouse.query<{ relation: string; column: string }>(
      `SELECT table_name AS relation, column_name AS column FROM information_schema.columns WHERE table_schema = 'marts'`,
    );
    expect(columns.length).to.be.greaterThan(50);
    expect(columns.filter((c) => PERSONAL_NAME.test(c.column)).map((c) => `${c.relation}.${c.column}`)).to.deep.equal([]);
    const staging = await warehouse.query<{ relation: string; column: string }>(
      `SELECT table_name AS relation, column_name AS column FROM information_schema.columns
       WHERE table_schema = 'staging' AND table_name LIKE 'stg_mkt_%'`,
    );
    const personalOnly = /email|phone|first_?name|last_?name|(^|_)ip($|_)|birth|city|postal_code|traits|context|^_raw$/i;
    expect(staging.filter((c) => personalOnly.test(c.column)).map((c) => `${c.relation}.${c.column}`)).to.deep.equal([]);
  });

  it('keeps the salt out of the SQL text and derives every key from it', async function () {
    const plan = compileProject(DEFAULT_MODELS_DIR, 'duckdb', duckDbQualify, { models: MARKETING, pseudonymSalt: SALT });
    for (const model of plan.models) {
      expect(model.sql, model.name).not.to.contain(SALT);
      expect(model.incremental?.sql ?? '', model.name).not.to.contain(SALT);
    }
    expect(plan.params).to.deep.equal({ pseudonym_salt: SALT });
    const salted = plan.models.filter((m) => m.sql.includes('@pseudonym_salt')).map((m) => [m.name, m.materialized]);
    expect(salted).to.deep.equal([
      ['fct_events', 'incremental'],
      ['dim_users', 'table'],
    ]);

    const before = await warehouse.query<{ user_key: string }>('SELECT user_key FROM marts.dim_users ORDER BY user_key');
    expect(
      problems(await buildMarketing(warehouse, { pseudonymSalt: 'another-salt-of-the-pipeline', fullRefresh: true })),
    ).to.deep.equal([]);
    const after = await warehouse.query<{ user_key: string }>('SELECT user_key FROM marts.dim_users ORDER BY user_key');
    expect(after).to.have.length(before.length);
    expect(after.filter((a) => before.some((b) => b.user_key === a.user_key))).to.deep.equal([]);
  });
});
