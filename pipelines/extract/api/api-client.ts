import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import axios, { type AxiosInstance, type AxiosResponse, isAxiosError } from 'axios';
import type { Logger } from '../../core/logger.js';
import { type RetryPolicy, withRetry } from '../../run/retry.js';
import { type RequestContext, bodyError, httpError, networkError } from './api-errors.js';
import { isObject } from './record-fields.js';

export interface ApiClientOptions {
  /** Base URL; the contract's paths (`/v1/events`) are appended to it. */
  url: string;
  /** Bearer token. Never logged. */
  token: string;
  /** Bound on one request, from sending to the last byte of the answer. */
  timeoutMs: number;
  retry: RetryPolicy;
  logger: Logger;
  /** Aborting stops the request in flight and any retry wait. */
  signal?: AbortSignal;
}

/** One page of a feed, as the contract shapes it. */
export interface Page {
  data: unknown[];
  nextCursor: string | null;
  /** The body as received, for the records' original text. */
  body: string;
}

/**
 * The marketing activity API over HTTP (axios, keep-alive). `page` fetches one page and retries what may
 * pass (429 after its Retry-After, 5xx, resets, timeouts, truncated bodies) through `withRetry`, the one
 * retry policy; anything else fails at once as a TerminalError naming status, API error code and message,
 * stream and window. When the signal aborts, it rejects with the signal's reason.
 */
export class MarketingApiClient {
  readonly #http: AxiosInstance;
  readonly #agents: { http: HttpAgent; https: HttpsAgent };
  readonly #options: ApiClientOptions;
  /** Retries made so far (all pages). */
  retries = 0;
  requests = 0;

  constructor(options: ApiClientOptions) {
    this.#options = options;
    this.#agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };
    this.#http = axios.create({
      baseURL: options.url,
      headers: { Authorization: `Bearer ${options.token}`, Accept: 'application/json', 'User-Agent': 'mortgage-elt' },
      httpAgent: this.#agents.http,
      httpsAgent: this.#agents.https,
      timeout: options.timeoutMs,
      responseType: 'text',
      // The body is parsed here, so that a truncated one is seen as such rather than passed on as text.
      transformResponse: [(data: unknown) => data],
      validateStatus: () => true,
      maxRedirects: 0,
    });
  }

  async page(path: string, params: Record<string, string | number>, request: RequestContext): Promise<Page> {
    return withRetry(() => this.#attempt(path, params, request), this.#options.retry, {
      signal: this.#options.signal,
      onRetry: (error, attempt, delayMs) => {
        this.retries++;
        this.#options.logger.debug(
          { stream: request.stream, attempt, delayMs: Math.round(delayMs), err: error.message },
          'retrying a page',
        );
      },
    });
  }

  close(): void {
    this.#agents.http.destroy();
    this.#agents.https.destroy();
  }

  async #attempt(path: string, params: Record<string, string | number>, request: RequestContext): Promise<Page> {
    const outer = this.#options.signal;
    if (outer?.aborted) throw outer.reason;
    const timeout = AbortSignal.timeout(this.#options.timeoutMs);
    const signal = outer ? AbortSignal.any([outer, timeout]) : timeout;
    this.requests++;
    let response: AxiosResponse<string>;
    try {
      response = await this.#http.get<string>(path, { params, signal });
    } catch (error) {
      if (outer?.aborted) throw outer.reason;
      if (timeout.aborted) throw networkError('ETIMEDOUT', `no complete answer within ${this.#options.timeoutMs} ms`, request);
      // The message only: an axios error carries the request config, bearer token included.
      if (isAxiosError(error)) throw networkError(error.code, error.message, request);
      throw networkError(undefined, error instanceof Error ? error.message : String(error), request);
    }
    const body = typeof response.data === 'string' ? response.data : String(response.data ?? '');
    if (response.status < 200 || response.status >= 300) {
      throw httpError(response.status, body, response.headers['retry-after'], request);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      throw bodyError(`is not complete JSON (${body.length} characters)`, true, request);
    }
    if (!isObject(parsed) || !Array.isArray(parsed.data)) throw bodyError('has no `data` array', false, request);
    const next = parsed.next_cursor;
    if (!(next === null || (typeof next === 'string' && next !== ''))) {
      throw bodyError('has no `next_cursor` (a non-empty string, or null on the last page)', false, request);
    }
    return { data: parsed.data, nextCursor: next, body };
  }
}
