import { expect } from 'chai';
import { ConfigError, TerminalError } from '../../../../pipelines/core/errors.js';
import { extractLoadMarketing } from '../../../../pipelines/extract/api/extract-load-marketing.js';
import { extractWindow } from '../../../../pipelines/extract/api/extract-window.js';
import type { SimulatorHandle } from '../../../../pipelines/simulator/server.js';
import type { Statement } from '../../../../pipelines/warehouse/types.js';
import { tempDuckDb } from '../../../support/temp-warehouse.js';
import {
  DAY_MS,
  NOW,
  START,
  apiSettings,
  deliveryCount,
  differences,
  runOptions,
  startTestSimulator,
  storedEvents,
  storedUsers,
} from './marketing-fixtures.js';

function partitionDone(runId: string, stream: string, from: string, to: string, rows: number): Statement {
  return {
    sql: `INSERT INTO ops.backfill_partitions (run_id, stream, partition_from, partition_to, status, rows_extracted, finished_at)
          VALUES (@run_id, @stream, CAST(@from AS TIMESTAMP), CAST(@to AS TIMESTAMP), 'done', @rows, CURRENT_TIMESTAMP)`,
    params: { run_id: runId, stream, from, to, rows },
    types: { from: 'TIMESTAMP', to: 'TIMESTAMP' },
  };
}

describe('extractWindow (backfill of an explicit window)', function () {
  this.timeout(120_000);
  let sim: SimulatorHandle;
  let db: Awaited<ReturnType<typeof tempDuckDb>>;

  beforeEach(async () => {
    sim = await startTestSimulator();
    db = await tempDuckDb('elt-mkt-bf-');
  });
  afterEach(async () => {
    await db.dispose();
    await sim.close();
  });

  async function markRows() {
    return db.warehouse.query('SELECT stream, high_water_mark, run_id, updated_at FROM ops.high_water_marks ORDER BY stream');
  }

  it('restores a window idempotently, leaves the marks alone, and commits the extra state with the last unit', async function () {
    await extractLoadMarketing(runOptions(db.warehouse, sim, db.dir, 'run-1'));
    const marksBefore = await markRows();
    const from = new Date(NOW.getTime() - 4 * DAY_MS).toISOString();
    const to = new Date(NOW.getTime() - 2 * DAY_MS).toISOString();
    await db.warehouse.execute(
      `DELETE FROM raw.mkt_events WHERE received_at >= CAST(@from AS TIMESTAMP) AND received_at < CAST(@to AS TIMESTAMP)`,
      { from, to },
      { types: { from: 'TIMESTAMP', to: 'TIMESTAMP' } },
    );
    const result = await extractWindow({
      ...runOptions(db.warehouse, sim, db.dir, 'backfill-1'),
      stream: 'events',
      from,
      to,
      extraState: (counts) => [partitionDone('backfill-1', 'events', from, to, counts.read)],
    });
    expect(result.interrupted).to.equal(false);
    expect(result.read).to.equal(deliveryCount(sim, new Date(from), new Date(to)));
    expect(result.units, 'several units: the window was committed in chunks').to.be.greaterThan(1);
    expect(differences(await storedEvents(db.warehouse), sim.dataset.distinctEvents(NOW, START))).to.deep.equal([]);
    expect(await markRows()).to.deep.equal(marksBefore);
    const partitions = await db.warehouse.query<{ rows: number; status: string }>(
      'SELECT rows_extracted AS rows, status FROM ops.backfill_partitions',
    );
    expect(partitions).to.deep.equal([{ rows: result.read, status: 'done' }]);

    // Again: nothing changes but the extra state.
    const before = await storedEvents(db.warehouse);
    const second = await extractWindow({ ...runOptions(db.warehouse, sim, db.dir, 'backfill-2'), stream: 'events', from, to });
    expect(second.written).to.equal(0);
    expect(second.collapsed).to.equal(second.loaded);
    expect(await storedEvents(db.warehouse)).to.deep.equal(before);
  });

  it('asks for an events window longer than 7 days in pieces', async function () {
    const from = new Date(NOW.getTime() - 10 * DAY_MS).toISOString();
    const to = NOW.toISOString();
    const result = await extractWindow({
      ...runOptions(db.warehouse, sim, db.dir, 'backfill-long'),
      api: apiSettings(sim.url, { pageLimit: 1000, chunkRecords: 100_000 }),
      stream: 'events',
      from,
      to,
    });
    expect(result.units).to.equal(2);
    expect(differences(await storedEvents(db.warehouse), sim.dataset.distinctEvents(NOW, new Date(from)))).to.deep.equal([]);
    expect(await markRows()).to.deep.equal([]);
  });

  it('backfills users changed in a window', async function () {
    const from = new Date(NOW.getTime() - 5 * DAY_MS);
    const result = await extractWindow({
      ...runOptions(db.warehouse, sim, db.dir, 'backfill-users'),
      stream: 'users',
      from: from.toISOString(),
      to: NOW.toISOString(),
    });
    expect(result.read).to.be.greaterThan(0);
    expect(differences(await storedUsers(db.warehouse), sim.dataset.latestUsers(NOW, from))).to.deep.equal([]);
  });

  it('refuses a window outside the retention, or ending after now, or backwards', async function () {
    const base = runOptions(db.warehouse, sim, db.dir, 'backfill-bad');
    const old = new Date(NOW.getTime() - 91 * DAY_MS).toISOString();
    const cases: Array<[string, string, string]> = [
      [old, new Date(NOW.getTime() - 89 * DAY_MS).toISOString(), '90-day retention'],
      [START.toISOString(), new Date(NOW.getTime() + 3600_000).toISOString(), 'must not end after now'],
      [NOW.toISOString(), START.toISOString(), 'must end after it starts'],
      ['yesterday', NOW.toISOString(), 'from must be an ISO 8601 date-time'],
    ];
    for (const [from, to, message] of cases) {
      const error = await extractWindow({ ...base, stream: 'events', from, to }).catch((e: unknown) => e);
      expect(error, message).to.be.instanceOf(ConfigError);
      expect((error as Error).message).to.contain(message);
    }
    expect(sim.stats().requests, 'refused before asking the API').to.equal(0);
  });

  it('throws a terminal error and commits neither rows nor extra state when the API refuses', async function () {
    const error = await extractWindow({
      ...runOptions(db.warehouse, sim, db.dir, 'backfill-401'),
      api: apiSettings(sim.url, { token: 'wrong' }),
      stream: 'events',
      from: START.toISOString(),
      to: NOW.toISOString(),
      extraState: [partitionDone('backfill-401', 'events', START.toISOString(), NOW.toISOString(), 0)],
    }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(TerminalError);
    expect((error as Error).message).to.contain('401');
    const [count] = await db.warehouse.query<{ n: number }>('SELECT count(*) AS n FROM ops.backfill_partitions');
    expect(count!.n).to.equal(0);
  });
});
