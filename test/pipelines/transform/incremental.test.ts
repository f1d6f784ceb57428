import { expect } from 'chai';
import { silentLogger } from '../../../pipelines/core/logger.js';
import type { StepResult } from '../../../pipelines/core/result.js';
import { compileProject } from '../../../pipelines/transform/compile-project.js';
import { runPlan } from '../../../pipelines/transform/run-plan.js';
import type { CompileOptions } from '../../../pipelines/transform/types.js';
import { DuckDbWarehouse } from '../../../pipelines/warehouse/duckdb/duckdb-warehouse.js';
import { sourcesYaml, tempProject } from './support/temp-project.js';

// A toy incremental model: events per day, rebuilt by the days whose events were newly loaded.
const PROJECT = {
  'staging/__sources.yml': sourcesYaml('toy_events'),
  'marts/toy_daily_events.sql': `WITH events AS (
  SELECT * FROM {{ source('raw', 'toy_events') }}
  WHERE {{ incremental_filter('CAST(occurred_at AS DATE)') }}
)

SELECT CAST(occurred_at AS DATE) AS event_date, COUNT(*) AS events, SUM(amount) AS amount
FROM events
GROUP BY CAST(occurred_at AS DATE)`,
  'marts/toy_daily_events.yml': `models:
  - name: toy_daily_events
    description: Events per day.
    config:
      materialized: incremental
      partition_by: event_date
      incremental:
        source: source('raw', 'toy_events')
        loaded_at: _loaded_at
        partition_expr: CAST(occurred_at AS DATE)
    columns:
      - { name: event_date, data_type: DATE, description: Day., data_tests: [unique, not_null] }
      - { name: events, data_type: INT64, description: Events that day. }
      - { name: amount, data_type: FLOAT64, description: Their amount. }
`,
};

describe('incremental models', function () {
  let warehouse: DuckDbWarehouse;
  let modelsDir: string;
  let remove: () => void;

  before(() => ({ modelsDir, remove } = tempProject(PROJECT)));
  after(() => remove());
  beforeEach(async function () {
    warehouse = await DuckDbWarehouse.open({ path: ':memory:' });
    await warehouse.init();
    await warehouse.execute(
      `CREATE TABLE raw.toy_events (id VARCHAR, occurred_at TIMESTAMP, amount DOUBLE, _loaded_at TIMESTAMP)`,
    );
  });
  afterEach(async () => warehouse.close());

  async function load(loadedAt: string, ...events: Array<[string, string, number]>): Promise<void> {
    for (const [id, occurredAt, amount] of events) {
      await warehouse.execute(
        `INSERT INTO raw.toy_events VALUES (@id, CAST(@at AS TIMESTAMP), @amount, CAST(@loaded AS TIMESTAMP))`,
        {
          id,
          at: occurredAt,
          amount,
          loaded: loadedAt,
        },
      );
    }
  }

  async function build(options: CompileOptions = {}): Promise<StepResult[]> {
    const plan = compileProject(modelsDir, 'duckdb', (ref) => warehouse.qualify(ref), options);
    const steps = await runPlan(plan, { warehouse, runId: `run-${Date.now()}`, logger: silentLogger() });
    const failed = steps.filter((s) => s.status !== 'success');
    expect(failed, JSON.stringify(failed)).to.deep.equal([]);
    return steps;
  }

  const table = () => warehouse.query(`SELECT event_date, events, amount FROM marts.toy_daily_events ORDER BY event_date`);
  const state = async () =>
    (
      await warehouse.query<{ watermark: string; micros: number }>(
        `SELECT watermark, epoch_us(watermark) AS micros FROM ops.model_state WHERE model = 'toy_daily_events'`,
      )
    )[0];
  /** Marks a day's row so that a rebuild of that day shows (it would be recomputed). */
  const tamper = (day: string) =>
    warehouse.execute(`UPDATE marts.toy_daily_events SET events = 999 WHERE event_date = CAST(@day AS DATE)`, { day });

  it('builds in full first, then only the partitions of newly loaded rows, and advances the watermark', async function () {
    await load('2026-01-05 10:00:00.123456', ['e1', '2026-01-01 08:00:00', 1], ['e2', '2026-01-02 09:00:00', 2]);
    const [first] = await build();
    expect(first).to.include({ name: 'model:marts.toy_daily_events', info: 'full build (first build)', rows: 2 });
    expect(await state()).to.include({ micros: Date.UTC(2026, 0, 5, 10) * 1000 + 123456 });

    await tamper('2026-01-01');
    await load('2026-01-06 00:00:00', ['e3', '2026-01-02 23:00:00', 3], ['e4', '2026-01-03 01:00:00', 4]);
    const [second] = await build();
    expect(second!.info).to.equal('rebuilt partitions 2026-01-02, 2026-01-03');
    expect(await table()).to.deep.equal([
      { event_date: '2026-01-01', events: 999, amount: 1 },
      { event_date: '2026-01-02', events: 2, amount: 5 },
      { event_date: '2026-01-03', events: 1, amount: 4 },
    ]);
    expect((await state())!.watermark).to.equal('2026-01-06T00:00:00.000Z');

    // Nothing new (the watermark keeps its microseconds exactly): nothing rebuilt.
    const [third] = await build();
    expect(third!.info).to.equal('up to date: no source rows loaded since the watermark');
    expect(third!.rows).to.equal(3);

    // A late event for an old day rebuilds that day alone, from all its rows.
    await load('2026-01-07 00:00:00', ['e5', '2026-01-01 12:00:00', 10]);
    const [fourth] = await build();
    expect(fourth!.info).to.equal('rebuilt partitions 2026-01-01');
    expect(await table()).to.deep.equal([
      { event_date: '2026-01-01', events: 2, amount: 11 },
      { event_date: '2026-01-02', events: 2, amount: 5 },
      { event_date: '2026-01-03', events: 1, amount: 4 },
    ]);
  });

  it('rebuilds exactly the forced partitions of a backfill, leaving the watermark', async function () {
    await load(
      '2026-01-05 00:00:00',
      ['e1', '2026-01-01 08:00:00', 1],
      ['e2', '2026-01-02 09:00:00', 2],
      ['e3', '2026-01-03 09:00:00', 3],
    );
    await build();
    const before = await state();
    await tamper('2026-01-01');
    await tamper('2026-01-02');
    await tamper('2026-01-03');
    const [step] = await build({ partitions: ['2026-01-02', '2026-01-03'] });
    expect(step!.info).to.equal('rebuilt partitions 2026-01-02, 2026-01-03 (watermark unchanged)');
    expect((await table()).map((r) => r.events)).to.deep.equal([999, 1, 1]);
    expect(await state()).to.deep.equal(before);
  });

  it('rebuilds everything on a full refresh, or when the table is gone', async function () {
    await load('2026-01-05 00:00:00', ['e1', '2026-01-01 08:00:00', 1], ['e2', '2026-01-02 09:00:00', 2]);
    await build();
    await tamper('2026-01-01');
    const [refresh] = await build({ fullRefresh: true });
    expect(refresh!.info).to.equal('full build (full refresh)');
    expect((await table()).map((r) => r.events)).to.deep.equal([1, 1]);

    await warehouse.drop({ layer: 'marts', name: 'toy_daily_events' });
    const [rebuilt] = await build();
    expect(rebuilt!.info).to.equal('full build (first build)');
    expect(await table()).to.have.length(2);
  });
});
