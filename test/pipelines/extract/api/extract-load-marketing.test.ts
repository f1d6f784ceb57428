import { expect } from 'chai';
import pino from 'pino';
import { Writable } from 'node:stream';
import { extractLoadMarketing } from '../../../../pipelines/extract/api/extract-load-marketing.js';
import { MKT_EVENTS, MKT_USERS } from '../../../../pipelines/extract/api/marketing-tables.js';
import type { SimulatorHandle } from '../../../../pipelines/simulator/server.js';
import { tempDuckDb } from '../../../support/temp-warehouse.js';
import {
  DAY_MS,
  NOW,
  START,
  apiSettings,
  deliveryCount,
  differences,
  marks,
  rowCount,
  runOptions,
  startTestSimulator,
  storedEvents,
  storedUsers,
} from './marketing-fixtures.js';

describe('extractLoadMarketing (against the simulator, faults turned up)', function () {
  this.timeout(120_000);
  let sim: SimulatorHandle;
  let db: Awaited<ReturnType<typeof tempDuckDb>>;

  beforeEach(async () => {
    sim = await startTestSimulator();
    db = await tempDuckDb('elt-mkt-');
  });
  afterEach(async () => {
    await db.dispose();
    await sim.close();
  });

  it('loads exactly the distinct events delivered up to the clock and the latest users, and moves both marks', async function () {
    const steps = await extractLoadMarketing(runOptions(db.warehouse, sim, db.dir, 'run-1'));
    expect(steps.map((s) => [s.name, s.status])).to.deep.equal([
      ['extract-load:mkt_events', 'success'],
      ['extract-load:mkt_users', 'success'],
    ]);
    const truth = sim.dataset.distinctEvents(NOW, START);
    expect(differences(await storedEvents(db.warehouse), truth)).to.deep.equal([]);
    expect(differences(await storedUsers(db.warehouse), sim.dataset.latestUsers(NOW))).to.deep.equal([]);

    const events = steps[0]!.counts!['raw.mkt_events']!;
    const deliveries = deliveryCount(sim, START, NOW);
    expect(deliveries, 'the simulator delivered duplicates').to.be.greaterThan(truth.size);
    expect(events).to.deep.equal({ read: deliveries, loaded: deliveries, quarantined: 0 });
    expect(await marks(db.warehouse)).to.deep.equal({ events: NOW.toISOString(), users: NOW.toISOString() });
    const stats = sim.stats();
    expect(stats.byStatus['429'] ?? 0, 'faults were met and retried').to.be.greaterThan(0);
    expect(stats.resets).to.be.greaterThan(0);
  });

  it('adds nothing on a second run, and just the new events and user changes after the clock moves', async function () {
    await extractLoadMarketing(runOptions(db.warehouse, sim, db.dir, 'run-1'));
    const first = await storedEvents(db.warehouse);

    const again = await extractLoadMarketing(runOptions(db.warehouse, sim, db.dir, 'run-2'));
    expect(again.map((s) => s.status)).to.deep.equal(['success', 'success']);
    expect(again[0]!.counts!['raw.mkt_events']!.read).to.equal(0);
    expect(await storedEvents(db.warehouse)).to.deep.equal(first);

    const later = new Date(sim.clock.advance(9 * 3600_000).getTime());
    const third = await extractLoadMarketing(runOptions(db.warehouse, sim, db.dir, 'run-3'));
    expect(third.map((s) => s.status)).to.deep.equal(['success', 'success']);
    const after = await storedEvents(db.warehouse);
    expect(differences(after, sim.dataset.distinctEvents(later, START))).to.deep.equal([]);
    const added = [...after.values()].filter((row) => !first.has(row.id));
    expect(added.length).to.be.greaterThan(0);
    expect(added.every((row) => row.load_id.includes('run-3'))).to.equal(true);
    expect(
      [...first.values()].every((row) => after.get(row.id)?.load_id === row.load_id),
      'old rows untouched',
    ).to.equal(true);
    expect(third[0]!.counts!['raw.mkt_events']!.read).to.equal(deliveryCount(sim, NOW, later));
    expect(differences(await storedUsers(db.warehouse), sim.dataset.latestUsers(later))).to.deep.equal([]);
    expect(await marks(db.warehouse)).to.deep.equal({ events: later.toISOString(), users: later.toISOString() });
  });

  it('keeps fields the contract does not list in _raw', async function () {
    await extractLoadMarketing(runOptions(db.warehouse, sim, db.dir, 'run-1'));
    const [event] = await db.warehouse.query<{ raw: string; context: string; properties: string }>(
      `SELECT _raw AS raw, context, properties FROM raw.mkt_events
       WHERE json_extract_string(_raw, '$.schema_version') IS NOT NULL AND type = 'track' LIMIT 1`,
    );
    expect(event, 'an event with new fields').to.not.equal(undefined);
    const raw = JSON.parse(event!.raw) as Record<string, unknown> & { context: Record<string, unknown> };
    expect(raw).to.include.keys('sent_at', 'schema_version');
    expect(raw.context).to.include.keys('library', 'timezone');
    expect(JSON.parse(event!.context)).to.include.keys('library', 'timezone');
    const [user] = await db.warehouse.query<{ raw: string }>(
      `SELECT _raw AS raw FROM raw.mkt_users WHERE json_extract_string(_raw, '$.lifecycle_stage') IS NOT NULL LIMIT 1`,
    );
    expect(user, 'a user with new fields').to.not.equal(undefined);
    expect((JSON.parse(user!.raw) as { traits: object }).traits).to.include.keys('preferred_language');
  });

  it('declares the raw tables with a description on every column', async function () {
    for (const spec of [MKT_EVENTS, MKT_USERS]) {
      expect(
        spec.columns.every((c) => (c.description ?? '').length > 0),
        spec.ref.name,
      ).to.equal(true);
      expect(spec.columns.map((c) => c.name)).to.include.members(['_raw', '_load_id', '_loaded_at']);
    }
    expect(MKT_EVENTS.partitionBy).to.deep.equal({ column: 'timestamp' });
    expect(MKT_EVENTS.clusterBy).to.deep.equal(['message_id']);
  });

  it('stops a stream on 401 with a clear error and commits nothing for it', async function () {
    const options = runOptions(db.warehouse, sim, db.dir, 'run-401', { api: apiSettings(sim.url, { token: 'wrong-token' }) });
    const steps = await extractLoadMarketing(options);
    expect(steps.map((s) => s.status)).to.deep.equal(['error', 'error']);
    const message = steps[0]!.error!.message;
    expect(steps[0]!.error!.kind).to.equal('terminal');
    expect(message).to.contain('401').and.contain('unauthorized').and.contain('a valid bearer token is required');
    expect(message).to.contain('stream events').and.contain(`window ${START.toISOString()}..${NOW.toISOString()}`);
    expect(message).to.not.contain('wrong-token');
    expect(steps[1]!.error!.message).to.contain('stream users');
    expect(await rowCount(db.warehouse, 'raw.mkt_events')).to.equal(0);
    expect(await rowCount(db.warehouse, 'raw.mkt_users')).to.equal(0);
    expect(await marks(db.warehouse)).to.deep.equal({});
  });

  it('refuses a first start outside the 90-day retention, and the other stream still runs', async function () {
    const tooOld = new Date(NOW.getTime() - 91 * DAY_MS).toISOString();
    const steps = await extractLoadMarketing(
      runOptions(db.warehouse, sim, db.dir, 'run-old', { api: apiSettings(sim.url, { start: tooOld }) }),
    );
    expect(steps[0]!.status).to.equal('error');
    expect(steps[0]!.error!.message).to.contain('MARKETING_API_START').and.contain('90-day retention');
    expect(steps[1]!.status).to.equal('success');
    expect(await rowCount(db.warehouse, 'raw.mkt_events')).to.equal(0);
    expect(await rowCount(db.warehouse, 'raw.mkt_users')).to.equal(sim.dataset.latestUsers(NOW).size);
  });

  it('refuses to resume from a mark the retention has passed, naming the gap', async function () {
    const stale = new Date(NOW.getTime() - 95 * DAY_MS).toISOString();
    await db.warehouse.execute(
      `INSERT INTO ops.high_water_marks (stream, high_water_mark, run_id, updated_at) VALUES ('events', CAST(@mark AS TIMESTAMP), 'old', @mark)`,
      { mark: stale },
      { types: { mark: 'TIMESTAMP' } },
    );
    const steps = await extractLoadMarketing(runOptions(db.warehouse, sim, db.dir, 'run-stale', { streams: ['events'] }));
    expect(steps).to.have.length(1);
    expect(steps[0]!.error!.message).to.contain('high-water mark').and.contain('retention').and.contain('gone');
    expect((await marks(db.warehouse)).events).to.equal(stale);
  });

  it('stops between pages on abort, keeping whole units, and the next run completes exactly', async function () {
    const controller = new AbortController();
    // Aborts as soon as the first unit is committed: the window in progress is dropped.
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        if (chunk.toString().includes('"msg":"unit committed"')) controller.abort();
        callback();
      },
    });
    const logger = pino({ level: 'debug' }, sink);
    const steps = await extractLoadMarketing(
      runOptions(db.warehouse, sim, db.dir, 'run-abort', { signal: controller.signal, logger, streams: ['events'] }),
    );
    expect(steps[0]!.status).to.equal('skipped');
    expect(steps[0]!.message).to.contain('interrupted');
    const mark = (await marks(db.warehouse)).events!;
    expect(Date.parse(mark)).to.be.greaterThan(START.getTime()).and.lessThan(NOW.getTime());
    const stored = await storedEvents(db.warehouse);
    // Everything before the mark is there; nothing after it (the mark is the last committed received_at).
    const before = sim.dataset.distinctEvents(new Date(mark), START);
    const upTo = sim.dataset.distinctEvents(new Date(Date.parse(mark) + 1), START);
    expect([...before.keys()].every((id) => stored.has(id))).to.equal(true);
    expect([...stored.keys()].every((id) => upTo.has(id))).to.equal(true);

    await extractLoadMarketing(runOptions(db.warehouse, sim, db.dir, 'run-resume', { streams: ['events'] }));
    expect(differences(await storedEvents(db.warehouse), sim.dataset.distinctEvents(NOW, START))).to.deep.equal([]);
  });

  it('extracts several 7-day windows in turn when the mark is far behind', async function () {
    const start = new Date(NOW.getTime() - 16 * DAY_MS);
    const logs: string[] = [];
    const logger = pino({ level: 'info' }, new Writable({ write: (c: Buffer, _e, cb) => (logs.push(c.toString()), cb()) }));
    sim.setFaults({ rate429: 0, rate5xx: 0, rateReset: 0 });
    const steps = await extractLoadMarketing(
      runOptions(db.warehouse, sim, db.dir, 'run-long', {
        logger,
        streams: ['events'],
        api: apiSettings(sim.url, { start: start.toISOString(), pageLimit: 1000, chunkRecords: 100_000 }),
      }),
    );
    expect(steps[0]!.status).to.equal('success');
    const windows = logs.filter((l) => l.includes('marketing window committed')).map((l) => JSON.parse(l).window as string);
    expect(windows).to.have.length(3);
    for (const w of windows) {
      const [from, to] = w.split('..') as [string, string];
      expect(Date.parse(to) - Date.parse(from)).to.be.at.most(7 * DAY_MS);
    }
    expect(differences(await storedEvents(db.warehouse), sim.dataset.distinctEvents(NOW, start))).to.deep.equal([]);
  });

  it('reports a missing URL or token as a configuration error on each stream', async function () {
    const steps = await extractLoadMarketing(
      runOptions(db.warehouse, sim, db.dir, 'run-config', { api: { ...apiSettings(sim.url), url: undefined } }),
    );
    expect(steps.map((s) => s.status)).to.deep.equal(['error', 'error']);
    expect(steps[0]!.error!.message).to.contain('MARKETING_API_URL');
  });
});
