import { expect } from 'chai';
import type { StepResult } from '../../../pipelines/core/result.js';
import { DuckDbWarehouse } from '../../../pipelines/warehouse/duckdb/duckdb-warehouse.js';
import {
  buildMarketing,
  key,
  loadEvents,
  loadUsers,
  problems,
  sessionKey,
  stepMessage,
  type EventSpec,
  type LoadStamp,
  type UserSpec,
} from './support/marketing-raw.js';
import { seedScenario, snapshot } from './support/seed.js';

const INCREMENTAL = ['fct_events', 'fct_sessions', 'traffic_daily', 'funnel_daily'];
/** The models rebuilt row by row on a scheduled run (`unique_key`), with their key. */
const ROW_LEVEL: Record<string, string> = { stg_mkt_events: 'message_id', fct_events: 'message_id' };

interface Load {
  stamp: LoadStamp;
  events?: EventSpec[];
  users?: UserSpec[];
}

// A page view of dev-a on 03-10, received four days late: it extends dev-a's second session.
const LATE: Load = {
  stamp: { loadId: 'load-2', loadedAt: '2026-03-14T01:00:00.000Z' },
  events: [
    {
      id: 'a5',
      anon: 'dev-a',
      at: '2026-03-10T10:30:00.000Z',
      path: '/taux-immobilier',
      receivedAt: '2026-03-14T00:30:00.000Z',
    },
  ],
};

// A visit of 03-13 received late: 03-12, the day before, is rebuilt too, and dev-c's session that
// crossed into 03-12 from 03-11 must keep its key there.
const NEXT_DAY: Load = {
  stamp: { loadId: 'load-2b', loadedAt: '2026-03-14T02:00:00.000Z' },
  events: [{ id: 'f1', anon: 'dev-f', at: '2026-03-13T12:00:00.000Z', path: '/', receivedAt: '2026-03-14T01:30:00.000Z' }],
};

// dev-c comes back 25 minutes after its session of 03-11 ended past midnight (the session goes on,
// still of 03-11), and dev-a, anonymous since 03-10, logs in as usr_a on 03-14.
const MIDNIGHT_AND_LOGIN: Load = {
  stamp: { loadId: 'load-3', loadedAt: '2026-03-15T01:00:00.000Z' },
  events: [
    { id: 'c4', anon: 'dev-c', at: '2026-03-12T00:35:00.000Z', path: '/taux-immobilier', receivedAt: '2026-03-14T23:00:00.000Z' },
    { id: 'a6', anon: 'dev-a', at: '2026-03-14T09:00:00.000Z', path: '/espace-client' },
    { id: 'a7', anon: 'dev-a', at: '2026-03-14T09:00:20.000Z', path: '/espace-client', type: 'identify', user: 'usr_a' },
  ],
};

// usr_d's profile now lists dev-e, whose only visit (03-05) no event identified.
const PROFILE_LINK: Load = {
  stamp: { loadId: 'load-4', loadedAt: '2026-03-16T01:00:00.000Z' },
  users: [
    {
      userId: 'usr_d',
      anonymousIds: ['dev-old', 'dev-e'],
      optIn: true,
      channel: 'newsletter',
      createdAt: '2026-01-05T10:00:00.000Z',
      updatedAt: '2026-03-15T10:00:00.000Z',
    },
  ],
};

async function load(warehouse: DuckDbWarehouse, step: Load): Promise<void> {
  if (step.events) await loadEvents(warehouse, step.stamp, step.events);
  if (step.users) await loadUsers(warehouse, step.stamp, step.users);
}

async function build(warehouse: DuckDbWarehouse, options: Parameters<typeof buildMarketing>[1] = {}): Promise<StepResult[]> {
  const steps = await buildMarketing(warehouse, options);
  expect(problems(steps)).to.deep.equal([]);
  return steps;
}

/** The marketing relations a fresh warehouse holding the same raw rows builds in one full build. */
async function fullBuildOf(loads: Load[]): Promise<Record<string, unknown[]>> {
  const fresh = await DuckDbWarehouse.open({ path: ':memory:' });
  try {
    await seedScenario(fresh);
    for (const step of loads) await load(fresh, step);
    await build(fresh);
    return await snapshot(fresh);
  } finally {
    await fresh.close();
  }
}

/** What an incremental build of `model` reports for these dates: row-level models name their key. */
function rebuiltMessage(model: string, dates: string[]): string {
  const key = ROW_LEVEL[model];
  return `${key ? `rebuilt the changed rows (by ${key}) of partitions` : 'rebuilt partitions'} ${dates.join(', ')}`;
}

function rebuilt(steps: StepResult[]): Record<string, string | undefined> {
  return Object.fromEntries(['stg_mkt_events', ...INCREMENTAL].map((m) => [m, stepMessage(steps, m)]));
}

describe('marketing marts, incremental (DuckDB)', function () {
  this.timeout(60_000);
  let warehouse: DuckDbWarehouse;

  beforeEach(async function () {
    warehouse = await DuckDbWarehouse.open({ path: ':memory:' });
    await seedScenario(warehouse);
    const first = await build(warehouse);
    for (const model of INCREMENTAL) expect(stepMessage(first, model), model).to.equal('full build (first build)');
  });
  afterEach(async () => warehouse.close());

  it('rebuilds a late event own (old) date and the day on each side, and gives what a full build gives', async function () {
    await load(warehouse, LATE);
    const steps = await build(warehouse);
    const around = ['2026-03-09', '2026-03-10', '2026-03-11'];
    expect(rebuilt(steps)).to.deep.equal({
      stg_mkt_events: rebuiltMessage('stg_mkt_events', ['2026-03-10']),
      fct_events: rebuiltMessage('fct_events', around),
      fct_sessions: rebuiltMessage('fct_sessions', around),
      traffic_daily: rebuiltMessage('traffic_daily', around),
      funnel_daily: rebuiltMessage('funnel_daily', around),
    });
    const [session] = await warehouse.query(
      `SELECT events, ended_at, exit_page_path FROM marts.fct_sessions WHERE session_key = @key`,
      { key: sessionKey(key('device', 'dev-a'), 'a4') },
    );
    expect(session).to.deep.equal({ events: 2, ended_at: '2026-03-10T10:30:00.000Z', exit_page_path: '/taux-immobilier' });
    expect(await snapshot(warehouse)).to.deep.equal(await fullBuildOf([LATE]));

    const again = await build(warehouse);
    for (const model of INCREMENTAL) {
      expect(stepMessage(again, model), model).to.equal('up to date: no source rows loaded since the watermark');
    }
  });

  it('keeps whole, on a rebuilt date, a session that started the day before', async function () {
    await load(warehouse, NEXT_DAY);
    const steps = await build(warehouse);
    expect(stepMessage(steps, 'fct_events')).to.equal(rebuiltMessage('fct_events', ['2026-03-12', '2026-03-13', '2026-03-14']));
    expect(await warehouse.query(`SELECT session_key FROM marts.fct_events WHERE message_id = 'c3'`)).to.deep.equal([
      { session_key: sessionKey(key('device', 'dev-c'), 'c1') },
    ]);
    expect(await snapshot(warehouse)).to.deep.equal(await fullBuildOf([NEXT_DAY]));
  });

  it('rewrites, on a date a late event touched, only the rows of that event and of its visitor', async function () {
    // Marks every staged and every fct_events row of 03-10: dev-a's (the late event's device) and dev-b's.
    await warehouse.execute(`UPDATE staging.stg_mkt_events SET page_title = 'kept' WHERE event_date = '2026-03-10'`);
    await warehouse.execute(`UPDATE marts.fct_events SET page_title = 'kept too' WHERE event_date = '2026-03-10'`);
    await load(warehouse, LATE);
    await build(warehouse);
    const marks = (table: string, mark: string) =>
      warehouse.query(
        `SELECT message_id FROM ${table} WHERE event_date = '2026-03-10' AND page_title IS DISTINCT FROM @mark ORDER BY message_id`,
        { mark },
      );
    // Staging rewrote the late message only; fct_events, every event of its visitor (dev-a), whose sessions it changes.
    expect(await marks('staging.stg_mkt_events', 'kept')).to.deep.equal([{ message_id: 'a5' }]);
    expect(await marks('marts.fct_events', 'kept too')).to.deep.equal(
      ['a1', 'a2', 'a3', 'a4', 'a5'].map((message_id) => ({ message_id })),
    );
    const [untouched] = await warehouse.query(
      `SELECT COUNT(*) AS n FROM marts.fct_events WHERE event_date = '2026-03-10' AND page_title = 'kept too'`,
    );
    expect(untouched).to.deep.equal({ n: 4 });
  });

  it('leaves the dates no load touched as they are', async function () {
    // Marks the rows of 03-05 and 03-12: a rebuild of those dates would recompute them.
    await warehouse.execute(`UPDATE marts.fct_events SET page_title = 'kept' WHERE event_date IN ('2026-03-05', '2026-03-12')`);
    await warehouse.execute(`UPDATE marts.fct_sessions SET page_views = 99 WHERE session_date IN ('2026-03-05', '2026-03-12')`);
    await warehouse.execute(`UPDATE marts.traffic_daily SET page_views = 99 WHERE day IN ('2026-03-05', '2026-03-12')`);
    await warehouse.execute(`UPDATE marts.funnel_daily SET sessions = 99 WHERE day IN ('2026-03-05', '2026-03-12')`);
    await load(warehouse, LATE);
    await buildMarketing(warehouse);
    const marked = await warehouse.query(
      `SELECT
         (SELECT COUNT(*) FROM marts.fct_events WHERE page_title = 'kept') AS events,
         (SELECT COUNT(*) FROM marts.fct_sessions WHERE page_views = 99) AS sessions,
         (SELECT COUNT(*) FROM marts.traffic_daily WHERE page_views = 99) AS traffic,
         (SELECT COUNT(*) FROM marts.funnel_daily WHERE sessions = 99) AS funnel`,
    );
    expect(marked).to.deep.equal([{ events: 5, sessions: 3, traffic: 4, funnel: 3 }]);
    // The rebuilt dates hold no mark.
    const [rebuiltDates] = await warehouse.query(
      `SELECT COUNT(*) AS marked FROM marts.fct_sessions WHERE page_views = 99 AND session_date BETWEEN '2026-03-09' AND '2026-03-11'`,
    );
    expect(rebuiltDates).to.deep.equal({ marked: 0 });
  });

  it('moves a device identified later to its user from 24 hours before, leaving its older dates alone, and extends a session across midnight', async function () {
    await load(warehouse, MIDNIGHT_AND_LOGIN);
    const steps = await build(warehouse);
    // Loaded: 03-12 (c4) and 03-14 (a6, a7), each with its neighbours. dev-a, identified on 03-14 at
    // 09:00:20, is usr_a from 03-13 09:00:20 on: its visits of 03-10 are not rewritten.
    const dates = ['2026-03-11', '2026-03-12', '2026-03-13', '2026-03-14', '2026-03-15'];
    for (const model of INCREMENTAL) expect(stepMessage(steps, model), model).to.equal(rebuiltMessage(model, dates));

    const userA = key('user', 'usr_a');
    const deviceA = key('device', 'dev-a');
    expect(
      await warehouse.query(
        `SELECT session_date, visitor_key, user_key, events FROM marts.fct_sessions
         WHERE visitor_key IN (@a, @deviceA) OR session_key = @c ORDER BY started_at`,
        { a: userA, deviceA, c: sessionKey(key('device', 'dev-c'), 'c1') },
      ),
    ).to.deep.equal([
      { session_date: '2026-03-10', visitor_key: deviceA, user_key: null, events: 3 },
      { session_date: '2026-03-10', visitor_key: deviceA, user_key: null, events: 1 },
      { session_date: '2026-03-11', visitor_key: key('device', 'dev-c'), user_key: null, events: 4 },
      { session_date: '2026-03-14', visitor_key: userA, user_key: userA, events: 2 },
    ]);
    // dim_users, rebuilt in full, still counts the device's first visit.
    expect(
      await warehouse.query(`SELECT first_seen_at, identified_at FROM marts.dim_users WHERE user_key = @a`, { a: userA }),
    ).to.deep.equal([{ first_seen_at: '2026-03-10T09:00:00.000Z', identified_at: '2026-03-14T09:00:20.000Z' }]);
    expect(await snapshot(warehouse)).to.deep.equal(await fullBuildOf([MIDNIGHT_AND_LOGIN]));
  });

  it('rewrites no event date for a device only a profile links (the link has no time), and counts it in dim_users', async function () {
    await load(warehouse, PROFILE_LINK);
    const steps = await build(warehouse);
    const unchanged = 'up to date: no source rows loaded since the watermark';
    expect(rebuilt(steps)).to.deep.equal({
      stg_mkt_events: unchanged,
      fct_events: unchanged,
      fct_sessions: unchanged,
      traffic_daily: unchanged,
      funnel_daily: unchanged,
    });
    expect(await warehouse.query(`SELECT user_key FROM marts.fct_events WHERE message_id = 'e1'`)).to.deep.equal([
      { user_key: null },
    ]);
    expect(
      await warehouse.query(`SELECT first_seen_at FROM marts.dim_users WHERE user_key = @d`, { d: key('user', 'usr_d') }),
    ).to.deep.equal([{ first_seen_at: '2026-01-05T10:00:00.000Z' }]);
    expect(await snapshot(warehouse)).to.deep.equal(await fullBuildOf([PROFILE_LINK]));
  });

  it('rebuilds every date on a full refresh, to the same rows', async function () {
    await load(warehouse, LATE);
    await load(warehouse, MIDNIGHT_AND_LOGIN);
    await build(warehouse);
    const incremental = await snapshot(warehouse);
    const steps = await build(warehouse, { fullRefresh: true });
    for (const model of INCREMENTAL) expect(stepMessage(steps, model), model).to.equal('full build (full refresh)');
    expect(await snapshot(warehouse)).to.deep.equal(incremental);
  });
});
