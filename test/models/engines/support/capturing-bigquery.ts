import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BigQuery } from '@google-cloud/bigquery';
import type { JobResource, TableResource } from '../../../../pipelines/warehouse/bigquery/bigquery-api.js';
import type { QueryParameter } from '../../../../pipelines/warehouse/bigquery/bigquery-params.js';
import type { RawRow, SchemaField } from '../../../../pipelines/warehouse/bigquery/bigquery-values.js';
import type { TableSpec } from '../../../../pipelines/warehouse/types.js';

/** A query job as the warehouse submitted it: its SQL text, typed parameters and labels. */
export interface CapturedJob {
  jobId: string;
  sql: string;
  parameters: QueryParameter[];
  labels: Record<string, string>;
}

/** The rows a canned query answers: REST fields and rows, as BigQuery sends them. */
export interface CannedResult {
  fields: SchemaField[];
  rows: RawRow[];
}

/** A table the warehouse created through tables.insert, kept after it deletes it (scratch tables). */
export interface CreatedTable {
  datasetId: string;
  tableId: string;
  fields: SchemaField[];
}

interface RequestOptions {
  method?: string;
  uri: string;
  json?: unknown;
  qs?: Record<string, unknown>;
}

type Callback = (error: Error | null, body?: unknown) => void;

const CREATE_RELATION = /^\s*CREATE OR REPLACE (TABLE|VIEW) `([^`]+)`/;

/**
 * An in-memory BigQuery REST API that runs nothing: it keeps datasets' tables as the warehouse
 * declares them, records every query job (SQL, parameters, labels) and answers queries with no rows
 * unless `answer` says otherwise. Given to `BigQueryWarehouse` as its client (production mode: no
 * `apiEndpoint` in the config), it captures the exact statements the warehouse would send to
 * BigQuery, for ZetaSQL to analyze. Load-job uploads go to a local HTTP server on 127.0.0.1 that
 * drains the body and reports the job done.
 *
 * A `CREATE OR REPLACE TABLE|VIEW` job creates the relation with the schema `relationSpec` gives for
 * it (the declared columns of the model), so that `describe` after a build sees what BigQuery would.
 */
export class CapturingBigQuery {
  readonly jobs: CapturedJob[] = [];
  readonly created: CreatedTable[] = [];
  /** Answers a query job's SQL; undefined means no rows. */
  answer: (sql: string) => CannedResult | undefined = () => undefined;
  readonly #tables = new Map<string, TableResource>();
  readonly #jobs = new Map<string, JobResource>();
  readonly #results = new Map<string, CannedResult>();
  readonly #server: Server;
  readonly #endpoint: string;

  private constructor(
    readonly projectId: string,
    private readonly relationSpec: (datasetId: string, tableId: string) => TableSpec | undefined,
    server: Server,
  ) {
    this.#server = server;
    this.#endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  static async start(
    projectId: string,
    relationSpec: (datasetId: string, tableId: string) => TableSpec | undefined,
  ): Promise<CapturingBigQuery> {
    const bound: { self?: CapturingBigQuery } = {};
    const server = createServer((request, response) => bound.self!.#upload(request, response));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    bound.self = new CapturingBigQuery(projectId, relationSpec, server);
    return bound.self;
  }

  /** The client to give `new BigQueryWarehouse(config, client)`. */
  client(): BigQuery {
    return {
      apiEndpoint: this.#endpoint,
      authClient: { getRequestHeaders: async () => ({}) },
      request: (options: RequestOptions, callback: Callback) => this.#request(options, callback),
    } as unknown as BigQuery;
  }

  /** Runs `work` and returns the query jobs it submitted. */
  async capture(work: () => Promise<unknown>): Promise<CapturedJob[]> {
    const start = this.jobs.length;
    await work();
    return this.jobs.slice(start);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #request(options: RequestOptions, callback: Callback): void {
    try {
      callback(null, this.#route(options.method ?? 'GET', options.uri, options.json));
    } catch (error) {
      callback(error as Error);
    }
  }

  #route(method: string, uri: string, json: unknown): unknown {
    const path = uri.split('/').filter(Boolean).map(decodeURIComponent);
    if (path[0] === 'datasets' && path.length <= 2) return method === 'GET' ? { id: path[1] } : json;
    if (path[0] === 'datasets' && path[2] === 'tables') return this.#table(method, path[1]!, path[3], json);
    if (path[0] === 'jobs' && path.length === 1 && method === 'POST') return this.#insertJob(json as JobResource);
    if (path[0] === 'jobs' && method === 'GET') return this.#jobs.get(path[1]!) ?? notFound(`job ${path[1]}`);
    if (path[0] === 'queries' && method === 'GET') {
      const result = this.#results.get(path[1]!) ?? notFound(`job ${path[1]}`);
      return { jobComplete: true, schema: { fields: result.fields }, rows: result.rows };
    }
    throw Object.assign(new Error(`capturing BigQuery: no route for ${method} ${uri}`), { code: 400 });
  }

  #table(method: string, datasetId: string, tableId: string | undefined, json: unknown): unknown {
    if (method === 'POST') {
      const resource = json as TableResource & { tableReference: { tableId: string } };
      const key = `${datasetId}.${resource.tableReference.tableId}`;
      if (this.#tables.has(key)) throw Object.assign(new Error(`Already Exists: ${key}`), { code: 409 });
      this.#tables.set(key, { type: 'TABLE', ...resource });
      this.created.push({ datasetId, tableId: resource.tableReference.tableId, fields: resource.schema?.fields ?? [] });
      return resource;
    }
    const key = `${datasetId}.${tableId}`;
    const existing = this.#tables.get(key);
    if (method === 'GET') return existing ?? notFound(key);
    if (method === 'DELETE') {
      if (!existing) notFound(key);
      this.#tables.delete(key);
      return {};
    }
    if (method === 'PATCH') {
      if (!existing) notFound(key);
      const merged = { ...existing, ...(json as TableResource) };
      this.#tables.set(key, merged);
      return merged;
    }
    throw Object.assign(new Error(`capturing BigQuery: no table route for ${method}`), { code: 400 });
  }

  #insertJob(body: JobResource): JobResource {
    const jobId = body.jobReference.jobId;
    if (this.#jobs.has(jobId)) throw Object.assign(new Error(`Already Exists: job ${jobId}`), { code: 409 });
    const query = (body.configuration?.query ?? {}) as { query?: string; queryParameters?: QueryParameter[] };
    const sql = query.query ?? '';
    this.jobs.push({ jobId, sql, parameters: query.queryParameters ?? [], labels: body.configuration?.labels ?? {} });
    const relation = CREATE_RELATION.exec(sql);
    if (relation) this.#createRelation(relation[1] === 'VIEW' ? 'VIEW' : 'TABLE', relation[2]!);
    this.#results.set(jobId, this.answer(sql) ?? { fields: [], rows: [] });
    const job: JobResource = { ...body, status: { state: 'DONE' }, statistics: { query: {} } };
    this.#jobs.set(jobId, job);
    return job;
  }

  #createRelation(type: 'TABLE' | 'VIEW', path: string): void {
    const [project, datasetId, tableId] = path.split('.');
    const spec = project === this.projectId && datasetId && tableId ? this.relationSpec(datasetId, tableId) : undefined;
    if (!spec) throw Object.assign(new Error(`capturing BigQuery: no declared schema for ${path}`), { code: 400 });
    const fields = spec.columns.map((c) => ({ name: c.name, type: c.type, mode: 'NULLABLE' }));
    this.#tables.set(`${datasetId}.${tableId}`, {
      type,
      schema: { fields },
      ...(spec.partitionBy ? { timePartitioning: { type: 'DAY', field: spec.partitionBy.column } } : {}),
      ...(spec.clusterBy?.length ? { clustering: { fields: spec.clusterBy } } : {}),
    });
  }

  /** A load job's multipart upload: the job resource comes first, then the file's bytes (drained). */
  #upload(request: IncomingMessage, response: ServerResponse): void {
    let head = '';
    request.on('data', (chunk: Buffer) => {
      if (head.length < 65_536) head += chunk.toString('utf8');
    });
    request.on('end', () => {
      const match = /\r\n\r\n(\{.*?\})\r\n--/s.exec(head);
      const resource = match ? (JSON.parse(match[1]!) as JobResource) : undefined;
      if (!resource) {
        response.writeHead(400, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: { message: 'capturing BigQuery: no job resource in the upload' } }));
        return;
      }
      const job: JobResource = { ...resource, status: { state: 'DONE' } };
      this.#jobs.set(resource.jobReference.jobId, job);
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(job));
    });
  }
}

function notFound(what: string): never {
  throw Object.assign(new Error(`Not found: ${what}`), { code: 404 });
}
