import { expect } from 'chai';
import type { TableSpec } from '../../../pipelines/warehouse/types.js';
import { ZetaSql, ZetaSqlError } from './zetasql.js';

describe('ZetaSQL support', function () {
  let zetasql: ZetaSql;

  before(async function () {
    zetasql = await ZetaSql.start();
  });

  after(async function () {
    await zetasql?.stop();
  });

  const people: TableSpec = {
    ref: { layer: 'raw', name: 'people' },
    columns: [
      { name: 'id', type: 'STRING' },
      { name: 'age', type: 'INT64' },
      { name: 'seen_at', type: 'TIMESTAMP' },
      { name: 'day', type: 'DATE' },
      { name: 'attributes', type: 'JSON' },
    ],
  };
  const catalog = { tables: [people], projectId: 'proj', datasetPrefix: 'elt_' };

  describe('analyze', function () {
    it('resolves a valid query against the catalog, with its output columns and types', async function () {
      const analysis = await zetasql.analyze(
        `SELECT id, COUNT(*) AS n, MAX(seen_at) AS last_seen, DATE_TRUNC(day, MONTH) AS month,
                JSON_VALUE(attributes, '$.city') AS city
         FROM \`proj.elt_raw.people\`
         WHERE age >= @min_age AND day IN UNNEST(@days)
         GROUP BY id, month, city`,
        catalog,
        { types: { days: 'ARRAY<DATE>' } },
      );
      expect(analysis).to.deep.equal({
        statementKind: 'QUERY',
        columns: [
          { name: 'id', type: 'STRING' },
          { name: 'n', type: 'INT64' },
          { name: 'last_seen', type: 'TIMESTAMP' },
          { name: 'month', type: 'DATE' },
          { name: 'city', type: 'STRING' },
        ],
      });
    });

    it('resolves the other spellings of a table name and DML statements', async function () {
      for (const name of ['elt_raw.people', '`elt_raw.people`', '`proj`.elt_raw.people', 'proj.elt_raw.people']) {
        const analysis = await zetasql.analyze(`SELECT id FROM ${name}`, catalog);
        expect(analysis.columns, name).to.deep.equal([{ name: 'id', type: 'STRING' }]);
      }
      const merge = await zetasql.analyze(
        `MERGE \`proj.elt_raw.people\` T USING (SELECT 'a' AS id, 3 AS age) S ON T.id IS NOT DISTINCT FROM S.id
         WHEN MATCHED THEN UPDATE SET age = S.age WHEN NOT MATCHED THEN INSERT (id, age) VALUES (S.id, S.age)`,
        catalog,
      );
      expect(merge).to.deep.equal({ statementKind: 'MERGE', columns: [] });
    });

    it('rejects an unknown column, table or function with its position', async function () {
      const cases: Array<[string, RegExp]> = [
        ['SELECT nope FROM `proj.elt_raw.people`', /Unrecognized name: nope/],
        ['SELECT id FROM `proj.elt_raw.missing`', /Table not found/],
        ['SELECT NO_SUCH_FN(id) FROM `proj.elt_raw.people`', /Function not found/],
        ['SELECT CAST(age AS INT32) FROM `proj.elt_raw.people`', /Type not found: INT32/],
      ];
      for (const [sql, message] of cases) {
        const error = await zetasql.analyze(sql, catalog).then(
          () => null,
          (e: unknown) => e,
        );
        expect(error, sql).to.be.instanceOf(ZetaSqlError);
        expect((error as ZetaSqlError).message).to.match(message);
        expect((error as ZetaSqlError).line).to.equal(1);
      }
    });
  });

  describe('evaluate', function () {
    it('runs a grouping query over literal tables, with NULLs, TIMESTAMP, DATE and parameters', async function () {
      const rows = await zetasql.evaluate(
        `SELECT city, COUNT(*) AS n, COUNT(age) AS with_age, SUM(age) AS total_age, MAX(seen_at) AS last_seen,
                MIN(day) AS first_day, LOGICAL_AND(age IS NULL) AS all_unknown
         FROM \`raw.people\`
         WHERE seen_at >= @since
         GROUP BY city
         ORDER BY city NULLS FIRST`,
        [
          {
            name: 'raw.people',
            columns: [
              { name: 'city', type: 'STRING' },
              { name: 'age', type: 'INT64' },
              { name: 'seen_at', type: 'TIMESTAMP' },
              { name: 'day', type: 'DATE' },
            ],
            rows: [
              { city: 'Lyon', age: 30, seen_at: '2026-11-29T10:00:00.000Z', day: '2026-11-29' },
              { city: 'Lyon', age: null, seen_at: '2026-11-29T11:30:00.250Z', day: '2026-11-28' },
              { city: null, seen_at: '2026-11-29T09:00:00.000Z', day: '2026-11-27' },
              { city: 'Paris', age: 41, seen_at: '2020-01-01T00:00:00.000Z', day: '2020-01-01' },
            ],
          },
        ],
        { params: { since: new Date('2026-01-01T00:00:00Z') } },
      );
      expect(rows).to.deep.equal([
        {
          city: null,
          n: 1,
          with_age: 0,
          total_age: null,
          last_seen: '2026-11-29T09:00:00.000Z',
          first_day: '2026-11-27',
          all_unknown: true,
        },
        {
          city: 'Lyon',
          n: 2,
          with_age: 1,
          total_age: 30,
          last_seen: '2026-11-29T11:30:00.250Z',
          first_day: '2026-11-28',
          all_unknown: false,
        },
      ]);
    });

    it('returns arrays, JSON and large integers in plain shapes', async function () {
      const rows = await zetasql.evaluate(
        `SELECT ARRAY_AGG(x ORDER BY x) AS xs, TO_JSON(STRUCT(1 AS a)) AS j, 9007199254740993 AS big FROM t`,
        [{ name: 't', columns: [{ name: 'x', type: 'INT64' }], rows: [{ x: 2 }, { x: 1 }] }],
      );
      expect(rows).to.deep.equal([{ xs: [1, 2], j: '{"a":1}', big: '9007199254740993' }]);
    });

    it('rejects a query the evaluator cannot resolve', async function () {
      const error = await zetasql
        .evaluate('SELECT y FROM t', [{ name: 't', columns: [{ name: 'x', type: 'INT64' }], rows: [] }])
        .then(
          () => null,
          (e: unknown) => e,
        );
      expect(error).to.be.instanceOf(ZetaSqlError);
      expect((error as Error).message).to.match(/Unrecognized name: y/);
    });
  });
});
