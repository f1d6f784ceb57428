import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { expect } from 'chai';
import type { Warehouse } from '../../pipelines/warehouse/warehouse.js';
import type { TableSpec } from '../../pipelines/warehouse/types.js';

/**
 * The behaviour every Warehouse implementation must show, run once per engine. `open` gives a fresh,
 * empty warehouse for the suite; `cleanup` removes it.
 */
export function describeWarehouseConformance(
  name: string,
  open: (context: Mocha.Context) => Promise<Warehouse>,
  cleanup: () => Promise<void> = async () => {},
): void {
  describe(`Warehouse conformance: ${name}`, function () {
    let warehouse: Warehouse;
    let dir: string;

    before(async function () {
      warehouse = await open(this);
      await warehouse.init();
      dir = mkdtempSync(join(tmpdir(), 'wh-conformance-'));
    });

    after(async function () {
      if (warehouse) await warehouse.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
      await cleanup();
    });

    const people: TableSpec = {
      ref: { layer: 'raw', name: 'people' },
      description: 'People for the conformance suite',
      columns: [
        { name: 'id', type: 'STRING', mode: 'REQUIRED', description: 'Key' },
        { name: 'age', type: 'INT64' },
        { name: 'score', type: 'FLOAT64' },
        { name: 'active', type: 'BOOL' },
        { name: 'seen_at', type: 'TIMESTAMP' },
        { name: 'day', type: 'DATE' },
        { name: 'version', type: 'INT64' },
      ],
    };
    const ledger: TableSpec = {
      ref: { layer: 'ops', name: 'conformance_ledger' },
      columns: [
        { name: 'unit_id', type: 'STRING' },
        { name: 'row_count', type: 'INT64' },
      ],
    };

    async function stage(file: string, rows: string): Promise<string> {
      // The staged file is written by DuckDB itself, as the loaders do.
      const path = join(dir, file);
      const db = await DuckDBInstance.create(':memory:');
      const connection = await db.connect();
      await connection.run(`COPY (${rows}) TO '${path}' (FORMAT PARQUET)`);
      connection.closeSync();
      db.closeSync();
      return path;
    }

    it('creates a table from its spec, and adds columns the spec gains', async function () {
      expect(await warehouse.ensureTable(people)).to.deep.equal([]);
      const added = await warehouse.ensureTable({ ...people, columns: [...people.columns, { name: 'city', type: 'STRING' }] });
      expect(added).to.deep.equal(['city']);
      const info = await warehouse.describe(people.ref);
      expect(info?.columns.map((c) => c.name)).to.include.members(['id', 'age', 'city']);
      expect(info?.rows).to.equal(0);
    });

    it('binds parameters of every type and returns plain values', async function () {
      const [row] = await warehouse.query(
        `SELECT @s AS s, @i AS i, @f AS f, @b AS b, CAST(@t AS TIMESTAMP) AS t, CAST(@d AS DATE) AS d, @n AS n, 'mail me @notparam' AS lit`,
        { s: "l'été", i: 42, f: 1.5, b: true, t: new Date('2026-01-02T03:04:05.000Z'), d: '2026-01-02', n: null },
        { types: { n: 'STRING', d: 'DATE' } },
      );
      expect(row).to.deep.equal({
        s: "l'été",
        i: 42,
        f: 1.5,
        b: true,
        t: '2026-01-02T03:04:05.000Z',
        d: '2026-01-02',
        n: null,
        lit: 'mail me @notparam',
      });
      const [inList] = await warehouse.query(
        `SELECT 'b' IN UNNEST(@xs) AS found`.replace(
          'IN UNNEST(@xs)',
          warehouse.engine === 'duckdb' ? 'IN (SELECT unnest(@xs))' : 'IN UNNEST(@xs)',
        ),
        { xs: ['a', 'b'] },
      );
      expect(inList?.found).to.equal(true);
    });

    it('appends a staged file and commits its state in the same unit', async function () {
      await warehouse.ensureTable(ledger);
      const file = await stage(
        'append.parquet',
        `SELECT * FROM (VALUES ('a', 30, 1.5, true, TIMESTAMP '2026-01-01 10:00:00', DATE '2026-01-01', 1), ('b', NULL, NULL, false, NULL, NULL, 1)) t(id, age, score, active, seen_at, day, version)`,
      );
      const result = await warehouse
        .commitUnit({
          unitId: 'append-1',
          loads: [{ target: people, file, format: 'parquet', write: { mode: 'append' } }],
          state: [ledgerInsert(warehouse, ledger, 'append-1', 2)],
          context: { runId: 'test' },
        })
        .catch(async (error) => {
          throw error;
        });
      expect(result.written['raw.people']).to.equal(2);
      const rows = await warehouse.query(
        `SELECT id, age, score, active, seen_at, day FROM ${warehouse.qualify(people.ref)} ORDER BY id`,
      );
      expect(rows).to.deep.equal([
        { id: 'a', age: 30, score: 1.5, active: true, seen_at: '2026-01-01T10:00:00.000Z', day: '2026-01-01' },
        { id: 'b', age: null, score: null, active: false, seen_at: null, day: null },
      ]);
      const [state] = await warehouse.query(
        `SELECT count(*) AS n FROM ${warehouse.qualify(ledger.ref)} WHERE unit_id = 'append-1'`,
      );
      expect(state?.n).to.equal(1);
    });

    it('rolls back the rows when a state statement fails: all or nothing', async function () {
      const before = await count(warehouse, people);
      const file = await stage('fail.parquet', `SELECT 'z' AS id, 1 AS version`);
      let failed = false;
      try {
        await warehouse.commitUnit({
          unitId: 'fail-1',
          loads: [{ target: people, file, format: 'parquet', write: { mode: 'append' } }],
          state: [{ sql: `INSERT INTO ${warehouse.qualify({ layer: 'ops', name: 'no_such_table' })} VALUES (1)` }],
          context: { runId: 'test' },
        });
      } catch (error) {
        failed = true;
        expect((error as Error).message).to.match(/no_such_table/);
      }
      expect(failed).to.equal(true);
      expect(await count(warehouse, people)).to.equal(before);
    });

    it('upserts on a key, the greatest version winning, and a repeated unit changes nothing', async function () {
      const upsertTarget: TableSpec = { ...people, ref: { layer: 'raw', name: 'people_upsert' } };
      const first = await stage(
        'u1.parquet',
        `SELECT * FROM (VALUES ('a', 1, 10), ('b', 1, 20), ('a', 2, 11)) t(id, version, age)`,
      );
      const unit = (file: string, id: string) => ({
        unitId: id,
        loads: [
          {
            target: upsertTarget,
            file,
            format: 'parquet' as const,
            write: { mode: 'upsert' as const, key: ['id'], versionBy: ['version'] },
          },
        ],
        state: [],
        context: {},
      });
      await warehouse.commitUnit(unit(first, 'u1'));
      await warehouse.commitUnit(unit(first, 'u1'));
      const older = await stage('u0.parquet', `SELECT * FROM (VALUES ('a', 0, 99), ('c', 1, 30)) t(id, version, age)`);
      await warehouse.commitUnit(unit(older, 'u0'));
      const rows = await warehouse.query(`SELECT id, version, age FROM ${warehouse.qualify(upsertTarget.ref)} ORDER BY id`);
      expect(rows).to.deep.equal([
        { id: 'a', version: 2, age: 11 },
        { id: 'b', version: 1, age: 20 },
        { id: 'c', version: 1, age: 30 },
      ]);
    });

    it('inserts only new keys for at-least-once sources', async function () {
      const target: TableSpec = { ...people, ref: { layer: 'raw', name: 'people_events' } };
      const unit = async (file: string) =>
        warehouse.commitUnit({
          unitId: basename(file).replace(/\W/g, '_'),
          loads: [{ target, file, format: 'parquet', write: { mode: 'insert-new', key: ['id'] } }],
          state: [],
          context: {},
        });
      await unit(await stage('e1.parquet', `SELECT * FROM (VALUES ('m1', 1), ('m2', 1), ('m1', 1)) t(id, version)`));
      const second = await unit(await stage('e2.parquet', `SELECT * FROM (VALUES ('m2', 1), ('m3', 1)) t(id, version)`));
      expect(second.written['raw.people_events']).to.equal(1);
      const rows = await warehouse.query(`SELECT id FROM ${warehouse.qualify(target.ref)} ORDER BY id`);
      expect(rows.map((r) => r.id)).to.deep.equal(['m1', 'm2', 'm3']);
    });

    it('materializes views, tables and daily partitions atomically', async function () {
      const source = warehouse.qualify(people.ref);
      await warehouse.materialize({
        spec: { ref: { layer: 'staging', name: 'v_people' }, columns: [] },
        sql: `SELECT id, age FROM ${source}`,
        materialization: { kind: 'view' },
        context: {},
      });
      const built = await warehouse.materialize({
        spec: {
          ref: { layer: 'marts', name: 't_people' },
          columns: [{ name: 'id', type: 'STRING', description: 'Key' }],
          description: 'Table',
        },
        sql: `SELECT id, age FROM ${warehouse.qualify({ layer: 'staging', name: 'v_people' })} WHERE age > @min`,
        params: { min: 1 },
        materialization: { kind: 'table' },
        context: {},
      });
      expect(built.rows).to.equal(1);
      const daily = { ref: { layer: 'marts' as const, name: 'daily' }, columns: [] };
      const days = `SELECT DATE '2026-01-01' AS day, 1 AS n UNION ALL SELECT DATE '2026-01-02' AS day, 2 AS n`;
      await warehouse.materialize({
        spec: daily,
        sql: days,
        materialization: { kind: 'incremental', partitionColumn: 'day', partitions: [], full: true },
        context: {},
      });
      await warehouse.materialize({
        spec: daily,
        sql: `SELECT DATE '2026-01-02' AS day, 20 AS n`,
        materialization: { kind: 'incremental', partitionColumn: 'day', partitions: ['2026-01-02'], full: false },
        context: {},
      });
      const rows = await warehouse.query(`SELECT day, n FROM ${warehouse.qualify(daily.ref)} ORDER BY day`);
      expect(rows).to.deep.equal([
        { day: '2026-01-01', n: 1 },
        { day: '2026-01-02', n: 20 },
      ]);
      let failed = false;
      try {
        await warehouse.materialize({
          spec: daily,
          sql: `SELECT DATE '2026-01-01' AS day, CAST('x' AS INT64) AS n`,
          materialization: { kind: 'incremental', partitionColumn: 'day', partitions: ['2026-01-01'], full: false },
          context: { model: 'daily' },
        });
      } catch {
        failed = true;
      }
      expect(failed).to.equal(true);
      expect(await warehouse.query(`SELECT n FROM ${warehouse.qualify(daily.ref)} WHERE day = '2026-01-01'`)).to.deep.equal([
        { n: 1 },
      ]);
    });

    it('replaces, with a unique key, only the rows of the partitions whose key the query returns', async function () {
      const spec = { ref: { layer: 'marts' as const, name: 'keyed_daily' }, columns: [] };
      const target = warehouse.qualify(spec.ref);
      await warehouse.materialize({
        spec,
        sql: `SELECT 'a' AS id, DATE '2026-01-01' AS day, 1 AS n UNION ALL SELECT 'b' AS id, DATE '2026-01-01' AS day, 2 AS n
              UNION ALL SELECT 'c' AS id, DATE '2026-01-02' AS day, 3 AS n`,
        materialization: { kind: 'incremental', partitionColumn: 'day', partitions: [], full: true },
        context: {},
      });
      // 'b' changes, 'd' is new; 'a' (same partition) and 'c' (another) are kept.
      const merge = (sql: string, params: Record<string, number> = {}) =>
        warehouse.materialize({
          spec,
          sql,
          params,
          materialization: {
            kind: 'incremental',
            partitionColumn: 'day',
            partitions: ['2026-01-01'],
            full: false,
            uniqueKey: 'id',
          },
          context: { model: 'keyed_daily' },
        });
      await merge(
        `SELECT 'b' AS id, DATE '2026-01-01' AS day, @n AS n UNION ALL SELECT 'd' AS id, DATE '2026-01-01' AS day, 4 AS n`,
        { n: 20 },
      );
      const all = () => warehouse.query(`SELECT id, day, n FROM ${target} ORDER BY id`);
      const expected = [
        { id: 'a', day: '2026-01-01', n: 1 },
        { id: 'b', day: '2026-01-01', n: 20 },
        { id: 'c', day: '2026-01-02', n: 3 },
        { id: 'd', day: '2026-01-01', n: 4 },
      ];
      expect(await all()).to.deep.equal(expected);
      let failed = false;
      try {
        await merge(`SELECT 'a' AS id, DATE '2026-01-01' AS day, CAST('x' AS INT64) AS n`);
      } catch {
        failed = true;
      }
      expect(failed).to.equal(true);
      expect(await all()).to.deep.equal(expected);
    });

    it('runs a transaction all or nothing', async function () {
      await warehouse.ensureTable(ledger);
      const target = warehouse.qualify(ledger.ref);
      let failed = false;
      try {
        await warehouse.transaction([
          { sql: `INSERT INTO ${target} (unit_id, row_count) VALUES (@u, 1)`, params: { u: 'tx' } },
          { sql: `SELECT CAST('x' AS INT64)` },
        ]);
      } catch {
        failed = true;
      }
      expect(failed).to.equal(true);
      expect(await warehouse.query(`SELECT * FROM ${target} WHERE unit_id = 'tx'`)).to.deep.equal([]);
    });

    it('drops relations and describes missing ones as null', async function () {
      await warehouse.drop({ layer: 'marts', name: 't_people' });
      await warehouse.drop({ layer: 'marts', name: 't_people' });
      expect(await warehouse.describe({ layer: 'marts', name: 't_people' })).to.equal(null);
    });
  });
}

function ledgerInsert(warehouse: Warehouse, ledger: TableSpec, unitId: string, rows: number) {
  return {
    sql: `INSERT INTO ${warehouse.qualify(ledger.ref)} (unit_id, row_count) VALUES (@unit_id, @row_count)`,
    params: { unit_id: unitId, row_count: rows },
  };
}

async function count(warehouse: Warehouse, spec: TableSpec): Promise<number> {
  const [row] = await warehouse.query<{ n: number }>(`SELECT count(*) AS n FROM ${warehouse.qualify(spec.ref)}`);
  return row?.n ?? 0;
}
