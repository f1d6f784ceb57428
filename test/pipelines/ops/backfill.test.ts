import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { loadConfig } from '../../../pipelines/config/config.js';
import { silentLogger } from '../../../pipelines/core/logger.js';
import { runBackfill } from '../../../pipelines/ops/backfill.js';
import { planBackfill } from '../../../pipelines/ops/backfill-plan.js';
import { startSimulator } from '../../../pipelines/simulator/server.js';
import { ensureOpsTables } from '../../../pipelines/state/ops-tables.js';
import { DuckDbWarehouse } from '../../../pipelines/warehouse/duckdb/duckdb-warehouse.js';
import type { Warehouse } from '../../../pipelines/warehouse/warehouse.js';

const NOW = new Date('2026-11-29T12:00:00Z');
const MODELS = [
  'stg_mkt_events',
  'stg_mkt_identities',
  'stg_mkt_users',
  'stg_mkt_affected_dates',
  'fct_events',
  'fct_sessions',
  'stg_crm_opportunities',
  'stg_crm_propositions',
  'stg_crm_banks',
  'best_proposition',
  'opportunity_lookup',
  'borrower_profile',
  'borrower_profile_distribution',
];

async function tableDigest(warehouse: Warehouse, table: string, key: string): Promise<{ rows: number; keys: string }> {
  const [row] = await warehouse.query<{ n: number; k: string | null }>(
    `SELECT count(*) AS n, string_agg(${key}, ',' ORDER BY ${key}) AS k FROM ${table}`,
  );
  return { rows: row?.n ?? 0, keys: row?.k ?? '' };
}

describe('runBackfill', function () {
  this.timeout(120_000);
  let dir: string;
  let simulator: Awaited<ReturnType<typeof startSimulator>>;
  let warehouse: DuckDbWarehouse;

  before(async function () {
    simulator = await startSimulator({ seed: 7, token: 't', now: NOW, days: 3, eventsPerDay: 400 });
  });
  after(async () => simulator.close());

  beforeEach(async function () {
    dir = mkdtempSync(join(tmpdir(), 'backfill-'));
    warehouse = await DuckDbWarehouse.open({ path: join(dir, 'w.duckdb') });
    await ensureOpsTables(warehouse);
  });
  afterEach(async function () {
    await warehouse.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function config() {
    return loadConfig({
      ELT_WORK_DIR: join(dir, 'work'),
      ELT_DUCKDB_PATH: join(dir, 'w.duckdb'),
      MARKETING_API_URL: simulator.url,
      MARKETING_API_TOKEN: 't',
      ELT_CSV_DIR: dir,
    });
  }
  const plan = () =>
    planBackfill(
      { from: '2026-11-28T08:00:00Z', to: '2026-11-28T14:00:00Z', streams: ['events', 'users'], models: ['+fct_sessions'] },
      MODELS,
      NOW,
    );

  it('loads the window, leaves the high-water marks alone, and twice equals once', async function () {
    const first = await runBackfill({ config: config(), logger: silentLogger(), plan: plan(), warehouse, now: () => NOW });
    expect(
      first.status,
      JSON.stringify(first.steps.filter((s) => !s.name.startsWith('backfill:')).map((s) => [s.name, s.status])),
    ).to.equal('success');
    const events = await tableDigest(warehouse, 'raw.mkt_events', 'message_id');
    const expected = simulator.dataset.distinctEvents(new Date('2026-11-28T14:00:00Z'), new Date('2026-11-28T08:00:00Z'));
    expect(expected.size, 'the window holds events').to.be.greaterThan(50);
    expect(events.rows).to.equal(expected.size);
    expect(await warehouse.query(`SELECT * FROM ops.high_water_marks`)).to.deep.equal([]);
    const users = await tableDigest(warehouse, 'raw.mkt_users', 'user_id');
    const facts = await tableDigest(warehouse, 'marts.fct_events', 'message_id');
    expect(facts.rows, 'the affected partitions of the marts are rebuilt').to.be.greaterThan(0);
    const second = await runBackfill({ config: config(), logger: silentLogger(), plan: plan(), warehouse, now: () => NOW });
    expect(second.status).to.equal('success');
    expect(second.runId).to.not.equal(first.runId);
    expect(await tableDigest(warehouse, 'raw.mkt_events', 'message_id')).to.deep.equal(events);
    expect(await tableDigest(warehouse, 'raw.mkt_users', 'user_id')).to.deep.equal(users);
    expect(await tableDigest(warehouse, 'marts.fct_events', 'message_id')).to.deep.equal(facts);
    const [run] = await warehouse.query<{ kind: string; window_from: string }>(
      `SELECT kind, window_from FROM ops.pipeline_runs WHERE run_id = @id`,
      { id: first.runId },
    );
    expect(run).to.deep.equal({ kind: 'backfill', window_from: '2026-11-28T08:00:00.000Z' });
  });

  it('resumes an interrupted backfill, skipping the partitions already done', async function () {
    const controller = new AbortController();
    const interrupted = await runBackfill({
      config: config(),
      logger: silentLogger(),
      plan: plan(),
      warehouse,
      now: () => NOW,
      onProgress: (p) => {
        if (p.done >= 3) controller.abort();
      },
      signal: controller.signal,
    });
    expect(interrupted.status).to.equal('error');
    const [done] = await warehouse.query<{ n: number }>(`SELECT count(*) AS n FROM ops.backfill_partitions WHERE run_id = @id`, {
      id: interrupted.runId,
    });
    expect(done!.n).to.be.within(3, 11);
    const resumed = await runBackfill({ config: config(), logger: silentLogger(), plan: plan(), warehouse, now: () => NOW });
    expect(resumed.status).to.equal('success');
    expect(resumed.runId, 'the same command resumes the unfinished run').to.equal(interrupted.runId);
    const extracted = resumed.steps.filter((s) => s.name.startsWith('backfill:'));
    expect(extracted).to.have.length(12 - done!.n);
    const [all] = await warehouse.query<{ n: number }>(`SELECT count(*) AS n FROM ops.backfill_partitions WHERE run_id = @id`, {
      id: interrupted.runId,
    });
    expect(all!.n).to.equal(12);
    const expected = simulator.dataset.distinctEvents(new Date('2026-11-28T14:00:00Z'), new Date('2026-11-28T08:00:00Z'));
    expect((await tableDigest(warehouse, 'raw.mkt_events', 'message_id')).rows).to.equal(expected.size);
  });
});
