import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { silentLogger } from '../../../pipelines/core/logger.js';
import type { StepResult } from '../../../pipelines/core/result.js';
import { highWaterMarkStatement, readHighWaterMark } from '../../../pipelines/extract/api/high-water-marks.js';
import { STREAMS } from '../../../pipelines/extract/api/streams.js';
import { CRM_SOURCES } from '../../../pipelines/extract/csv/crm-sources.js';
import { ledgerStatement, readLedger } from '../../../pipelines/load/file-ledger.js';
import { RAW_VERSION_BY, rawTableSpec } from '../../../pipelines/load/raw-tables.js';
import { WarehouseLock } from '../../../pipelines/state/lock.js';
import { QUARANTINE } from '../../../pipelines/state/ops-tables.js';
import { RunStore } from '../../../pipelines/state/run-store.js';
import {
  type CompiledModel,
  DEFAULT_MODELS_DIR,
  bigQueryQualify,
  compileProject,
  listCompiledModels,
  listSources,
  runPlan,
} from '../../../pipelines/transform/index.js';
import { labelValue } from '../../../pipelines/warehouse/bigquery/bigquery-labels.js';
import { BigQueryWarehouse } from '../../../pipelines/warehouse/bigquery/bigquery-warehouse.js';
import type { ColumnType, LoadUnit, ParamTypes, StagedLoad, Statement, TableSpec } from '../../../pipelines/warehouse/types.js';
import { type CatalogSpec, ZetaSql, ZetaSqlError } from '../../support/zetasql/zetasql.js';
import { analyzeJobs } from './support/analyze-jobs.js';
import { type CannedResult, type CapturedJob, CapturingBigQuery } from './support/capturing-bigquery.js';
import { RAW_SPECS, declaredTables } from './support/declared-tables.js';

const PROJECT = 'elt-proj';
const PREFIX = 'elt_';
const SALT = 'salt-for-the-analysis';
const RUN_ID = 'analysis-run';

// Whatever models exist now: the list is read when the file loads, so new models are covered.
const MODELS: CompiledModel[] = listCompiledModels(DEFAULT_MODELS_DIR, 'bigquery', bigQueryQualify(PROJECT, PREFIX));
const DECLARED: TableSpec[] = declaredTables(MODELS);

/** Types of the run parameters a model may read (the plan's params are strings). */
const RUN_PARAM_TYPES: ParamTypes = { pseudonym_salt: 'STRING' };

/** A canned single-row answer: REST fields and one row of text values. */
function oneRow(columns: Record<string, { type: string; value: string | null }>): CannedResult {
  return {
    fields: Object.entries(columns).map(([name, c]) => ({ name, type: c.type })),
    rows: [{ f: Object.values(columns).map((c) => ({ v: c.value })) }],
  };
}

// The dialect: every statement the BigQuery warehouse sends (DDL, DML, MERGE of loads, the models'
// SELECTs, data tests, state) is resolved by ZetaSQL's analyzer with BigQuery's language features
// against the declared schemas. The statements are the warehouse's own: a production-mode
// BigQueryWarehouse talks to an in-memory REST API that records its jobs (see CapturingBigQuery).
describe('BigQuery dialect: ZetaSQL analyzes every statement the BigQuery warehouse sends', function () {
  this.timeout(120_000);
  let zetasql: ZetaSql;
  let bigquery: CapturingBigQuery;
  let warehouse: BigQueryWarehouse;
  let dir: string;
  /** Jobs of the two transform runs: the first build, then an incremental run after new loads. */
  let transformJobs: CapturedJob[] = [];
  let runSteps: StepResult[] = [];

  const datasetLayer = (datasetId: string) => datasetId.slice(PREFIX.length);
  /** Declared schemas, and the scratch tables the warehouse created for its loads (their declared schema). */
  const catalog = (): CatalogSpec => ({
    tables: [
      ...DECLARED,
      ...bigquery.created
        .filter((t) => t.datasetId === `${PREFIX}ops` && t.tableId.startsWith('elt_load_'))
        .map((t) => ({
          ref: { layer: 'ops' as const, name: t.tableId },
          columns: t.fields.map((f) => ({ name: f.name, type: f.type as ColumnType })),
        })),
    ],
    projectId: PROJECT,
    datasetPrefix: PREFIX,
  });

  before(async function () {
    zetasql = await ZetaSql.start();
    bigquery = await CapturingBigQuery.start(PROJECT, (datasetId, tableId) =>
      DECLARED.find((t) => t.ref.layer === datasetLayer(datasetId) && t.ref.name === tableId),
    );
    warehouse = new BigQueryWarehouse(
      { projectId: PROJECT, location: 'EU', datasetPrefix: PREFIX, labels: {} },
      bigquery.client(),
    );
    dir = mkdtempSync(join(tmpdir(), 'engines-analyze-'));

    const plan = compileProject(DEFAULT_MODELS_DIR, 'bigquery', (ref) => warehouse.qualify(ref), { pseudonymSalt: SALT });
    const logger = silentLogger();
    transformJobs = await bigquery.capture(async () => {
      // First build: no table, no watermark: every model is built whole.
      runSteps = await runPlan(plan, { warehouse, runId: RUN_ID, logger });
      // Then rows loaded after the watermark: incremental models rebuild the partitions they feed.
      bigquery.answer = (sql) => {
        if (/ AS until\b/.test(sql)) return oneRow({ until: { type: 'INTEGER', value: '1772600000000000' } });
        if (/ AS since\b/.test(sql)) return oneRow({ since: { type: 'INTEGER', value: '1772500000000000' } });
        if (/ AS partition_value\b/.test(sql)) {
          return {
            fields: [{ name: 'partition_value', type: 'STRING' }],
            rows: [{ f: [{ v: '2026-03-01' }] }, { f: [{ v: '2026-03-02' }] }],
          };
        }
        return undefined;
      };
      try {
        runSteps.push(...(await runPlan(plan, { warehouse, runId: `${RUN_ID}-2`, logger })));
      } finally {
        bigquery.answer = () => undefined;
      }
    });
  });

  after(async function () {
    await zetasql?.stop();
    await bigquery?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('runs every model and data test of the project on the BigQuery warehouse (statements captured)', function () {
    const failed = runSteps.filter((s) => s.status !== 'success').map((s) => `${s.name}: ${s.status} ${s.error?.message ?? ''}`);
    expect(failed).to.deep.equal([]);
    expect(runSteps.filter((s) => s.kind === 'model')).to.have.length(MODELS.length * 2);
  });

  const modelJobs = (model: CompiledModel) =>
    transformJobs.filter(
      (j) => j.labels.model === labelValue(model.name) && j.labels.step === labelValue(`model:${model.ref.layer}.${model.name}`),
    );

  for (const model of MODELS) {
    describe(`model ${model.ref.layer}.${model.name} (${model.materialized})`, function () {
      it('its SELECT resolves against the declared schemas, with the columns and types its YAML declares', async function () {
        await expectColumns(model, model.sql, { ...RUN_PARAM_TYPES });
      });

      if (model.incremental) {
        const incremental = model.incremental;
        it(`its incremental SELECT resolves with @partitions ${incremental.types.partitions}, with the declared columns`, async function () {
          expect(incremental.types.partitions).to.equal('ARRAY<DATE>');
          await expectColumns(model, incremental.sql, { ...RUN_PARAM_TYPES, ...incremental.types });
        });
        const merge = incremental.merge;
        if (merge) {
          it(`its row-level SELECT (by ${merge.uniqueKey}) resolves with @partitions, @since and @until, with the declared columns`, async function () {
            await expectColumns(model, merge.sql, { ...RUN_PARAM_TYPES, ...merge.types });
          });
        }
      }

      it('the statements BigQueryWarehouse sends to build it resolve', async function () {
        const jobs = modelJobs(model);
        const kinds = await analyzeJobs(zetasql, jobs, catalog(), `model ${model.name}`);
        const expected =
          model.materialized === 'view'
            ? ['CREATE VIEW']
            : model.materialized === 'table'
              ? ['CREATE TABLE']
              : // First build, then the partitions' DELETE + INSERT in a transaction, and the watermark.
                ['CREATE TABLE', 'BEGIN', 'DELETE', 'INSERT', 'COMMIT'];
        expect(kinds, `statement kinds of ${model.name}`).to.include.members(expected);
        if (model.incremental) {
          const script = jobs.find((j) => /IN UNNEST\(@elt_partitions\)/.test(j.sql));
          expect(script, `${model.name}: no partition rebuild was sent`).to.not.equal(undefined);
          expect(script!.sql).to.include(
            `DELETE FROM ${warehouse.qualify(model.ref)} WHERE \`${model.incremental.partitionBy}\``,
          );
        }
      });

      for (const test of model.tests) {
        it(`data test ${test.name} (${test.kind}) resolves as runDataTest sends it`, async function () {
          const jobs = transformJobs.filter((j) => j.sql.includes(test.sql));
          expect(jobs, `no query of data test ${test.name} was sent`).to.not.deep.equal([]);
          await analyzeJobs(zetasql, jobs, catalog(), `data test ${test.name} on ${model.name}`);
        });
      }
    });
  }

  it('the transform’s other statements (counts, describe) resolve', async function () {
    const attributed = new Set([
      ...MODELS.flatMap((m) => modelJobs(m)),
      ...transformJobs.filter((j) => MODELS.some((m) => m.tests.some((t) => j.sql.includes(t.sql)))),
    ]);
    const others = transformJobs.filter((j) => !attributed.has(j));
    expect(others).to.not.deep.equal([]);
    await analyzeJobs(zetasql, others, catalog(), 'transform');
  });

  describe('loads: the commit of each raw table, with its write mode, quarantine and state', function () {
    let file: string;
    before(function () {
      // The capturing API drains uploads unread: any file stands for the staged rows.
      file = join(dir, 'staged.parquet');
      writeFileSync(file, 'staged rows');
    });

    const commit = async (unit: Omit<LoadUnit, 'context'>, what: string) => {
      const jobs = await bigquery.capture(() => warehouse.commitUnit({ ...unit, context: { runId: RUN_ID, step: what } }));
      const kinds = await analyzeJobs(zetasql, jobs, catalog(), what);
      expect(kinds).to.include.members(['BEGIN', 'COMMIT', 'SCRIPT']);
      return { jobs, kinds };
    };

    for (const source of Object.values(CRM_SOURCES)) {
      const spec = rawTableSpec(source);
      it(`raw.${source.rawTable}: upsert on ${source.primaryKey} by (${RAW_VERSION_BY.join(', ')}), quarantine append, ledger MERGE`, async function () {
        const loads: StagedLoad[] = [
          {
            target: spec,
            file,
            format: 'parquet',
            write: { mode: 'upsert', key: [source.primaryKey], versionBy: RAW_VERSION_BY },
          },
          { target: QUARANTINE, file, format: 'parquet', write: { mode: 'append' } },
        ];
        const ledger = ledgerStatement(warehouse, {
          fileVersionId: 'f'.repeat(64),
          fileName: `${source.table}_20260301.csv`,
          tableName: source.table,
          sizeBytes: 1234,
          checksum: 'f'.repeat(64),
          exportedAt: new Date('2026-03-01T06:00:00Z'),
          status: 'loaded',
          rowsRead: 10,
          rowsLoaded: 9,
          rowsQuarantined: 1,
          message: null,
          loadId: 'load-1',
          runId: RUN_ID,
          loadedAt: new Date('2026-03-01T07:00:00Z'),
        });
        const { kinds } = await commit(
          { unitId: `crm_${source.table}_1`, loads, state: [ledger] },
          `commit raw.${source.rawTable}`,
        );
        expect(kinds.filter((k) => k === 'MERGE')).to.have.length(2);
        expect(kinds).to.include('INSERT');
      });
    }

    for (const stream of Object.values(STREAMS)) {
      const spec = stream.table;
      it(`${stream.tableName}: ${stream.write.mode} on ${'key' in stream.write ? stream.write.key.join(', ') : ''}, quarantine insert-new, high-water mark MERGE`, async function () {
        // The loaded rows' range of the pruning column, which the MERGE takes as parameters.
        bigquery.answer = (sql) =>
          / AS null_rows\b/.test(sql)
            ? oneRow({
                lo: { type: 'TIMESTAMP', value: '1772323200000000' },
                hi: { type: 'TIMESTAMP', value: '1772409600000000' },
                null_rows: { type: 'INTEGER', value: '0' },
              })
            : undefined;
        const loads: StagedLoad[] = [
          { target: spec, file, format: 'ndjson', write: stream.write },
          { target: QUARANTINE, file, format: 'ndjson', write: { mode: 'insert-new', key: ['table_name', 'raw_record'] } },
        ];
        const mark = highWaterMarkStatement(warehouse, stream.name, '2026-03-02T00:00:00.000Z', RUN_ID, new Date());
        try {
          const { jobs, kinds } = await commit(
            { unitId: `mkt_${stream.name}_1`, loads, state: [mark] },
            `commit ${stream.tableName}`,
          );
          expect(kinds.filter((k) => k === 'MERGE')).to.have.length(3);
          const script = jobs.find((j) => j.sql.includes('BEGIN TRANSACTION'))!.sql;
          if (stream.write.mode === 'insert-new' && stream.write.pruneBy) {
            expect(script).to.include(`T.\`${stream.write.pruneBy}\` BETWEEN @elt_lo_0 AND @elt_hi_0`);
          }
        } finally {
          bigquery.answer = () => undefined;
        }
      });
    }

    it('covers every raw table the models read', function () {
      const covered = new Set([
        ...Object.values(CRM_SOURCES).map((s) => `raw.${s.rawTable}`),
        ...Object.values(STREAMS).map((s) => s.tableName),
      ]);
      const read = listSources().map((s) => `${s.ref.layer}.${s.ref.name}`);
      expect(read.filter((name) => !covered.has(name))).to.deep.equal([]);
      expect([...covered].sort()).to.deep.equal(RAW_SPECS.map((s) => `raw.${s.ref.name}`).sort());
    });
  });

  describe('the pipeline’s state statements', function () {
    const statements = async (what: string, work: () => Promise<unknown>, expected: string[]) => {
      const jobs = await bigquery.capture(work);
      expect(jobs, `${what} sent nothing`).to.not.deep.equal([]);
      const kinds = await analyzeJobs(zetasql, jobs, catalog(), what);
      expect(kinds, what).to.include.members(expected);
    };
    const step: StepResult = {
      name: 'model:marts.best_proposition',
      kind: 'model',
      status: 'success',
      startedAt: '2026-03-01T07:00:00.000Z',
      endedAt: '2026-03-01T07:00:01.000Z',
      durationMs: 1000,
      rows: 12,
    };

    it('RunStore: start (INSERT), recordStep (INSERT), finish (UPDATE), succeededSteps (SELECT)', async function () {
      const store = new RunStore(warehouse);
      await statements(
        'RunStore',
        async () => {
          await store.start({
            runId: RUN_ID,
            kind: 'backfill',
            startedAt: '2026-03-01T07:00:00.000Z',
            window: { from: '2026-02-01T00:00:00.000Z', to: '2026-03-01T00:00:00.000Z' },
            args: { streams: ['events'] },
          });
          await store.start({ runId: `${RUN_ID}-b`, kind: 'manual', startedAt: '2026-03-01T07:00:00.000Z' });
          await store.recordStep(RUN_ID, step);
          await store.recordStep(RUN_ID, {
            ...step,
            status: 'error',
            error: { kind: 'terminal', message: 'boom' },
            rows: undefined,
          });
          await store.finish({
            runId: RUN_ID,
            kind: 'manual',
            status: 'error',
            startedAt: step.startedAt,
            endedAt: step.endedAt,
            durationMs: 1000,
            steps: [step],
            error: { step: step.name, message: 'boom' },
          });
          await store.succeededSteps(RUN_ID);
        },
        ['INSERT', 'UPDATE', 'QUERY'],
      );
    });

    it('WarehouseLock: acquire, holder, renewal, release', async function () {
      const lock = new WarehouseLock(warehouse, 'pipeline', `host:1:${RUN_ID}`, 1500);
      await statements(
        'WarehouseLock',
        async () => {
          // The lock's holder is this owner: it is acquired, then renewed every max(1 s, ttl/3).
          bigquery.answer = (sql) =>
            /SELECT owner, acquired_at, expires_at/.test(sql)
              ? oneRow({
                  owner: { type: 'STRING', value: lock.owner },
                  acquired_at: { type: 'TIMESTAMP', value: '1772348400000000' },
                  expires_at: { type: 'TIMESTAMP', value: '1772352000000000' },
                })
              : undefined;
          try {
            expect(await lock.acquire()).to.deep.equal({ acquired: true });
            const deadline = Date.now() + 5000;
            while (!bigquery.jobs.some((j) => /^UPDATE \S+ SET expires_at/.test(j.sql.trim())) && Date.now() < deadline) {
              await new Promise((resolve) => setTimeout(resolve, 50));
            }
          } finally {
            await lock.release();
            bigquery.answer = () => undefined;
          }
        },
        ['QUERY', 'UPDATE', 'DELETE'],
      );
    });

    it('file ledger: readLedger (SELECT); ledgerStatement is analyzed in the CRM commits', async function () {
      await statements('file ledger', () => readLedger(warehouse), ['QUERY']);
    });

    it('high-water marks: readHighWaterMark (SELECT), highWaterMarkStatement (MERGE) in a transaction', async function () {
      await statements(
        'high-water marks',
        async () => {
          await readHighWaterMark(warehouse, 'events');
          const statement: Statement = highWaterMarkStatement(warehouse, 'users', '2026-03-02T00:00:00.000Z', RUN_ID, new Date());
          await warehouse.transaction([statement], { runId: RUN_ID });
        },
        ['QUERY', 'BEGIN', 'MERGE', 'COMMIT'],
      );
    });
  });

  /** Analyzes a model's SELECT and checks its output columns against the YAML, in order. */
  async function expectColumns(model: CompiledModel, sql: string, types: ParamTypes): Promise<void> {
    let columns: Array<{ name: string; type: string }>;
    try {
      ({ columns } = await zetasql.analyze(sql, catalog(), { types }));
    } catch (error) {
      if (error instanceof ZetaSqlError)
        throw new Error(`model ${model.name} (${model.path}): ZetaSQL: ${error.message}`, { cause: error });
      throw error;
    }
    expect(
      columns.map((c) => `${c.name} ${c.type}`),
      `model ${model.name}: output columns as BigQuery types them vs ${model.yamlPath}`,
    ).to.deep.equal(model.spec.columns.map((c) => `${c.name} ${c.type}`));
  }
});
