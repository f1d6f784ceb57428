import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { DuckDBInstance } from '@duckdb/node-api';
import type { ErrorContext } from '../../core/errors.js';
import type { Warehouse } from '../warehouse.js';
import { rewriteParams } from '../sql-params.js';
import {
  LAYERS,
  type ColumnSpec,
  type JobContext,
  type LoadUnit,
  type MaterializeRequest,
  type Params,
  type QueryOptions,
  type StagedLoad,
  type Statement,
  type TableInfo,
  type TableRef,
  type TableSpec,
  type UnitResult,
} from '../types.js';
import type { DuckDbConfig } from './duckdb-config.js';
import { mapDuckDbError } from './duckdb-errors.js';
import { bindParams, duckDbSqlType, fromDuckDbValue } from './duckdb-types.js';

/**
 * The embedded warehouse: one DuckDB file, one schema per layer. Transactions run on their own
 * connection so that concurrent callers never share one; DuckDB's MVCC makes each all-or-nothing,
 * including across a crash (the WAL is replayed or discarded on the next open).
 */
export class DuckDbWarehouse implements Warehouse {
  readonly engine = 'duckdb' as const;
  readonly #instance: DuckDBInstance;
  readonly #shared: DuckDBConnection;

  private constructor(instance: DuckDBInstance, shared: DuckDBConnection) {
    this.#instance = instance;
    this.#shared = shared;
  }

  /** Opens (or creates) the database file. A file held by another process is a TransientError. */
  static async open(config: DuckDbConfig): Promise<DuckDbWarehouse> {
    if (config.path !== ':memory:') mkdirSync(dirname(config.path), { recursive: true });
    const options: Record<string, string> = {};
    if (config.memoryLimit) options.memory_limit = config.memoryLimit;
    if (config.threads) options.threads = String(config.threads);
    if (config.readOnly) options.access_mode = 'READ_ONLY';
    try {
      const instance = await DuckDBInstance.create(config.path, options);
      const shared = await instance.connect();
      // Timestamps are naive and hold UTC; functions such as now() must agree whatever the host's zone.
      await shared.run(`SET GLOBAL TimeZone = 'UTC'`);
      return new DuckDbWarehouse(instance, shared);
    } catch (error) {
      throw mapDuckDbError(error, { file: config.path });
    }
  }

  async init(): Promise<void> {
    await this.#run(this.#shared, LAYERS.map((layer) => `CREATE SCHEMA IF NOT EXISTS ${quote(layer)}`).join(';\n'), {}, {});
  }

  qualify(ref: TableRef): string {
    return `${quote(ref.layer)}.${quote(ref.name)}`;
  }

  async ensureTable(spec: TableSpec, context: JobContext = {}): Promise<string[]> {
    return this.#ensureTable(this.#shared, spec, context);
  }

  async query<Row = Record<string, unknown>>(sql: string, params?: Params, options: QueryOptions = {}): Promise<Row[]> {
    return (await this.#read(this.#shared, sql, params, options)) as Row[];
  }

  async execute(sql: string, params?: Params, options: QueryOptions = {}): Promise<number | null> {
    return this.#run(this.#shared, sql, params, options);
  }

  async transaction(statements: Statement[], context: JobContext = {}): Promise<void> {
    await this.#inTransaction(context, async (connection) => {
      for (const statement of statements) {
        await this.#run(connection, statement.sql, statement.params, { types: statement.types, context });
      }
    });
  }

  async commitUnit(unit: LoadUnit): Promise<UnitResult> {
    const context = { ...unit.context };
    for (const load of unit.loads) await this.ensureTable(load.target, { ...context, table: refName(load.target.ref) });
    return this.#inTransaction(context, async (connection) => {
      const written: Record<string, number> = {};
      for (const [index, load] of unit.loads.entries()) {
        const table = refName(load.target.ref);
        written[table] =
          (written[table] ?? 0) + (await this.#applyLoad(connection, load, `stage_${index}`, { ...context, table }));
      }
      for (const statement of unit.state) {
        await this.#run(connection, statement.sql, statement.params, { types: statement.types, context });
      }
      return { written };
    });
  }

  async materialize(request: MaterializeRequest): Promise<{ rows: number | null }> {
    const target = this.qualify(request.spec.ref);
    const context = { ...request.context, table: refName(request.spec.ref) };
    const options = { types: request.types, context };
    const materialization = request.materialization;
    await this.#inTransaction(context, async (connection) => {
      const existing = await this.#relationKind(connection, request.spec.ref);
      if (materialization.kind === 'view') {
        if (existing === 'table') await this.#run(connection, `DROP TABLE ${target}`, {}, options);
        await this.#run(connection, `CREATE OR REPLACE VIEW ${target} AS\n${request.sql}`, request.params, options);
      } else if (materialization.kind === 'table' || materialization.full || existing !== 'table') {
        if (existing === 'view') await this.#run(connection, `DROP VIEW ${target}`, {}, options);
        // Stored in partition order: DuckDB skips the row groups outside a date filter (its zone maps),
        // as BigQuery skips partitions; an incremental build then appends its dates at the end.
        const partition = request.spec.partitionBy?.column;
        const select = partition ? `SELECT * FROM (\n${request.sql}\n) ORDER BY ${quote(partition)}` : request.sql;
        await this.#run(connection, `CREATE OR REPLACE TABLE ${target} AS\n${select}`, request.params, options);
      } else if (materialization.uniqueKey) {
        // The rows are computed once, before anything is removed: the query may read the target.
        const column = quote(materialization.partitionColumn);
        const key = quote(materialization.uniqueKey);
        const rows = quote(`__merge_${materialization.uniqueKey}`);
        await this.#run(connection, `CREATE OR REPLACE TEMP TABLE ${rows} AS\n${request.sql}`, request.params, options);
        await this.#run(
          connection,
          `DELETE FROM ${target} WHERE ${column} IN (SELECT CAST(unnest(@__partitions) AS DATE))
             AND ${key} IN (SELECT ${key} FROM ${rows})`,
          { __partitions: materialization.partitions },
          { types: { __partitions: 'ARRAY<STRING>' }, context },
        );
        await this.#run(connection, `INSERT INTO ${target} BY NAME SELECT * FROM ${rows}`, {}, options);
        await this.#run(connection, `DROP TABLE ${rows}`, {}, options);
      } else {
        const column = quote(materialization.partitionColumn);
        await this.#run(
          connection,
          `DELETE FROM ${target} WHERE ${column} IN (SELECT CAST(unnest(@__partitions) AS DATE))`,
          { __partitions: materialization.partitions },
          { types: { __partitions: 'ARRAY<STRING>' }, context },
        );
        await this.#run(connection, `INSERT INTO ${target} BY NAME\n${request.sql}`, request.params, options);
      }
      await this.#comment(connection, request.spec, materialization.kind === 'view', context);
    });
    if (materialization.kind === 'view') return { rows: null };
    const [row] = await this.query<{ n: number }>(`SELECT count(*) AS n FROM ${target}`, {}, { context });
    return { rows: row?.n ?? null };
  }

  async describe(ref: TableRef): Promise<TableInfo | null> {
    const columns = await this.query<{ name: string; type: string }>(
      `SELECT column_name AS name, data_type AS type FROM information_schema.columns
       WHERE table_schema = @layer AND table_name = @name ORDER BY ordinal_position`,
      { layer: ref.layer, name: ref.name },
    );
    if (columns.length === 0) return null;
    const [count] = await this.query<{ n: number }>(`SELECT count(*) AS n FROM ${this.qualify(ref)}`);
    return { ref, columns, rows: count?.n ?? null };
  }

  async drop(ref: TableRef): Promise<void> {
    const kind = await this.#relationKind(this.#shared, ref);
    if (kind) await this.execute(`DROP ${kind === 'view' ? 'VIEW' : 'TABLE'} ${this.qualify(ref)}`);
  }

  async close(): Promise<void> {
    this.#shared.closeSync();
    this.#instance.closeSync();
  }

  async #applyLoad(connection: DuckDBConnection, load: StagedLoad, stage: string, context: ErrorContext): Promise<number> {
    const target = this.qualify(load.target.ref);
    const columns = load.target.columns;
    const fileColumns = await this.#fileColumns(connection, load, context);
    const known = new Set(columns.map((c) => c.name));
    const unknown = fileColumns.filter((name) => !known.has(name));
    if (unknown.length > 0) {
      throw mapDuckDbError(new Error(`staged file has columns the target does not declare: ${unknown.join(', ')}`), context);
    }
    const select = columns
      .map(
        (c) =>
          (fileColumns.includes(c.name)
            ? `CAST(${quote(c.name)} AS ${duckDbSqlType(c.type)})`
            : `CAST(NULL AS ${duckDbSqlType(c.type)})`) + ` AS ${quote(c.name)}`,
      )
      .join(', ');
    // A view cannot take parameters; the path is the loader's own staged file, quoted as a literal.
    const file = literal(load.file);
    const reader =
      load.format === 'parquet'
        ? `read_parquet(${file}, file_row_number = true)`
        : `(SELECT *, row_number() OVER () AS file_row_number FROM read_json(${file}, format = 'newline_delimited', columns = ${jsonColumns(columns, fileColumns)}))`;
    await this.#run(
      connection,
      // A view, not a copy: the staged file is read where it is used, so memory does not grow with it.
      `CREATE OR REPLACE TEMP VIEW ${stage} AS SELECT ${select}, file_row_number AS __row FROM ${reader}`,
      {},
      { context },
    );
    const names = columns.map((c) => quote(c.name)).join(', ');
    const write = load.write;
    if (write.mode === 'append') {
      return (
        (await this.#run(connection, `INSERT INTO ${target} (${names}) SELECT ${names} FROM ${stage}`, {}, { context })) ?? 0
      );
    }
    const keyMatch = (a: string, b: string) =>
      write.key.map((k) => `${a}.${quote(k)} IS NOT DISTINCT FROM ${b}.${quote(k)}`).join(' AND ');
    const partitionKey = write.key.map(quote).join(', ');
    if (write.mode === 'insert-new') {
      return (
        (await this.#run(
          connection,
          `INSERT INTO ${target} (${names})
           SELECT ${names} FROM (SELECT *, row_number() OVER (PARTITION BY ${partitionKey} ORDER BY __row) AS __n FROM ${stage}) s
           WHERE s.__n = 1 AND NOT EXISTS (SELECT 1 FROM ${target} t WHERE ${keyMatch('t', 's')})`,
          {},
          { context },
        )) ?? 0
      );
    }
    const versionOrder = write.versionBy.map((v) => `${quote(v)} DESC`).join(', ');
    const [keys] = await this.#read(
      connection,
      `SELECT count(*) = count(DISTINCT (${partitionKey})) AS unique_keys FROM ${stage}`,
      {},
      { context },
    );
    // Exports rarely repeat a key: then the file is already one row per key and needs no ranking.
    await this.#run(
      connection,
      keys?.unique_keys === true
        ? `CREATE OR REPLACE TEMP VIEW ${stage}_latest AS SELECT * FROM ${stage}`
        : `CREATE OR REPLACE TEMP TABLE ${stage}_latest AS
       SELECT * EXCLUDE (__n) FROM (SELECT *, row_number() OVER (PARTITION BY ${partitionKey} ORDER BY ${versionOrder}, __row DESC) AS __n FROM ${stage}) WHERE __n = 1`,
      {},
      { context },
    );
    const newer = (t: string, s: string) => versionNotOlder(write.versionBy, s, t);
    await this.#run(
      connection,
      `DELETE FROM ${target} t WHERE EXISTS (SELECT 1 FROM ${stage}_latest s WHERE ${keyMatch('t', 's')} AND ${newer('t', 's')})`,
      {},
      { context },
    );
    return (
      (await this.#run(
        connection,
        `INSERT INTO ${target} (${names}) SELECT ${names} FROM ${stage}_latest s WHERE NOT EXISTS (SELECT 1 FROM ${target} t WHERE ${keyMatch('t', 's')})`,
        {},
        { context },
      )) ?? 0
    );
  }

  async #fileColumns(connection: DuckDBConnection, load: StagedLoad, context: ErrorContext): Promise<string[]> {
    const reader = load.format === 'parquet' ? 'read_parquet(@__file)' : `read_json(@__file, format = 'newline_delimited')`;
    const rows = await this.#read(
      connection,
      `SELECT column_name FROM (DESCRIBE SELECT * FROM ${reader})`,
      { __file: load.file },
      { context },
    );
    return rows.map((r) => String(r.column_name));
  }

  async #ensureTable(connection: DuckDBConnection, spec: TableSpec, context: JobContext): Promise<string[]> {
    const target = this.qualify(spec.ref);
    const ctx = { ...context, table: refName(spec.ref) };
    await this.#run(connection, `CREATE SCHEMA IF NOT EXISTS ${quote(spec.ref.layer)}`, {}, { context: ctx });
    const existing = await this.#read(
      connection,
      `SELECT column_name FROM information_schema.columns WHERE table_schema = @layer AND table_name = @name`,
      { layer: spec.ref.layer, name: spec.ref.name },
      { context: ctx },
    );
    if (existing.length === 0) {
      const columns = spec.columns
        .map((c) => `${quote(c.name)} ${duckDbSqlType(c.type)}${c.mode === 'REQUIRED' ? ' NOT NULL' : ''}`)
        .join(',\n  ');
      await this.#run(connection, `CREATE TABLE IF NOT EXISTS ${target} (\n  ${columns}\n)`, {}, { context: ctx });
      await this.#comment(connection, spec, false, ctx);
      return [];
    }
    const have = new Set(existing.map((r) => String(r.column_name)));
    const added: ColumnSpec[] = spec.columns.filter((c) => !have.has(c.name));
    for (const column of added) {
      await this.#run(
        connection,
        `ALTER TABLE ${target} ADD COLUMN ${quote(column.name)} ${duckDbSqlType(column.type)}`,
        {},
        { context: ctx },
      );
    }
    if (added.length > 0) await this.#comment(connection, { ...spec, columns: added }, false, ctx);
    return added.map((c) => c.name);
  }

  async #comment(connection: DuckDBConnection, spec: TableSpec, isView: boolean, context: JobContext): Promise<void> {
    const target = this.qualify(spec.ref);
    if (spec.description) {
      await this.#run(
        connection,
        `COMMENT ON ${isView ? 'VIEW' : 'TABLE'} ${target} IS ${literal(spec.description)}`,
        {},
        { context },
      );
    }
    if (isView) return;
    for (const column of spec.columns) {
      if (column.description) {
        await this.#run(
          connection,
          `COMMENT ON COLUMN ${target}.${quote(column.name)} IS ${literal(column.description)}`,
          {},
          { context },
        );
      }
    }
  }

  async #relationKind(connection: DuckDBConnection, ref: TableRef): Promise<'table' | 'view' | null> {
    const rows = await this.#read(
      connection,
      `SELECT table_type FROM information_schema.tables WHERE table_schema = @layer AND table_name = @name`,
      { layer: ref.layer, name: ref.name },
      {},
    );
    const type = rows[0]?.table_type;
    return type === undefined ? null : type === 'VIEW' ? 'view' : 'table';
  }

  async #inTransaction<T>(context: JobContext, work: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    let connection: DuckDBConnection;
    try {
      connection = await this.#instance.connect();
    } catch (error) {
      throw mapDuckDbError(error, context);
    }
    try {
      await this.#run(connection, 'BEGIN TRANSACTION', {}, { context });
      try {
        const result = await work(connection);
        await this.#run(connection, 'COMMIT', {}, { context });
        return result;
      } catch (error) {
        try {
          await connection.run('ROLLBACK');
        } catch {
          // The transaction may already be aborted by the failing statement; nothing was committed.
        }
        throw mapDuckDbError(error, context);
      }
    } finally {
      connection.closeSync();
    }
  }

  async #run(connection: DuckDBConnection, sql: string, params: Params = {}, options: QueryOptions): Promise<number | null> {
    const bound = bindParams(params, options.types);
    try {
      const result = await connection.run(toDuckDbSql(sql), bound.values, bound.types);
      const changed = result.rowsChanged;
      return typeof changed === 'number' ? changed : changed === undefined ? null : Number(changed);
    } catch (error) {
      throw mapDuckDbError(error, options.context ?? {});
    }
  }

  async #read(
    connection: DuckDBConnection,
    sql: string,
    params: Params = {},
    options: QueryOptions,
  ): Promise<Record<string, unknown>[]> {
    const bound = bindParams(params, options.types);
    try {
      const reader = await connection.runAndReadAll(toDuckDbSql(sql), bound.values, bound.types);
      const typeIds = reader.columnTypes().map((t) => t.typeId);
      const names = reader.columnNames();
      return reader
        .getRowsJS()
        .map((row) => Object.fromEntries(names.map((name, i) => [name, fromDuckDbValue(row[i], typeIds[i]!)])));
    } catch (error) {
      throw mapDuckDbError(error, options.context ?? {});
    }
  }
}

function toDuckDbSql(sql: string): string {
  return rewriteParams(sql, (name) => `$${name}`);
}

export function quote(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}

function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

function refName(ref: TableRef): string {
  return `${ref.layer}.${ref.name}`;
}

/** `s` is at least as new as `t` on the version tuple (lexicographic). */
function versionNotOlder(versionBy: string[], s: string, t: string): string {
  const [first, ...rest] = versionBy;
  if (first === undefined) return 'TRUE';
  const a = `${s}.${quote(first)}`;
  const b = `${t}.${quote(first)}`;
  if (rest.length === 0) return `${a} >= ${b}`;
  return `(${a} > ${b} OR (${a} = ${b} AND ${versionNotOlder(rest, s, t)}))`;
}

function jsonColumns(columns: ColumnSpec[], present: string[]): string {
  const entries = columns.filter((c) => present.includes(c.name)).map((c) => `${quote(c.name)}: '${duckDbSqlType(c.type)}'`);
  return `{${entries.join(', ')}}`;
}
