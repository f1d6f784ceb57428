import { expect } from 'chai';
import { TerminalError } from '../../../../pipelines/core/errors.js';
import type { BigQueryWarehouse } from '../../../../pipelines/warehouse/bigquery/bigquery-warehouse.js';
import { dmlConcurrencyPerTable } from '../../../../pipelines/warehouse/bigquery/bigquery-warehouse.js';
import type { LoadUnit, StagedLoad, TableSpec } from '../../../../pipelines/warehouse/types.js';
import { count, events, failure, ledger, people, useEmulatorWarehouse } from './bigquery-test-setup.js';

function ledgerInsert(warehouse: BigQueryWarehouse, unitId: string, rows: number) {
  return {
    sql: `INSERT INTO ${warehouse.qualify(ledger.ref)} (unit_id, rows_written, loaded_at) VALUES (@unit_id, @rows, @at)`,
    params: { unit_id: unitId, rows, at: new Date('2026-11-29T10:00:00.000Z') },
  };
}

describe('BigQueryWarehouse.commitUnit (against the BigQuery emulator)', function () {
  const fx = useEmulatorWarehouse();

  before(async function () {
    await fx.warehouse.ensureTable(people);
    await fx.warehouse.ensureTable(ledger);
  });

  it('appends an NDJSON file and writes its state in the same transaction, under deterministic job ids', async function () {
    await fx.warehouse.ensureTable(ledger);
    const file = fx.ndjson('append.ndjson', [
      { id: 'a', age: 30, score: 1.5, active: true, seen_at: '2026-01-01T10:00:00.000Z', day: '2026-01-01', version: 1 },
      { id: 'b', active: false, version: 1 },
    ]);
    const unit: LoadUnit = {
      unitId: 'crm-people-append-1',
      loads: [{ target: people, file, format: 'ndjson', write: { mode: 'append' } }],
      state: [ledgerInsert(fx.warehouse, 'crm-people-append-1', 2)],
      context: { runId: 'run-1', step: 'load-crm' },
    };
    const result = await fx.warehouse.commitUnit(unit);
    expect(result).to.deep.equal({ written: { 'raw.people': 2 } });
    expect(
      await fx.warehouse.query(
        `SELECT id, age, score, active, seen_at, day FROM ${fx.warehouse.qualify(people.ref)} ORDER BY id`,
      ),
    ).to.deep.equal([
      { id: 'a', age: 30, score: 1.5, active: true, seen_at: '2026-01-01T10:00:00.000Z', day: '2026-01-01' },
      { id: 'b', age: null, score: null, active: false, seen_at: null, day: null },
    ]);
    expect(
      await fx.warehouse.query(`SELECT unit_id, rows_written, loaded_at FROM ${fx.warehouse.qualify(ledger.ref)}`),
    ).to.deep.equal([{ unit_id: 'crm-people-append-1', rows_written: 2, loaded_at: '2026-11-29T10:00:00.000Z' }]);
    expect(await fx.api.getJob('crm-people-append-1_raw_people_1')).to.not.equal(null);
    const commit = await fx.api.getJob('crm-people-append-1_commit_1');
    expect(commit?.configuration?.labels).to.include({ run_id: 'run-1', step: 'load-crm', operation: 'commit' });
    expect(fx.semaphore.taken).to.deep.include({ tables: ['elt_raw.people', 'elt_ops.ledger'], weight: dmlConcurrencyPerTable });

    // The runner retries the unit in the same run (say its answer was lost): the commit that
    // succeeded is read back, not applied twice.
    expect(await fx.warehouse.commitUnit(unit)).to.deep.equal({ written: { 'raw.people': 2 } });
    expect(await count(fx.warehouse, people)).to.equal(2);
    expect(await count(fx.warehouse, ledger)).to.equal(1);
    expect(await fx.api.getJob('crm-people-append-1_commit_2')).to.equal(null);
  });

  it('rolls back the rows when a state statement fails, and the next attempt gets the next job id', async function () {
    const before = await count(fx.warehouse, people);
    const file = fx.ndjson('fail.ndjson', [{ id: 'z', version: 1 }]);
    const unit: LoadUnit = {
      unitId: 'crm-people-fail-1',
      loads: [{ target: people, file, format: 'ndjson', write: { mode: 'append' } }],
      state: [
        ledgerInsert(fx.warehouse, 'crm-people-fail-1', 1),
        { sql: `INSERT INTO ${fx.warehouse.qualify({ layer: 'ops', name: 'no_such_table' })} (x) VALUES (1)` },
      ],
      context: { runId: 'run-2' },
    };
    const error = await failure(fx.warehouse.commitUnit(unit));
    expect(error).to.be.instanceOf(TerminalError);
    expect(error.message).to.match(/no_such_table/);
    expect(error.message).to.match(/jobId=crm-people-fail-1_commit_1/);
    expect(await count(fx.warehouse, people)).to.equal(before);
    expect(await count(fx.warehouse, ledger, "unit_id = 'crm-people-fail-1'")).to.equal(0);

    const fixed = await fx.warehouse.commitUnit({ ...unit, state: [ledgerInsert(fx.warehouse, 'crm-people-fail-1', 1)] });
    expect(fixed.written).to.deep.equal({ 'raw.people': 1 });
    expect(await fx.api.getJob('crm-people-fail-1_raw_people_1')).to.not.equal(null);
    expect(await fx.api.getJob('crm-people-fail-1_raw_people_2')).to.not.equal(null);
    expect(await count(fx.warehouse, ledger, "unit_id = 'crm-people-fail-1'")).to.equal(1);
  });

  it('upserts a Parquet file on its key: the greatest version wins, older rows are skipped, a repeated unit changes nothing', async function () {
    const target: TableSpec = { ...people, ref: { layer: 'raw', name: 'people_upsert' } };
    const load = (file: string): StagedLoad => ({
      target,
      file,
      format: 'parquet',
      write: { mode: 'upsert', key: ['id'], versionBy: ['version'] },
    });
    const first = await fx.parquet(
      'u1.parquet',
      `SELECT * FROM (VALUES ('a', 1, 10, TIMESTAMP '2026-01-01 10:00:00'), ('b', 1, 20, NULL), ('a', 2, 11, TIMESTAMP '2026-01-02 10:00:00')) t(id, version, age, seen_at)`,
    );
    const r1 = await fx.warehouse.commitUnit({ unitId: 'u1', loads: [load(first)], state: [], context: { runId: 'run-3' } });
    expect(r1.written).to.deep.equal({ 'raw.people_upsert': 2 });
    const older = await fx.parquet(
      'u0.parquet',
      `SELECT * FROM (VALUES ('a', 0, 99), ('b', 1, 21), ('c', 1, 30)) t(id, version, age)`,
    );
    const r0 = await fx.warehouse.commitUnit({ unitId: 'u0', loads: [load(older)], state: [], context: { runId: 'run-3' } });
    expect(r0.written).to.deep.equal({ 'raw.people_upsert': 2 });
    const expected = [
      { id: 'a', version: 2, age: 11, seen_at: '2026-01-02T10:00:00.000Z' },
      { id: 'b', version: 1, age: 21, seen_at: null },
      { id: 'c', version: 1, age: 30, seen_at: null },
    ];
    const read = () =>
      fx.warehouse.query(`SELECT id, version, age, seen_at FROM ${fx.warehouse.qualify(target.ref)} ORDER BY id`);
    expect(await read()).to.deep.equal(expected);
    // The same unit again in a later run (e.g. after a ledger reset): applied again, same table.
    await fx.warehouse.commitUnit({ unitId: 'u1', loads: [load(first)], state: [], context: { runId: 'run-4' } });
    await fx.warehouse.commitUnit({ unitId: 'u0', loads: [load(older)], state: [], context: { runId: 'run-4' } });
    expect(await read()).to.deep.equal(expected);
  });

  it('inserts only new keys into a partitioned event table, the MERGE bounded by the file’s time range', async function () {
    const load = (file: string): StagedLoad => ({
      target: events,
      file,
      format: 'ndjson',
      write: { mode: 'insert-new', key: ['message_id'], pruneBy: 'occurred_at' },
    });
    const first = fx.ndjson('e1.ndjson', [
      { message_id: 'm1', occurred_at: '2026-11-28T23:59:59.000Z', kind: 'click' },
      { message_id: 'm2', occurred_at: '2026-11-29T08:00:00.000Z', kind: 'view' },
      { message_id: 'm1', occurred_at: '2026-11-28T23:59:59.000Z', kind: 'click' },
    ]);
    expect((await fx.warehouse.commitUnit({ unitId: 'e1', loads: [load(first)], state: [], context: {} })).written).to.deep.equal(
      {
        'raw.events': 2,
      },
    );
    const second = fx.ndjson('e2.ndjson', [
      { message_id: 'm2', occurred_at: '2026-11-29T08:00:00.000Z', kind: 'view' },
      { message_id: 'm3', occurred_at: '2026-11-29T09:00:00.000Z', kind: 'click' },
      { message_id: 'm4', kind: 'orphan' },
    ]);
    expect(
      (await fx.warehouse.commitUnit({ unitId: 'e2', loads: [load(second)], state: [], context: {} })).written,
    ).to.deep.equal({
      'raw.events': 2,
    });
    expect(
      (await fx.warehouse.commitUnit({ unitId: 'e2', loads: [load(second)], state: [], context: {} })).written,
    ).to.deep.equal({
      'raw.events': 0,
    });
    const rows = await fx.warehouse.query(
      `SELECT message_id, occurred_at, kind FROM ${fx.warehouse.qualify(events.ref)} ORDER BY message_id`,
    );
    expect(rows).to.deep.equal([
      { message_id: 'm1', occurred_at: '2026-11-28T23:59:59.000Z', kind: 'click' },
      { message_id: 'm2', occurred_at: '2026-11-29T08:00:00.000Z', kind: 'view' },
      { message_id: 'm3', occurred_at: '2026-11-29T09:00:00.000Z', kind: 'click' },
      { message_id: 'm4', occurred_at: null, kind: 'orphan' },
    ]);
  });

  it('refuses a staged file with a value of the wrong type, naming the load job and the file', async function () {
    const file = fx.ndjson('bad.ndjson', [{ id: 'x', age: 'not a number' }]);
    const error = await failure(
      fx.warehouse.commitUnit({
        unitId: 'bad-1',
        loads: [{ target: people, file, format: 'ndjson', write: { mode: 'append' } }],
        state: [],
        context: {},
      }),
    );
    expect(error).to.be.instanceOf(TerminalError);
    expect(error.message).to.match(/jobId=bad-1_raw_people_1/);
    expect(error.message).to.match(/bad\.ndjson/);
  });
});
