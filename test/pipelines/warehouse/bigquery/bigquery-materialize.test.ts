import { expect } from 'chai';
import { TerminalError } from '../../../../pipelines/core/errors.js';
import type { TableResource } from '../../../../pipelines/warehouse/bigquery/bigquery-api.js';
import type { TableSpec } from '../../../../pipelines/warehouse/types.js';
import { failure, people, useEmulatorWarehouse } from './bigquery-test-setup.js';

describe('BigQueryWarehouse.materialize (against the BigQuery emulator)', function () {
  const fx = useEmulatorWarehouse();

  before(async function () {
    await fx.warehouse.ensureTable(people);
    await fx.warehouse.execute(
      `INSERT INTO ${fx.warehouse.qualify(people.ref)} (id, age) VALUES ('a', 30), ('b', NULL), ('c', 12)`,
    );
  });

  it('materializes views, tables with descriptions, and daily partitions atomically', async function () {
    const source = fx.warehouse.qualify(people.ref);
    await fx.warehouse.materialize({
      spec: { ref: { layer: 'staging', name: 'stg_people' }, columns: [{ name: 'id', type: 'STRING', description: 'CRM key' }] },
      sql: `SELECT id, age FROM ${source}`,
      materialization: { kind: 'view' },
      context: { model: 'stg_people' },
    });
    const view = await fx.api.getTable('elt_staging', 'stg_people');
    expect(view?.type).to.equal('VIEW');
    expect(view?.schema?.fields?.find((f) => f.name === 'id')?.description).to.equal('CRM key');
    expect(await fx.warehouse.describe({ layer: 'staging', name: 'stg_people' })).to.deep.equal({
      ref: { layer: 'staging', name: 'stg_people' },
      columns: [
        { name: 'id', type: 'STRING' },
        { name: 'age', type: 'INT64' },
      ],
      rows: null,
    });

    const spec: TableSpec = {
      ref: { layer: 'marts', name: 'adults' },
      description: 'People of age',
      columns: [{ name: 'id', type: 'STRING', description: 'CRM key' }],
      labels: { Domain: 'CRM' },
    };
    const built = await fx.warehouse.materialize({
      spec,
      sql: `SELECT id, age FROM ${fx.warehouse.qualify({ layer: 'staging', name: 'stg_people' })} WHERE age >= @min;`,
      params: { min: 18 },
      materialization: { kind: 'table' },
      context: { model: 'adults' },
    });
    expect(built.rows).to.equal(1);
    const rebuilt = await fx.warehouse.materialize({
      spec,
      sql: `SELECT id, age, age * 2 AS double_age FROM ${source} WHERE age >= @min`,
      params: { min: 18 },
      materialization: { kind: 'table' },
      context: { model: 'adults' },
    });
    expect(rebuilt.rows).to.equal(1);
    const table: TableResource | null = await fx.api.getTable('elt_marts', 'adults');
    expect(table?.description).to.equal('People of age');
    expect(table?.labels).to.include({ domain: 'crm', layer: 'marts' });
    expect(table?.schema?.fields?.map((f) => [f.name, f.description ?? null])).to.deep.equal([
      ['id', 'CRM key'],
      ['age', null],
      ['double_age', null],
    ]);

    const daily: TableSpec = { ref: { layer: 'marts', name: 'daily' }, columns: [{ name: 'day', type: 'DATE' }] };
    const days = `SELECT day, n FROM UNNEST([STRUCT(DATE '2026-01-01' AS day, 1 AS n), STRUCT(DATE '2026-01-02' AS day, 2 AS n)])`;
    await fx.warehouse.materialize({
      spec: daily,
      sql: days,
      materialization: { kind: 'incremental', partitionColumn: 'day', partitions: [], full: true },
      context: {},
    });
    const partial = await fx.warehouse.materialize({
      spec: daily,
      sql: `SELECT DATE '2026-01-02' AS day, 20 AS n UNION ALL SELECT DATE '2026-01-03', 30`,
      materialization: { kind: 'incremental', partitionColumn: 'day', partitions: ['2026-01-02', '2026-01-03'], full: false },
      context: {},
    });
    expect(partial.rows).to.equal(3);
    const read = () => fx.warehouse.query(`SELECT day, n FROM ${fx.warehouse.qualify(daily.ref)} ORDER BY day`);
    const expected = [
      { day: '2026-01-01', n: 1 },
      { day: '2026-01-02', n: 20 },
      { day: '2026-01-03', n: 30 },
    ];
    expect(await read()).to.deep.equal(expected);
    const error = await failure(
      fx.warehouse.materialize({
        spec: daily,
        sql: `SELECT DATE '2026-01-01' AS day, CAST(@bad AS INT64) AS n`,
        params: { bad: 'x' },
        materialization: { kind: 'incremental', partitionColumn: 'day', partitions: ['2026-01-01'], full: false },
        context: { model: 'daily', runId: 'run-5' },
      }),
    );
    expect(error).to.be.instanceOf(TerminalError);
    expect(error.message).to.match(/model=daily/);
    expect(error.message).to.match(/table=marts\.daily/);
    expect(await read()).to.deep.equal(expected);

    const viewError = await failure(
      fx.warehouse.materialize({
        spec: { ref: { layer: 'staging', name: 'v_bad' }, columns: [] },
        sql: 'SELECT @x AS x',
        params: { x: 1 },
        materialization: { kind: 'view' },
        context: {},
      }),
    );
    expect(viewError.message).to.match(/view cannot take query parameters/);
  });
});
