import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ParamTypes, Params } from '../../../pipelines/warehouse/types.js';
import { type CatalogSpec, type EvaluationTable, catalogFromSpecs, catalogFromTables } from './zetasql-catalog.js';
import {
  type TypeProto,
  type ValueProto,
  fromValueProto,
  paramTypes,
  toValueProto,
  typeName,
  typeProto,
} from './zetasql-values.js';

export type { CatalogSpec, EvaluationTable } from './zetasql-catalog.js';

/** What ZetaSQL resolved a statement to. */
export interface Analysis {
  /** The resolved statement kind, e.g. `QUERY`, `MERGE`, `INSERT`, `CREATE_TABLE_AS_SELECT`. */
  statementKind: string;
  /** Output columns of a query (empty for other statements), with GoogleSQL type names. */
  columns: Array<{ name: string; type: string }>;
}

export interface AnalyzeOptions {
  /** Types of `@name` parameters; parameters not listed are accepted and their type inferred from use. */
  types?: ParamTypes;
}

export interface EvaluateOptions {
  params?: Params;
  /** Types of parameters whose type cannot be inferred from the value (null, empty array). */
  types?: ParamTypes;
}

/** A statement ZetaSQL rejected; `line` and `column` locate the problem when the message gives them. */
export class ZetaSqlError extends Error {
  constructor(
    message: string,
    readonly sql: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(message);
    this.name = 'ZetaSqlError';
  }
}

// Statement kinds a BigQuery pipeline runs; the analyzer accepts only the kinds listed.
const STATEMENT_KINDS = [
  'RESOLVED_QUERY_STMT',
  'RESOLVED_INSERT_STMT',
  'RESOLVED_UPDATE_STMT',
  'RESOLVED_DELETE_STMT',
  'RESOLVED_MERGE_STMT',
  'RESOLVED_TRUNCATE_STMT',
  'RESOLVED_CREATE_TABLE_STMT',
  'RESOLVED_CREATE_TABLE_AS_SELECT_STMT',
  'RESOLVED_CREATE_VIEW_STMT',
  'RESOLVED_DROP_STMT',
  'RESOLVED_ALTER_TABLE_STMT',
  'RESOLVED_BEGIN_STMT',
  'RESOLVED_COMMIT_STMT',
  'RESOLVED_ROLLBACK_STMT',
];

const CALL_DEADLINE_MS = 30_000;
const START_TIMEOUT_MS = 20_000;

type Rpc = (
  request: unknown,
  options: grpc.CallOptions,
  callback: (error: grpc.ServiceError | null, response: unknown) => void,
) => void;
type LocalServiceClient = grpc.Client & Record<string, Rpc>;
type LocalServiceCtor = new (
  address: string,
  credentials: grpc.ChannelCredentials,
  options?: grpc.ClientOptions,
) => LocalServiceClient;

const require = createRequire(import.meta.url);
const packageDir = dirname(require.resolve('@fivetrandevelopers/zetasql/package.json'));
const serverDir = join(packageDir, 'lib', 'zetasql');

let serviceCtor: LocalServiceCtor | undefined;

function localService(): LocalServiceCtor {
  // Loading the protos takes most of a second; once per process is enough.
  if (!serviceCtor) {
    const definition = protoLoader.loadSync('local_service.proto', {
      includeDirs: [join(serverDir, 'protos')],
      longs: String,
      enums: String,
      defaults: false,
      oneofs: true,
    });
    const loaded = grpc.loadPackageDefinition(definition) as unknown as {
      zetasql: { local_service: { ZetaSqlLocalService: LocalServiceCtor } };
    };
    serviceCtor = loaded.zetasql.local_service.ZetaSqlLocalService;
  }
  return serviceCtor;
}

/**
 * ZetaSQL's reference implementation, run locally: the gRPC `remote_server` that ships with
 * @fivetrandevelopers/zetasql, started on 127.0.0.1 with a free port. `analyze` resolves a statement
 * against a catalog of warehouse tables (names, functions, types), `evaluate` runs a query over
 * literal tables with the reference evaluator. Both use the maximum language features of this ZetaSQL
 * build in PRODUCT_EXTERNAL mode (BigQuery's types: no INT32, UINT64...): a superset of BigQuery's
 * dialect, so they catch what BigQuery would reject for names, types and signatures, but may accept
 * a syntax BigQuery does not have.
 */
export class ZetaSql {
  readonly #child: ChildProcess;
  readonly #client: LocalServiceClient;
  readonly #languageOptions: Record<string, unknown>;
  readonly #onExit: () => void;

  private constructor(
    child: ChildProcess,
    client: LocalServiceClient,
    languageOptions: Record<string, unknown>,
    onExit: () => void,
  ) {
    this.#child = child;
    this.#client = client;
    this.#languageOptions = languageOptions;
    this.#onExit = onExit;
  }

  /** Starts the server and waits until it answers. Call `stop()` when done. */
  static async start(): Promise<ZetaSql> {
    const binary = join(
      serverDir,
      `remote_server${process.arch.startsWith('arm') ? '_arm' : ''}${process.platform === 'darwin' ? '' : '.so'}`,
    );
    const requested = process.platform === 'linux' ? 0 : await freePort();
    const child = spawn(binary, ['127.0.0.1', String(requested)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-2000);
    });
    const onExit = () => child.kill('SIGKILL');
    process.once('exit', onExit);
    try {
      const port = requested || (await listeningPort(child, () => stderr));
      const client = new (localService())(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
        'grpc.max_send_message_length': 256 * 1024 * 1024,
        'grpc.max_receive_message_length': 256 * 1024 * 1024,
      });
      await new Promise<void>((resolve, reject) =>
        client.waitForReady(Date.now() + START_TIMEOUT_MS, (error) => (error ? reject(error) : resolve())),
      );
      const maximum = (await call(client, 'getLanguageOptions', { maximumFeatures: true })) as Record<string, unknown>;
      const languageOptions = { ...maximum, productMode: 'PRODUCT_EXTERNAL', supportedStatementKinds: STATEMENT_KINDS };
      return new ZetaSql(child, client, languageOptions, onExit);
    } catch (error) {
      onExit();
      process.removeListener('exit', onExit);
      throw new Error(`ZetaSQL server did not start (${binary}): ${(error as Error).message}${stderr ? `\n${stderr}` : ''}`, {
        cause: error,
      });
    }
  }

  /**
   * Resolves one statement against the catalog: every relation, column, function and type must exist
   * and fit. Resolves with the statement kind and a query's output columns; rejects with a
   * `ZetaSqlError` naming the problem and its position.
   */
  async analyze(sql: string, catalog: CatalogSpec, options: AnalyzeOptions = {}): Promise<Analysis> {
    const request = {
      options: this.#analyzerOptions(options.types ?? {}, true),
      simpleCatalog: catalogFromSpecs(catalog, this.#languageOptions),
      sqlStatement: sql,
    };
    const response = (await this.#call('analyze', request, sql)) as { resolvedStatement?: Record<string, unknown> };
    const statement = response.resolvedStatement ?? {};
    const nodeField =
      typeof statement.node === 'string' ? statement.node : (Object.keys(statement).find((k) => k !== 'node') ?? '');
    const node = (statement[nodeField] ?? {}) as {
      outputColumnList?: Array<{ name?: string; column?: { type?: TypeProto } }>;
    };
    const statementKind = nodeField
      .replace(/^resolved/, '')
      .replace(/StmtNode$/, '')
      .replace(/([a-z])([A-Z])/g, '$1_$2')
      .toUpperCase();
    const columns = (node.outputColumnList ?? []).map((c) => ({ name: c.name ?? '', type: typeName(c.column?.type) }));
    return { statementKind, columns };
  }

  /**
   * Runs a query with ZetaSQL's reference evaluator over literal tables, and returns its rows in the
   * shapes `Warehouse.query` returns (see `fromValueProto`), keyed by output column name.
   */
  async evaluate(sql: string, tables: EvaluationTable[], options: EvaluateOptions = {}): Promise<Array<Record<string, unknown>>> {
    const types = paramTypes(options.params, options.types);
    const tableContent = Object.fromEntries(
      tables.map((t) => {
        const columnTypes = t.columns.map((c) => typeProto(c.type));
        const row = t.rows.map((r, index) => ({
          cell: t.columns.map((c, i) =>
            toValueProto(r[c.name], columnTypes[i]!, `table ${t.name}, row ${index + 1}, column ${c.name}`),
          ),
        }));
        return [t.name, { tableData: { row } }];
      }),
    );
    const params = Object.entries(options.params ?? {}).map(([name, value]) => ({
      name,
      value: toValueProto(value, typeProto(types[name]!), `parameter @${name}`),
    }));
    const request = {
      sql,
      options: this.#analyzerOptions(types, false),
      simpleCatalog: catalogFromTables(tables, this.#languageOptions),
      tableContent,
      params,
    };
    const response = (await this.#call('evaluateQuery', request, sql)) as {
      content?: { tableData?: { row?: Array<{ cell?: ValueProto[] }> } };
      prepared?: { columns?: Array<{ name?: string; type?: TypeProto }> };
    };
    const columns = response.prepared?.columns ?? [];
    return (response.content?.tableData?.row ?? []).map((row) =>
      Object.fromEntries(columns.map((c, i) => [c.name ?? `_col${i}`, fromValueProto(row.cell?.[i], c.type)])),
    );
  }

  /** Stops the server. */
  async stop(): Promise<void> {
    this.#client.close();
    process.removeListener('exit', this.#onExit);
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()));
    this.#child.kill('SIGKILL');
    await exited;
  }

  #analyzerOptions(types: ParamTypes, allowUndeclared: boolean): Record<string, unknown> {
    return {
      languageOptions: this.#languageOptions,
      errorMessageMode: 'ERROR_MESSAGE_ONE_LINE',
      defaultTimezone: 'UTC',
      allowUndeclaredParameters: allowUndeclared,
      parameterMode: 'PARAMETER_NAMED',
      queryParameters: Object.entries(types).map(([name, type]) => ({ name, type: typeProto(type) })),
    };
  }

  async #call(method: string, request: unknown, sql: string): Promise<unknown> {
    try {
      return await call(this.#client, method, request);
    } catch (error) {
      const grpcError = error as grpc.ServiceError;
      if (grpcError.code === grpc.status.INVALID_ARGUMENT) {
        const message = grpcError.details || grpcError.message;
        const at = /\[at (\d+):(\d+)\]/.exec(message);
        throw new ZetaSqlError(message, sql, at ? Number(at[1]) : undefined, at ? Number(at[2]) : undefined);
      }
      throw error;
    }
  }
}

function call(client: LocalServiceClient, method: string, request: unknown): Promise<unknown> {
  const rpc = client[method];
  if (!rpc) throw new Error(`ZetaSQL local service has no method ${method}`);
  return new Promise((resolve, reject) =>
    rpc.call(client, request, { deadline: Date.now() + CALL_DEADLINE_MS }, (error, response) =>
      error ? reject(error) : resolve(response),
    ),
  );
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** The TCP port the child listens on, read from /proc: the server takes port 0 but never prints the port it got. */
async function listeningPort(child: ChildProcess, stderr: () => string): Promise<number> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`exited early: ${stderr()}`);
    const port = child.pid ? readListeningPort(child.pid) : null;
    if (port) return port;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('no listening port after 20 s');
}

function readListeningPort(pid: number): number | null {
  const inodes = new Set<string>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (match) inodes.add(match[1]!);
      } catch {
        // The descriptor closed while we listed them.
      }
    }
  } catch {
    return null;
  }
  for (const file of ['tcp', 'tcp6']) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/net/${file}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // Fields: sl local_address rem_address st ... inode (10th); state 0A is LISTEN.
      if (fields[3] === '0A' && inodes.has(fields[9] ?? '')) return parseInt(fields[1]!.split(':')[1]!, 16);
    }
  }
  return null;
}
