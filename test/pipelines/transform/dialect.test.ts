import { expect } from 'chai';
import { dialectFor } from '../../../pipelines/transform/dialect.js';
import { renderSql } from '../../../pipelines/transform/render.js';
import type { Target } from '../../../pipelines/transform/types.js';
import { MACRO_CASES, VALUES_FROM } from './support/macro-cases.js';
import { DuckDbWarehouse } from '../../../pipelines/warehouse/duckdb/duckdb-warehouse.js';

function render(template: string, target: Target = 'duckdb', incremental = false): string {
  return renderSql(template, {
    file: 'models/marts/q.sql',
    dialect: dialectFor(target),
    incremental,
    ref: (name) => `"staging"."${name}"`,
    source: (layer, table) => `"${layer}"."${table}"`,
  }).sql;
}

describe('dialect macros', function () {
  let warehouse: DuckDbWarehouse;
  before(async () => {
    warehouse = await DuckDbWarehouse.open({ path: ':memory:' });
  });
  after(async () => warehouse.close());

  /** Renders `expression` for DuckDB, evaluates it, and returns its value and DuckDB type. */
  async function evaluate(expression: string, from = ''): Promise<{ value: unknown; type: string }> {
    const sql = render(`SELECT {{ ${expression} }} AS value${from ? ` FROM ${from}` : ''}`);
    const [row] = await warehouse.query<{ value: unknown; type: string }>(
      `SELECT value, typeof(value) AS type FROM (${sql}) AS q LIMIT 1`,
    );
    return row!;
  }

  for (const c of MACRO_CASES) {
    it(`${c.macro} renders for both engines and gives ${JSON.stringify(c.value)} on DuckDB`, async function () {
      expect(render(`{{ ${c.macro} }}`, 'duckdb')).to.equal(c.duckdb);
      expect(render(`{{ ${c.macro} }}`, 'bigquery')).to.equal(c.bigquery);
      const result = await evaluate(c.macro, c.overValues ? VALUES_FROM.duckdb : '');
      if (typeof c.value === 'number' && !Number.isInteger(c.value)) expect(result.value).to.be.closeTo(c.value, 1e-12);
      else expect(result.value).to.equal(c.value);
      expect(result.type).to.equal(c.type);
    });
  }

  it('type names each column type as the engine does', async function () {
    const types = {
      STRING: 'VARCHAR',
      INT64: 'BIGINT',
      FLOAT64: 'DOUBLE',
      BOOL: 'BOOLEAN',
      TIMESTAMP: 'TIMESTAMP',
      DATE: 'DATE',
    };
    for (const [type, duck] of Object.entries(types)) {
      expect(render(`{{ type('${type}') }}`, 'bigquery')).to.equal(type);
      const [row] = await warehouse.query<{ t: string }>(`SELECT typeof(CAST(NULL AS ${render(`{{ type('${type}') }}`)})) AS t`);
      expect(row!.t).to.equal(duck);
    }
  });

  it('percentile_cont partitions when asked, ignoring NULLs', async function () {
    const sql = render(
      "SELECT g, {{ percentile_cont('x', 0.5, 'g') }} AS m FROM (SELECT * FROM (VALUES ('a', 1.0), ('a', 3.0), ('a', NULL), ('b', 10.0)) AS t(g, x)) AS d",
    );
    expect(sql).to.contain('OVER (PARTITION BY g)');
    const rows = await warehouse.query<{ g: string; m: number }>(
      `SELECT DISTINCT g, CAST(m AS DOUBLE) AS m FROM (${sql}) AS q ORDER BY g`,
    );
    expect(rows).to.deep.equal([
      { g: 'a', m: 2 },
      { g: 'b', m: 10 },
    ]);
  });

  it('incremental_filter is TRUE on a full build and a predicate on @partitions otherwise', async function () {
    const template =
      "SELECT d FROM (SELECT CAST(x AS DATE) AS d FROM (VALUES ('2024-01-01'), ('2024-01-02'), ('2024-01-03')) AS t(x)) AS q WHERE {{ incremental_filter('d') }}{% if is_incremental() %} AND TRUE{% endif %} ORDER BY d";
    expect(render(template, 'duckdb', false)).to.contain('WHERE TRUE ORDER BY');
    expect(render(template, 'bigquery', true)).to.contain('WHERE (d) IN UNNEST(@partitions) AND TRUE ORDER BY');
    expect(dialectFor('bigquery').partitionsType).to.equal('ARRAY<DATE>');
    const all = await warehouse.query(render(template, 'duckdb', false));
    expect(all).to.have.length(3);
    const some = await warehouse.query(
      render(template, 'duckdb', true),
      { partitions: ['2024-01-03', '2024-01-01'] },
      { types: { partitions: 'ARRAY<STRING>' } },
    );
    expect(some).to.deep.equal([{ d: '2024-01-01' }, { d: '2024-01-03' }]);
  });

  it('incremental_filter with days before and after keeps the rebuilt dates and their neighbours', async function () {
    const template =
      "SELECT d FROM (SELECT CAST(x AS DATE) AS d FROM (VALUES ('2024-01-01'), ('2024-01-02'), ('2024-01-03'), ('2024-01-04'), ('2024-01-06')) AS t(x)) AS q WHERE {{ incremental_filter('d', 1, 0) }} ORDER BY d";
    const days = async (template: string) =>
      (
        await warehouse.query<{ d: string }>(
          render(template, 'duckdb', true),
          { partitions: ['2024-01-03', '2024-01-06'] },
          { types: { partitions: 'ARRAY<STRING>' } },
        )
      ).map((r) => r.d);
    expect(await days(template)).to.deep.equal(['2024-01-02', '2024-01-03', '2024-01-06']);
    expect(await days(template.replace("'d', 1, 0", "'d', 0, 1"))).to.deep.equal(['2024-01-03', '2024-01-04', '2024-01-06']);
    expect(render(template, 'duckdb', false)).to.contain('WHERE TRUE ORDER BY');
    expect(() => render(template.replace("'d', 1, 0", "'d', -1, 0"), 'duckdb', true)).to.throw(
      /incremental_filter: days_before must be a whole number of days from 0 to 31 \(got -1\)/,
    );
  });

  it('json_string_array and unnest list the strings of a JSON array, none for NULL', async function () {
    const template = `SELECT id, x FROM (SELECT * FROM (VALUES ('a', '["d1","d2"]'), ('b', '[]'), ('c', NULL)) AS t(id, j)) AS users
CROSS JOIN {{ unnest(json_string_array('users.j'), 'x') }}
ORDER BY id, x`;
    expect(render(template, 'bigquery')).to.contain('CROSS JOIN UNNEST(JSON_VALUE_ARRAY(users.j)) AS x');
    expect(await warehouse.query(render(template))).to.deep.equal([
      { id: 'a', x: 'd1' },
      { id: 'a', x: 'd2' },
    ]);
    expect(() => render("SELECT 1 FROM {{ unnest('a', 'x y') }}")).to.throw(/unnest: alias must be a name in quotes/);
  });

  it('rejects bad arguments with the file, the line and the macro', function () {
    expect(() => render("SELECT\n  {{ percentile_cont('x', 1.5) }}")).to.throw(
      /^models\/marts\/q\.sql:2: percentile_cont: fraction must be a number from 0 to 1 \(got 1\.5\)/,
    );
    expect(() => render('SELECT {{ safe_divide(a, "b") }}')).to.throw(/safe_divide: numerator must be SQL text in quotes/);
    expect(() => render("SELECT {{ date_trunc('d', 'week') }}")).to.throw(
      /date_trunc: unit must be one of day, isoweek, month, quarter, year/,
    );
    expect(() => render("SELECT {{ cast('x', 'NUMERIC') }}")).to.throw(/cast: type must be one of STRING, INT64/);
    expect(() => render('SELECT\n\n  {{ nope }}')).to.throw(/^models\/marts\/q\.sql:3: attempted to output null or undefined/);
    expect(() => render("{{ safe_divide('a') }}")).to.throw(/^models\/marts\/q\.sql:1: safe_divide: denominator/);
  });
});
