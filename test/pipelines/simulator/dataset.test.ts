import { expect } from 'chai';
import { createDataset, type Dataset, type DatasetOptions } from '../../../pipelines/simulator/dataset.js';
import { Plan } from '../../../pipelines/simulator/plan.js';
import { normalizeSeed } from '../../../pipelines/simulator/random.js';
import { generateSession, redelivered } from '../../../pipelines/simulator/session-events.js';
import type { MarketingEvent } from '../../../pipelines/simulator/types.js';

const HOUR = 3600_000;
const opportunityIds = Array.from({ length: 60 }, (_, i) => `0065q00000Zz${String(i).padStart(3, '0')}AAA`);
const options: DatasetOptions = {
  seed: 5,
  from: '2026-03-02T00:00:00Z',
  to: '2026-03-16T00:00:00Z',
  eventsPerDay: 1500,
  opportunityIds,
};

function all(dataset: Dataset): MarketingEvent[] {
  return [...dataset.deliveries(-Infinity, Infinity)].map((d) => JSON.parse(d.json) as MarketingEvent);
}

const parisFormat = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', hour: 'numeric', hourCycle: 'h23' });
const parisHours = new Map<number, number>();

function parisHour(iso: string): number {
  const hour = Math.floor(Date.parse(iso) / HOUR);
  let local = parisHours.get(hour);
  if (local === undefined) {
    local = Number(parisFormat.format(new Date(hour * HOUR)));
    parisHours.set(hour, local);
  }
  return local;
}

describe('marketing simulator dataset', () => {
  let dataset: Dataset;
  let events: MarketingEvent[];
  before(() => {
    dataset = createDataset(options);
    events = all(dataset);
  });

  it('is the same for the same seed and options, and different for another seed', () => {
    const again = createDataset(options);
    expect([...again.deliveries(-Infinity, Infinity)].map((d) => d.json)).to.deep.equal(events.map((e) => JSON.stringify(e)));
    expect(again.allUserVersions()).to.deep.equal(dataset.allUserVersions());
    const other = all(createDataset({ ...options, seed: 6 }));
    const ids = new Set(events.map((e) => e.message_id));
    expect(other.filter((e) => ids.has(e.message_id))).to.have.length(0);
  });

  it('generates lazily, hour by hour with small caches, exactly what generating every visit at once gives', () => {
    const lazy = createDataset({
      ...options,
      duplicateRate: 0.05,
      lateRate: 0.08,
      newFields: '2026-03-09T00:00:00Z',
      cacheEvents: 300,
    });
    const plan = new Plan({
      seed: normalizeSeed(5),
      fromMs: Date.parse('2026-03-02T00:00:00Z'),
      toMs: Date.parse('2026-03-16T00:00:00Z'),
      eventsPerDay: 1500,
      opportunityIds,
      lateRate: 0.08,
      duplicateRate: 0.05,
      newFieldsFromMs: Date.parse('2026-03-09T00:00:00Z'),
    });
    const expected: { ms: number; id: string; json: string }[] = [];
    for (let i = 0; i < plan.sessionCount; i++) {
      for (const e of generateSession(plan.sessionPlan(i)).events) {
        expected.push({ ms: e.receivedMs, id: e.messageId, json: e.json });
        if (!Number.isNaN(e.duplicateMs))
          expected.push({ ms: e.duplicateMs, id: e.messageId, json: redelivered(e.json, e.receivedMs, e.duplicateMs) });
      }
    }
    expected.sort((a, b) => a.ms - b.ms || (a.id < b.id ? -1 : 1));
    const served = [...lazy.deliveries(-Infinity, Infinity)];
    expect(served.length).to.equal(expected.length);
    expect(served.map((d) => d.json)).to.deep.equal(expected.map((d) => d.json));
    // A window read from the middle, after a position, gives the same tail.
    const middle = served[Math.floor(served.length / 2)];
    if (!middle) throw new Error('empty dataset');
    const tail = [...lazy.deliveries(-Infinity, Infinity, { ms: middle.receivedMs, id: middle.messageId })];
    expect(tail.map((d) => d.json)).to.deep.equal(served.slice(Math.floor(served.length / 2) + 1).map((d) => d.json));
  });

  it('keeps the past unchanged when the span is extended', () => {
    const longer = createDataset({ ...options, to: '2026-03-23T00:00:00Z' });
    const cut = Date.parse('2026-03-16T00:00:00Z');
    const before = [...dataset.deliveries(-Infinity, cut)].map((d) => d.json);
    expect([...longer.deliveries(-Infinity, cut)].map((d) => d.json)).to.deep.equal(before);
    expect([...longer.latestUsers(new Date(cut)).values()]).to.deep.equal([...dataset.latestUsers(new Date(cut)).values()]);
  });

  it('produces about the requested volume', () => {
    const perDay = events.length / 14;
    expect(perDay).to.be.within(1350, 1650);
    const total = createDataset({ ...options, eventsPerDay: undefined, totalEvents: 5000 });
    expect([...total.deliveries(-Infinity, Infinity)].length).to.be.within(4500, 5500);
  });

  it('follows a daily rhythm: far more traffic by day than at night (Paris time)', () => {
    const day = events.filter((e) => {
      const h = parisHour(e.timestamp);
      return h >= 9 && h < 21;
    }).length;
    const night = events.filter((e) => {
      const h = parisHour(e.timestamp);
      return h >= 1 && h < 6;
    }).length;
    // 12 day hours against 5 night hours: compare per-hour rates.
    expect(day / 12 / (night / 5)).to.be.greaterThan(8);
  });

  it('has devices that come back, and visits of several pages', () => {
    const pagesPerDevice = new Map<string, number>();
    for (const e of events)
      if (e.type === 'page') pagesPerDevice.set(e.anonymous_id, (pagesPerDevice.get(e.anonymous_id) ?? 0) + 1);
    const multi = [...pagesPerDevice.values()].filter((n) => n >= 3).length;
    expect(multi / pagesPerDevice.size).to.be.greaterThan(0.2);
    expect(dataset.summary.devices).to.be.below(dataset.summary.sessions);
    const paths = new Set(events.filter((e) => e.type === 'page').map((e) => e.context.page.path));
    for (const path of [
      '/',
      '/taux-immobilier',
      '/simulation-pret',
      '/simulateur-capacite',
      '/contact',
      '/demande-financement',
    ]) {
      expect(paths.has(path), path).to.equal(true);
    }
  });

  it('tags visits with UTM campaigns of every channel, and leaves direct visits untagged', () => {
    const pairs = new Set(
      events.map((e) => (e.context.campaign ? `${e.context.campaign.source}/${e.context.campaign.medium}` : 'none')),
    );
    for (const pair of ['google/cpc', 'google/organic', 'newsletter/email', 'moneyvox/partner', 'none'])
      expect(pairs.has(pair), pair).to.equal(true);
    const sea = events.find((e) => e.context.campaign?.medium === 'cpc');
    expect(sea?.context.campaign?.name).to.be.a('string');
    const landing = events.find((e) => e.type === 'page' && e.context.page.search?.startsWith('?utm_source='));
    expect(landing).to.not.equal(undefined);
  });

  it('narrows like a funnel: page views > CTA clicks > simulations started > completed > leads', () => {
    const count = (name: string) => events.filter((e) => e.event === name).length;
    const pages = events.filter((e) => e.type === 'page').length;
    const funnel = [
      pages,
      count('CTA Clicked'),
      count('Simulation Started'),
      count('Simulation Completed'),
      count('Lead Submitted'),
    ];
    for (let i = 1; i < funnel.length; i++) expect(funnel[i], String(funnel)).to.be.below(funnel[i - 1] as number);
    expect(funnel[4]).to.be.greaterThan(0);
    // Within one device, a lead follows a completed simulation.
    const lead = events.find((e) => e.event === 'Lead Submitted') as MarketingEvent;
    const prior = events.filter((e) => e.anonymous_id === lead.anonymous_id && e.timestamp < lead.timestamp).map((e) => e.event);
    expect(prior).to.include.members(['CTA Clicked', 'Simulation Started', 'Simulation Completed']);
  });

  it('links each Lead Submitted to a different given opportunity while they last, with amount and project type', () => {
    const leads = events.filter((e) => e.event === 'Lead Submitted');
    const ids = leads.map((e) => e.properties.opportunity_id).filter((id) => id !== null);
    expect(new Set(ids).size).to.equal(ids.length);
    for (const id of ids) expect(opportunityIds).to.include(id);
    expect(ids.length).to.equal(Math.min(leads.length, opportunityIds.length));
    for (const lead of leads) {
      expect(lead.properties).to.have.keys(['opportunity_id', 'loan_amount', 'project_type']);
      expect(lead.user_id).to.be.a('string');
    }
    const completed = events.find((e) => e.event === 'Simulation Completed') as MarketingEvent;
    expect(completed.properties).to.have.keys(['simulation_type', 'loan_amount', 'duration_years', 'rate']);
    const cta = events.find((e) => e.event === 'CTA Clicked') as MarketingEvent;
    expect(cta.properties).to.have.keys(['cta_id', 'label']);
  });

  it('identifies visitors: identify calls set user_id from then on, including visitors with earlier anonymous visits', () => {
    const identifies = events.filter((e) => e.type === 'identify');
    expect(identifies.length).to.be.greaterThan(0);
    let withHistory = 0;
    for (const identify of identifies) {
      expect(identify.user_id).to.be.a('string');
      expect(identify.traits).to.be.an('object');
      const device = events.filter((e) => e.anonymous_id === identify.anonymous_id);
      const after = device.filter((e) => e.timestamp > identify.timestamp);
      for (const e of after) expect(e.user_id, 'user_id after identify').to.equal(identify.user_id);
      const anonymousBefore = device.filter(
        (e) =>
          e.timestamp < Date.prototype.toISOString.call(new Date(Date.parse(identify.timestamp) - HOUR)) && e.user_id === null,
      );
      if (anonymousBefore.length > 0) withHistory++;
    }
    expect(withHistory).to.be.greaterThan(0);
  });

  it('keeps users consistent with identify calls: merged devices, personal data, versions', () => {
    const versions = dataset.allUserVersions();
    const latest = dataset.latestUsers(new Date('2026-04-01T00:00:00Z'));
    expect(latest.size).to.equal(dataset.summary.users);
    expect(versions.length).to.be.greaterThan(latest.size);
    const identifies = events.filter((e) => e.type === 'identify');
    for (const e of identifies) {
      const user = latest.get(e.user_id as string);
      expect(user, e.user_id as string).to.not.equal(undefined);
      expect(user?.anonymous_ids).to.include(e.anonymous_id);
    }
    expect([...latest.values()].some((u) => u.anonymous_ids.length > 1)).to.equal(true);
    const lead = [...latest.values()].find((u) => u.traits.first_name !== null);
    expect(lead?.phone).to.match(/^\+33[67]\d{8}$/);
    expect(lead?.traits.birth_year).to.be.within(1950, 2006);
    expect(lead?.traits.acquisition_channel).to.be.oneOf(['sea', 'seo', 'partner', 'newsletter', 'direct']);
    // A user's updated_at is the received_at of the identify call that changed it.
    const receivedAt = new Set(identifies.map((e) => `${e.user_id}@${e.received_at}`));
    const fromIdentify = versions.filter((v) => receivedAt.has(`${v.user_id}@${v.updated_at}`));
    expect(fromIdentify.length / versions.length).to.be.greaterThan(0.9);
  });

  it('never sends a timestamp after received_at', () => {
    for (const e of events) expect(Date.parse(e.timestamp)).to.be.at.most(Date.parse(e.received_at));
  });

  it('gives distinct events and latest users as a de-duplicating, upserting client must hold them', () => {
    const faulty = createDataset({ ...options, duplicateRate: 0.1 });
    const since = new Date('2026-03-05T00:00:00Z');
    const until = new Date('2026-03-08T00:00:00Z');
    const deliveries = [...faulty.deliveries(since.getTime(), until.getTime())];
    const distinct = faulty.distinctEvents(until, since);
    expect(distinct.size).to.equal(new Set(deliveries.map((d) => d.messageId)).size);
    expect(distinct.size).to.be.below(deliveries.length);
    for (const d of deliveries) {
      const kept = distinct.get(d.messageId) as MarketingEvent;
      expect(Date.parse(kept.received_at)).to.be.at.most(d.receivedMs);
    }
    const users = faulty.latestUsers(until, since);
    for (const u of users.values()) {
      expect(Date.parse(u.updated_at)).to.be.at.least(since.getTime()).and.below(until.getTime());
      const later = faulty
        .allUserVersions()
        .filter((v) => v.user_id === u.user_id && v.updated_at > u.updated_at && Date.parse(v.updated_at) < until.getTime());
      expect(later).to.have.length(0);
    }
  });

  it('makes late visits arrive 1 to 72 hours after they ended, in about the configured share', () => {
    const late = createDataset({ ...options, lateRate: 0.1 });
    expect(late.summary.lateSessions / late.summary.sessions).to.be.within(0.08, 0.12);
    const lags = all(late).map((e) => Date.parse(e.received_at) - Date.parse(e.timestamp));
    const lateLags = lags.filter((lag) => lag >= HOUR);
    expect(lateLags.length / lags.length).to.be.within(0.06, 0.14);
    expect(Math.max(...lateLags)).to.be.at.most(75 * HOUR);
    expect(lags.filter((lag) => lag > 5000 && lag < HOUR)).to.have.length(0);
  });

  it('adds unknown fields only from the configured instant on', () => {
    const from = Date.parse('2026-03-09T00:00:00Z');
    const evolving = all(createDataset({ ...options, newFields: new Date(from) }));
    for (const e of evolving) {
      const expected = Date.parse(e.received_at) >= from;
      expect('schema_version' in e, e.received_at).to.equal(expected);
      expect('library' in e.context).to.equal(expected);
    }
  });

  it('rejects invalid options with a message naming them', () => {
    expect(() => createDataset({ ...options, duplicateRate: 2 })).to.throw(/duplicateRate/);
    expect(() => createDataset({ ...options, lateRate: -0.1 })).to.throw(/lateRate/);
    expect(() => createDataset({ ...options, from: 'nope' })).to.throw(/from/);
    expect(() => createDataset({ ...options, to: '2026-03-01T00:00:00Z' })).to.throw(/before/);
  });
});
