import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { type Config, loadConfig } from '../../../pipelines/config/config.js';
import { silentLogger } from '../../../pipelines/core/logger.js';
import type { RunResult } from '../../../pipelines/core/result.js';
import { generateCrmExports, opportunityCount, opportunityIdAt } from '../../../pipelines/generate/index.js';
import { listenLookup } from '../../../pipelines/lookup/lookup-server.js';
import { createLookupService } from '../../../pipelines/lookup/lookup-service.js';
import { LOOKUP_COLUMNS, OPPORTUNITY_LOOKUP } from '../../../pipelines/lookup/opportunity-record.js';
import { runPipeline } from '../../../pipelines/run/run-pipeline.js';
import { MODELS_DIR } from '../../../pipelines/run/stages.js';
import { startSimulator, type SimulatorHandle } from '../../../pipelines/simulator/server.js';
import { FILE_LEDGER, HIGH_WATER_MARKS, PIPELINE_RUNS } from '../../../pipelines/state/ops-tables.js';
import { listCompiledModels, listSources } from '../../../pipelines/transform/index.js';
import { openWarehouse } from '../../../pipelines/warehouse/open-warehouse.js';
import type { TableRef } from '../../../pipelines/warehouse/types.js';
import type { Warehouse } from '../../../pipelines/warehouse/warehouse.js';

/** The scenario's data: small, seeded, and the same for every engine. */
export const SCENARIO = { seed: 1, scale: '300', days: 2, eventsPerDay: 300, token: 'scenario-token' } as const;

const SALT = 'scenario-pseudonym-salt-0123456789';
// Load bookkeeping (ids and times of a load) differs between two loads by nature; the data must not.
const VOLATILE_COLUMNS = new Set(['_load_id', '_loaded_at', 'loaded_at']);

/** The inputs every engine's run reads: a landing folder of CRM exports and a simulator with a frozen clock. */
export interface ScenarioInputs {
  dir: string;
  csvDir: string;
  simulator: SimulatorHandle;
  now: Date;
}

/** Generates the CRM exports (dated the simulator's day, so that they are fresh) and starts the simulator. */
export async function startScenarioInputs(): Promise<ScenarioInputs> {
  const dir = mkdtempSync(join(tmpdir(), 'pipeline-scenario-'));
  const csvDir = join(dir, 'landing');
  // A frozen clock an hour back: every run of the scenario sees exactly the same events.
  const now = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 3_600_000);
  await generateCrmExports({ dir: csvDir, scale: SCENARIO.scale, seed: SCENARIO.seed, date: now.toISOString().slice(0, 10) });
  const opportunityIds = Array.from({ length: opportunityCount(SCENARIO.scale) }, (_, i) => opportunityIdAt(SCENARIO.seed, i));
  const simulator = await startSimulator({
    seed: SCENARIO.seed,
    token: SCENARIO.token,
    now,
    days: SCENARIO.days,
    eventsPerDay: SCENARIO.eventsPerDay,
    opportunityIds,
  });
  return { dir, csvDir, simulator, now };
}

export async function stopScenarioInputs(inputs: ScenarioInputs | undefined): Promise<void> {
  if (!inputs) return;
  await inputs.simulator.close();
  rmSync(inputs.dir, { recursive: true, force: true });
}

/** The configuration of a run of the scenario on the warehouse that `warehouseEnv` selects. */
export function scenarioConfig(inputs: ScenarioInputs, name: string, warehouseEnv: Record<string, string>): Config {
  return loadConfig({
    ELT_CSV_DIR: inputs.csvDir,
    ELT_WORK_DIR: join(inputs.dir, `work-${name}`),
    ELT_PSEUDONYM_SALT: SALT,
    LOG_LEVEL: 'silent',
    MARKETING_API_URL: inputs.simulator.url,
    MARKETING_API_TOKEN: SCENARIO.token,
    MARKETING_API_START: new Date(inputs.now.getTime() - 86_400_000).toISOString(),
    ...warehouseEnv,
  });
}

/** The failing steps of a run, one a line, for an assertion message. */
export function failures(result: RunResult): string {
  const failed = result.steps.filter((s) => s.status === 'error').map((s) => `${s.name}: ${s.error?.message ?? '?'}`);
  return failed.length > 0 ? failed.join('\n') : `${result.error?.step ?? 'run'}: ${result.error?.message ?? 'no error'}`;
}

export async function runScenario(config: Config): Promise<RunResult> {
  return runPipeline({ config, logger: silentLogger() });
}

export interface TableFingerprint {
  rows: number;
  /** Order-independent: the sum of the rows' hashes, bookkeeping columns left out. */
  checksum: string;
}

/** Every relation of the data layers: the sources the models read and the models themselves. */
export function dataRelations(warehouse: Warehouse): TableRef[] {
  const models = listCompiledModels(MODELS_DIR, warehouse.engine, (ref) => warehouse.qualify(ref));
  return [...listSources(MODELS_DIR).map((s) => s.ref), ...models.map((m) => m.ref)];
}

/**
 * Row count and checksum of every relation of raw, staging and marts, read through `Warehouse.query`
 * (plain values on both engines). A relation that does not exist is absent from the result.
 */
export async function fingerprint(warehouse: Warehouse): Promise<Record<string, TableFingerprint>> {
  const out: Record<string, TableFingerprint> = {};
  for (const ref of dataRelations(warehouse)) {
    let rows: Array<Record<string, unknown>>;
    try {
      rows = await warehouse.query<Record<string, unknown>>(`SELECT * FROM ${warehouse.qualify(ref)}`);
    } catch (error) {
      if ((await warehouse.describe(ref)) === null) continue;
      throw error;
    }
    let sum = 0n;
    for (const row of rows) {
      const kept = Object.keys(row)
        .filter((k) => !VOLATILE_COLUMNS.has(k))
        .sort()
        .map((k) => [k, row[k]]);
      const digest = createHash('sha256').update(JSON.stringify(kept)).digest();
      sum = (sum + digest.readBigUInt64BE(0)) & 0xffff_ffff_ffff_ffffn;
    }
    out[`${ref.layer}.${ref.name}`] = { rows: rows.length, checksum: sum.toString(16) };
  }
  return out;
}

export function rowCounts(prints: Record<string, TableFingerprint>): Record<string, number> {
  return Object.fromEntries(Object.entries(prints).map(([table, print]) => [table, print.rows]));
}

export async function withWarehouse<T>(config: Config, work: (warehouse: Warehouse) => Promise<T>): Promise<T> {
  const warehouse = await openWarehouse(config.warehouse);
  try {
    return await work(warehouse);
  } finally {
    await warehouse.close();
  }
}

/** The id of one opportunity of the lookup mart that has a best proposition (the fullest record). */
export async function sampleLookupId(warehouse: Warehouse): Promise<string> {
  const rows = await warehouse.query<{ id: string }>(
    `SELECT id FROM ${warehouse.qualify(OPPORTUNITY_LOOKUP)} WHERE best_proposition_id IS NOT NULL ORDER BY id LIMIT 1`,
  );
  expect(rows, 'an opportunity with a best proposition in marts.opportunity_lookup').to.have.length(1);
  return rows[0]!.id;
}

/**
 * Serves the lookup from the run's warehouse (`createLookupService`, its snapshot read in a worker, on
 * node:http) and asks it for one opportunity; returns the HTTP status and the body without `response_id`.
 */
export async function lookUp(config: Config, id: string): Promise<{ status: number; record: Record<string, unknown> }> {
  const service = createLookupService(config, silentLogger());
  const server = await listenLookup(service.handler, { port: 0, host: '127.0.0.1' });
  try {
    const loaded = await service.cache.start();
    expect(loaded.status, `lookup cache load: ${JSON.stringify(loaded)}`).to.equal('loaded');
    const response = await fetch(`${server.url}/opportunities/${id}`);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body.response_id).to.be.a('string');
    const { response_id: _responseId, ...record } = body;
    return { status: response.status, record };
  } finally {
    service.cache.stop();
    await server.close();
  }
}

/** The keys of a lookup answer after `response_id`, in order: the mart's columns, the best proposition nested. */
export const LOOKUP_RECORD_KEYS = [...LOOKUP_COLUMNS.filter((c) => !c.startsWith('best_')), 'best_proposition'];

/** What the run left in `ops`: the run recorded, the three files in the ledger, both streams' high-water marks. */
export async function stateOf(warehouse: Warehouse, runId: string) {
  const [run] = await warehouse.query<{ status: string; ended_at: string | null }>(
    `SELECT status, ended_at FROM ${warehouse.qualify(PIPELINE_RUNS.ref)} WHERE run_id = @run_id`,
    { run_id: runId },
  );
  const ledger = await warehouse.query<{ table_name: string; status: string }>(
    `SELECT table_name, status FROM ${warehouse.qualify(FILE_LEDGER.ref)} ORDER BY table_name`,
  );
  const marks = await warehouse.query<{ stream: string }>(
    `SELECT stream FROM ${warehouse.qualify(HIGH_WATER_MARKS.ref)} ORDER BY stream`,
  );
  return { run, ledger, streams: marks.map((m) => m.stream) };
}

/** One warehouse engine the scenario runs on. */
export interface ScenarioEngine {
  name: string;
  /** Starts what the engine needs (or skips the suite); returns the variables that select it. */
  start(context: Mocha.Context, inputs: ScenarioInputs): Promise<Record<string, string>>;
  stop(): Promise<void>;
  /** Also runs the scenario on DuckDB and expects the same rows per table and the same lookup record. */
  compareWithDuckDb?: boolean;
}

/** The DuckDB selection of a scenario run: a file in the scenario's folder. */
export function duckDbEnv(inputs: ScenarioInputs, name: string): Record<string, string> {
  return { ELT_WAREHOUSE: 'duckdb', ELT_DUCKDB_PATH: join(inputs.dir, `${name}.duckdb`) };
}

/**
 * The whole pipeline on one engine: CRM exports and the marketing API loaded, every model built and
 * tested, state recorded, the lookup serving a record, then a second run that changes nothing.
 */
export function describePipelineScenario(engine: ScenarioEngine): void {
  let inputs: ScenarioInputs | undefined;
  let config: Config;
  let first: RunResult | undefined;
  let prints: Record<string, TableFingerprint> = {};
  let twin: { config: Config; prints: Record<string, TableFingerprint> } | undefined;

  before(async function () {
    inputs = await startScenarioInputs();
    config = scenarioConfig(inputs, engine.name, await engine.start(this, inputs));
  });
  after(async () => {
    await engine.stop();
    await stopScenarioInputs(inputs);
  });

  it('runs every stage to success', async function () {
    first = await runScenario(config);
    prints = await withWarehouse(config, fingerprint);
    expect(first.status, failures(first)).to.equal('success');
  });

  it('loads every source, builds every model with rows in each mart, and records its state', async function () {
    if (!first) this.skip();
    const expected = await withWarehouse(config, async (warehouse) =>
      dataRelations(warehouse).map((r) => `${r.layer}.${r.name}`),
    );
    expect(
      expected.filter((table) => !(table in prints)),
      'relations missing',
    ).to.deep.equal([]);
    const empty = Object.entries(prints)
      .filter(([table, print]) => (table.startsWith('raw.') || table.startsWith('marts.')) && print.rows === 0)
      .map(([table]) => table);
    expect(empty, 'empty raw tables or marts').to.deep.equal([]);
    const state = await withWarehouse(config, (warehouse) => stateOf(warehouse, first!.runId));
    expect(state.run?.status).to.equal('success');
    expect(state.run?.ended_at).to.be.a('string');
    expect(state.ledger).to.deep.equal([
      { table_name: 'banks', status: 'loaded' },
      { table_name: 'opportunities', status: 'loaded' },
      { table_name: 'propositions', status: 'loaded' },
    ]);
    expect(state.streams).to.deep.equal(['events', 'users']);
  });

  if (engine.compareWithDuckDb) {
    it('gives the same rows in every table as the same run on DuckDB', async function () {
      if (!first) this.skip();
      const duckConfig = scenarioConfig(inputs!, `${engine.name}-twin`, duckDbEnv(inputs!, `${engine.name}-twin`));
      const result = await runScenario(duckConfig);
      expect(result.status, failures(result)).to.equal('success');
      twin = { config: duckConfig, prints: await withWarehouse(duckConfig, fingerprint) };
      expect(rowCounts(prints), 'rows per table').to.deep.equal(rowCounts(twin.prints));
      // Values too: one SQL source, the same data on both engines.
      const differing = Object.keys(twin.prints).filter((table) => prints[table]?.checksum !== twin!.prints[table]!.checksum);
      expect(differing, 'tables whose values differ from DuckDB').to.deep.equal([]);
    });
  }

  it('serves an opportunity of the mart through the lookup, as the mart has it', async function () {
    if (!first) this.skip();
    const { id, row } = await withWarehouse(config, async (warehouse) => {
      const id = await sampleLookupId(warehouse);
      const [row] = await warehouse.query<Record<string, unknown>>(
        `SELECT ${LOOKUP_COLUMNS.join(', ')} FROM ${warehouse.qualify(OPPORTUNITY_LOOKUP)} WHERE id = @id`,
        { id },
      );
      return { id, row: row! };
    });
    const { status, record } = await lookUp(config, id);
    expect(status).to.equal(200);
    expect(Object.keys(record)).to.deep.equal(LOOKUP_RECORD_KEYS);
    expect(record).to.include({ id, stage_name: row.stage_name, banque_principale: row.banque_principale });
    expect(record.best_proposition).to.deep.include({ id: row.best_proposition_id, bank_name: row.best_bank_name });
    expect(Object.keys(record.best_proposition as object)).to.deep.equal(['id', 'interest_rate', 'duration_months', 'bank_name']);
    if (engine.compareWithDuckDb && twin) {
      const onDuckDb = await lookUp(twin.config, id);
      expect(record, 'the same record as on DuckDB').to.deep.equal(onDuckDb.record);
    }
  });

  it('runs a second time without changing any row', async function () {
    if (!first) this.skip();
    const second = await runScenario(config);
    expect(second.status, failures(second)).to.equal('success');
    const loaded = second.steps.flatMap((s) => Object.entries(s.counts ?? {})).filter(([, c]) => c.loaded > 0);
    expect(loaded, 'rows loaded again').to.deep.equal([]);
    expect(await withWarehouse(config, fingerprint)).to.deep.equal(prints);
  });
}
