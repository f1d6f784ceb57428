import { expect } from 'chai';
import { silentLogger } from '../../../pipelines/core/logger.js';
import type { StepResult } from '../../../pipelines/core/result.js';
import {
  type CompiledModel,
  type CompileOptions,
  DEFAULT_MODELS_DIR,
  bigQueryQualify,
  compileProject,
  duckDbQualify,
  listCompiledModels,
  runPlan,
} from '../../../pipelines/transform/index.js';
import type { DuckDbWarehouse } from '../../../pipelines/warehouse/duckdb/duckdb-warehouse.js';
import { paramNames } from '../../../pipelines/warehouse/sql-params.js';
import type { ColumnSpec, ParamTypes, Params, TableRef, TableSpec } from '../../../pipelines/warehouse/types.js';
import { tempDuckDb } from '../../support/temp-warehouse.js';
import { type EvaluationTable, ZetaSql, ZetaSqlError } from '../../support/zetasql/zetasql.js';
import { FLOAT_RELATIVE_TOLERANCE, rowDifferences } from './support/compare-rows.js';
import { RAW_SPECS, specOf } from './support/declared-tables.js';
import { PARTITION_SUBSET, SALT, rawFixtures } from './support/engine-fixtures.js';
import { insertRows, readRows } from './support/fixture-warehouse.js';

const PROJECT = 'elt-proj';
const bigQueryName = (ref: TableRef) => bigQueryQualify(PROJECT)(ref).slice(1, -1);

// Whatever models exist now, compiled for BigQuery: the list is read when the file loads.
const MODELS: CompiledModel[] = listCompiledModels(DEFAULT_MODELS_DIR, 'bigquery', bigQueryQualify(PROJECT));

/** Columns of a result with no declared schema: a non-integer number makes a FLOAT64 column. */
function resultColumns(row: Record<string, unknown>): ColumnSpec[] {
  return Object.entries(row).map(([name, value]) => ({
    name,
    type: typeof value === 'number' && !Number.isInteger(value) ? 'FLOAT64' : 'STRING',
  }));
}

// The meaning: every model's BigQuery SQL, run by ZetaSQL's reference engine on the relations it reads
// as DuckDB holds them, gives the rows DuckDB built from the same model source (as multisets; FLOAT64
// within a relative 1e-9). Fixtures: ./support/engine-fixtures.ts.
describe('one model source, one meaning: ZetaSQL’s reference engine (BigQuery) and DuckDB agree', function () {
  this.timeout(120_000);
  let zetasql: ZetaSql;
  let duckdb: { warehouse: DuckDbWarehouse; dispose(): Promise<void> };
  let built: StepResult[] = [];

  /** Builds models on DuckDB with the project's run (models only: a failing data test must not hide a model). */
  async function buildOnDuckDb(options: CompileOptions): Promise<StepResult[]> {
    const warehouse = duckdb.warehouse;
    const plan = compileProject(DEFAULT_MODELS_DIR, 'duckdb', (ref) => warehouse.qualify(ref), {
      pseudonymSalt: SALT,
      ...options,
    });
    const modelsOnly = { ...plan, steps: plan.steps.filter((s) => s.kind === 'model') };
    return runPlan(modelsOnly, { warehouse, runId: `equivalence-${Date.now()}`, logger: silentLogger() });
  }

  /** Rows read from DuckDB per relation while its contents do not change (cleared before rebuilds). */
  const cache = new Map<string, Promise<Array<Record<string, unknown>>>>();

  /**
   * The relations a query reads (raw tables and models, by name), with their DuckDB rows, named and
   * typed as the BigQuery SQL reads them.
   */
  async function inputs(what: string, sources: TableRef[], models: string[], sql: string): Promise<EvaluationTable[]> {
    const refs: TableRef[] = [...sources, ...models.map((name) => MODELS.find((m) => m.name === name)!.ref)];
    // A model may read itself ({{ this }}).
    for (const m of MODELS) if (!refs.includes(m.ref) && sql.includes(bigQueryQualify(PROJECT)(m.ref))) refs.push(m.ref);
    const declared = [...RAW_SPECS, ...MODELS.map((m) => m.spec)];
    return Promise.all(
      [...new Map(refs.map((r) => [bigQueryName(r), r])).values()].map(async (ref) => {
        const spec = specOf(declared, ref);
        if (!spec) throw new Error(`${what} reads ${ref.layer}.${ref.name}, which no loader or model declares`);
        const name = bigQueryName(ref);
        if (!cache.has(name)) cache.set(name, readRows(duckdb.warehouse, spec));
        return { name, columns: spec.columns.map((c) => ({ name: c.name, type: c.type })), rows: await cache.get(name)! };
      }),
    );
  }
  const modelInputs = (model: CompiledModel, sql: string) => inputs(`model ${model.name}`, model.sources, model.dependsOn, sql);

  /** Runs SQL in the reference engine; a query it cannot run fails the test with the model and the reason. */
  async function evaluate(what: string, sql: string, tables: EvaluationTable[], params: Params, types: ParamTypes = {}) {
    const used = new Set(paramNames(sql));
    try {
      return await zetasql.evaluate(sql, tables, {
        params: Object.fromEntries(Object.entries(params).filter(([name]) => used.has(name))),
        types: { partitions: 'ARRAY<DATE>', ...types },
      });
    } catch (error) {
      if (error instanceof ZetaSqlError)
        throw new Error(`ZetaSQL's reference engine cannot evaluate ${what}: ${error.message}`, { cause: error });
      throw error;
    }
  }

  function expectSameRows(model: CompiledModel, what: string, spec: TableSpec, duck: unknown[], zeta: unknown[]) {
    const problems = rowDifferences(spec.columns, duck as never, zeta as never);
    expect(
      problems,
      `${model.name} (${what}): DuckDB and ZetaSQL disagree (FLOAT64 within ${FLOAT_RELATIVE_TOLERANCE})`,
    ).to.deep.equal([]);
  }

  before(async function () {
    [zetasql, duckdb] = await Promise.all([ZetaSql.start(), tempDuckDb('engines-equivalence-')]);
    for (const { spec, rows } of rawFixtures()) await insertRows(duckdb.warehouse, spec, rows);
    built = await buildOnDuckDb({});
  });

  it('the fixtures exercise NULLs, ties, empty groups, time zones, duplicates and late events', async function () {
    const count = async (sql: string) => Number((await duckdb.warehouse.query<{ n: unknown }>(sql))[0]?.n);
    const checks: Record<string, string> = {
      'an offer without a rate and one of 0.0': `SELECT COUNT(*) AS n FROM raw.crm_propositions WHERE TXHA__c IS NULL OR TXHA__c = 0`,
      'offers tied on rate, insurance and duration': `SELECT COUNT(*) AS n FROM (SELECT 1 FROM raw.crm_propositions WHERE TXHA__c IS NOT NULL GROUP BY Opportunity__c, TXHA__c, TauxAss__c, DureePret_Mois__c HAVING COUNT(*) > 1)`,
      'duplicate bank names': `SELECT COUNT(*) AS n FROM (SELECT Name FROM raw.crm_banks GROUP BY Name HAVING COUNT(*) > 1)`,
      'duplicate deliveries of a message_id': `SELECT COUNT(*) AS n FROM (SELECT message_id FROM raw.mkt_events GROUP BY message_id HAVING COUNT(*) > 1)`,
      'an event received days after it happened': `SELECT COUNT(*) AS n FROM raw.mkt_events WHERE received_at > timestamp + INTERVAL 1 DAY`,
      'source text in another time zone than UTC': `SELECT COUNT(*) AS n FROM raw.mkt_events WHERE _raw LIKE '%"timestamp":"%+01:00"%' OR _raw LIKE '%"timestamp":"%-05:00"%'`,
      'a session across midnight UTC': `SELECT COUNT(*) AS n FROM marts.fct_sessions WHERE CAST(started_at AS DATE) <> CAST(ended_at AS DATE)`,
      'a gap of exactly 30 minutes inside a session': `SELECT COUNT(*) AS n FROM (SELECT event_at - LAG(event_at) OVER (PARTITION BY session_key ORDER BY event_at) AS gap FROM marts.fct_events) WHERE gap = INTERVAL 30 MINUTE`,
      'a device identified after its first events': `SELECT COUNT(*) AS n FROM staging.stg_mkt_identities i JOIN staging.stg_mkt_events e USING (anonymous_id) WHERE e.event_at < i.identified_at`,
      'an empty group: a day with events but no page view': `SELECT COUNT(*) AS n FROM (SELECT DISTINCT event_date FROM marts.fct_events EXCEPT SELECT day FROM marts.traffic_daily)`,
      'a funnel ratio over zero sessions of a step (NULL)': `SELECT COUNT(*) AS n FROM marts.funnel_daily WHERE simulation_start_rate IS NULL OR lead_rate IS NULL`,
      'a user version tie on updated_at': `SELECT COUNT(*) AS n FROM (SELECT user_id FROM raw.mkt_users GROUP BY user_id, updated_at HAVING COUNT(*) > 1)`,
    };
    const missing: string[] = [];
    for (const [what, sql] of Object.entries(checks)) if (!((await count(sql)) > 0)) missing.push(what);
    expect(missing, 'cases the fixtures no longer exercise').to.deep.equal([]);
  });

  after(async function () {
    await zetasql?.stop();
    await duckdb?.dispose();
  });

  it('builds every model of the project on DuckDB from the fixtures', function () {
    const failed = built
      .filter((s) => s.status !== 'success')
      .map((s) => `${s.name}: ${s.status} ${s.error?.message ?? s.message ?? ''}`);
    expect(failed).to.deep.equal([]);
    expect(built.map((s) => s.name)).to.have.members(MODELS.map((m) => `model:${m.ref.layer}.${m.name}`));
  });

  describe('full builds', function () {
    for (const model of MODELS) {
      it(`${model.ref.layer}.${model.name} (${model.materialized})`, async function () {
        const zeta = await evaluate(`model ${model.name} (${model.path})`, model.sql, await modelInputs(model, model.sql), {
          pseudonym_salt: SALT,
        });
        const duck = await readRows(duckdb.warehouse, model.spec);
        expect(duck, `the fixtures give ${model.name} no row: they do not exercise it`).to.not.deep.equal([]);
        expectSameRows(model, 'full build', model.spec, duck, zeta);
      });
    }
  });

  // Data tests are SQL too: each fails the same rows on both engines (the fixtures make several fail).
  describe('data tests', function () {
    const duckTests = new Map(
      listCompiledModels(DEFAULT_MODELS_DIR, 'duckdb', duckDbQualify)
        .flatMap((m) => m.tests)
        .map((t) => [t.name, t]),
    );
    for (const test of MODELS.flatMap((m) => m.tests)) {
      it(`${test.name} (${test.kind} on ${test.model})`, async function () {
        const twin = duckTests.get(test.name);
        expect(twin, `no DuckDB compilation of test ${test.name}`).to.not.equal(undefined);
        const tables = await inputs(`data test ${test.name}`, test.sources, test.dependsOn, test.sql);
        const zeta = await evaluate(`data test ${test.name} of ${test.model}`, test.sql, tables, test.params, test.types);
        const duck = await duckdb.warehouse.query(twin!.sql, twin!.params, { types: twin!.types });
        const problems = rowDifferences(resultColumns(duck[0] ?? zeta[0] ?? {}), duck, zeta);
        expect(problems, `data test ${test.name}: DuckDB and ZetaSQL find different failing rows`).to.deep.equal([]);
      });
    }
  });

  describe(`incremental builds of ${PARTITION_SUBSET.join(', ')}`, function () {
    for (const model of MODELS.filter((m) => m.incremental)) {
      const incremental = model.incremental!;
      it(`${model.ref.layer}.${model.name} (partitions of ${incremental.partitionBy})`, async function () {
        cache.clear();
        const before = await readRows(duckdb.warehouse, model.spec, {
          column: incremental.partitionBy,
          values: PARTITION_SUBSET,
        });
        const steps = await buildOnDuckDb({ models: [model.name], partitions: PARTITION_SUBSET });
        expect(steps.map((s) => `${s.name}: ${s.status} ${s.error?.message ?? ''}`)).to.deep.equal([
          `model:${model.ref.layer}.${model.name}: success `,
        ]);
        const duck = await readRows(duckdb.warehouse, model.spec, { column: incremental.partitionBy, values: PARTITION_SUBSET });
        const zeta = await evaluate(
          `the incremental SELECT of ${model.name} (${model.path})`,
          incremental.sql,
          await modelInputs(model, incremental.sql),
          { pseudonym_salt: SALT, partitions: PARTITION_SUBSET },
        );
        const outside = zeta.filter((row) => !PARTITION_SUBSET.includes(String(row[incremental.partitionBy])));
        expect(outside, `${model.name}: the incremental SELECT returns rows outside the partitions asked`).to.deep.equal([]);
        expectSameRows(model, 'incremental build', model.spec, duck, zeta);
        // And the rebuilt partitions are what the full build had put there.
        const problems = rowDifferences(model.spec.columns, before, duck, { left: 'full build', right: 'incremental build' });
        expect(problems, `${model.name}: DuckDB's incremental rebuild differs from its full build`).to.deep.equal([]);
      });
    }
  });

  describe('row-level incremental SELECTs (unique_key), for the rows of the second load', function () {
    const duckModels = listCompiledModels(DEFAULT_MODELS_DIR, 'duckdb', duckDbQualify);
    for (const model of MODELS.filter((m) => m.incremental?.merge)) {
      const incremental = model.incremental!;
      const merge = incremental.merge!;
      it(`${model.ref.layer}.${model.name} (by ${merge.uniqueKey})`, async function () {
        cache.clear();
        const duckModel = duckModels.find((m) => m.name === model.name)!.incremental!;
        const source = duckdb.warehouse.qualify(incremental.source);
        // What a scheduled run after the first load would read: the window (first load, last load] and its partitions.
        const [window] = await duckdb.warehouse.query<{ since: number; until: number }>(
          `SELECT epoch_us(MIN(${incremental.loadedAt})) AS since, epoch_us(MAX(${incremental.loadedAt})) AS until FROM ${source}`,
        );
        const since = Number(window!.since);
        const until = Number(window!.until);
        expect(until, `${model.name}: the fixtures need loads at two times`).to.be.greaterThan(since);
        const partitions = (
          await duckdb.warehouse.query<{ p: string }>(
            `SELECT DISTINCT CAST(${duckModel.partitionExpr} AS VARCHAR) AS p FROM ${source}
             WHERE epoch_us(${incremental.loadedAt}) > ${since} ORDER BY p`,
          )
        ).map((r) => r.p);
        const params: Params = { pseudonym_salt: SALT, partitions, since, until };
        const used = new Set(paramNames(duckModel.merge!.sql));
        const duck = await duckdb.warehouse.query(
          duckModel.merge!.sql,
          Object.fromEntries(Object.entries(params).filter(([name]) => used.has(name))),
          { types: { partitions: 'ARRAY<STRING>', since: 'INT64', until: 'INT64' } },
        );
        const zeta = await evaluate(
          `the row-level SELECT of ${model.name} (${model.path})`,
          merge.sql,
          await modelInputs(model, merge.sql),
          params,
          {
            since: 'INT64',
            until: 'INT64',
          },
        );
        expect(zeta, `${model.name}: the row-level SELECT returns no row on the fixtures`).to.not.deep.equal([]);
        expectSameRows(model, 'row-level build', model.spec, duck, zeta);
        // Fewer rows than the whole partitions: only what the second load touched.
        const whole = await duckdb.warehouse.query(
          duckModel.sql,
          { ...(paramNames(duckModel.sql).includes('pseudonym_salt') ? { pseudonym_salt: SALT } : {}), partitions },
          { types: { partitions: 'ARRAY<STRING>' } },
        );
        expect(duck.length, `${model.name}: rows of the row-level SELECT vs whole partitions`).to.be.lessThan(whole.length);
      });
    }
  });
});
