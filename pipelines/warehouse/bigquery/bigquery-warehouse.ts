import { randomUUID } from 'node:crypto';
import type { BigQuery } from '@google-cloud/bigquery';
import { type ErrorContext, type PipelineError, TerminalError } from '../../core/errors.js';
import type { Warehouse } from '../warehouse.js';
import {
  LAYERS,
  type ColumnSpec,
  type ColumnType,
  type JobContext,
  type Layer,
  type LoadUnit,
  type MaterializeRequest,
  type ParamTypes,
  type Params,
  type QueryOptions,
  type StagedLoad,
  type Statement,
  type TableInfo,
  type TableRef,
  type TableSpec,
  type UnitResult,
} from '../types.js';
import { BigQueryApi, type JobResource, type QueryResult, type TableResource } from './bigquery-api.js';
import { createBigQueryClient } from './bigquery-client.js';
import type { BigQueryConfig } from './bigquery-config.js';
import { mapBigQueryError } from './bigquery-errors.js';
import { jobLabels, labelValue, sanitizeLabels } from './bigquery-labels.js';
import { castParamsForEmulator, prefixParams } from './bigquery-params.js';
import { emulatorMerge, isMerge } from './emulator-merge.js';
import { paramNames, rewriteParams, withoutComments } from '../sql-params.js';
import {
  type LoadStatementInput,
  TABLE_ID,
  commitScript,
  emulatorCommitScript,
  incrementalScript,
  loadStatement,
  quoteIdentifier,
  tablePath,
  transactionScript,
  trimStatement,
} from './bigquery-sql.js';
import { googleSqlType, rowsToObjects, type SchemaField } from './bigquery-values.js';
import { TableSemaphore, dmlConcurrencyPerTable, mutatedTables } from './table-semaphore.js';

export { dmlConcurrencyPerTable } from './table-semaphore.js';

const COLUMN_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,299}$/;
const UNIT_ID = /^[A-Za-z0-9_-]{1,200}$/;
const SCRATCH_TTL_MS = 24 * 3600 * 1000;
const MAX_ATTEMPTS = 100;

type Operation =
  'init' | 'ensure-table' | 'query' | 'execute' | 'transaction' | 'load' | 'commit' | 'materialize' | 'describe' | 'drop';

/**
 * The BigQuery warehouse: one dataset per layer (`${prefix}raw`, ...), created with the configured
 * location, labels and a description; tables with explicit schemas, column descriptions, daily
 * partitioning and clustering from their spec.
 *
 * Loads are load jobs (NDJSON or Parquet, never streaming inserts) into a scratch table of the `ops`
 * dataset, then one multi-statement transaction applies them (INSERT for append, MERGE for upsert and
 * insert-new, pruned to the partitions the file spans) together with the unit's state statements.
 * Job ids are deterministic: `<unitId>_<layer>_<table>_<attempt>` for loads and
 * `<unitId>_commit_<attempt>` for the transaction, where the attempt is one more than the attempts
 * that already exist. A commit attempt that already succeeded within the same run (its `run_id`
 * label) is not run again: its result is returned, so the runner's retry after a lost response never
 * applies a unit twice. Every job carries labels (pipeline, run_id, step, table or model, operation).
 *
 * Values go in as query parameters, relation names only through `qualify`. Query results come back as
 * plain values (see `rowsToObjects`): TIMESTAMP as ISO strings with `Z`, DATE as `YYYY-MM-DD`, JSON as
 * text. At most `dmlConcurrencyPerTable` DML statements run at once per table from this process, and
 * a transaction runs alone on the tables it mutates.
 *
 * Against the emulator (`apiEndpoint` set, and only then) some paths differ because the emulator
 * lacks the feature: see README.md in this folder.
 */
export class BigQueryWarehouse implements Warehouse {
  readonly engine = 'bigquery' as const;
  readonly #config: BigQueryConfig;
  readonly #api: BigQueryApi;
  readonly #emulator: boolean;
  readonly #semaphore: TableSemaphore;

  constructor(
    config: BigQueryConfig,
    client: BigQuery = createBigQueryClient(config),
    semaphore: TableSemaphore = new TableSemaphore(),
  ) {
    this.#config = config;
    this.#api = new BigQueryApi(client, config.projectId, config.location);
    this.#emulator = Boolean(config.apiEndpoint);
    this.#semaphore = semaphore;
  }

  /** Opens a client for the configuration (no request is made until the first call). */
  static async open(config: BigQueryConfig): Promise<BigQueryWarehouse> {
    return new BigQueryWarehouse(config);
  }

  /** The dataset of a layer. */
  datasetId(layer: Layer): string {
    return `${this.#config.datasetPrefix}${layer}`;
  }

  qualify(ref: TableRef): string {
    checkRef(ref);
    return tablePath(this.#config.projectId, this.datasetId(ref.layer), ref.name);
  }

  async init(): Promise<void> {
    for (const layer of LAYERS) {
      const datasetId = this.datasetId(layer);
      const context = { step: 'init', table: datasetId };
      try {
        if (await this.#api.getOrNull(`/datasets/${encodeURIComponent(datasetId)}`)) continue;
        await this.#api.request({
          method: 'POST',
          uri: '/datasets',
          json: {
            datasetReference: { projectId: this.#config.projectId, datasetId },
            location: this.#config.location,
            description: `Mortgage ELT, ${layer} layer: ${LAYER_DESCRIPTIONS[layer]}`,
            labels: sanitizeLabels(this.#config.labels, { pipeline: 'mortgage-elt', layer }),
          },
        });
      } catch (error) {
        if (isAlreadyExists(error)) continue;
        throw this.#error(error, context);
      }
    }
  }

  async ensureTable(spec: TableSpec, context: JobContext = {}): Promise<string[]> {
    checkSpec(spec);
    const datasetId = this.datasetId(spec.ref.layer);
    const ctx = { ...context, table: refName(spec.ref) };
    try {
      let existing = await this.#api.getTable(datasetId, spec.ref.name);
      if (!existing) {
        try {
          await this.#api.request({
            method: 'POST',
            uri: `/datasets/${encodeURIComponent(datasetId)}/tables`,
            json: this.#tableResource(spec),
          });
          return [];
        } catch (error) {
          if (!isAlreadyExists(error)) throw error;
          existing = await this.#api.getTable(datasetId, spec.ref.name);
          if (!existing) throw error;
        }
      }
      const fields = existing.schema?.fields ?? [];
      const have = new Set(fields.map((f) => f.name.toLowerCase()));
      const missing = spec.columns.filter((c) => !have.has(c.name.toLowerCase()));
      if (missing.length === 0) return [];
      // New columns are NULLABLE: BigQuery cannot add a REQUIRED column to a table that has rows.
      const added = missing.map((c) => toField({ ...c, mode: 'NULLABLE' }));
      if (this.#emulator) {
        await this.#emulatorRebuildWithFields(datasetId, spec.ref.name, existing, added, ctx);
      } else {
        await this.#api.request({
          method: 'PATCH',
          uri: `/datasets/${encodeURIComponent(datasetId)}/tables/${encodeURIComponent(spec.ref.name)}`,
          json: { schema: { fields: [...fields, ...added] } },
        });
      }
      return missing.map((c) => c.name);
    } catch (error) {
      throw this.#error(error, ctx);
    }
  }

  async query<Row = Record<string, unknown>>(sql: string, params?: Params, options: QueryOptions = {}): Promise<Row[]> {
    const context = options.context ?? {};
    const { result } = await this.#runJob('query', sql, params, options.types, context);
    return rowsToObjects(result.fields, result.rows) as Row[];
  }

  async execute(sql: string, params?: Params, options: QueryOptions = {}): Promise<number | null> {
    const context = options.context ?? {};
    this.#checkEmulatorStatement(sql, params, context);
    const release = await this.#semaphore.acquire(mutatedTables(sql), 1);
    try {
      if (this.#emulator && isMerge(sql)) {
        const script = emulatorMerge(trimStatement(sql), Object.keys(params ?? {}), emulatorTempName(0), context);
        await this.#runEmulatorScript('execute', script.join(';\n'), params ?? {}, options.types ?? {}, context);
        return null;
      }
      const { job } = await this.#runJob('execute', sql, params, options.types, context);
      const affected = job?.statistics?.query?.numDmlAffectedRows;
      return affected === undefined ? null : Number(affected);
    } finally {
      release();
    }
  }

  async transaction(statements: Statement[], context: JobContext = {}): Promise<void> {
    if (statements.length === 0) return;
    const renamed = statements.map((s, i) => {
      this.#checkEmulatorStatement(s.sql, s.params, context);
      return prefixParams(trimStatement(s.sql), s.params, s.types, `s${i}_`);
    });
    const script = transactionScript(
      this.#emulator
        ? renamed.flatMap((s, i) => emulatorMerge(s.sql, Object.keys(s.params), emulatorTempName(i), context))
        : renamed.map((s) => s.sql),
    );
    const params = Object.assign({}, ...renamed.map((s) => s.params)) as Params;
    const types = Object.assign({}, ...renamed.map((s) => s.types)) as ParamTypes;
    const release = await this.#semaphore.acquire(mutatedTables(script), dmlConcurrencyPerTable);
    try {
      await this.#runScript('transaction', script, params, types, context);
    } finally {
      release();
    }
  }

  async commitUnit(unit: LoadUnit): Promise<UnitResult> {
    const context: JobContext = { ...unit.context };
    if (!UNIT_ID.test(unit.unitId)) {
      throw new TerminalError(`unitId ${JSON.stringify(unit.unitId)} must be 1 to 200 letters, digits, '_' or '-'`, {
        ...context,
        field: 'unitId',
      });
    }
    for (const s of unit.state) this.#checkEmulatorStatement(s.sql, s.params, context);
    for (const load of unit.loads) await this.ensureTable(load.target, context);
    const targets = unit.loads.map((load) => refName(load.target.ref));
    const commitIds = (attempt: number) => `${unit.unitId}_commit_${attempt}`;

    // A commit attempt of this unit that succeeded in this same run: the runner is retrying after
    // losing its answer. Re-applying would append twice; its result is the answer.
    const { attempt, last } = await this.#nextAttempt(commitIds, context);
    if (last && context.runId && last.configuration?.labels?.run_id === labelValue(context.runId)) {
      const done = await this.#api.waitForJob(last).then(
        (job) => job,
        () => null,
      );
      if (done) {
        const result = await this.#api.queryResults(done.jobReference.jobId).catch((error) => {
          throw this.#error(error, { ...context, jobId: done.jobReference.jobId });
        });
        return { written: writtenCounts(targets, rowsToObjects(result.fields, result.rows)[0]) };
      }
    }

    const jobId = commitIds(attempt);
    const state = unit.state.map((s, j) => prefixParams(trimStatement(s.sql), s.params, s.types, `s${j}_`));
    const scratch: string[] = [];
    try {
      const inputs: LoadStatementInput[] = [];
      const params: Params = {};
      const types: ParamTypes = {};
      for (const [index, load] of unit.loads.entries()) {
        const input = await this.#stageLoad(unit.unitId, load, index, attempt, context, scratch);
        if (input.prune) {
          Object.assign(params, input.bounds.params);
          Object.assign(types, input.bounds.types);
        }
        inputs.push(input.statement);
      }
      for (const s of state) {
        Object.assign(params, s.params);
        Object.assign(types, s.types);
      }
      const locked = [
        ...unit.loads.map((load) => `${this.datasetId(load.target.ref.layer)}.${load.target.ref.name}`),
        ...state.flatMap((s) => mutatedTables(s.sql)),
      ];
      const release = await this.#semaphore.acquire(locked, dmlConcurrencyPerTable);
      let counts: Record<string, unknown> | undefined;
      const labels = this.#labels('commit', context);
      try {
        if (this.#emulator) {
          const script = emulatorCommitScript(
            inputs,
            state.flatMap((s, j) => emulatorMerge(s.sql, Object.keys(s.params), emulatorTempName(j), context)),
            randomUUID().replace(/-/g, '').slice(0, 12),
          );
          const result = await this.#runEmulatorScript('commit', script, params, types, { ...context, jobId });
          counts = rowsToObjects(result.fields, result.rows)[0];
          // The unit is committed whatever happens to its record: a failed record must not fail it.
          await this.#recordEmulatorCommit(jobId, counts ?? {}, inputs.length, labels, context).catch(() => undefined);
        } else {
          const script = commitScript(
            inputs.map((input) => loadStatement(input)),
            state.map((s) => s.sql),
          );
          const job = await this.#submitAndWait(jobId, script, params, types, labels, context);
          const result = await this.#api.queryResults(job.jobReference.jobId);
          counts = rowsToObjects(result.fields, result.rows)[0];
        }
      } finally {
        release();
      }
      return { written: writtenCounts(targets, counts) };
    } catch (error) {
      throw this.#error(error, { ...context, jobId });
    } finally {
      await Promise.all(scratch.map((tableId) => this.#api.deleteTable(this.datasetId('ops'), tableId).catch(() => undefined)));
    }
  }

  async materialize(request: MaterializeRequest): Promise<{ rows: number | null }> {
    const spec = request.spec;
    checkRef(spec.ref);
    const target = this.qualify(spec.ref);
    const datasetId = this.datasetId(spec.ref.layer);
    const context: JobContext = { ...request.context, table: refName(spec.ref) };
    const materialization = request.materialization;
    try {
      const existing = await this.#api.getTable(datasetId, spec.ref.name);
      if (materialization.kind === 'view') {
        if (request.params && Object.keys(request.params).length > 0) {
          throw new TerminalError('a BigQuery view cannot take query parameters; materialize it as a table', context);
        }
        // A table cannot be replaced by a view; the emulator keeps a replaced view's old schema.
        if (existing && (existing.type !== 'VIEW' || this.#emulator)) await this.#api.deleteTable(datasetId, spec.ref.name);
        await this.#runJob(
          'materialize',
          `CREATE OR REPLACE VIEW ${target} AS\n${trimStatement(request.sql)}`,
          undefined,
          undefined,
          context,
        );
        await this.#describeRelation(datasetId, spec, context);
        return { rows: null };
      }
      if (materialization.kind === 'table' || materialization.full || existing?.type !== 'TABLE') {
        const partitionColumn =
          materialization.kind === 'incremental' ? materialization.partitionColumn : spec.partitionBy?.column;
        const partition = partitionClause(spec, partitionColumn, materialization.kind === 'incremental');
        const clustering = spec.clusterBy ?? [];
        // A view cannot be replaced by a table, nor a table by one partitioned or clustered otherwise;
        // the emulator keeps a replaced table's old schema.
        const sameLayout =
          existing?.type === 'TABLE' &&
          (existing.timePartitioning?.field ?? null) === (partition ? (partitionColumn ?? null) : null) &&
          (existing.clustering?.fields ?? []).join(',') === clustering.join(',');
        if (existing && (!sameLayout || this.#emulator)) await this.#api.deleteTable(datasetId, spec.ref.name);
        const ddl = [
          `CREATE OR REPLACE TABLE ${target}`,
          partition,
          clustering.length ? `CLUSTER BY ${clustering.map(quoteIdentifier).join(', ')}` : '',
          `AS\n${trimStatement(request.sql)}`,
        ]
          .filter(Boolean)
          .join('\n');
        await this.#runJob('materialize', ddl, request.params, request.types, context);
        await this.#describeRelation(datasetId, spec, context);
      } else {
        const columns = (existing.schema?.fields ?? []).map((f) => f.name);
        const script = incrementalScript(
          target,
          materialization.partitionColumn,
          'elt_partitions',
          columns,
          trimStatement(request.sql),
          materialization.uniqueKey,
        );
        const params = { ...request.params, elt_partitions: materialization.partitions };
        const types: ParamTypes = { ...request.types, elt_partitions: 'ARRAY<DATE>' };
        const release = await this.#semaphore.acquire(mutatedTables(script), dmlConcurrencyPerTable);
        try {
          await this.#runScript('materialize', script, params, types, context);
        } finally {
          release();
        }
      }
      const [row] = await this.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${target}`, {}, { context });
      return { rows: row?.n ?? null };
    } catch (error) {
      throw this.#error(error, context);
    }
  }

  async describe(ref: TableRef): Promise<TableInfo | null> {
    const context = { step: 'describe', table: refName(ref) };
    checkRef(ref);
    let table: TableResource | null;
    try {
      table = await this.#api.getTable(this.datasetId(ref.layer), ref.name);
    } catch (error) {
      throw this.#error(error, context);
    }
    if (!table) return null;
    const columns = (table.schema?.fields ?? []).map((f) => ({ name: f.name, type: googleSqlType(f) }));
    if (table.type === 'VIEW') return { ref, columns, rows: null };
    // COUNT(*) of a table reads its metadata only: no bytes billed.
    const [row] = await this.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${this.qualify(ref)}`, {}, { context });
    return { ref, columns, rows: row?.n ?? null };
  }

  async drop(ref: TableRef): Promise<void> {
    checkRef(ref);
    try {
      await this.#api.deleteTable(this.datasetId(ref.layer), ref.name);
    } catch (error) {
      throw this.#error(error, { step: 'drop', table: refName(ref) });
    }
  }

  async close(): Promise<void> {
    // The client holds no connection to close; pending work belongs to its callers.
  }

  /** Loads one staged file into a fresh scratch table and says how to write it to its target. */
  async #stageLoad(
    unitId: string,
    load: StagedLoad,
    index: number,
    attempt: number,
    context: JobContext,
    scratch: string[],
  ): Promise<{ statement: LoadStatementInput; prune: boolean; bounds: { params: Params; types: ParamTypes } }> {
    const spec = load.target;
    const table = refName(spec.ref);
    const ctx: JobContext = { ...context, table };
    const opsDataset = this.datasetId('ops');
    const scratchId = `elt_load_${unitId}_${index}_${attempt}`;
    const fields = spec.columns.map((c) => toField({ ...c, mode: 'NULLABLE', description: undefined }));
    await this.#api.request({
      method: 'POST',
      uri: `/datasets/${encodeURIComponent(opsDataset)}/tables`,
      json: {
        tableReference: { projectId: this.#config.projectId, datasetId: opsDataset, tableId: scratchId },
        schema: { fields },
        description: `Scratch of unit ${unitId} for ${table}; dropped after the commit, expires in a day.`,
        expirationTime: String(Date.now() + SCRATCH_TTL_MS),
        labels: sanitizeLabels(this.#config.labels, { pipeline: 'mortgage-elt', scratch: 'true' }),
      },
    });
    scratch.push(scratchId);

    const loadIds = (n: number) => `${unitId}_${spec.ref.layer}_${spec.ref.name}_${n}`;
    const { attempt: loadAttempt } = await this.#nextAttempt(loadIds, ctx);
    const jobId = loadIds(loadAttempt);
    try {
      const job = await this.#api.uploadLoadJob(load.file, {
        jobId,
        labels: this.#labels('load', ctx),
        load: {
          destinationTable: { projectId: this.#config.projectId, datasetId: opsDataset, tableId: scratchId },
          sourceFormat: load.format === 'parquet' ? 'PARQUET' : 'NEWLINE_DELIMITED_JSON',
          schema: { fields },
          createDisposition: 'CREATE_NEVER',
          writeDisposition: 'WRITE_TRUNCATE',
          ignoreUnknownValues: false,
          maxBadRecords: 0,
        },
      });
      await this.#api.waitForJob(job);
    } catch (error) {
      throw this.#error(error, { ...ctx, jobId, file: load.file });
    }

    const statement: LoadStatementInput = {
      target: this.qualify(spec.ref),
      source: tablePath(this.#config.projectId, opsDataset, scratchId),
      columns: spec.columns.map((c) => c.name),
      write: load.write,
    };
    const pruneColumn =
      load.write.mode === 'insert-new' ? load.write.pruneBy : load.write.mode === 'upsert' ? spec.partitionBy?.column : undefined;
    const pruneType = spec.columns.find((c) => c.name === pruneColumn)?.type;
    if (!pruneColumn || (pruneType !== 'DATE' && pruneType !== 'TIMESTAMP'))
      return { statement, prune: false, bounds: { params: {}, types: {} } };
    // The range of the loaded rows, computed first: as parameters of the MERGE, BigQuery prunes on it.
    const [range] = await this.query<{ lo: string | null; hi: string | null; null_rows: number }>(
      `SELECT MIN(${quoteIdentifier(pruneColumn)}) AS lo, MAX(${quoteIdentifier(pruneColumn)}) AS hi, COUNTIF(${quoteIdentifier(pruneColumn)} IS NULL) AS null_rows FROM ${statement.source}`,
      {},
      { context: { ...ctx, step: context.step ?? 'load' } },
    );
    const lo = `elt_lo_${index}`;
    const hi = `elt_hi_${index}`;
    statement.prune = { column: pruneColumn, lo, hi, nulls: (range?.null_rows ?? 0) > 0 };
    return {
      statement,
      prune: true,
      bounds: { params: { [lo]: range?.lo ?? null, [hi]: range?.hi ?? null }, types: { [lo]: pruneType, [hi]: pruneType } },
    };
  }

  /** The first attempt number whose job does not exist yet, and the job of the attempt before it. */
  async #nextAttempt(
    jobIdOf: (attempt: number) => string,
    context: JobContext,
  ): Promise<{ attempt: number; last: JobResource | null }> {
    let last: JobResource | null = null;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const job = await this.#api.getJob(jobIdOf(attempt)).catch((error: unknown) => {
        throw this.#error(error, { ...context, jobId: jobIdOf(attempt) });
      });
      if (!job) return { attempt, last };
      last = job;
    }
    throw new TerminalError(`more than ${MAX_ATTEMPTS} attempts of ${jobIdOf(1).replace(/_1$/, '')}`, context);
  }

  /** Emulator: records the commit's counts under the commit's job id (see `queryInOneRequest`). */
  async #recordEmulatorCommit(
    jobId: string,
    counts: Record<string, unknown>,
    loads: number,
    labels: Record<string, string>,
    context: JobContext,
  ) {
    const params: Params = {};
    const columns = ['1 AS committed'];
    for (let i = 0; i < loads; i++) {
      params[`w${i}`] = Number(counts[`w${i}`] ?? 0);
      columns.push(`@w${i} AS w${i}`);
    }
    await this.#submitAndWait(jobId, `SELECT ${columns.join(', ')}`, params, {}, labels, context);
    // The emulator keeps a query job's rows in the job and also in a dataset named after it, which
    // every later request reads: dropping the dataset keeps the emulator fast.
    await this.#api
      .request({ method: 'DELETE', uri: `/datasets/${encodeURIComponent(jobId)}`, qs: { deleteContents: true } })
      .catch(() => undefined);
  }

  /** Runs one statement as a query job (random id) and returns its job and result rows. */
  async #runJob(
    operation: Operation,
    sql: string,
    params: Params | undefined,
    types: ParamTypes | undefined,
    context: JobContext,
  ): Promise<{ job: JobResource | null; result: QueryResult }> {
    if (this.#emulator) {
      // jobs.query: the emulator's jobs.insert keeps a dataset per query job, and every request of
      // it reads them all; hundreds of jobs slow it to seconds per request.
      const used = new Set(paramNames(sql));
      try {
        const result = await this.#api.queryInOneRequest(
          castParamsForEmulator(withoutComments(sql), params, types),
          pick(params, used),
          pick(types, used),
          this.#labels(operation, context),
        );
        return { job: null, result };
      } catch (error) {
        throw this.#error(error, context);
      }
    }
    const jobId = `elt_${operation.replace(/-/g, '_')}_${randomUUID().replace(/-/g, '')}`;
    try {
      const job = await this.#submitAndWait(jobId, sql, params, types, this.#labels(operation, context), context);
      const result = await this.#api.queryResults(jobId);
      return { job, result };
    } catch (error) {
      throw this.#error(error, { ...context, jobId });
    }
  }

  /**
   * Runs a multi-statement script. In production, one query job: BigQuery rolls back an open
   * transaction when a statement fails. Against the emulator, one jobs.query request, which it runs
   * in one SQLite transaction (its jobs.insert would keep the statements before a failing one).
   */
  async #runScript(operation: Operation, script: string, params: Params, types: ParamTypes, context: JobContext): Promise<void> {
    if (this.#emulator) await this.#runEmulatorScript(operation, script, params, types, context);
    else await this.#runJob(operation, script, params, types, context);
  }

  /**
   * Emulator only: runs a script in one jobs.query request (rolled back as a whole on error). The
   * emulator hands every parameter of a request to every statement of it, which fails for a statement
   * that uses fewer; so the parameters are first stored in a one-row table of the `ops` dataset (one
   * single-statement job), and the script reads each from it as a scalar subquery.
   */
  async #runEmulatorScript(
    operation: Operation,
    script: string,
    params: Params,
    types: ParamTypes,
    context: JobContext,
  ): Promise<QueryResult> {
    const names = paramNames(script).filter((name) => name in params);
    const labels = this.#labels(operation, context);
    const opsDataset = this.datasetId('ops');
    const tableId = `elt_params_${randomUUID().replace(/-/g, '')}`;
    const table = tablePath(this.#config.projectId, opsDataset, tableId);
    try {
      let text = withoutComments(script);
      if (names.length > 0) {
        const columns = names.map((name) => `${castParamsForEmulator(`@${name}`, params, types)} AS ${quoteIdentifier(name)}`);
        await this.#runJob(operation, `CREATE TABLE ${table} AS SELECT ${columns.join(', ')}`, params, types, context);
        text = rewriteParams(text, (name) =>
          names.includes(name) ? `(SELECT ${quoteIdentifier(name)} FROM ${table})` : `@${name}`,
        );
      }
      return await this.#api.queryInOneRequest(text, {}, {}, labels);
    } catch (error) {
      throw this.#error(error, context);
    } finally {
      if (names.length > 0) await this.#api.deleteTable(opsDataset, tableId).catch(() => undefined);
    }
  }

  async #submitAndWait(
    jobId: string,
    sql: string,
    params: Params | undefined,
    types: ParamTypes | undefined,
    labels: Record<string, string>,
    context: JobContext,
  ): Promise<JobResource> {
    // Only the parameters the SQL names: the emulator refuses a statement given more than it uses.
    const used = new Set(paramNames(sql));
    try {
      const job = await this.#api.insertQueryJob({ jobId, sql, params: pick(params, used), types: pick(types, used), labels });
      return await this.#api.waitForJob(job);
    } catch (error) {
      throw this.#error(error, { ...context, jobId });
    }
  }

  /** Sets the spec's description, column descriptions and labels on a relation just (re)built. */
  async #describeRelation(datasetId: string, spec: TableSpec, context: JobContext): Promise<void> {
    const descriptions = new Map(spec.columns.filter((c) => c.description).map((c) => [c.name.toLowerCase(), c.description!]));
    const labels = sanitizeLabels(this.#config.labels, spec.labels ?? {}, { pipeline: 'mortgage-elt', layer: spec.ref.layer });
    const current = await this.#api.getTable(datasetId, spec.ref.name);
    if (!current) throw new TerminalError('relation missing right after it was built', context);
    const fields = (current.schema?.fields ?? []).map((f) => {
      const description = descriptions.get(f.name.toLowerCase());
      return description ? { ...f, description } : f;
    });
    await this.#api.request({
      method: 'PATCH',
      uri: `/datasets/${encodeURIComponent(datasetId)}/tables/${encodeURIComponent(spec.ref.name)}`,
      json: { schema: { fields }, labels, ...(spec.description ? { description: spec.description } : {}) },
    });
  }

  /**
   * Emulator only: its ALTER TABLE is a no-op and tables.patch changes the metadata but not the
   * stored columns, so a column is added by copying the rows aside, recreating the table with the
   * wider schema, and copying them back. Not atomic; production patches the schema in one call.
   */
  async #emulatorRebuildWithFields(
    datasetId: string,
    tableId: string,
    existing: TableResource,
    added: SchemaField[],
    context: JobContext,
  ) {
    const copyId = `elt_evolve_${tableId}_${randomUUID().replace(/-/g, '').slice(0, 8)}`;
    const target = tablePath(this.#config.projectId, datasetId, tableId);
    const copy = tablePath(this.#config.projectId, datasetId, copyId);
    const oldColumns = (existing.schema?.fields ?? []).map((f) => quoteIdentifier(f.name)).join(', ');
    await this.#runJob('ensure-table', `CREATE TABLE ${copy} AS SELECT * FROM ${target}`, undefined, undefined, context);
    await this.#api.deleteTable(datasetId, tableId);
    await this.#api.request({
      method: 'POST',
      uri: `/datasets/${encodeURIComponent(datasetId)}/tables`,
      json: {
        tableReference: { projectId: this.#config.projectId, datasetId, tableId },
        schema: { fields: [...(existing.schema?.fields ?? []), ...added] },
        ...(existing.description ? { description: existing.description } : {}),
        ...(existing.labels ? { labels: existing.labels } : {}),
        ...(existing.timePartitioning ? { timePartitioning: existing.timePartitioning } : {}),
        ...(existing.clustering ? { clustering: existing.clustering } : {}),
      },
    });
    await this.#runJob(
      'ensure-table',
      `INSERT INTO ${target} (${oldColumns}) SELECT ${oldColumns} FROM ${copy}`,
      undefined,
      undefined,
      context,
    );
    await this.#api.deleteTable(datasetId, copyId);
  }

  /**
   * Emulator only: a MERGE runs rewritten (see `emulatorMerge`); one of a shape the rewrite does not
   * handle is refused here, before any work, with a clear message (production runs it as given).
   */
  #checkEmulatorStatement(sql: string, params: Params | undefined, context: JobContext): void {
    if (this.#emulator) emulatorMerge(trimStatement(sql), Object.keys(params ?? {}), emulatorTempName(0), context);
  }

  #tableResource(spec: TableSpec): Record<string, unknown> {
    const partition = spec.partitionBy?.column;
    return {
      tableReference: { projectId: this.#config.projectId, datasetId: this.datasetId(spec.ref.layer), tableId: spec.ref.name },
      schema: { fields: spec.columns.map((c) => toField(c)) },
      ...(spec.description ? { description: spec.description } : {}),
      labels: sanitizeLabels(this.#config.labels, spec.labels ?? {}, { pipeline: 'mortgage-elt', layer: spec.ref.layer }),
      ...(partition ? { timePartitioning: { type: 'DAY', field: partition } } : {}),
      ...(spec.clusterBy?.length ? { clustering: { fields: spec.clusterBy } } : {}),
    };
  }

  #labels(operation: Operation, context: JobContext): Record<string, string> {
    return jobLabels(this.#config.labels, { ...context, step: context.step ?? operation }, { operation });
  }

  #error(error: unknown, context: ErrorContext): PipelineError {
    return mapBigQueryError(error, context, { emulator: this.#emulator });
  }
}

const LAYER_DESCRIPTIONS: Record<Layer, string> = {
  raw: 'rows as extracted from the sources',
  staging: 'cleaned and typed source models',
  marts: 'business models for analysis',
  ops: "the pipeline's own state (ledger, high-water marks, runs)",
};

function refName(ref: TableRef): string {
  return `${ref.layer}.${ref.name}`;
}

function checkRef(ref: TableRef): void {
  if (!LAYERS.includes(ref.layer))
    throw new TerminalError(`unknown layer ${JSON.stringify(ref.layer)}`, { table: `${ref.layer}.${ref.name}` });
  if (!TABLE_ID.test(ref.name)) {
    throw new TerminalError(`table name ${JSON.stringify(ref.name)} is not a BigQuery table id (letters, digits, '_', '-')`, {
      table: `${ref.layer}.${ref.name}`,
    });
  }
}

function checkSpec(spec: TableSpec): void {
  checkRef(spec.ref);
  const seen = new Set<string>();
  for (const column of spec.columns) {
    if (!COLUMN_NAME.test(column.name)) {
      throw new TerminalError(`column name ${JSON.stringify(column.name)} is not a BigQuery column name`, {
        table: refName(spec.ref),
        field: column.name,
      });
    }
    const key = column.name.toLowerCase();
    if (seen.has(key))
      throw new TerminalError(`column ${column.name} is declared twice`, { table: refName(spec.ref), field: column.name });
    seen.add(key);
  }
  if (spec.partitionBy) {
    const type = spec.columns.find((c) => c.name === spec.partitionBy!.column)?.type;
    if (type !== 'DATE' && type !== 'TIMESTAMP') {
      throw new TerminalError(`partition column ${spec.partitionBy.column} must be a DATE or TIMESTAMP column of the spec`, {
        table: refName(spec.ref),
        field: spec.partitionBy.column,
      });
    }
  }
}

function toField(column: ColumnSpec): SchemaField {
  return {
    name: column.name,
    type: column.type,
    mode: column.mode ?? 'NULLABLE',
    ...(column.description ? { description: column.description } : {}),
  };
}

function partitionClause(spec: TableSpec, column: string | undefined, isDate: boolean): string {
  if (!column) return '';
  const type: ColumnType | undefined = spec.columns.find((c) => c.name === column)?.type ?? (isDate ? 'DATE' : undefined);
  if (type === 'DATE') return `PARTITION BY ${quoteIdentifier(column)}`;
  if (type === 'TIMESTAMP') return `PARTITION BY DATE(${quoteIdentifier(column)})`;
  return '';
}

/** Emulator only: the temporary table a script's `index`-th MERGE reads its source from. */
function emulatorTempName(index: number): string {
  return `elt_merge_${randomUUID().replace(/-/g, '').slice(0, 12)}_${index}`;
}

function pick<T>(values: Record<string, T> | undefined, names: Set<string>): Record<string, T> {
  return Object.fromEntries(Object.entries(values ?? {}).filter(([name]) => names.has(name)));
}

function writtenCounts(targets: string[], counts: Record<string, unknown> | undefined): Record<string, number> {
  const written: Record<string, number> = {};
  targets.forEach((table, i) => {
    written[table] = (written[table] ?? 0) + Number(counts?.[`w${i}`] ?? 0);
  });
  return written;
}

function isAlreadyExists(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown };
  // The emulator answers 500 "... is already created" where BigQuery answers 409.
  return e.code === 409 || (typeof e.message === 'string' && /already (exists|created)/i.test(e.message));
}
