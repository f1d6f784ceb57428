import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { silentLogger, type Logger } from '../core/logger.js';
import { SimulatorClock } from './clock.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { Dataset, type Delivery, type Position } from './dataset.js';
import { FaultInjector, type TransportFaults } from './faults.js';
import type { UserVersion } from './plan.js';
import { isParamError, parseEventsQuery, parseUsersQuery } from './query-params.js';

const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;

/** Faults of the transport (see TransportFaults) and of the data (see DatasetOptions). */
export interface SimulatorFaults extends Partial<TransportFaults> {
  /** Share of events delivered a second time, 1 s to 6 h later (same message_id and content). */
  duplicateRate?: number;
  /** Share of visits received in one burst 1 to 72 h after they ended. */
  lateRate?: number;
  /** Unknown fields on events and users received from this instant (`true`: always). */
  newFields?: boolean | Date | string;
}

export interface SimulatorOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  /** Default 42. */
  seed?: number;
  /** When set, every request needs `Authorization: Bearer <token>` (else 401). */
  token?: string;
  /** Ids of the generated CRM export's opportunities, for `Lead Submitted.properties.opportunity_id`. */
  opportunityIds?: readonly string[];
  /**
   * Visits start in [from, to). Default from: `days` days before the clock's now, rounded down to a 28-day
   * boundary of the Unix epoch (so at least `days` days of history, the same across restarts).
   */
  from?: Date | string;
  /** Default: UTC midnight `futureDays` days after the clock's now (data keeps arriving as the clock moves). */
  to?: Date | string;
  /** Default 14. */
  days?: number;
  /** Default 30. */
  futureDays?: number;
  /** Approximate events per average day; default 2000. */
  eventsPerDay?: number;
  /** Approximate events over [from, to); overrides eventsPerDay. */
  totalEvents?: number;
  faults?: SimulatorFaults;
  /** The clock to serve by; else a manual clock at `now`; else the system clock. */
  clock?: SimulatorClock;
  now?: Date | string;
  /** Default 90 (the contract's retention of events). */
  retentionDays?: number;
  /** How long a cursor stays valid on the simulator's clock; default 2 hours (the contract promises at least 1). */
  cursorTtlMs?: number;
  /** Key that signs cursors; default derived from the seed, so cursors survive a restart with the same seed. */
  cursorSecret?: string;
  /** Bound of the in-memory event caches; default 50,000 events each. */
  cacheEvents?: number;
  logger?: Logger;
}

export interface SimulatorStats {
  requests: number;
  byStatus: Record<string, number>;
  resets: number;
  /** Items served on 200 pages (events deliveries, user versions). */
  eventsServed: number;
  usersServed: number;
}

export interface SimulatorHandle {
  /** Base URL, e.g. http://127.0.0.1:41234 (no trailing slash). */
  url: string;
  host: string;
  port: number;
  clock: SimulatorClock;
  dataset: Dataset;
  stats(): SimulatorStats;
  /** Changes transport faults while running (data faults are fixed at start). */
  setFaults(faults: Partial<TransportFaults>): void;
  close(): Promise<void>;
}

interface Reply {
  status: number;
  body: string;
  headers?: Record<string, string>;
  items?: number;
}

function errorReply(status: number, code: string, message: string, headers?: Record<string, string>): Reply {
  return { status, body: JSON.stringify({ error: { code, message } }), headers };
}

function floorDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

/**
 * Starts the marketing activity API simulator: GET /v1/events and GET /v1/users exactly as in
 * `shared/contracts/marketing-api.openapi.yaml`, over a generated, deterministic dataset. It serves only
 * what was received before its clock's now, and answers 400 out_of_retention for events older than the
 * retention. Resolves once listening.
 */
export async function startSimulator(options: SimulatorOptions = {}): Promise<SimulatorHandle> {
  const logger = options.logger ?? silentLogger();
  const seed = options.seed ?? 42;
  const clock = options.clock ?? new SimulatorClock(options.now);
  const nowMs = clock.nowMs();
  const days = options.days ?? 14;
  // Rounded down to a 28-day grid: restarts within those days plan the same visits, so past windows keep
  // their data (a later `to` only appends to the plan).
  const from = options.from ?? new Date(Math.floor((nowMs - days * DAY_MS) / (28 * DAY_MS)) * 28 * DAY_MS);
  const fromMs = from instanceof Date ? from.getTime() : Date.parse(from);
  let to = options.to ?? new Date(floorDay(nowMs) + (options.futureDays ?? 30) * DAY_MS);
  if (options.to === undefined && (to as Date).getTime() <= fromMs) to = new Date(fromMs + Math.max(1, days) * DAY_MS);
  const faults = options.faults ?? {};
  const dataset = new Dataset({
    seed,
    from,
    to,
    eventsPerDay: options.eventsPerDay,
    totalEvents: options.totalEvents,
    opportunityIds: options.opportunityIds,
    duplicateRate: faults.duplicateRate,
    lateRate: faults.lateRate,
    newFields: faults.newFields,
    cacheEvents: options.cacheEvents,
  });
  const injector = new FaultInjector(seed, {
    rate429: faults.rate429,
    retryAfterSeconds: faults.retryAfterSeconds,
    rate5xx: faults.rate5xx,
    rateReset: faults.rateReset,
    latencyMs: faults.latencyMs,
  });
  const retentionMs = (options.retentionDays ?? 90) * DAY_MS;
  const cursorTtlMs = options.cursorTtlMs ?? 2 * HOUR_MS;
  if (cursorTtlMs < HOUR_MS) throw new RangeError('cursorTtlMs must be at least one hour (the contract promises it)');
  const secret = options.cursorSecret ?? `marketing-simulator-cursor-${seed}`;
  const expectedAuth = options.token !== undefined ? Buffer.from(`Bearer ${options.token}`) : null;
  const stats: SimulatorStats = { requests: 0, byStatus: {}, resets: 0, eventsServed: 0, usersServed: 0 };

  function authorized(req: IncomingMessage): boolean {
    if (!expectedAuth) return true;
    const given = Buffer.from(req.headers.authorization ?? '');
    return given.length === expectedAuth.length && timingSafeEqual(given, expectedAuth);
  }

  function cursorError(reason: 'invalid' | 'expired' | 'wrong_feed', path: string): Reply {
    const message =
      reason === 'expired'
        ? 'cursor has expired; ask for the window again'
        : reason === 'wrong_feed'
          ? `cursor was not issued by ${path}`
          : 'cursor is not a cursor issued by this server';
    return errorReply(400, 'invalid_parameter', message);
  }

  function page<T>(items: Iterable<T>, limit: number): { page: T[]; more: boolean } {
    const out: T[] = [];
    for (const item of items) {
      if (out.length === limit) return { page: out, more: true };
      out.push(item);
    }
    return { page: out, more: false };
  }

  function eventsPage(params: URLSearchParams): Reply {
    const request = parseEventsQuery(params);
    if (isParamError(request)) return errorReply(400, 'invalid_parameter', request.error);
    const now = clock.nowMs();
    let since: number;
    let before: number;
    let limit: number;
    let after: Position | undefined;
    if (request.cursor !== undefined) {
      const check = decodeCursor(request.cursor, secret, 'events', now, cursorTtlMs);
      if (!check.ok) return cursorError(check.reason, '/v1/events');
      ({ limit, after } = check.state);
      since = check.state.since ?? -Infinity;
      before = check.state.before ?? Infinity;
    } else {
      ({ since, before, limit } = request);
    }
    if ((after?.ms ?? since) < now - retentionMs) {
      return errorReply(
        400,
        'out_of_retention',
        `received_since is older than the retention period (${retentionMs / DAY_MS} days of received_at before now)`,
      );
    }
    const { page: data, more } = page<Delivery>(dataset.deliveries(since, Math.min(before, now), after), limit);
    const last = data[data.length - 1];
    const next =
      more && last
        ? encodeCursor(
            { feed: 'events', since, before, limit, after: { ms: last.receivedMs, id: last.messageId }, issuedAt: now },
            secret,
          )
        : null;
    stats.eventsServed += data.length;
    return {
      status: 200,
      body: `{"data":[${data.map((d) => d.json).join(',')}],"next_cursor":${JSON.stringify(next)}}`,
      items: data.length,
    };
  }

  function usersPage(params: URLSearchParams): Reply {
    const request = parseUsersQuery(params);
    if (isParamError(request)) return errorReply(400, 'invalid_parameter', request.error);
    const now = clock.nowMs();
    let since: number | null;
    let before: number | null;
    let limit: number;
    let after: Position | undefined;
    if (request.cursor !== undefined) {
      const check = decodeCursor(request.cursor, secret, 'users', now, cursorTtlMs);
      if (!check.ok) return cursorError(check.reason, '/v1/users');
      ({ since, before, limit, after } = check.state);
    } else {
      ({ since, before, limit } = request);
    }
    const { page: data, more } = page<UserVersion>(
      dataset.currentUsers(now, since ?? -Infinity, before ?? Infinity, after),
      limit,
    );
    const last = data[data.length - 1];
    const next =
      more && last
        ? encodeCursor({ feed: 'users', since, before, limit, after: { ms: last.ms, id: last.userId }, issuedAt: now }, secret)
        : null;
    stats.usersServed += data.length;
    return {
      status: 200,
      body: `{"data":[${data.map((v) => v.json).join(',')}],"next_cursor":${JSON.stringify(next)}}`,
      items: data.length,
    };
  }

  function send(res: ServerResponse, reply: Reply): void {
    const body = Buffer.from(reply.body);
    res.writeHead(reply.status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(body.length),
      'cache-control': 'no-store',
      ...reply.headers,
    });
    res.end(body);
  }

  function reset(req: IncomingMessage): void {
    stats.resets++;
    const socket = req.socket;
    if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
    else socket.destroy();
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const startedAt = performance.now();
    stats.requests++;
    const url = new URL(req.url ?? '/', 'http://simulator.invalid');
    const route = url.pathname === '/v1/events' ? 'events' : url.pathname === '/v1/users' ? 'users' : null;
    let reply: Reply;
    if (!route) {
      reply = errorReply(404, 'not_found', 'no such endpoint: the API has GET /v1/events and GET /v1/users');
    } else if (req.method !== 'GET') {
      reply = errorReply(405, 'method_not_allowed', 'only GET is allowed', { allow: 'GET' });
    } else {
      const fault = injector.decide();
      if (fault.delayMs > 0) await sleep(fault.delayMs);
      if (fault.kind === 'reset' && !fault.during) {
        logger.debug({ route, fault: 'reset' }, 'simulator request');
        reset(req);
        return;
      }
      if (fault.kind === 'rate_limited') {
        reply = errorReply(429, 'rate_limited', 'too many requests; retry after the Retry-After delay', {
          'retry-after': String(fault.retryAfterSeconds),
        });
      } else if (fault.kind === 'server_error') {
        reply = errorReply(fault.status, 'internal', `simulated server error ${fault.status}`);
      } else if (!authorized(req)) {
        reply = errorReply(401, 'unauthorized', 'a valid bearer token is required', { 'www-authenticate': 'Bearer' });
      } else {
        reply = route === 'events' ? eventsPage(url.searchParams) : usersPage(url.searchParams);
        if (fault.kind === 'reset' && reply.status === 200) {
          const body = Buffer.from(reply.body);
          stats.byStatus['200'] = (stats.byStatus['200'] ?? 0) + 1;
          res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(body.length) });
          res.write(body.subarray(0, Math.floor(body.length / 2)), () => reset(req));
          logger.debug({ route, fault: 'reset during body' }, 'simulator request');
          return;
        }
      }
    }
    stats.byStatus[String(reply.status)] = (stats.byStatus[String(reply.status)] ?? 0) + 1;
    send(res, reply);
    logger.debug(
      { route, status: reply.status, items: reply.items, ms: Math.round(performance.now() - startedAt) },
      'simulator request',
    );
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      logger.error(
        { err: error instanceof Error ? { message: error.message, stack: error.stack } : String(error) },
        'simulator error',
      );
      if (!res.headersSent) send(res, errorReply(500, 'internal', 'unexpected simulator error'));
      else res.destroy();
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  const url = `http://${urlHost}:${port}`;
  logger.info(
    {
      url,
      seed,
      from: dataset.summary.from,
      to: dataset.summary.to,
      sessions: dataset.summary.sessions,
      expectedEvents: dataset.summary.expectedEvents,
      users: dataset.summary.users,
      auth: expectedAuth ? 'bearer' : 'none',
      faults: {
        ...injector.settings,
        duplicateRate: faults.duplicateRate ?? 0,
        lateRate: faults.lateRate ?? 0,
        newFields: Boolean(faults.newFields),
      },
    },
    'marketing API simulator listening',
  );

  return {
    url,
    host,
    port,
    clock,
    dataset,
    stats: () => ({ ...stats, byStatus: { ...stats.byStatus } }),
    setFaults: (changes) => injector.update(changes),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
