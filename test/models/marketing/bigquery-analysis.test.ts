import { expect } from 'chai';
import { MKT_EVENTS, MKT_USERS } from '../../../pipelines/extract/api/marketing-tables.js';
import { bigQueryQualify, DEFAULT_MODELS_DIR, listCompiledModels } from '../../../pipelines/transform/index.js';
import type { TableSpec } from '../../../pipelines/warehouse/types.js';
import { ZetaSql } from '../../support/zetasql/zetasql.js';
import { rawSpec } from '../support/crm-raw.js';

const PROJECT = 'acme-data';
const PREFIX = 'elt_';
const MARKETING_MODELS = [
  'stg_mkt_events',
  'stg_mkt_users',
  'stg_mkt_identities',
  'stg_mkt_affected_dates',
  'fct_events',
  'fct_sessions',
  'traffic_daily',
  'funnel_daily',
  'dim_users',
  'campaign_performance',
];

// The marketing models compiled for BigQuery, their incremental variants and their data tests, resolved
// by ZetaSQL (BigQuery's analyzer) against the raw tables as the loaders declare them and the models'
// declared columns: names, functions, types and parameters all as BigQuery would check them.
describe('marketing models on ZetaSQL (BigQuery analysis)', function () {
  this.timeout(120_000);
  const models = listCompiledModels(DEFAULT_MODELS_DIR, 'bigquery', bigQueryQualify(PROJECT, PREFIX));
  const tables: TableSpec[] = [
    MKT_EVENTS,
    MKT_USERS,
    rawSpec('opportunities'),
    rawSpec('propositions'),
    rawSpec('banks'),
    ...models.map((m) => m.spec),
  ];
  const catalog = { tables, projectId: PROJECT, datasetPrefix: PREFIX };
  const types = { partitions: 'ARRAY<DATE>', pseudonym_salt: 'STRING' } as const;
  let zetasql: ZetaSql;
  before(async () => {
    zetasql = await ZetaSql.start();
  });
  after(async () => zetasql?.stop());

  it('covers every marketing model', function () {
    expect(models.map((m) => m.name)).to.include.members(MARKETING_MODELS);
  });

  for (const name of MARKETING_MODELS) {
    it(`${name}: resolves with its declared columns, in full and incremental form, and so do its tests`, async function () {
      const model = models.find((m) => m.name === name)!;
      const declared = model.columns.map((c) => ({ name: c.name, type: c.type }));
      const full = await zetasql.analyze(model.sql, catalog, { types });
      expect(full).to.deep.equal({ statementKind: 'QUERY', columns: declared });
      if (model.materialized === 'incremental') {
        expect(model.incremental!.sql).to.contain('IN UNNEST(@partitions)');
        expect(await zetasql.analyze(model.incremental!.sql, catalog, { types })).to.deep.equal(full);
      }
      expect(model.tests.length).to.be.greaterThan(0);
      for (const test of model.tests) {
        const analysis = await zetasql.analyze(test.sql, catalog, { types: { ...types, ...test.types } });
        expect(analysis.statementKind, test.name).to.equal('QUERY');
      }
    });
  }

  it('reads the salt only as the @pseudonym_salt parameter, in tables', function () {
    for (const model of models.filter((m) => MARKETING_MODELS.includes(m.name))) {
      if (!/@pseudonym_salt\b/.test(model.sql)) continue;
      expect(model.materialized, model.name).not.to.equal('view');
      expect(model.sql).to.match(/TO_HEX\(SHA256\(@pseudonym_salt \|\| '(user|device):'/);
    }
  });
});
