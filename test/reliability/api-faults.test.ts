import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { RunResult } from '../../pipelines/core/result.js';
import { DEFAULT_LAG_SECONDS } from '../../pipelines/extract/api/settings.js';
import { generateCrmExports } from '../../pipelines/generate/index.js';
import { SimulatorClock } from '../../pipelines/simulator/clock.js';
import { startSimulator, type SimulatorHandle, type SimulatorOptions } from '../../pipelines/simulator/server.js';
import { DuckDbWarehouse } from '../../pipelines/warehouse/duckdb/duckdb-warehouse.js';
import { cliEnv, runCli, type CliOutcome } from './support/cli-process.js';
import { compareWithTruth, deliveriesBetween, type MarketingState, type TruthComparison } from './support/ground-truth.js';

/**
 * The marketing API at high fault rates, then down for a whole run, through the `run` command: after
 * each successful run raw.mkt_events and raw.mkt_users equal the simulator's ground truth exactly, and
 * the marts count every distinct event once.
 *
 * The simulator follows the system clock, 30 s behind it (the extraction's lag): events keep arriving
 * between runs, as they do from the real API, and a window's end is never in the simulator's future.
 *
 *   npx mocha --timeout 1800000 test/reliability/api-faults.test.ts
 */
const TOKEN = 'faults-token';
const HOUR_MS = 3_600_000;

describe('reliability: the marketing API at high fault rates, then down for a whole run', function () {
  let dir: string;
  let simulator: SimulatorHandle;
  let options: SimulatorOptions;
  let toggle: NodeJS.Timeout | undefined;
  const started = Date.now();
  // The first run takes the last 2 hours of events: ~10,000 of them at this rate.
  const start = new Date(Math.floor((started - 2 * HOUR_MS) / 1000) * 1000);
  const dbPath = () => join(dir, 'warehouse.duckdb');
  let beforeOutage: MarketingState;

  const env = (extra: Record<string, string> = {}) =>
    cliEnv({
      ELT_DUCKDB_PATH: dbPath(),
      ELT_WORK_DIR: join(dir, 'work'),
      ELT_CSV_DIR: join(dir, 'landing'),
      LOG_LEVEL: 'info',
      MARKETING_API_URL: simulator.url,
      MARKETING_API_TOKEN: TOKEN,
      MARKETING_API_START: start.toISOString(),
      MARKETING_API_PAGE_LIMIT: '250',
      ...extra,
    });

  before(async function () {
    console.log('      command: npx mocha --timeout 1800000 test/reliability/api-faults.test.ts');
    dir = mkdtempSync(join(tmpdir(), 'reliability-faults-'));
    await generateCrmExports({ dir: join(dir, 'landing'), scale: 'small', seed: 42 });
    const clock = new SimulatorClock();
    clock.advance(-DEFAULT_LAG_SECONDS * 1000);
    options = {
      seed: 17,
      token: TOKEN,
      clock,
      from: new Date(started - 2 * 86_400_000),
      to: new Date(started + 86_400_000),
      // ~1.4 events per second: a run-long outage leaves a few dozen events to catch up.
      eventsPerDay: 120_000,
      faults: {
        rate429: 0.3,
        retryAfterSeconds: 1,
        rate5xx: 0.15,
        rateReset: 0.05,
        latencyMs: 40,
        duplicateRate: 0.1,
        lateRate: 0.1,
        newFields: new Date(started - HOUR_MS),
      },
    };
    simulator = await startSimulator(options);
    // Retry-After alternates between 0 and 1 s.
    let after = 1;
    toggle = setInterval(() => simulator.setFaults({ retryAfterSeconds: (after = 1 - after) }), 1500);
  });

  after(async function () {
    clearInterval(toggle);
    await simulator?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('under 30% 429, 15% 5xx, 5% resets, slow answers, 10% duplicates, 10% late visits and new fields: exact totals', async function () {
    const run = await runCli(['run', '--json'], env());
    const result = runResult(run);
    expect(run.code, `the run failed:\n${run.stdout.slice(-3000)}\n${run.stderr.slice(-3000)}`).to.equal(0);
    const stats = simulator.stats();
    const state = await compareWithTruth(dbPath(), simulator.dataset, start);
    const eventsStep = result.steps.find((s) => s.name === 'extract-load:mkt_events');
    const counts = eventsStep?.counts?.['raw.mkt_events'];
    const served = deliveriesBetween(simulator.dataset, start, new Date(state.eventsMark!));
    console.log(
      `      run ${(run.ms / 1000).toFixed(1)} s; simulator answered ${JSON.stringify(stats.byStatus)}, ${stats.resets} resets, ` +
        `${stats.requests} requests; events read ${counts?.read} (served ${served}), loaded ${counts?.loaded}, ` +
        `distinct ${state.events.actual} (truth ${state.events.expected}); users ${state.users.actual} (truth ${state.users.expected}); ` +
        `marts.fct_events ${state.factEvents}`,
    );
    // The faults did happen (how many depends on how many requests the run made: about 50 pages and retries).
    expect(stats.byStatus['429'] ?? 0, '429 answers').to.be.greaterThan(5);
    const fiveHundreds = ['500', '502', '503', '504'].reduce((n, s) => n + (stats.byStatus[s] ?? 0), 0);
    expect(fiveHundreds, '5xx answers').to.be.greaterThan(1);
    expect(stats.resets, 'connection resets').to.be.greaterThan(0);
    // Exact totals: every delivery read once, every distinct event and the latest user versions stored once.
    expect(counts?.read, 'deliveries read = deliveries served in the window').to.equal(served);
    expect(counts?.quarantined, 'nothing quarantined').to.equal(0);
    expect(served - state.events.expected, 'duplicate deliveries were served').to.be.greaterThan(0);
    expectExact(state.events, 'raw.mkt_events');
    expectExact(state.users, 'raw.mkt_users');
    expect(state.stagedEvents, 'staging.stg_mkt_events rows').to.equal(state.events.expected);
    expect(state.factEvents, 'marts.fct_events rows').to.equal(state.events.expected);
    beforeOutage = state;
  });

  it('with the API down for a whole run, the run fails clearly, keeps its marks, and still loads the CRM and builds the models', async function () {
    await simulator.close();
    // Events keep arriving at the API while it is unreachable.
    await new Promise((resolve) => setTimeout(resolve, 20_000));
    const run = await runCli(['run', '--json'], env({ MARKETING_API_MAX_RETRY_SECONDS: '5' }));
    const result = runResult(run);
    console.log(
      `      down run: exit ${run.code} in ${(run.ms / 1000).toFixed(1)} s; error: ${result.error?.step}: ${result.error?.message}`,
    );
    expect(run.code, 'exit code of a failed run').to.equal(1);
    expect(result.status).to.equal('error');
    for (const stream of ['mkt_events', 'mkt_users']) {
      const step = result.steps.find((s) => s.name === `extract-load:${stream}`);
      expect(step?.status, `${stream} step`).to.equal('error');
      expect(step?.error?.message, `${stream} error names the API, the failure and the stream`).to.match(
        new RegExp(`marketing API GET /v1/\\w+ failed: ECONNREFUSED .*stream ${stream.slice(4)}`),
      );
    }
    // The rest of the run still does its work: CRM exports loaded, every model built and tested.
    for (const step of result.steps.filter((s) => !s.name.startsWith('extract-load:mkt_') && s.name !== 'freshness')) {
      expect(step.status, `${step.name}: ${step.error?.message ?? ''}`).to.not.equal('error');
    }
    expect(result.steps.filter((s) => s.kind === 'model' && s.status === 'success').length, 'models built').to.be.greaterThan(10);
    const state = await compareWithTruth(dbPath(), simulator.dataset, start);
    expect(state.eventsMark, 'the events mark did not move').to.equal(beforeOutage.eventsMark);
    expect(state.usersMark, 'the users mark did not move').to.equal(beforeOutage.usersMark);
    expect(state.events.actual, 'no event added or lost').to.equal(beforeOutage.events.actual);
    expect(await rows('raw.crm_opportunities'), 'CRM opportunities loaded').to.be.greaterThan(0);
    expect(await rows('marts.opportunity_lookup'), 'the lookup mart built').to.be.greaterThan(0);
  });

  it('the next run, with the API back, catches up with no gap', async function () {
    simulator = await startSimulator({ ...options, port: simulator.port });
    const run = await runCli(['run', '--json'], env());
    expect(run.code, `the catch-up run failed:\n${run.stdout.slice(-3000)}\n${run.stderr.slice(-3000)}`).to.equal(0);
    const state = await compareWithTruth(dbPath(), simulator.dataset, start);
    const gap = deliveriesBetween(simulator.dataset, new Date(beforeOutage.eventsMark!), new Date(state.eventsMark!));
    console.log(
      `      catch-up run ${(run.ms / 1000).toFixed(1)} s: events mark ${beforeOutage.eventsMark} -> ${state.eventsMark}, ` +
        `${gap} deliveries received since the last good run; distinct events ${state.events.actual} (truth ${state.events.expected})`,
    );
    expect(gap, 'events arrived during the outage').to.be.greaterThan(10);
    expectExact(state.events, 'raw.mkt_events');
    expectExact(state.users, 'raw.mkt_users');
    expect(state.factEvents, 'marts.fct_events rows').to.equal(state.events.expected);
  });

  async function rows(table: string): Promise<number> {
    const warehouse = await DuckDbWarehouse.open({ path: dbPath(), readOnly: true });
    try {
      const [row] = await warehouse.query<{ n: number }>(`SELECT count(*) AS n FROM ${table}`);
      return Number(row?.n ?? 0);
    } finally {
      await warehouse.close();
    }
  }
});

function runResult(run: CliOutcome): RunResult {
  try {
    return JSON.parse(run.stdout) as RunResult;
  } catch {
    throw new Error(`the run printed no JSON result (exit ${run.code}):\n${run.stdout.slice(-2000)}\n${run.stderr.slice(-3000)}`);
  }
}

function expectExact(comparison: TruthComparison, table: string): void {
  const problems = [
    comparison.missingCount > 0 ? `${comparison.missingCount} missing (e.g. ${comparison.missing.join(', ')})` : '',
    comparison.extraCount > 0 ? `${comparison.extraCount} not in the ground truth (e.g. ${comparison.extra.join(', ')})` : '',
    comparison.differentCount > 0 ? `${comparison.differentCount} differ (e.g. ${comparison.different.join(', ')})` : '',
  ].filter(Boolean);
  expect(
    problems,
    `${table} vs the simulator's ground truth (${comparison.actual} rows, ${comparison.expected} expected)`,
  ).to.deep.equal([]);
  expect(comparison.actual, table).to.equal(comparison.expected);
}
