import { expect } from 'chai';
import { dialectFor } from '../../../pipelines/transform/dialect.js';
import { renderSql } from '../../../pipelines/transform/render.js';
import { ZetaSql } from '../../support/zetasql/zetasql.js';
import { MACRO_CASES, VALUES_FROM } from './support/macro-cases.js';

function render(template: string, incremental = false): string {
  return renderSql(template, {
    file: 'models/marts/q.sql',
    dialect: dialectFor('bigquery'),
    incremental,
    ref: (name) => name,
    source: (_layer, table) => table,
  }).sql;
}

// The BigQuery rendering of every macro, run by ZetaSQL's reference engine, gives what the DuckDB
// rendering gives on DuckDB (dialect.test.ts checks the DuckDB side against the same values).
describe('dialect macros on ZetaSQL (BigQuery semantics)', function () {
  this.timeout(60_000);
  let zetasql: ZetaSql;
  before(async () => {
    zetasql = await ZetaSql.start();
  });
  after(async () => zetasql?.stop());

  for (const c of MACRO_CASES) {
    it(`${c.macro} gives ${JSON.stringify(c.value)}`, async function () {
      const expression = render(`{{ ${c.macro} }}`);
      expect(expression).to.equal(c.bigquery);
      const sql = c.overValues
        ? `SELECT value FROM (SELECT ${expression} AS value FROM ${VALUES_FROM.bigquery}) AS q LIMIT 1`
        : `SELECT ${expression} AS value`;
      const [row] = await zetasql.evaluate(sql, []);
      if (typeof c.value === 'number' && !Number.isInteger(c.value)) expect(row!.value).to.be.closeTo(c.value, 1e-12);
      else expect(row!.value).to.equal(c.value);
    });
  }

  it('json_string_array and unnest list the strings of a JSON array, none for NULL', async function () {
    const sql = render(`SELECT id, x
FROM UNNEST([STRUCT('a' AS id, '["d1","d2"]' AS j), STRUCT('b' AS id, '[]' AS j), STRUCT('c' AS id, CAST(NULL AS STRING) AS j)]) AS users
CROSS JOIN {{ unnest(json_string_array('users.j'), 'x') }}
ORDER BY id, x`);
    expect(await zetasql.evaluate(sql, [])).to.deep.equal([
      { id: 'a', x: 'd1' },
      { id: 'a', x: 'd2' },
    ]);
  });

  it('incremental_filter keeps the rows of the @partitions dates', async function () {
    const sql = render(
      "SELECT d FROM UNNEST([DATE '2024-01-01', DATE '2024-01-02', DATE '2024-01-03']) AS d WHERE {{ incremental_filter('d') }} ORDER BY d",
      true,
    );
    const rows = await zetasql.evaluate(sql, [], {
      params: { partitions: ['2024-01-03', '2024-01-01'] },
      types: { partitions: dialectFor('bigquery').partitionsType },
    });
    expect(rows).to.deep.equal([{ d: '2024-01-01' }, { d: '2024-01-03' }]);
  });

  it('incremental_filter with days before and after keeps the rebuilt dates and their neighbours', async function () {
    const sql = render(
      "SELECT d FROM UNNEST([DATE '2024-01-01', DATE '2024-01-02', DATE '2024-01-03', DATE '2024-01-04', DATE '2024-01-06']) AS d WHERE {{ incremental_filter('d', 1, 1) }} ORDER BY d",
      true,
    );
    const rows = await zetasql.evaluate(sql, [], {
      params: { partitions: ['2024-01-03', '2024-01-06'] },
      types: { partitions: dialectFor('bigquery').partitionsType },
    });
    expect(rows).to.deep.equal([{ d: '2024-01-02' }, { d: '2024-01-03' }, { d: '2024-01-04' }, { d: '2024-01-06' }]);
  });
});
