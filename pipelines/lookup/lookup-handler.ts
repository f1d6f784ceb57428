import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../core/logger.js';
import { createApiKeyCheck } from './api-key.js';
import type { LookupCache } from './lookup-cache.js';
import { isSalesforceId } from './salesforce-id.js';
import type { Snapshot } from './snapshot.js';

/** An express-style HTTP handler; express's request and response extend node's, so it serves both. */
export type LookupHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface LookupHandlerOptions {
  cache: LookupCache;
  /** LOOKUP_API_KEY: when set, every request but `/healthz` must carry it, else 401. */
  apiKey?: string;
  /** Access log: one info line per request (method, path, status, ms). */
  logger: Logger;
  /** While the first load is in flight, how long a request waits for it before answering 503. Default 10 s. */
  coldStartWaitMs?: number;
}

const OPPORTUNITIES_PREFIX = '/opportunities/';
const ALLOWED_METHODS = 'GET, HEAD';
const BAD_ID_MESSAGE = 'the id must be a 15- or 18-character Salesforce id (letters and digits only)';

/**
 * The lookup function. Routes:
 * - `GET /opportunities/{id}` and `GET /?id={id}`: 200 with the opportunity's JSON (a new random
 *   `response_id` each time); 404 for an unknown id; 400 for an id that is not a 15- or 18-character
 *   Salesforce id (checked before any lookup); 503 with Retry-After while no data was ever loaded.
 * - `GET /healthz`: 200 when data is loaded, else 503 (no API key needed: platform probes).
 * - other paths 404; methods other than GET and HEAD 405; a missing or wrong API key 401 (checked first).
 * Every body is JSON; error bodies carry `error` (a code) and `message`, never the raw input.
 */
export function createLookupHandler(options: LookupHandlerOptions): LookupHandler {
  const { cache, logger } = options;
  const checkKey = options.apiKey ? createApiKeyCheck(options.apiKey) : null;
  const coldStartWaitMs = options.coldStartWaitMs ?? 10_000;

  function send(res: ServerResponse, status: number, body: string, extra?: Record<string, string>): void {
    const headers: Record<string, string | number> = {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    };
    if (extra) Object.assign(headers, extra);
    res.writeHead(status, headers);
    res.end(body);
  }

  function fail(res: ServerResponse, status: number, error: string, message: string, extra?: Record<string, string>): number {
    send(res, status, JSON.stringify({ response_id: randomUUID(), error, message }), extra);
    return status;
  }

  function lookup(res: ServerResponse, id: string): number | Promise<number> {
    if (!isSalesforceId(id)) return fail(res, 400, 'bad_request', BAD_ID_MESSAGE);
    const snapshot = cache.snapshot;
    return snapshot === null ? afterFirstLoad(res, id) : answer(res, snapshot, id);
  }

  async function afterFirstLoad(res: ServerResponse, id: string): Promise<number> {
    await cache.settle(coldStartWaitMs);
    const snapshot = cache.snapshot;
    if (snapshot === null) {
      return fail(res, 503, 'unavailable', 'the opportunity data is not loaded yet; try again later', {
        'retry-after': String(cache.retryAfterSeconds()),
      });
    }
    return answer(res, snapshot, id);
  }

  function answer(res: ServerResponse, snapshot: Snapshot, id: string): number {
    const tail = snapshot.find(id);
    // The id matched the Salesforce pattern: letters and digits only, safe to repeat.
    if (tail === undefined) return fail(res, 404, 'not_found', `no opportunity with id ${id}`);
    send(res, 200, `{"response_id":"${randomUUID()}",${tail}`);
    return 200;
  }

  function health(res: ServerResponse): number {
    const snapshot = cache.snapshot;
    if (snapshot === null) {
      return fail(res, 503, 'unavailable', 'the opportunity data is not loaded yet', {
        'retry-after': String(cache.retryAfterSeconds()),
      });
    }
    send(
      res,
      200,
      JSON.stringify({ status: 'ok', opportunities: snapshot.size, loaded_at: new Date(snapshot.loadedAt).toISOString() }),
    );
    return 200;
  }

  function route(req: IncomingMessage, res: ServerResponse, log: { path: string }): number | Promise<number> {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const method = req.method ?? 'GET';
    const readMethod = method === 'GET' || method === 'HEAD';

    if (path === '/healthz') {
      log.path = path;
      return readMethod ? health(res) : fail(res, 405, 'method_not_allowed', 'use GET', { allow: ALLOWED_METHODS });
    }
    // undefined: no such route; null: the route without an id.
    let id: string | null | undefined;
    if (path.startsWith(OPPORTUNITIES_PREFIX) && path.indexOf('/', OPPORTUNITIES_PREFIX.length) < 0) {
      id = decodeSegment(path.slice(OPPORTUNITIES_PREFIX.length));
      log.path = id !== null && isSalesforceId(id) ? OPPORTUNITIES_PREFIX + id : '/opportunities/{invalid}';
    } else if (path === '/' || path === '') {
      id = q < 0 ? null : new URLSearchParams(url.slice(q + 1)).get('id');
      log.path = id !== null && isSalesforceId(id) ? `/?id=${id}` : '/?id={invalid}';
    }
    if (checkKey !== null && !checkKey(req.headers)) {
      return fail(res, 401, 'unauthorized', 'a valid API key is required (x-api-key header or Authorization: Bearer)', {
        'www-authenticate': 'Bearer realm="lookup"',
      });
    }
    if (id === undefined) return fail(res, 404, 'not_found', 'no such path; use GET /opportunities/{id} or GET /?id={id}');
    if (!readMethod) return fail(res, 405, 'method_not_allowed', 'use GET', { allow: ALLOWED_METHODS });
    if (id === null || id === '') return fail(res, 400, 'bad_request', `missing id; ${BAD_ID_MESSAGE}`);
    return lookup(res, id);
  }

  function accessLog(method: string | undefined, path: string, status: number, started: number): void {
    logger.info({ method, path, status, ms: Math.round((performance.now() - started) * 1000) / 1000 }, 'request');
  }

  function failed(res: ServerResponse, error: unknown): number {
    logger.error({ err: error instanceof Error ? error.message : String(error) }, 'lookup request failed');
    return res.headersSent ? res.statusCode : fail(res, 500, 'internal', 'internal error');
  }

  return (req, res) => {
    const started = performance.now();
    cache.checkIfDue();
    // Raw paths are not logged: they may hold anything a caller typed. Known routes log their id.
    const log = { path: '{other}' };
    let result: number | Promise<number>;
    try {
      result = route(req, res, log);
    } catch (error) {
      result = failed(res, error);
    }
    if (typeof result === 'number') return accessLog(req.method, log.path, result, started);
    return result.then(
      (status) => accessLog(req.method, log.path, status, started),
      (error: unknown) => accessLog(req.method, log.path, failed(res, error), started),
    );
  };
}

function decodeSegment(segment: string): string | null {
  if (segment.indexOf('%') < 0) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}
