import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BigQuery } from '@google-cloud/bigquery';
import type { ParamTypes, Params } from '../types.js';
import { toQueryParameters } from './bigquery-params.js';
import type { RawRow, SchemaField } from './bigquery-values.js';

export interface ErrorProto {
  reason?: string;
  message?: string;
  location?: string;
}

export interface JobResource {
  jobReference: { projectId: string; jobId: string; location?: string };
  status?: { state?: string; errorResult?: ErrorProto; errors?: ErrorProto[] };
  configuration?: { labels?: Record<string, string>; [kind: string]: unknown };
  statistics?: { query?: { numDmlAffectedRows?: string }; load?: { outputRows?: string } };
}

export interface TableResource {
  type?: string;
  schema?: { fields?: SchemaField[] };
  numRows?: string;
  creationTime?: string;
  timePartitioning?: { type: string; field?: string };
  clustering?: { fields: string[] };
  description?: string;
  labels?: Record<string, string>;
}

export interface QueryResult {
  fields: SchemaField[];
  rows: RawRow[];
}

/** A job that ended with an error; shaped like the client's ApiError so that one mapper reads both. */
export class JobFailedError extends Error {
  constructor(
    readonly jobId: string,
    readonly errors: ErrorProto[],
  ) {
    super(errors[0]?.message ?? `job ${jobId} failed`);
    this.name = 'JobFailedError';
  }
}

/** An HTTP error of a request made without the client library (the file upload). */
export class HttpError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly errors: ErrorProto[],
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

const PAGE_SIZE = 10_000;

/**
 * The BigQuery REST calls the warehouse makes, through the client library's authenticated request
 * (which retries a single call on 429/5xx, as the library does) and nothing else: jobs, datasets,
 * tables, and the multipart upload of a load job's file.
 */
export class BigQueryApi {
  constructor(
    readonly bq: BigQuery,
    readonly projectId: string,
    readonly location: string,
  ) {}

  request<T>(options: { method?: string; uri: string; json?: unknown; qs?: Record<string, unknown> }): Promise<T> {
    return new Promise((resolve, reject) =>
      this.bq.request(options as Parameters<BigQuery['request']>[0], (error: Error | null, body?: unknown) =>
        error ? reject(error) : resolve(body as T),
      ),
    );
  }

  /** The resource, or null on 404. */
  async getOrNull<T>(uri: string, qs?: Record<string, unknown>): Promise<T | null> {
    try {
      return await this.request<T>({ uri, qs });
    } catch (error) {
      if ((error as { code?: unknown }).code === 404) return null;
      throw error;
    }
  }

  getJob(jobId: string): Promise<JobResource | null> {
    return this.getOrNull<JobResource>(`/jobs/${encodeURIComponent(jobId)}`, { location: this.location });
  }

  getTable(datasetId: string, tableId: string): Promise<TableResource | null> {
    return this.getOrNull<TableResource>(`/datasets/${encodeURIComponent(datasetId)}/tables/${encodeURIComponent(tableId)}`);
  }

  /** Deletes a table or view; absent is fine. */
  async deleteTable(datasetId: string, tableId: string): Promise<void> {
    try {
      await this.request({
        method: 'DELETE',
        uri: `/datasets/${encodeURIComponent(datasetId)}/tables/${encodeURIComponent(tableId)}`,
      });
    } catch (error) {
      if ((error as { code?: unknown }).code !== 404) throw error;
    }
  }

  /**
   * Inserts a query job (jobs.insert) with the given id and labels. If the id already exists (the
   * library retried a request whose response was lost), the existing job is returned: it is this one.
   */
  async insertQueryJob(job: {
    jobId: string;
    sql: string;
    params?: Params;
    types?: ParamTypes;
    labels: Record<string, string>;
  }): Promise<JobResource> {
    const queryParameters = toQueryParameters(job.params, job.types);
    const body = {
      jobReference: { projectId: this.projectId, jobId: job.jobId, location: this.location },
      configuration: {
        query: {
          query: job.sql,
          useLegacySql: false,
          ...(queryParameters.length ? { parameterMode: 'NAMED', queryParameters } : {}),
        },
        labels: job.labels,
      },
    };
    try {
      return await this.request<JobResource>({ method: 'POST', uri: '/jobs', json: body });
    } catch (error) {
      if ((error as { code?: unknown }).code === 409) {
        const existing = await this.getJob(job.jobId);
        if (existing) return existing;
      }
      throw error;
    }
  }

  /** Polls a job until it is done; rejects with `JobFailedError` when it failed. */
  async waitForJob(job: JobResource): Promise<JobResource> {
    let current = job;
    let delay = 200;
    // An upload's answer may carry no status at all: ask at once before waiting.
    if (!current.status) current = (await this.getJob(current.jobReference.jobId)) ?? current;
    while (current.status?.state !== 'DONE') {
      await sleep(delay);
      delay = Math.min(2000, Math.round(delay * 1.5));
      current = (await this.getJob(current.jobReference.jobId)) ?? current;
    }
    const errorResult = current.status.errorResult;
    if (errorResult) {
      throw new JobFailedError(current.jobReference.jobId, [errorResult, ...(current.status.errors ?? [])]);
    }
    return current;
  }

  /** All result rows of a finished query job (the last statement's, for a script). */
  async queryResults(jobId: string): Promise<QueryResult> {
    const rows: RawRow[] = [];
    let fields: SchemaField[] = [];
    let pageToken: string | undefined;
    for (;;) {
      const page = await this.request<{
        jobComplete?: boolean;
        schema?: { fields?: SchemaField[] };
        rows?: RawRow[];
        pageToken?: string;
      }>({
        uri: `/queries/${encodeURIComponent(jobId)}`,
        qs: {
          location: this.location,
          maxResults: PAGE_SIZE,
          timeoutMs: 10_000,
          'formatOptions.useInt64Timestamp': true,
          ...(pageToken ? { pageToken } : {}),
        },
      });
      if (page.jobComplete === false) continue;
      fields = page.schema?.fields ?? fields;
      rows.push(...(page.rows ?? []));
      if (!page.pageToken) return { fields, rows };
      pageToken = page.pageToken;
    }
  }

  /**
   * Emulator only: runs SQL through jobs.query, which the emulator executes in one SQLite transaction
   * and rolls back on error (its jobs.insert keeps the statements of a script that ran before the
   * failing one). Returns the last statement's rows.
   *
   * The emulator keeps every job with its result rows, and reads them all on each request: a request
   * takes a millisecond more per job kept (200 ms after a pipeline run's 400 queries). So the job this
   * request created is deleted once its rows are read; nothing refers to it afterwards.
   */
  async queryInOneRequest(
    sql: string,
    params: Params | undefined,
    types: ParamTypes | undefined,
    labels: Record<string, string>,
  ): Promise<QueryResult> {
    const queryParameters = toQueryParameters(params, types);
    const response = await this.request<{
      jobReference?: { jobId?: string };
      schema?: { fields?: SchemaField[] };
      rows?: RawRow[];
      errors?: ErrorProto[];
    }>({
      method: 'POST',
      uri: '/queries',
      json: {
        query: sql,
        useLegacySql: false,
        location: this.location,
        labels,
        formatOptions: { useInt64Timestamp: true },
        ...(queryParameters.length ? { parameterMode: 'NAMED', queryParameters } : {}),
      },
    });
    const jobId = response.jobReference?.jobId;
    if (jobId) {
      await this.request({
        method: 'DELETE',
        uri: `/jobs/${encodeURIComponent(jobId)}/delete`,
        qs: { location: this.location },
      }).catch(() => undefined);
    }
    return { fields: response.schema?.fields ?? [], rows: response.rows ?? [] };
  }

  /**
   * Starts a load job from a local file: a multipart upload of the job resource and the file's bytes
   * (streamed), as the client library's `createLoadJob` does, but with the job's labels, which that
   * method cannot set. Resolves with the job as created (usually still running).
   */
  async uploadLoadJob(
    file: string,
    job: { jobId: string; load: Record<string, unknown>; labels: Record<string, string> },
  ): Promise<JobResource> {
    const resource = {
      jobReference: { projectId: this.projectId, jobId: job.jobId, location: this.location },
      configuration: { load: job.load, labels: job.labels },
    };
    const boundary = `elt-${job.jobId.replace(/[^A-Za-z0-9]/g, '').slice(-40)}-${Date.now()}`;
    async function* body(): AsyncGenerator<Buffer> {
      yield Buffer.from(
        `--${boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n${JSON.stringify(resource)}\r\n` +
          `--${boundary}\r\nContent-Type: application/octet-stream\r\n\r\n`,
      );
      for await (const chunk of createReadStream(file)) yield chunk as Buffer;
      yield Buffer.from(`\r\n--${boundary}--\r\n`);
    }
    const auth = await this.bq.authClient.getRequestHeaders();
    const headers = new Headers(auth as HeadersInit);
    headers.set('content-type', `multipart/related; boundary=${boundary}`);
    const url = `${this.bq.apiEndpoint}/upload/bigquery/v2/projects/${encodeURIComponent(this.projectId)}/jobs?uploadType=multipart`;
    const response = await fetch(url, {
      method: 'POST',
      headers,
      body: Readable.toWeb(Readable.from(body())) as ReadableStream,
      duplex: 'half',
    } as RequestInit);
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!response.ok) {
      const error = (parsed as { error?: { message?: string; errors?: ErrorProto[] } } | undefined)?.error;
      if (response.status === 409) {
        const existing = await this.getJob(job.jobId);
        if (existing) return existing;
      }
      throw new HttpError(response.status, error?.message ?? (text.slice(0, 300) || response.statusText), error?.errors ?? []);
    }
    return parsed as JobResource;
  }
}
