import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { TerminalError, TransientError } from '../../../../pipelines/core/errors.js';
import type { StagedLoad, TableSpec } from '../../../../pipelines/warehouse/types.js';
import { DuckDbWarehouse } from '../../../../pipelines/warehouse/duckdb/duckdb-warehouse.js';
import { describeWarehouseConformance } from '../../../support/warehouse-conformance.js';

const dir = mkdtempSync(join(tmpdir(), 'duckdb-wh-'));
describeWarehouseConformance(
  'duckdb',
  () => DuckDbWarehouse.open({ path: join(dir, 'conformance.duckdb') }),
  async () => rmSync(dir, { recursive: true, force: true }),
);

describe('DuckDbWarehouse', function () {
  it('creates the folder of its file and the layer schemas', async function () {
    const path = join(mkdtempSync(join(tmpdir(), 'duckdb-wh-')), 'nested', 'db.duckdb');
    const warehouse = await DuckDbWarehouse.open({ path });
    await warehouse.init();
    const schemas = await warehouse.query<{ schema_name: string }>(
      `SELECT schema_name FROM information_schema.schemata ORDER BY 1`,
    );
    expect(schemas.map((s) => s.schema_name)).to.include.members(['raw', 'staging', 'marts', 'ops']);
    await warehouse.close();
  });

  it('maps a file held by another process to a TransientError', async function () {
    const path = join(mkdtempSync(join(tmpdir(), 'duckdb-lock-')), 'db.duckdb');
    const { spawn } = await import('node:child_process');
    const holder = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { DuckDBInstance } from '@duckdb/node-api'; const db = await DuckDBInstance.create(${JSON.stringify(path)}); await db.connect(); console.log('ready'); setTimeout(() => {}, 60000);`,
      ],
      { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve) => holder.stdout!.once('data', () => resolve()));
    try {
      let error: unknown;
      try {
        await DuckDbWarehouse.open({ path });
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(TransientError);
      expect((error as Error).message).to.match(/in use by another process/);
    } finally {
      holder.kill('SIGKILL');
    }
  });
});

describe('DuckDbWarehouse NDJSON loads', function () {
  let dir: string;
  let warehouse: DuckDbWarehouse;
  const events: TableSpec = {
    ref: { layer: 'raw', name: 'ndjson_events' },
    columns: [
      { name: 'id', type: 'STRING', mode: 'REQUIRED' },
      { name: 'ts', type: 'TIMESTAMP' },
      { name: 'n', type: 'INT64' },
      { name: 'note', type: 'STRING' },
    ],
  };
  const insertNew: StagedLoad['write'] = { mode: 'insert-new', key: ['id'], pruneBy: 'ts' };

  before(async function () {
    dir = mkdtempSync(join(tmpdir(), 'duckdb-ndjson-'));
    warehouse = await DuckDbWarehouse.open({ path: join(dir, 'db.duckdb'), threads: 2 });
    await warehouse.init();
  });
  after(async function () {
    await warehouse.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function stage(name: string, rows: unknown[]): string {
    const file = join(dir, name);
    writeFileSync(file, rows.map((row) => `${JSON.stringify(row)}\n`).join(''));
    return file;
  }

  async function load(file: string, write: StagedLoad['write'] = insertNew, target: TableSpec = events) {
    return warehouse.commitUnit({ unitId: 'u', loads: [{ target, file, format: 'ndjson', write }], state: [], context: {} });
  }

  async function threads(): Promise<string> {
    const [row] = await warehouse.query<{ t: unknown }>(`SELECT current_setting('threads') AS t`);
    return String(row?.t);
  }

  it('inserts only new keys: the first line of a key repeated in the file, none already loaded (NULL pruning values too)', async function () {
    const first = await load(
      stage('e1.ndjson', [
        { id: 'a', ts: '2026-03-01T10:00:00.000001Z', n: 1, note: 'first' },
        { id: 'b', ts: '2026-03-02T10:00:00Z', n: 2 },
        { id: 'a', ts: '2026-03-01T10:00:00.000001Z', n: 1, note: 'again' },
        { id: 'c', ts: null, n: 3, note: 'no time' },
      ]),
    );
    expect(first.written['raw.ndjson_events']).to.equal(3);
    const second = await load(
      stage('e2.ndjson', [
        { id: 'b', ts: '2026-03-02T10:00:00Z', n: 20 },
        { id: 'c', ts: null, n: 30 },
        { id: 'a', ts: '2026-03-01T10:00:00.000001Z', n: 10 },
        { id: 'd', ts: '2026-03-05T00:00:00Z', n: 4 },
        { id: 'd', ts: '2026-03-05T00:00:00Z', n: 40 },
      ]),
    );
    expect(second.written['raw.ndjson_events']).to.equal(1);
    const rows = await warehouse.query(`SELECT id, ts, n, note FROM raw.ndjson_events ORDER BY id`);
    expect(rows).to.deep.equal([
      { id: 'a', ts: '2026-03-01T10:00:00.000Z', n: 1, note: 'first' },
      { id: 'b', ts: '2026-03-02T10:00:00.000Z', n: 2, note: null },
      { id: 'c', ts: null, n: 3, note: 'no time' },
      { id: 'd', ts: '2026-03-05T00:00:00.000Z', n: 4, note: null },
    ]);
    const [micros] = await warehouse.query(`SELECT CAST(ts AS VARCHAR) AS ts FROM raw.ndjson_events WHERE id = 'a'`);
    expect(micros?.ts).to.equal('2026-03-01 10:00:00.000001');
    expect((await load(stage('e3.ndjson', []))).written['raw.ndjson_events']).to.equal(0);
  });

  it('appends and upserts NDJSON files, columns missing from a line being NULL', async function () {
    const log = { ...events, ref: { layer: 'raw' as const, name: 'ndjson_log' } };
    await load(stage('l1.ndjson', [{ id: 'x', n: 1 }, { id: 'x' }]), { mode: 'append' }, log);
    expect(await warehouse.query(`SELECT id, n FROM raw.ndjson_log ORDER BY n NULLS LAST`)).to.deep.equal([
      { id: 'x', n: 1 },
      { id: 'x', n: null },
    ]);
    const latest = { ...events, ref: { layer: 'raw' as const, name: 'ndjson_latest' } };
    const upsert: StagedLoad['write'] = { mode: 'upsert', key: ['id'], versionBy: ['n'] };
    await load(
      stage('u1.ndjson', [
        { id: 'x', n: 2, note: 'v2' },
        { id: 'x', n: 1, note: 'v1' },
        { id: 'y', n: 1 },
      ]),
      upsert,
      latest,
    );
    await load(
      stage('u2.ndjson', [
        { id: 'x', n: 1, note: 'old' },
        { id: 'y', n: 3, note: 'v3' },
      ]),
      upsert,
      latest,
    );
    expect(await warehouse.query(`SELECT id, n, note FROM raw.ndjson_latest ORDER BY id`)).to.deep.equal([
      { id: 'x', n: 2, note: 'v2' },
      { id: 'y', n: 3, note: 'v3' },
    ]);
  });

  it('refuses a file with a key the target does not declare, naming it, and writes nothing', async function () {
    const before = await warehouse.query(`SELECT count(*) AS n FROM raw.ndjson_events`);
    let error: unknown;
    try {
      await load(
        stage('bad.ndjson', [
          { id: 'z', n: 1 },
          { id: 'y', extra: true, more: 1 },
        ]),
      );
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(TerminalError);
    expect((error as Error).message).to.match(/does not declare: extra, more/);
    expect(await warehouse.query(`SELECT count(*) AS n FROM raw.ndjson_events`)).to.deep.equal(before);
  });

  it('gives the instance its thread count back after a load, whether it succeeds or fails', async function () {
    expect(await threads()).to.equal('2');
    await load(stage('t1.ndjson', [{ id: 't1', n: 1 }]));
    expect(await threads()).to.equal('2');
    let failed = false;
    try {
      await load(stage('t2.ndjson', [{ id: null, n: 1 }]), { mode: 'append' });
    } catch {
      failed = true;
    }
    expect(failed).to.equal(true);
    expect(await threads()).to.equal('2');
    // Loads that overlap in every order: the count given back is still the instance's own.
    const together = await Promise.all(
      [1, 2, 3, 4, 5, 6].map(async (n) => {
        await new Promise((resolve) => setTimeout(resolve, n % 3));
        const table = { ...events, ref: { layer: 'raw' as const, name: `ndjson_t${n}` } };
        return load(stage(`t${n + 2}.ndjson`, [{ id: `t${n}`, n }]), n % 2 ? insertNew : { mode: 'append' }, table);
      }),
    );
    expect(together.map((r) => Object.values(r.written)[0])).to.deep.equal([1, 1, 1, 1, 1, 1]);
    expect(await threads()).to.equal('2');
  });
});
