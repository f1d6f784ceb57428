import { expect } from 'chai';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TerminalError, TransientError } from '../../../../pipelines/core/errors.js';
import { silentLogger } from '../../../../pipelines/core/logger.js';
import { MarketingApiClient } from '../../../../pipelines/extract/api/api-client.js';
import { retryAfterMs } from '../../../../pipelines/extract/api/api-errors.js';

type Behaviour = (req: IncomingMessage, res: ServerResponse) => void;

const PAGE = JSON.stringify({ data: [{ message_id: 'm-1' }], next_cursor: null });
const ok: Behaviour = (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(PAGE);
const status =
  (code: number, error: { code: string; message: string }, headers: Record<string, string> = {}): Behaviour =>
  (_req, res) =>
    res.writeHead(code, { 'content-type': 'application/json', ...headers }).end(JSON.stringify({ error }));
const reset: Behaviour = (req) => req.socket.resetAndDestroy();
const truncated: Behaviour = (req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(PAGE.length) });
  res.write(PAGE.slice(0, 10), () => req.socket.destroy());
};
const silent: Behaviour = () => undefined;

/** A server that answers each request with the next scripted behaviour (the last one repeats). */
async function scripted(behaviours: Behaviour[]): Promise<{ url: string; seen: IncomingMessage[]; server: Server }> {
  const seen: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    seen.push(req);
    (behaviours[Math.min(seen.length - 1, behaviours.length - 1)] as Behaviour)(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}

const request = {
  stream: 'events',
  table: 'raw.mkt_events',
  path: '/v1/events',
  window: { from: '2026-03-01T00:00:00.000Z', to: '2026-03-02T00:00:00.000Z' },
};

function client(url: string, overrides: Partial<ConstructorParameters<typeof MarketingApiClient>[0]> = {}) {
  return new MarketingApiClient({
    url,
    token: 'secret-token',
    timeoutMs: 2000,
    retry: { retries: 10, minDelayMs: 1, maxDelayMs: 10, maxRetryTimeMs: 5000 },
    logger: silentLogger(),
    ...overrides,
  });
}

describe('MarketingApiClient', function () {
  this.timeout(20_000);
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('sends the bearer token and the query, and parses a page', async function () {
    const s = await scripted([ok]);
    server = s.server;
    const c = client(s.url);
    const page = await c.page('/v1/events', { received_since: '2026-03-01T00:00:00.000Z', limit: 5 }, request);
    c.close();
    expect(page).to.deep.include({ data: [{ message_id: 'm-1' }], nextCursor: null });
    expect(s.seen[0]!.headers.authorization).to.equal('Bearer secret-token');
    expect(s.seen[0]!.url).to.equal('/v1/events?received_since=2026-03-01T00:00:00.000Z&limit=5');
  });

  it('retries 5xx, resets and truncated bodies until a page comes', async function () {
    const s = await scripted([
      status(503, { code: 'internal', message: 'x' }),
      reset,
      truncated,
      status(502, { code: 'internal', message: 'y' }),
      ok,
    ]);
    server = s.server;
    const c = client(s.url);
    const page = await c.page('/v1/events', {}, request);
    c.close();
    expect(page.data).to.have.length(1);
    expect(s.seen).to.have.length(5);
    expect(c.retries).to.equal(4);
  });

  it('waits at least the Retry-After of a 429', async function () {
    const s = await scripted([status(429, { code: 'rate_limited', message: 'slow down' }, { 'retry-after': '1' }), ok]);
    server = s.server;
    const c = client(s.url);
    const started = Date.now();
    await c.page('/v1/events', {}, request);
    c.close();
    expect(Date.now() - started).to.be.at.least(950);
    expect(s.seen).to.have.length(2);
  });

  it('fails at once on 401 with status, API code and message, stream and window, and never the token', async function () {
    const s = await scripted([status(401, { code: 'unauthorized', message: 'a valid bearer token is required' })]);
    server = s.server;
    const c = client(s.url);
    const error = await c.page('/v1/events', {}, request).then(
      () => null,
      (e: unknown) => e,
    );
    c.close();
    expect(error).to.be.instanceOf(TerminalError);
    const message = (error as Error).message;
    expect(message).to.contain('401 unauthorized: a valid bearer token is required');
    expect(message).to.contain('stream events').and.contain('window 2026-03-01T00:00:00.000Z..2026-03-02T00:00:00.000Z');
    expect(message).to.not.contain('secret-token');
    expect(JSON.stringify((error as TerminalError).context)).to.not.contain('secret-token');
    expect(s.seen).to.have.length(1);
  });

  it('fails at once on 400 out_of_retention', async function () {
    const s = await scripted([status(400, { code: 'out_of_retention', message: 'too old' })]);
    server = s.server;
    const c = client(s.url);
    const error = await c.page('/v1/events', {}, request).catch((e: unknown) => e);
    c.close();
    expect(error).to.be.instanceOf(TerminalError);
    expect((error as TerminalError).context).to.include({ status: 400, code: 'out_of_retention' });
  });

  it('gives up on a transient failure once the retry budget is spent', async function () {
    const s = await scripted([status(503, { code: 'internal', message: 'down' })]);
    server = s.server;
    const c = client(s.url, { retry: { retries: 1000, minDelayMs: 50, maxDelayMs: 100, maxRetryTimeMs: 600 } });
    const started = Date.now();
    const error = await c.page('/v1/events', {}, request).catch((e: unknown) => e);
    c.close();
    expect(error).to.be.instanceOf(TransientError);
    expect((error as Error).message).to.contain('503');
    expect(Date.now() - started).to.be.lessThan(2000);
    expect(s.seen.length).to.be.greaterThan(2);
  });

  it('times out a request that gets no answer, and retries it', async function () {
    const s = await scripted([silent, ok]);
    server = s.server;
    const c = client(s.url, { timeoutMs: 300 });
    const page = await c.page('/v1/events', {}, request);
    c.close();
    expect(page.data).to.have.length(1);
    expect(s.seen).to.have.length(2);
  });

  it('refuses a 200 whose body is not a page of the contract', async function () {
    const s = await scripted([(_req, res) => res.writeHead(200).end(JSON.stringify({ items: [] }))]);
    server = s.server;
    const c = client(s.url);
    const error = await c.page('/v1/events', {}, request).catch((e: unknown) => e);
    c.close();
    expect(error).to.be.instanceOf(TerminalError);
    expect((error as Error).message).to.contain('no `data` array');
  });

  it('reads Retry-After as seconds or as an HTTP date', function () {
    expect(retryAfterMs('3')).to.equal(3000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4000)).to.equal(6000);
    expect(retryAfterMs('soon')).to.equal(undefined);
    expect(retryAfterMs(undefined)).to.equal(undefined);
  });
});
