import { expect } from 'chai';
import { TerminalError } from '../../../../pipelines/core/errors.js';
import { createBigQueryClient } from '../../../../pipelines/warehouse/bigquery/bigquery-client.js';
import { BigQueryWarehouse } from '../../../../pipelines/warehouse/bigquery/bigquery-warehouse.js';
import { count, failure, ledger, people, events, useEmulatorWarehouse } from './bigquery-test-setup.js';

describe('BigQueryWarehouse: datasets, tables, queries (against the BigQuery emulator)', function () {
  const fx = useEmulatorWarehouse();

  it('creates one dataset per layer with its location, labels and description', async function () {
    for (const layer of ['raw', 'staging', 'marts', 'ops']) {
      const dataset = await fx.api.getOrNull<{ location?: string; labels?: Record<string, string>; description?: string }>(
        `/datasets/elt_${layer}`,
      );
      expect(dataset, layer).to.not.equal(null);
      expect(dataset?.location).to.equal('EU');
      expect(dataset?.labels).to.include({ env: 'test', pipeline: 'mortgage-elt', layer });
      expect(dataset?.description).to.match(new RegExp(`${layer} layer`));
    }
    await fx.warehouse.init();
  });

  it('creates a table with its explicit schema, partitioning and clustering, then adds the columns the spec gains', async function () {
    expect(await fx.warehouse.ensureTable(people)).to.deep.equal([]);
    expect(await fx.warehouse.ensureTable(events)).to.deep.equal([]);
    const table = await fx.api.getTable('elt_raw', 'events');
    expect(table?.timePartitioning).to.deep.equal({ type: 'DAY', field: 'occurred_at' });
    expect(table?.clustering).to.deep.equal({ fields: ['kind'] });
    const created = await fx.api.getTable('elt_raw', 'people');
    expect(created?.description).to.equal('People loaded from the CRM');
    expect(created?.schema?.fields?.[0]).to.include({ name: 'id', mode: 'REQUIRED', description: 'CRM key' });

    await fx.warehouse.execute(`INSERT INTO ${fx.warehouse.qualify(people.ref)} (id, age) VALUES (@id, @age)`, {
      id: 'before',
      age: 7,
    });
    expect(fx.semaphore.taken).to.deep.include({ tables: ['elt_raw.people'], weight: 1 });
    const wider = {
      ...people,
      columns: [...people.columns, { name: 'city', type: 'STRING' as const, description: 'Home city' }],
    };
    expect(await fx.warehouse.ensureTable(wider)).to.deep.equal(['city']);
    expect(await fx.warehouse.ensureTable(wider)).to.deep.equal([]);
    const info = await fx.warehouse.describe(people.ref);
    expect(info?.columns).to.deep.include({ name: 'city', type: 'STRING' });
    expect(info?.columns).to.deep.include({ name: 'seen_at', type: 'TIMESTAMP' });
    expect(info?.rows).to.equal(1);
    await fx.warehouse.execute(`UPDATE ${fx.warehouse.qualify(people.ref)} SET city = @city WHERE id = @id`, {
      city: 'Lyon',
      id: 'before',
    });
    expect(await fx.warehouse.query(`SELECT id, age, city FROM ${fx.warehouse.qualify(people.ref)}`)).to.deep.equal([
      { id: 'before', age: 7, city: 'Lyon' },
    ]);
    await fx.warehouse.execute(`DELETE FROM ${fx.warehouse.qualify(people.ref)} WHERE TRUE`);
    const evolved = await fx.api.getTable('elt_raw', 'people');
    expect(evolved?.schema?.fields?.find((f) => f.name === 'city')).to.include({ mode: 'NULLABLE', description: 'Home city' });
  });

  it('binds parameters of every type and returns plain values', async function () {
    const [row] = await fx.warehouse.query(
      `SELECT @s AS s, @i AS i, @big AS big, @f AS f, @b AS b, @t AS t, @d AS d, @n AS n, @nt AS nt,
              @xs AS xs, @ns AS ns, ARRAY_LENGTH(@empty) AS empty, @ds AS ds, "it's @notparam" AS lit,
              TIMESTAMP '2026-11-29 10:00:00.123456+00' AS micro, DATE '2026-02-03' AS dlit, JSON '{"a":[1,2]}' AS j`,
      {
        s: "l'été \\ `x`",
        i: 42,
        big: 9007199254740993n,
        f: 1.5,
        b: true,
        t: new Date('2026-01-02T03:04:05.000Z'),
        d: '2026-01-02',
        n: null,
        nt: null,
        xs: ['a', 'b'],
        ns: [1, 2, 3],
        empty: [],
        ds: ['2026-01-01', '2026-01-02'],
      },
      { types: { d: 'DATE', nt: 'TIMESTAMP', empty: 'ARRAY<DATE>', ds: 'ARRAY<DATE>' } },
    );
    expect(row).to.deep.equal({
      s: "l'été \\ `x`",
      i: 42,
      big: '9007199254740993',
      f: 1.5,
      b: true,
      t: '2026-01-02T03:04:05.000Z',
      d: '2026-01-02',
      n: null,
      nt: null,
      xs: ['a', 'b'],
      ns: [1, 2, 3],
      empty: 0,
      ds: ['2026-01-01', '2026-01-02'],
      lit: "it's @notparam",
      micro: '2026-11-29T10:00:00.123Z',
      dlit: '2026-02-03',
      j: '{"a":[1,2]}',
    });
    const [found] = await fx.warehouse.query(
      `SELECT 'b' IN UNNEST(@xs) AS found, DATE '2026-01-02' IN UNNEST(@ds) AS day`,
      {
        xs: ['a', 'b'],
        ds: ['2026-01-02'],
      },
      { types: { ds: 'ARRAY<DATE>' } },
    );
    expect(found).to.deep.equal({ found: true, day: true });
  });

  it('labels every job with pipeline, run id, step and table, sanitized', async function () {
    // The production path (jobs.insert under an id of ours) against the emulator, which records the
    // failed job with its labels.
    const production = new BigQueryWarehouse({ ...fx.config, apiEndpoint: undefined }, createBigQueryClient(fx.config));
    const error = await failure(
      production.query(
        `SELECT * FROM ${fx.warehouse.qualify({ layer: 'raw', name: 'absent' })}`,
        {},
        {
          context: { runId: '20261129T203100Z-1A2B', step: 'Check Freshness', table: 'raw.absent' },
        },
      ),
    );
    const jobId = /jobId=(\S+?)[\] ]/.exec(error.message)?.[1];
    expect(jobId).to.match(/^elt_query_/);
    expect((await fx.api.getJob(jobId!))?.configuration?.labels).to.deep.equal({
      env: 'test',
      pipeline: 'mortgage-elt',
      run_id: '20261129t203100z-1a2b',
      step: 'check_freshness',
      table: 'raw_absent',
      operation: 'query',
    });
  });

  it('adds columns with one schema patch on the production path', async function () {
    // Production code (no apiEndpoint in its configuration) against the emulator: the patch request
    // is accepted and the table's schema gains the column, with its description, as NULLABLE.
    const production = new BigQueryWarehouse({ ...fx.config, apiEndpoint: undefined }, createBigQueryClient(fx.config));
    const spec = { ...events, ref: { layer: 'raw' as const, name: 'events_patched' } };
    expect(await production.ensureTable(spec)).to.deep.equal([]);
    const wider = {
      ...spec,
      columns: [...spec.columns, { name: 'channel', type: 'STRING' as const, mode: 'REQUIRED' as const, description: 'Source' }],
    };
    expect(await production.ensureTable(wider)).to.deep.equal(['channel']);
    const table = await fx.api.getTable('elt_raw', 'events_patched');
    expect(table?.schema?.fields?.at(-1)).to.deep.equal({
      name: 'channel',
      type: 'STRING',
      mode: 'NULLABLE',
      description: 'Source',
    });
    expect(table?.timePartitioning).to.deep.equal({ type: 'DAY', field: 'occurred_at' });
  });

  it('runs a transaction all or nothing', async function () {
    await fx.warehouse.ensureTable(ledger);
    const target = fx.warehouse.qualify(ledger.ref);
    const error = await failure(
      fx.warehouse.transaction([
        { sql: `INSERT INTO ${target} (unit_id, rows_written) VALUES (@u, @n)`, params: { u: 'tx', n: 1 } },
        {
          sql: `INSERT INTO ${target} (unit_id, rows_written) VALUES (@u, CAST(@n AS INT64))`,
          params: { u: 'tx', n: 'not a number' },
        },
      ]),
    );
    expect(error).to.be.instanceOf(TerminalError);
    expect(await count(fx.warehouse, ledger, "unit_id = 'tx'")).to.equal(0);
    await fx.warehouse.transaction([
      { sql: `INSERT INTO ${target} (unit_id, rows_written) VALUES (@u, @n)`, params: { u: 'tx', n: 1 } },
      { sql: `UPDATE ${target} SET rows_written = @n WHERE unit_id = @u`, params: { u: 'tx', n: 2 } },
    ]);
    expect(await fx.warehouse.query(`SELECT rows_written FROM ${target} WHERE unit_id = 'tx'`)).to.deep.equal([
      { rows_written: 2 },
    ]);
  });

  it('describes missing relations as null, drops them idempotently, and maps errors with their job id', async function () {
    await fx.warehouse.drop({ layer: 'marts', name: 'adults' });
    await fx.warehouse.drop({ layer: 'marts', name: 'adults' });
    expect(await fx.warehouse.describe({ layer: 'marts', name: 'adults' })).to.equal(null);
    const error = await failure(
      fx.warehouse.query(
        `SELECT * FROM ${fx.warehouse.qualify({ layer: 'marts', name: 'adults' })}`,
        {},
        { context: { model: 'x' } },
      ),
    );
    expect(error).to.be.instanceOf(TerminalError);
    expect(error.message).to.match(/Table not found/);
    expect(error.message).to.match(/model=x/);
    expect(() => fx.warehouse.qualify({ layer: 'raw', name: 'bad`name' })).to.throw(TerminalError, /not a BigQuery table id/);
  });
});
