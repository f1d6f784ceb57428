import { expect } from 'chai';
import { startSimulator, type SimulatorHandle, type SimulatorOptions } from '../../../pipelines/simulator/server.js';
import type { MarketingEvent, MarketingUser } from '../../../pipelines/simulator/types.js';
import { loadContract } from './contract.js';

const contract = loadContract();
const TOKEN = 'test-token';
const HOUR = 3600_000;
const DAY = 24 * HOUR;
const NOW = '2026-03-15T00:00:00.000Z';

interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

const base: SimulatorOptions = {
  seed: 11,
  token: TOKEN,
  now: NOW,
  from: '2026-03-01T00:00:00Z',
  to: '2026-03-20T00:00:00Z',
  eventsPerDay: 300,
  opportunityIds: Array.from({ length: 40 }, (_, i) => `0065q00000Ab${String(i).padStart(3, '0')}AAA`),
};

async function get(
  sim: SimulatorHandle,
  path: '/v1/events' | '/v1/users',
  query: Record<string, string> | string,
  token: string | null = TOKEN,
): Promise<Answer> {
  const search = typeof query === 'string' ? query : new URLSearchParams(query).toString();
  const response = await fetch(`${sim.url}${path}?${search}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const answer = { status: response.status, headers: response.headers, body: (await response.json()) as unknown };
  contract.check(path, answer.status, answer.headers, answer.body);
  return answer;
}

function errorOf(answer: Answer): { code: string; message: string } {
  return (answer.body as { error: { code: string; message: string } }).error;
}

async function allEvents(
  sim: SimulatorHandle,
  since: string,
  before: string,
  limit: number,
): Promise<{ events: MarketingEvent[]; pages: number }> {
  const events: MarketingEvent[] = [];
  let pages = 0;
  let answer = await get(sim, '/v1/events', { received_since: since, received_before: before, limit: String(limit) });
  for (;;) {
    expect(answer.status).to.equal(200);
    const page = answer.body as Page<MarketingEvent>;
    pages++;
    expect(page.data.length).to.be.at.most(limit);
    events.push(...page.data);
    if (page.next_cursor === null) return { events, pages };
    expect(page.data.length, 'a page with a next cursor is full').to.equal(limit);
    answer = await get(sim, '/v1/events', { cursor: page.next_cursor });
  }
}

async function allUsers(sim: SimulatorHandle, query: Record<string, string>): Promise<MarketingUser[]> {
  const users: MarketingUser[] = [];
  let answer = await get(sim, '/v1/users', query);
  for (;;) {
    expect(answer.status).to.equal(200);
    const page = answer.body as Page<MarketingUser>;
    users.push(...page.data);
    if (page.next_cursor === null) return users;
    answer = await get(sim, '/v1/users', { cursor: page.next_cursor });
  }
}

function key(e: { received_at: string; message_id: string }): [number, string] {
  return [Date.parse(e.received_at), e.message_id];
}

function expectStrictlyOrdered(events: MarketingEvent[]): void {
  for (let i = 1; i < events.length; i++) {
    const [am, aid] = key(events[i - 1] as MarketingEvent);
    const [bm, bid] = key(events[i] as MarketingEvent);
    expect(am < bm || (am === bm && aid < bid), `events ${i - 1} and ${i} are out of (received_at, message_id) order`).to.equal(
      true,
    );
  }
}

describe('marketing API simulator: events endpoint', () => {
  let sim: SimulatorHandle;
  before(async () => {
    sim = await startSimulator(base);
  });
  after(async () => {
    await sim.close();
  });
  beforeEach(() => {
    sim.clock.set(NOW);
  });

  it('answers a window with a contract-valid page of at most 500 events by default, sorted', async () => {
    const answer = await get(sim, '/v1/events', {
      received_since: '2026-03-05T00:00:00Z',
      received_before: '2026-03-12T00:00:00Z',
    });
    expect(answer.status).to.equal(200);
    const page = answer.body as Page<MarketingEvent>;
    expect(page.data).to.have.length(500);
    expect(page.next_cursor).to.be.a('string');
    expectStrictlyOrdered(page.data);
  });

  it('following cursors yields exactly the window, in order, with no gap and no repeat', async () => {
    const since = '2026-03-06T00:00:00Z';
    const before = '2026-03-08T06:30:00Z';
    const { events, pages } = await allEvents(sim, since, before, 37);
    const truth = [...sim.dataset.deliveries(Date.parse(since), Date.parse(before))].map((d) => d.json);
    expect(truth.length).to.be.greaterThan(37 * 5);
    expect(events.map((e) => JSON.stringify(e))).to.deep.equal(truth);
    expect(pages).to.equal(Math.ceil(truth.length / 37) + (truth.length % 37 === 0 ? 1 : 0));
    expectStrictlyOrdered(events);
    for (const e of events) {
      expect(Date.parse(e.received_at)).to.be.at.least(Date.parse(since)).and.below(Date.parse(before));
    }
  });

  it('includes received_since and excludes received_before, to the millisecond', async () => {
    const sample = [...sim.dataset.deliveries(Date.parse('2026-03-07T10:00:00Z'), Date.parse('2026-03-07T12:00:00Z'))][5];
    if (!sample) throw new Error('no delivery to test with');
    const at = new Date(sample.receivedMs).toISOString();
    const from = await get(sim, '/v1/events', { received_since: at, received_before: '2026-03-07T13:00:00Z', limit: '1' });
    expect((from.body as Page<MarketingEvent>).data[0]?.message_id).to.equal(sample.messageId);
    const until = await get(sim, '/v1/events', { received_since: '2026-03-07T09:00:00Z', received_before: at, limit: '1000' });
    const ids = (until.body as Page<MarketingEvent>).data.map((e) => e.message_id);
    expect(ids).to.not.include(sample.messageId);
    const oneMsLater = new Date(sample.receivedMs + 1).toISOString();
    const within = await get(sim, '/v1/events', { received_since: at, received_before: oneMsLater });
    expect((within.body as Page<MarketingEvent>).data.map((e) => e.message_id)).to.include(sample.messageId);
  });

  it('accepts other time zones and sub-millisecond digits in the bounds', async () => {
    const utc = await get(sim, '/v1/events', {
      received_since: '2026-03-07T00:00:00Z',
      received_before: '2026-03-07T06:00:00Z',
      limit: '1000',
    });
    const paris = await get(sim, '/v1/events', {
      received_since: '2026-03-07T01:00:00+01:00',
      received_before: '2026-03-07T07:00:00.000000+01:00',
      limit: '1000',
    });
    expect(paris.body).to.deep.equal(utc.body);
  });

  it('honours limit from 1 to 1000', async () => {
    const window = { received_since: '2026-03-01T00:00:00Z', received_before: '2026-03-08T00:00:00Z' };
    const one = await get(sim, '/v1/events', { ...window, limit: '1' });
    expect((one.body as Page<MarketingEvent>).data).to.have.length(1);
    const thousand = await get(sim, '/v1/events', { ...window, limit: '1000' });
    expect((thousand.body as Page<MarketingEvent>).data).to.have.length(1000);
  });

  for (const limit of ['0', '1001', '-1', 'abc', '1.5', '', '1e2', ' 5']) {
    it(`rejects limit=${JSON.stringify(limit)} with 400 invalid_parameter naming limit`, async () => {
      const answer = await get(sim, '/v1/events', {
        received_since: '2026-03-01T00:00:00Z',
        received_before: '2026-03-02T00:00:00Z',
        limit,
      });
      expect(answer.status).to.equal(400);
      expect(errorOf(answer).code).to.equal('invalid_parameter');
      expect(errorOf(answer).message).to.match(/^limit /);
    });
  }

  const badWindows: [string, Record<string, string>, RegExp][] = [
    ['no received_since', { received_before: '2026-03-02T00:00:00Z' }, /received_since is required/],
    ['no received_before', { received_since: '2026-03-01T00:00:00Z' }, /received_before is required/],
    ['a date without time', { received_since: '2026-03-01', received_before: '2026-03-02T00:00:00Z' }, /received_since must be/],
    [
      'no time zone',
      { received_since: '2026-03-01T00:00:00', received_before: '2026-03-02T00:00:00Z' },
      /received_since must be/,
    ],
    [
      'February 30th',
      { received_since: '2026-02-30T00:00:00Z', received_before: '2026-03-02T00:00:00Z' },
      /received_since must be/,
    ],
    ['hour 24', { received_since: '2026-03-01T00:00:00Z', received_before: '2026-03-01T24:00:00Z' }, /received_before must be/],
    [
      'markup',
      { received_since: '<script>alert(1)</script>', received_before: '2026-03-02T00:00:00Z' },
      /received_since must be/,
    ],
    ['an empty window', { received_since: '2026-03-02T00:00:00Z', received_before: '2026-03-02T00:00:00Z' }, /earlier than/],
    ['a reversed window', { received_since: '2026-03-03T00:00:00Z', received_before: '2026-03-02T00:00:00Z' }, /earlier than/],
    [
      'a window over 7 days',
      { received_since: '2026-03-01T00:00:00Z', received_before: '2026-03-08T00:00:00.001Z' },
      /at most 7 days/,
    ],
  ];
  for (const [what, query, message] of badWindows) {
    it(`rejects ${what} with 400 invalid_parameter and a message naming the parameter, without echoing it`, async () => {
      const answer = await get(sim, '/v1/events', query);
      expect(answer.status).to.equal(400);
      expect(errorOf(answer).code).to.equal('invalid_parameter');
      expect(errorOf(answer).message).to.match(message);
      expect(errorOf(answer).message).to.not.include('<script>');
      expect(errorOf(answer).message).to.not.include('2026-02-30');
    });
  }

  it('accepts a window of exactly 7 days', async () => {
    const answer = await get(sim, '/v1/events', {
      received_since: '2026-03-01T00:00:00Z',
      received_before: '2026-03-08T00:00:00Z',
    });
    expect(answer.status).to.equal(200);
  });

  it('rejects a parameter given twice', async () => {
    const answer = await get(
      sim,
      '/v1/events',
      'received_since=2026-03-01T00:00:00Z&received_since=2026-03-02T00:00:00Z&received_before=2026-03-03T00:00:00Z',
    );
    expect(answer.status).to.equal(400);
    expect(errorOf(answer).message).to.match(/received_since is given more than once/);
  });

  it('hints at encoding "+" when an offset arrives as a space', async () => {
    const answer = await get(sim, '/v1/events', 'received_since=2026-03-01T00:00:00+01:00&received_before=2026-03-02T00:00:00Z');
    expect(answer.status).to.equal(400);
    expect(errorOf(answer).message).to.match(/%2B/);
  });

  it('lets a cursor replace every other query parameter', async () => {
    const first = await get(sim, '/v1/events', {
      received_since: '2026-03-05T00:00:00Z',
      received_before: '2026-03-06T00:00:00Z',
      limit: '10',
    });
    const cursor = (first.body as Page<MarketingEvent>).next_cursor as string;
    const alone = await get(sim, '/v1/events', { cursor });
    const mixed = await get(sim, '/v1/events', {
      cursor,
      received_since: '2026-03-01T00:00:00Z',
      received_before: '2026-03-02T00:00:00Z',
      limit: 'not-a-number',
    });
    expect(mixed.status).to.equal(200);
    expect(mixed.body).to.deep.equal(alone.body);
    expect((alone.body as Page<MarketingEvent>).data).to.have.length(10);
  });

  it('rejects forged, altered and foreign cursors with 400 naming cursor', async () => {
    const first = await get(sim, '/v1/events', {
      received_since: '2026-03-05T00:00:00Z',
      received_before: '2026-03-06T00:00:00Z',
      limit: '10',
    });
    const cursor = (first.body as Page<MarketingEvent>).next_cursor as string;
    const [payload, signature] = cursor.split('.') as [string, string];
    const altered = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { l: number };
    altered.l = 1000;
    const users = await get(sim, '/v1/users', { limit: '1' });
    const usersCursor = (users.body as Page<MarketingUser>).next_cursor as string;
    for (const bad of [
      'garbage',
      `${Buffer.from(JSON.stringify(altered)).toString('base64url')}.${signature}`,
      `${payload}.AAAAAAAAAAAAAAAAAAAAAA`,
      usersCursor,
      '',
    ]) {
      const answer = await get(sim, '/v1/events', { cursor: bad });
      expect(answer.status, bad).to.equal(400);
      expect(errorOf(answer).code).to.equal('invalid_parameter');
      expect(errorOf(answer).message).to.match(/^cursor /);
    }
  });

  it('keeps a cursor valid for at least one hour, and expires it later', async () => {
    const first = await get(sim, '/v1/events', {
      received_since: '2026-03-05T00:00:00Z',
      received_before: '2026-03-06T00:00:00Z',
      limit: '10',
    });
    const cursor = (first.body as Page<MarketingEvent>).next_cursor as string;
    sim.clock.advance(HOUR);
    expect((await get(sim, '/v1/events', { cursor })).status).to.equal(200);
    sim.clock.advance(HOUR + 1);
    const expired = await get(sim, '/v1/events', { cursor });
    expect(expired.status).to.equal(400);
    expect(errorOf(expired).message).to.match(/cursor has expired/);
  });

  it('serves only what was received before now, and more once the clock moves on', async () => {
    const window = { received_since: '2026-03-14T12:00:00Z', received_before: '2026-03-15T18:00:00Z', limit: '1000' };
    const early = (await get(sim, '/v1/events', window)).body as Page<MarketingEvent>;
    expect(early.data.length).to.be.greaterThan(0);
    for (const e of early.data) expect(Date.parse(e.received_at)).to.be.below(Date.parse(NOW));
    sim.clock.advance(12 * HOUR);
    const later = (await get(sim, '/v1/events', window)).body as Page<MarketingEvent>;
    expect(later.data.length).to.be.greaterThan(early.data.length);
    expect(later.data.slice(0, early.data.length)).to.deep.equal(early.data);
  });

  it('answers a window older than 90 days of received_at with 400 out_of_retention', async () => {
    sim.clock.set(Date.parse('2026-03-06T00:00:00Z') + 90 * DAY);
    const old = await get(sim, '/v1/events', { received_since: '2026-03-05T23:59:59Z', received_before: '2026-03-07T00:00:00Z' });
    expect(old.status).to.equal(400);
    expect(errorOf(old).code).to.equal('out_of_retention');
    const inside = await get(sim, '/v1/events', {
      received_since: '2026-03-06T00:00:00Z',
      received_before: '2026-03-07T00:00:00Z',
    });
    expect(inside.status).to.equal(200);
    expect((inside.body as Page<MarketingEvent>).data.length).to.be.greaterThan(0);
  });

  it('gives Lead Submitted events opportunity ids from the ones it was given', async () => {
    const ids = new Set(base.opportunityIds);
    const { events } = await allEvents(sim, '2026-03-01T00:00:00Z', '2026-03-08T00:00:00Z', 1000);
    const leads = events.filter((e) => e.event === 'Lead Submitted');
    expect(leads.length).to.be.greaterThan(0).and.at.most(ids.size);
    for (const lead of leads) {
      expect(ids.has(lead.properties.opportunity_id as string)).to.equal(true);
      expect(lead.properties.loan_amount).to.be.a('number');
      expect(lead.properties.project_type).to.be.oneOf(['Acquisition', 'Acquisition+travaux']);
    }
  });
});

describe('marketing API simulator: users endpoint', () => {
  let sim: SimulatorHandle;
  before(async () => {
    sim = await startSimulator({ ...base, eventsPerDay: 1500 });
  });
  after(async () => {
    await sim.close();
  });
  beforeEach(() => {
    sim.clock.set(NOW);
  });

  it('answers contract-valid pages of at most 200 users by default, sorted by (updated_at, user_id)', async () => {
    const answer = await get(sim, '/v1/users', {});
    const page = answer.body as Page<MarketingUser>;
    expect(page.data.length).to.be.greaterThan(0).and.at.most(200);
    const all = await allUsers(sim, { limit: '7' });
    expect(all.length).to.equal(sim.dataset.latestUsers(new Date(NOW)).size);
    for (let i = 1; i < all.length; i++) {
      const a = all[i - 1] as MarketingUser;
      const b = all[i] as MarketingUser;
      expect(a.updated_at < b.updated_at || (a.updated_at === b.updated_at && a.user_id < b.user_id)).to.equal(true);
    }
    expect(new Set(all.map((u) => u.user_id)).size).to.equal(all.length);
    for (const u of all) {
      expect(Date.parse(u.updated_at)).to.be.below(Date.parse(NOW));
      expect(u.updated_at >= u.created_at).to.equal(true);
      expect(u.anonymous_ids.length).to.be.greaterThan(0);
      expect(u.email).to.match(/@/);
    }
  });

  it('filters on updated_at, updated_since inclusive and updated_before exclusive', async () => {
    const users = [...sim.dataset.latestUsers(new Date(NOW)).values()].sort((a, b) => (a.updated_at < b.updated_at ? -1 : 1));
    const pivot = users[Math.floor(users.length / 2)] as MarketingUser;
    const since = await allUsers(sim, { updated_since: pivot.updated_at, limit: '1000' });
    expect(since.map((u) => u.user_id)).to.include(pivot.user_id);
    expect(since.every((u) => u.updated_at >= pivot.updated_at)).to.equal(true);
    const before = await allUsers(sim, { updated_before: pivot.updated_at });
    expect(before.map((u) => u.user_id)).to.not.include(pivot.user_id);
    expect(before.every((u) => u.updated_at < pivot.updated_at)).to.equal(true);
    expect(since.length + before.length).to.equal(users.length);
  });

  it('returns a user again, in a later window, when it changes', async () => {
    const versions = sim.dataset.allUserVersions();
    const changed = versions.find(
      (v, i) =>
        versions.findIndex((w) => w.user_id === v.user_id) !== i && Date.parse(v.updated_at) > Date.parse('2026-03-05T00:00:00Z'),
    );
    if (!changed) throw new Error('no user changes twice in the test data');
    const first = versions.find((v) => v.user_id === changed.user_id) as MarketingUser;
    sim.clock.set(Date.parse(first.updated_at) + 1);
    const early = await allUsers(sim, { updated_since: first.updated_at });
    expect(early.find((u) => u.user_id === changed.user_id)?.updated_at).to.equal(first.updated_at);
    sim.clock.set(Date.parse(changed.updated_at) + 1);
    const again = await allUsers(sim, { updated_since: first.updated_at });
    const seen = again.filter((u) => u.user_id === changed.user_id);
    expect(seen).to.have.length(1);
    expect(seen[0]?.updated_at).to.equal(changed.updated_at);
    const oldWindow = await allUsers(sim, {
      updated_since: first.updated_at,
      updated_before: new Date(Date.parse(first.updated_at) + 1).toISOString(),
    });
    expect(oldWindow.map((u) => u.user_id)).to.not.include(changed.user_id);
  });

  it('rejects bad users parameters with 400 naming them', async () => {
    for (const [query, message] of [
      [{ updated_since: 'yesterday' }, /^updated_since must be/],
      [{ updated_before: '2026-13-01T00:00:00Z' }, /^updated_before must be/],
      [{ updated_since: '2026-03-02T00:00:00Z', updated_before: '2026-03-01T00:00:00Z' }, /earlier than/],
      [{ limit: '0' }, /^limit /],
      [{ limit: '1001' }, /^limit /],
      [{ cursor: 'nope' }, /^cursor /],
    ] as const) {
      const answer = await get(sim, '/v1/users', query);
      expect(answer.status).to.equal(400);
      expect(errorOf(answer).code).to.equal('invalid_parameter');
      expect(errorOf(answer).message).to.match(message);
    }
  });

  it('rejects an events cursor on the users endpoint', async () => {
    const events = await get(sim, '/v1/events', {
      received_since: '2026-03-05T00:00:00Z',
      received_before: '2026-03-06T00:00:00Z',
      limit: '1',
    });
    const answer = await get(sim, '/v1/users', { cursor: (events.body as Page<MarketingEvent>).next_cursor as string });
    expect(answer.status).to.equal(400);
    expect(errorOf(answer).message).to.match(/^cursor was not issued by \/v1\/users/);
  });
});

describe('marketing API simulator: authentication', () => {
  let sim: SimulatorHandle;
  before(async () => {
    sim = await startSimulator({ ...base, eventsPerDay: 50 });
  });
  after(async () => {
    await sim.close();
  });

  for (const [what, token] of [
    ['no token', null],
    ['a wrong token', 'wrong-token'],
    ['a token with a suffix', `${TOKEN}x`],
  ] as const) {
    it(`answers 401 unauthorized to ${what}, on both endpoints`, async () => {
      const events = await get(
        sim,
        '/v1/events',
        { received_since: '2026-03-01T00:00:00Z', received_before: '2026-03-02T00:00:00Z' },
        token,
      );
      expect(events.status).to.equal(401);
      expect(errorOf(events).code).to.equal('unauthorized');
      expect(events.headers.get('www-authenticate')).to.equal('Bearer');
      const users = await get(sim, '/v1/users', {}, token);
      expect(users.status).to.equal(401);
    });
  }

  it('needs no token when none is configured', async () => {
    const open = await startSimulator({ ...base, token: undefined, eventsPerDay: 50 });
    try {
      const answer = await get(open, '/v1/users', {}, null);
      expect(answer.status).to.equal(200);
    } finally {
      await open.close();
    }
  });

  it('answers 404 on other paths and 405 on other methods', async () => {
    expect((await fetch(`${sim.url}/v1/other`)).status).to.equal(404);
    const post = await fetch(`${sim.url}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(post.status).to.equal(405);
  });
});

describe('marketing API simulator: transport faults', () => {
  const window = { received_since: '2026-03-05T00:00:00Z', received_before: '2026-03-05T06:00:00Z', limit: '50' };

  it('answers about the configured share of 429 with a Retry-After header, and of 5xx', async () => {
    const sim = await startSimulator({
      ...base,
      eventsPerDay: 50,
      faults: { rate429: 0.25, retryAfterSeconds: 3, rate5xx: 0.15 },
    });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 400; i++) {
        const answer = await get(sim, '/v1/events', window);
        statuses.push(answer.status);
        if (answer.status === 429) {
          expect(answer.headers.get('retry-after')).to.equal('3');
          expect(errorOf(answer).code).to.equal('rate_limited');
        }
        if (answer.status >= 500) expect(errorOf(answer).code).to.equal('internal');
      }
      const share = (test: (s: number) => boolean) => statuses.filter(test).length / statuses.length;
      expect(share((s) => s === 429)).to.be.within(0.18, 0.32);
      expect(share((s) => s >= 500)).to.be.within(0.09, 0.21);
      expect(new Set(statuses.filter((s) => s >= 500))).to.deep.equal(new Set([500, 502, 503, 504]));
      expect(share((s) => s === 200)).to.be.within(0.5, 0.7);
      expect(sim.stats().byStatus['429']).to.equal(statuses.filter((s) => s === 429).length);
    } finally {
      await sim.close();
    }
  });

  it('resets about the configured share of connections, before or during the body', async () => {
    const sim = await startSimulator({ ...base, eventsPerDay: 50, faults: { rateReset: 0.2 } });
    try {
      let failures = 0;
      let ok = 0;
      for (let i = 0; i < 200; i++) {
        try {
          const response = await fetch(`${sim.url}/v1/events?${new URLSearchParams(window)}`, {
            headers: { authorization: `Bearer ${TOKEN}` },
          });
          const body = await response.json();
          contract.check('/v1/events', response.status, response.headers, body);
          ok++;
        } catch {
          failures++;
        }
      }
      expect(failures / 200).to.be.within(0.12, 0.28);
      expect(ok + failures).to.equal(200);
      expect(sim.stats().resets).to.equal(failures);
    } finally {
      await sim.close();
    }
  });

  it('adds the configured latency, and faults can be changed while running', async () => {
    const sim = await startSimulator({ ...base, eventsPerDay: 50, faults: { latencyMs: 200 } });
    try {
      // Each answer waits 100 to 300 ms.
      for (let i = 0; i < 5; i++) {
        const started = performance.now();
        await get(sim, '/v1/users', { limit: '1' });
        expect(performance.now() - started).to.be.at.least(95);
      }
      sim.setFaults({ latencyMs: 0, rate429: 1 });
      const started = performance.now();
      const answer = await get(sim, '/v1/users', { limit: '1' });
      expect(answer.status).to.equal(429);
      expect(performance.now() - started).to.be.below(95);
    } finally {
      await sim.close();
    }
  });

  it('injects the same faults in the same order for the same seed', async () => {
    const run = async () => {
      const sim = await startSimulator({ ...base, eventsPerDay: 50, faults: { rate429: 0.3, rate5xx: 0.2 } });
      try {
        const statuses: number[] = [];
        for (let i = 0; i < 40; i++) statuses.push((await get(sim, '/v1/users', { limit: '1' })).status);
        return statuses;
      } finally {
        await sim.close();
      }
    };
    expect(await run()).to.deep.equal(await run());
  });
});

describe('marketing API simulator: data faults', () => {
  it('delivers duplicates (same message_id and content, later received_at), late events and unknown fields when asked', async () => {
    const sim = await startSimulator({ ...base, faults: { duplicateRate: 0.05, lateRate: 0.1, newFields: true } });
    try {
      const { events } = await allEvents(sim, '2026-03-03T00:00:00Z', '2026-03-10T00:00:00Z', 1000);
      const byId = new Map<string, MarketingEvent[]>();
      for (const e of events) byId.set(e.message_id, [...(byId.get(e.message_id) ?? []), e]);
      const repeated = [...byId.values()].filter((list) => list.length > 1);
      expect(repeated.length / byId.size).to.be.within(0.03, 0.07);
      for (const [first, second] of repeated as [MarketingEvent, MarketingEvent][]) {
        expect(Date.parse(second.received_at)).to.be.greaterThan(Date.parse(first.received_at));
        expect({ ...second, received_at: null }).to.deep.equal({ ...first, received_at: null });
      }
      const late = events.filter((e) => Date.parse(e.received_at) - Date.parse(e.timestamp) >= HOUR);
      expect(late.length / events.length).to.be.within(0.05, 0.16);
      for (const e of events) expect(Date.parse(e.timestamp)).to.be.at.most(Date.parse(e.received_at));
      const known = new Set([
        'message_id',
        'type',
        'event',
        'name',
        'user_id',
        'anonymous_id',
        'timestamp',
        'received_at',
        'context',
        'properties',
        'traits',
      ]);
      expect(events.every((e) => Object.keys(e).some((k) => !known.has(k)))).to.equal(true);
      expect(events.every((e) => 'library' in e.context)).to.equal(true);
      expect(events.some((e) => 'experiment_variant' in e.properties)).to.equal(true);
      expect(events.some((e) => e.traits && 'preferred_contact' in e.traits)).to.equal(true);
      const users = await allUsers(sim, {});
      expect(users.every((u) => 'lifecycle_stage' in u && 'preferred_language' in u.traits)).to.equal(true);
    } finally {
      await sim.close();
    }
  });

  it('delivers no duplicate, no late event and no unknown field by default', async () => {
    const sim = await startSimulator(base);
    try {
      const { events } = await allEvents(sim, '2026-03-03T00:00:00Z', '2026-03-10T00:00:00Z', 1000);
      expect(new Set(events.map((e) => e.message_id)).size).to.equal(events.length);
      expect(events.every((e) => Date.parse(e.received_at) - Date.parse(e.timestamp) < 5000)).to.equal(true);
      expect(events.every((e) => !('schema_version' in e) && !('library' in e.context))).to.equal(true);
    } finally {
      await sim.close();
    }
  });
});
