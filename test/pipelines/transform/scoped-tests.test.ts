import { expect } from 'chai';
import { silentLogger } from '../../../pipelines/core/logger.js';
import type { StepResult } from '../../../pipelines/core/result.js';
import { compileProject } from '../../../pipelines/transform/compile-project.js';
import { runPlan } from '../../../pipelines/transform/run-plan.js';
import type { CompileOptions } from '../../../pipelines/transform/types.js';
import { DuckDbWarehouse } from '../../../pipelines/warehouse/duckdb/duckdb-warehouse.js';
import { sourcesYaml, tempProject } from './support/temp-project.js';

// A toy incremental model with a column test, a reconciliation restricted by incremental_filter, and
// one that is not (it always checks the whole table).
const PROJECT = {
  'staging/__sources.yml': sourcesYaml('toy_events'),
  'marts/toy_daily.sql': `SELECT CAST(occurred_at AS DATE) AS event_date, COUNT(*) AS events, SUM(amount) AS amount
FROM {{ source('raw', 'toy_events') }}
WHERE {{ incremental_filter('CAST(occurred_at AS DATE)') }}
GROUP BY CAST(occurred_at AS DATE)`,
  'marts/toy_daily.yml': `models:
  - name: toy_daily
    description: Events per day.
    config:
      materialized: incremental
      partition_by: event_date
      incremental:
        source: source('raw', 'toy_events')
        loaded_at: _loaded_at
        partition_expr: CAST(occurred_at AS DATE)
    columns:
      - { name: event_date, data_type: DATE, description: Day., data_tests: [unique] }
      - { name: events, data_type: INT64, description: Events that day. }
      - { name: amount, data_type: FLOAT64, description: Their amount., data_tests: [not_null] }
    data_tests:
      - reconcile_count:
          name: toy_daily_one_row_per_day
          expected: >
            SELECT COUNT(DISTINCT CAST(occurred_at AS DATE)) FROM {{ source('raw', 'toy_events') }}
            WHERE {{ incremental_filter('CAST(occurred_at AS DATE)') }}
      - custom_sql:
          name: toy_daily_counts_every_event
          sql: >
            SELECT * FROM (SELECT SUM(events) AS counted FROM {{ this }}) AS t
            CROSS JOIN (SELECT COUNT(*) AS expected FROM {{ source('raw', 'toy_events') }}) AS r
            WHERE t.counted <> r.expected
`,
};

describe('data tests of an incremental model on a scheduled run', function () {
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
    await load('2026-01-05T00:00:00Z', ['a', '2026-01-01T10:00:00Z', 1], ['b', '2026-01-02T10:00:00Z', 2]);
    const first = await build();
    // A first build is checked whole.
    expect(first.filter((s) => s.kind === 'test').map((s) => s.info)).to.deep.equal([undefined, undefined, undefined, undefined]);
  });
  afterEach(async () => warehouse.close());

  async function load(loadedAt: string, ...events: Array<[string, string, number | null]>): Promise<void> {
    for (const [id, at, amount] of events) {
      await warehouse.execute(
        `INSERT INTO raw.toy_events VALUES (@id, CAST(@at AS TIMESTAMP), CAST(@amount AS DOUBLE), CAST(@loaded AS TIMESTAMP))`,
        { id, at, amount: amount === null ? null : String(amount), loaded: loadedAt },
      );
    }
  }

  async function build(options: CompileOptions = {}): Promise<StepResult[]> {
    const plan = compileProject(modelsDir, 'duckdb', (ref) => warehouse.qualify(ref), options);
    return runPlan(plan, { warehouse, runId: `run-${Date.now()}`, logger: silentLogger() });
  }

  const tests = (steps: StepResult[]) =>
    Object.fromEntries(
      steps.filter((s) => s.kind === 'test').map((s) => [s.name.replace(/^test:/, ''), [s.status, s.error?.message ?? s.info]]),
    );

  it('checks the partitions the run rebuilt, not the rows it left alone; --full-tests checks them all', async function () {
    // A duplicate on 01-01, a day the next run does not rebuild.
    await warehouse.execute(`INSERT INTO marts.toy_daily VALUES (DATE '2026-01-01', 1, 1)`);
    await load('2026-01-06T00:00:00Z', ['c', '2026-01-02T11:00:00Z', 3]);
    const scheduled = tests(await build());
    const checked = 'checked the rebuilt partitions 2026-01-02';
    expect(scheduled).to.deep.equal({
      unique_toy_daily_event_date: ['success', checked],
      not_null_toy_daily_amount: ['success', checked],
      toy_daily_one_row_per_day: ['success', checked],
      // Not restricted by incremental_filter: the whole table, where the duplicate counts twice.
      toy_daily_counts_every_event: ['error', scheduled.toy_daily_counts_every_event![1]],
    });
    expect(scheduled.toy_daily_counts_every_event![1]).to.match(/toy_daily_counts_every_event .*"counted":4,"expected":3/);

    const full = tests(await build({ fullTests: true }));
    expect(full.unique_toy_daily_event_date![0]).to.equal('error');
    expect(full.unique_toy_daily_event_date![1]).to.match(
      /unique_toy_daily_event_date on model marts\.toy_daily failed.*"value":"2026-01-01","occurrences":2/,
    );
    expect(full.toy_daily_one_row_per_day![0]).to.equal('error');
  });

  it('finds a failing row in a rebuilt partition', async function () {
    await load('2026-01-06T00:00:00Z', ['c', '2026-01-03T11:00:00Z', null]);
    const scheduled = tests(await build());
    expect(scheduled.not_null_toy_daily_amount![0]).to.equal('error');
    expect(scheduled.not_null_toy_daily_amount![1]).to.match(
      /not_null_toy_daily_amount on model marts\.toy_daily failed.*"event_date":"2026-01-03"/,
    );
  });

  it('has nothing new to check when its model rebuilt no partition', async function () {
    const scheduled = tests(await build());
    expect(scheduled.unique_toy_daily_event_date).to.deep.equal([
      'success',
      'its model rebuilt no partition in this run: nothing new to check',
    ]);
  });
});
