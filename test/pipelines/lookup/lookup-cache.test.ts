import { spawn } from 'node:child_process';
import { expect } from 'chai';
import { silentLogger } from '../../../pipelines/core/logger.js';
import { LookupCache, refresh } from '../../../pipelines/lookup/lookup-cache.js';
import { canonicalSalesforceId } from '../../../pipelines/lookup/salesforce-id.js';
import {
  duckDbFingerprint,
  skipWhileUntouched,
  WarehouseSnapshotSource,
  type SnapshotSource,
} from '../../../pipelines/lookup/snapshot-source.js';
import { snapshotSourceFor } from '../../../pipelines/lookup/worker-snapshot-source.js';
import { DuckDbWarehouse } from '../../../pipelines/warehouse/duckdb/duckdb-warehouse.js';
import { PIPELINE_RUNS } from '../../../pipelines/state/ops-tables.js';
import {
  createLookupWarehouse,
  insertMartRows,
  recordFinishedRun,
  removeTempFolders,
  sampleMartRow,
  SAMPLE_ID,
} from './lookup-fixture.js';

const NEW_ID = canonicalSalesforceId('0065q00000NeW01')!;

function duckSource(path: string): SnapshotSource {
  return snapshotSourceFor({ engine: 'duckdb', duckdb: { path } });
}

/** The pipeline's side: writes to the DuckDB file, then releases it. */
async function write(path: string, work: (warehouse: DuckDbWarehouse) => Promise<void>): Promise<void> {
  const warehouse = await DuckDbWarehouse.open({ path });
  try {
    await work(warehouse);
  } finally {
    await warehouse.close();
  }
}

/** A pipeline run that adds one opportunity to the mart and finishes. */
async function runAddingOpportunity(path: string, runId: string): Promise<void> {
  await write(path, async (warehouse) => {
    await insertMartRows(warehouse, [{ ...sampleMartRow(), id: NEW_ID, stage_name: '1-Découverte' }]);
    await recordFinishedRun(warehouse, runId);
  });
}

/** Another process holding the file for writing, until killed. */
async function holdFile(path: string): Promise<() => Promise<void>> {
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
  return async () => {
    const exited = new Promise((resolve) => holder.once('exit', resolve));
    holder.kill('SIGKILL');
    await exited;
  };
}

describe('LookupCache', function () {
  const caches: LookupCache[] = [];
  function cache(source: SnapshotSource, ttlMs = 300_000): LookupCache {
    const created = new LookupCache({ source, ttlMs, logger: silentLogger() });
    caches.push(created);
    return created;
  }
  afterEach(function () {
    for (const c of caches.splice(0)) c.stop();
  });
  after(function () {
    removeTempFolders();
  });

  it('loads the whole mart with one read and serves it by id', async function () {
    const lookup = cache(duckSource(await createLookupWarehouse([sampleMartRow()], { withRun: true })));
    expect(lookup.snapshot).to.equal(null);
    const outcome = await lookup.start();
    expect(outcome).to.include({ status: 'loaded', rows: 1 });
    expect(lookup.snapshot!.find(SAMPLE_ID)).to.be.a('string');
  });

  it('reloads when a pipeline run finished, and not before', async function () {
    const path = await createLookupWarehouse([sampleMartRow()], { withRun: true });
    const lookup = cache(duckSource(path));
    await lookup.start();
    expect((await lookup.refresh()).status).to.equal('unchanged');
    await runAddingOpportunity(path, 'run-2');
    expect(await lookup.refresh()).to.include({ status: 'loaded', rows: 2 });
    expect(lookup.snapshot!.find(NEW_ID)).to.include('"stage_name":"1-Découverte"');
  });

  it('does not reload while a run is still rebuilding the mart, and reloads once it has ended', async function () {
    const path = await createLookupWarehouse([sampleMartRow()], { withRun: true });
    let reads = 0;
    const real = duckSource(path);
    const counting: SnapshotSource = {
      read: async (version, force) => {
        const result = await real.read(version, force);
        if (result) reads++;
        return result;
      },
    };
    const lookup = cache(counting);
    await lookup.start();
    const before = lookup.snapshot;
    // A run in progress: the mart already has a new row, the run has no end yet.
    await write(path, async (warehouse) => {
      await insertMartRows(warehouse, [{ ...sampleMartRow(), id: NEW_ID }]);
      await warehouse.execute(
        `INSERT INTO ${warehouse.qualify(PIPELINE_RUNS.ref)} (run_id, kind, status, started_at) VALUES ('run-2', 'scheduled', 'running', now())`,
      );
    });
    expect((await lookup.refresh()).status).to.equal('unchanged');
    expect(reads).to.equal(1);
    expect(lookup.snapshot).to.equal(before);
    await write(path, (warehouse) =>
      warehouse
        .execute(`UPDATE ${warehouse.qualify(PIPELINE_RUNS.ref)} SET status = 'success', ended_at = now() WHERE run_id = 'run-2'`)
        .then(() => undefined),
    );
    expect(await lookup.refresh()).to.include({ status: 'loaded', rows: 2 });
    expect(reads).to.equal(2);
  });

  it('opens nothing while the DuckDB file is untouched', async function () {
    const path = await createLookupWarehouse([sampleMartRow()], { withRun: true });
    let opens = 0;
    const reader = new WarehouseSnapshotSource(() => {
      opens++;
      return DuckDbWarehouse.open({ path, readOnly: true });
    });
    const source = skipWhileUntouched(reader, duckDbFingerprint(path));
    const lookup = cache(source);
    await lookup.start();
    for (let i = 0; i < 3; i++) expect((await lookup.refresh()).status).to.equal('unchanged');
    expect(opens).to.equal(1);
    await runAddingOpportunity(path, 'run-2');
    expect((await lookup.refresh()).status).to.equal('loaded');
    expect(opens).to.equal(2);
  });

  it('keeps serving the previous snapshot while the file is held by the pipeline, and releases the file after each read', async function () {
    const path = await createLookupWarehouse([sampleMartRow()], { withRun: true });
    const lookup = cache(duckSource(path));
    await lookup.start();
    // The reader must not keep the file: the pipeline can open it for writing right away.
    await runAddingOpportunity(path, 'run-2');
    const release = await holdFile(path);
    let failed;
    try {
      failed = await lookup.refresh({ force: true });
    } finally {
      await release();
    }
    expect(failed.status).to.equal('failed');
    expect((failed as { error: Error }).error.message).to.match(/in use by another process/);
    expect(lookup.snapshot!.size).to.equal(1);
    expect(lookup.snapshot!.find(SAMPLE_ID)).to.be.a('string');
    // Once the file is free again, the next check picks up the run that finished meanwhile.
    expect(await lookup.refresh()).to.include({ status: 'loaded', rows: 2 });
  });

  it('checks again on its TTL and picks up a finished run by itself', async function () {
    const path = await createLookupWarehouse([sampleMartRow()], { withRun: true });
    const lookup = cache(duckSource(path), 200);
    await lookup.start();
    await runAddingOpportunity(path, 'run-2');
    const deadline = Date.now() + 20_000;
    while (lookup.snapshot!.size < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(lookup.snapshot!.size).to.equal(2);
  });

  it('retries a failed first load and serves once the warehouse can be read', async function () {
    const path = await createLookupWarehouse([sampleMartRow()], { withRun: true });
    const release = await holdFile(path);
    const lookup = new LookupCache({ source: duckSource(path), ttlMs: 300_000, retryMs: 100, logger: silentLogger() });
    caches.push(lookup);
    try {
      expect((await lookup.start()).status).to.equal('failed');
      expect(lookup.snapshot).to.equal(null);
    } finally {
      await release();
    }
    const deadline = Date.now() + 20_000;
    while (lookup.snapshot === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(lookup.snapshot!.size).to.equal(1);
  });

  it('refresh() reloads every started cache of the process, forced, and skips stopped ones', async function () {
    const path = await createLookupWarehouse([sampleMartRow()], { withRun: true });
    const started = cache(duckSource(path));
    const stopped = cache(duckSource(path));
    await started.start();
    await stopped.start();
    stopped.stop();
    // A mart rebuilt in place with the same row count and no run recorded: only a forced reload sees it.
    await write(path, (warehouse) =>
      warehouse.execute(`UPDATE marts.opportunity_lookup SET stage_name = '5-Signé'`).then(() => undefined),
    );
    const outcomes = await refresh();
    expect(outcomes).to.have.length(1);
    expect(outcomes[0]).to.include({ status: 'loaded' });
    expect(started.snapshot!.find(SAMPLE_ID)).to.include('"stage_name":"5-Signé"');
    expect(stopped.snapshot!.find(SAMPLE_ID)).to.include('"stage_name":"6-Perdue"');
  });

  it('shares one read between concurrent refreshes', async function () {
    const path = await createLookupWarehouse([sampleMartRow()], { withRun: true });
    let reads = 0;
    const real = duckSource(path);
    const lookup = cache({ read: (version, force) => (reads++, real.read(version, force)) });
    await Promise.all([lookup.start(), lookup.refresh(), lookup.refresh()]);
    expect(reads).to.equal(1);
    reads = 0;
    await Promise.all([lookup.refresh({ force: true }), lookup.refresh({ force: true }), lookup.refresh({ force: true })]);
    // The first forced call reads; the two that arrived during it share one read after it.
    expect(reads).to.equal(2);
  });
});
