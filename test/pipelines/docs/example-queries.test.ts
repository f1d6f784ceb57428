import { expect } from 'chai';
import { bigQueryTable, exampleQueries } from '../../../pipelines/docs/example-queries.js';
import { docsModelsFromCompiled } from '../../../pipelines/docs/from-project.js';
import type { DocsModel } from '../../../pipelines/docs/types.js';
import { DEFAULT_MODELS_DIR, listCompiledModels } from '../../../pipelines/transform/compile-project.js';
import { bigQueryQualify } from '../../../pipelines/transform/qualify.js';
import type { ColumnType, TableSpec } from '../../../pipelines/warehouse/types.js';
import { ZetaSql } from '../../support/zetasql/zetasql.js';
import { fixtureModels } from './support/docs-fixture.js';

const PROJECT = 'acme-data';
const PREFIX = 'dev_';

function specOf(model: DocsModel): TableSpec {
  return {
    ref: { layer: model.layer, name: model.name },
    columns: model.columns.map((c) => ({ name: c.name, type: c.type as ColumnType })),
  };
}

// Every example query of every mart, the project's and the marketing fixtures', resolves on ZetaSQL
// (BigQuery's analyzer) against the marts' declared columns: what Julie pastes into the console runs.
describe('docs example queries', function () {
  this.timeout(120_000);
  const marketing = fixtureModels().filter((m) => m.name === 'funnel_daily' || m.name === 'traffic_daily');
  let marts: DocsModel[];
  let tables: TableSpec[];
  let zetasql: ZetaSql;
  before(async () => {
    const compiled = listCompiledModels(DEFAULT_MODELS_DIR, 'bigquery', bigQueryQualify(PROJECT, PREFIX));
    // The marketing marts as the fixtures declare them, until the project has its own.
    const extra = marketing.filter((m) => !compiled.some((c) => c.name === m.name));
    marts = [...docsModelsFromCompiled(compiled), ...extra].filter((m) => m.layer === 'marts');
    tables = [...compiled.map((m) => m.spec), ...extra.map(specOf)];
    zetasql = await ZetaSql.start();
  });
  after(async () => zetasql?.stop());

  it('covers every mart of the project', function () {
    expect(marts.map((m) => m.name)).to.include.members([
      'best_proposition',
      'borrower_profile',
      'borrower_profile_distribution',
      'opportunity_lookup',
    ]);
  });

  it(`every example of every mart is valid BigQuery SQL over \`${PROJECT}.${PREFIX}marts.<name>\``, async function () {
    for (const mart of marts) {
      const table = bigQueryTable(PROJECT, PREFIX, 'marts', mart.name);
      const queries = exampleQueries(mart, table);
      expect(queries.length, mart.name).to.be.at.least(2);
      expect(queries[0]!.title).to.match(/^A first look/);
      for (const query of queries) {
        expect(query.sql, `${mart.name}: ${query.title}`).to.contain(table);
        const analysis = await zetasql
          .analyze(query.sql, { tables, projectId: PROJECT, datasetPrefix: PREFIX })
          .catch((error: Error) => {
            throw new Error(`${mart.name}: ${query.title}: ${error.message}\n${query.sql}`);
          });
        expect(analysis.statementKind, query.title).to.equal('QUERY');
      }
    }
  });

  it('filters a partitioned mart on its partition column and adds the queries written for known marts', function () {
    const funnel = marketing.find((m) => m.name === 'funnel_daily')!;
    const queries = exampleQueries(funnel, '`p.marts.funnel_daily`');
    expect(queries[0]!.sql).to.contain('WHERE day >= DATE_SUB(CURRENT_DATE(), INTERVAL 7 DAY)');
    expect(queries.map((q) => q.title)).to.include('Conversion from session to lead by channel, last 30 days');
    const daily = queries.find((q) => q.title === 'Per day, over the last 30 days')!;
    // Rates are not summed: a sum of daily rates means nothing.
    expect(daily.sql).to.contain('SUM(sessions)');
    expect(daily.sql).not.to.contain('SUM(lead_rate)');
  });

  it('drops a query written for a known mart when the mart lacks its columns', function () {
    const funnel = marketing.find((m) => m.name === 'funnel_daily')!;
    const renamed = { ...funnel, columns: funnel.columns.filter((c) => c.name !== 'leads') };
    expect(exampleQueries(renamed, '`p.marts.funnel_daily`').map((q) => q.title)).not.to.include(
      'Conversion from session to lead by channel, last 30 days',
    );
  });
});
