import {
  PAGES,
  PARTNERS,
  PROJECT_TYPES,
  SEARCH_ENGINES,
  SEA_CAMPAIGNS,
  SEA_TERMS,
  SIMULATION_TYPES,
  SITE_ORIGIN,
  type Campaign,
  type PageKey,
} from './catalog.js';
import { Random, Stream, hash32, unitFromHash, uuidFromKey } from './random.js';
import { isSimulationPage, type SessionShape } from './session-shape.js';
import type { Channel, EventContext, MarketingEvent } from './types.js';

/** Every event of a visit is received within this long after the visit's first reception. */
export const MAX_SESSION_SPAN_MS = 2 * 3600_000 + 5 * 60_000;
/** A duplicate delivery comes at most this long after the first one. */
export const MAX_DUPLICATE_DELAY_MS = 6 * 3600_000;
/** A late visit is received between these delays after it ended. */
export const LATE_DELAY_MIN_MS = 3600_000;
export const LATE_DELAY_MAX_MS = 72 * 3600_000;

export type IdentifyKind = 'lead' | 'newsletter' | 'login' | 'opt_in';

/** The device a visit is made from. */
export interface DeviceProfile {
  anonymousId: string;
  userAgent: string;
  /** Personal data. */
  ip: string;
  locale: string;
}

/** Everything the generator needs to know about one visit, decided by the planner. */
export interface SessionPlan {
  seed: number;
  index: number;
  startMs: number;
  shape: SessionShape;
  device: DeviceProfile;
  /** The device's user when the visit starts. */
  userIdBefore: string | null;
  identify: { kind: IdentifyKind; userId: string; traits: Record<string, unknown> } | null;
  opportunityId: string | null;
  /** 0: received as sent; else the whole visit is received in one burst this long after it ended. */
  lateDelayMs: number;
  duplicateRate: number;
  /** Events first received at or after this instant carry fields the contract does not list. */
  newFieldsFromMs: number;
}

/** One event of a visit, serialized once. */
export interface SessionEvent {
  receivedMs: number;
  messageId: string;
  json: string;
  /** When the event is delivered a second time (same message_id and content, later received_at); NaN if never. */
  duplicateMs: number;
}

export interface GeneratedSession {
  events: SessionEvent[];
  /** received_at of the visit's identify call, when it has one. */
  identifyReceivedMs: number | null;
}

type Step =
  | { kind: 'page'; page: PageKey; offset: number }
  | { kind: 'track'; name: string; properties: Record<string, unknown>; offset: number }
  | { kind: 'identify'; offset: number };

function clampedLogNormal(random: Random, median: number, sigma: number, min: number, max: number): number {
  return Math.round(Math.min(max, Math.max(min, random.logNormal(median, sigma))));
}

function logUniform(random: Random, min: number, max: number): number {
  return Math.round(Math.exp(random.between(Math.log(min), Math.log(max))));
}

function campaignFor(channel: Channel, random: Random, startMs: number): Campaign | null {
  switch (channel) {
    case 'sea': {
      const bing = random.chance(0.08);
      return {
        source: bing ? 'bing' : 'google',
        medium: 'cpc',
        name: random.pick(SEA_CAMPAIGNS),
        term: random.pick(SEA_TERMS),
        content: random.pick(['annonce_a', 'annonce_b', 'annonce_c']),
        referrer: bing ? 'https://www.bing.com/' : 'https://www.google.com/',
      };
    }
    case 'seo': {
      const engine = random.weighted(SEARCH_ENGINES);
      return { source: engine.source, medium: 'organic', name: null, term: null, content: null, referrer: engine.referrer };
    }
    case 'partner': {
      const partner = random.weighted(PARTNERS);
      return {
        source: partner.source,
        medium: 'partner',
        name: partner.name,
        term: null,
        content: null,
        referrer: partner.referrer,
      };
    }
    case 'newsletter': {
      const month = new Date(startMs).toISOString().slice(0, 7).replace('-', '_');
      return {
        source: 'newsletter',
        medium: 'email',
        name: `nl_${month}_taux`,
        term: null,
        content: random.pick(['cta_header', 'cta_article', 'cta_footer']),
        referrer: null,
      };
    }
    case 'direct':
      return null;
  }
}

function utmSearch(campaign: Campaign): string {
  const params = new URLSearchParams();
  params.set('utm_source', campaign.source);
  params.set('utm_medium', campaign.medium);
  if (campaign.name) params.set('utm_campaign', campaign.name);
  if (campaign.term) params.set('utm_term', campaign.term);
  if (campaign.content) params.set('utm_content', campaign.content);
  return `?${params.toString()}`;
}

function simulation(random: Random): Record<string, unknown> {
  const duration = random.weighted<number>([
    [25, 55],
    [20, 30],
    [15, 10],
    [10, 5],
  ]);
  const baseRate = duration >= 25 ? 3.45 : duration >= 20 ? 3.3 : duration >= 15 ? 3.15 : 3.0;
  return {
    simulation_type: random.pick(SIMULATION_TYPES),
    loan_amount: Math.min(1_200_000, Math.max(50_000, Math.round(random.logNormal(220_000, 0.45) / 1000) * 1000)),
    duration_years: duration,
    rate: Math.round((baseRate + random.between(-0.25, 0.25)) * 100) / 100,
  };
}

/** The ordered calls of a visit, with their offsets from its start (ms). */
function buildSteps(plan: SessionPlan, random: Random): Step[] {
  const { shape, identify } = plan;
  const steps: Step[] = [];
  let t = 0;
  let current: PageKey = shape.landing;
  const dwell = () => clampedLogNormal(random, 35_000, 0.9, 3_000, 360_000);
  const page = (key: PageKey, delay: number = steps.length > 0 ? dwell() : 0) => {
    t += delay;
    steps.push({ kind: 'page', page: key, offset: t });
    current = key;
  };
  const track = (name: string, properties: Record<string, unknown>, delay: number) => {
    t += delay;
    steps.push({ kind: 'track', name, properties, offset: t });
  };
  const identifyNow = (delay: number) => {
    t += delay;
    steps.push({ kind: 'identify', offset: t });
  };

  page(shape.landing);
  if (identify?.kind === 'login') {
    if (current !== 'account') page('account');
    identifyNow(random.int(5_000, 40_000));
  }
  for (const key of shape.browse) page(key);
  if (identify?.kind === 'newsletter' || identify?.kind === 'opt_in') {
    identifyNow(random.int(5_000, 60_000));
    track('Newsletter Subscribed', { list: 'taux-immo-hebdo', placement: 'footer' }, random.int(80, 400));
  }
  if (shape.depth >= 1 && shape.cta) {
    track('CTA Clicked', { cta_id: shape.cta.id, label: shape.cta.label }, clampedLogNormal(random, 12_000, 0.8, 1_000, 180_000));
    if (shape.cta.leadsTo === 'contact') {
      page('contact');
    } else if (shape.depth >= 2) {
      if (!isSimulationPage(current)) page(shape.cta.id === 'capacity-calculate' ? 'capacitySimulation' : 'loanSimulation');
      const result = simulation(random);
      track('Simulation Started', { simulation_type: result.simulation_type }, random.int(2_000, 15_000));
      if (shape.depth >= 3) {
        track('Simulation Completed', result, clampedLogNormal(random, 70_000, 0.6, 15_000, 480_000));
        if (shape.depth >= 4) {
          page('leadForm');
          if (identify?.kind === 'lead') identifyNow(clampedLogNormal(random, 90_000, 0.5, 20_000, 480_000));
          track(
            'Lead Submitted',
            {
              opportunity_id: plan.opportunityId,
              loan_amount: result.loan_amount,
              project_type: random.weighted(PROJECT_TYPES),
            },
            random.int(50, 400),
          );
          page('thanks', random.int(1_000, 3_000));
        }
      }
    }
  }
  for (const key of shape.after) page(key);

  // Keep the whole visit inside the span the dataset index relies on.
  const limit = MAX_SESSION_SPAN_MS - 10 * 60_000;
  const last = steps[steps.length - 1]?.offset ?? 0;
  if (last > limit) for (const step of steps) step.offset = Math.floor((step.offset * limit) / last);
  return steps;
}

/**
 * The events of one visit, in the order they were sent. Pure: the same plan always gives the same events,
 * byte for byte. `timestamp` <= `received_at` always; a late visit is received in one burst hours or days
 * after it ended.
 */
export function generateSession(plan: SessionPlan): GeneratedSession {
  const random = new Random(plan.seed, Stream.sessionContent, plan.index);
  const campaign = campaignFor(plan.shape.channel, random, plan.startMs);
  const steps = buildSteps(plan, random);
  const lastOffset = steps[steps.length - 1]?.offset ?? 0;
  const burstStart = plan.startMs + lastOffset + plan.lateDelayMs;
  const events: SessionEvent[] = [];
  let identifyReceivedMs: number | null = null;
  let userId = plan.userIdBefore;
  let pageContext: EventContext['page'] | null = null;
  let previousUrl: string | null = campaign?.referrer ?? null;
  let burstAt = burstStart;
  const utm = campaign
    ? { source: campaign.source, medium: campaign.medium, name: campaign.name, term: campaign.term, content: campaign.content }
    : null;

  for (let j = 0; j < steps.length; j++) {
    const step = steps[j] as Step;
    const timestampMs = plan.startMs + step.offset;
    let receivedMs: number;
    if (plan.lateDelayMs > 0) {
      burstAt += random.int(3, 40);
      receivedMs = burstAt;
    } else {
      receivedMs = timestampMs + clampedLogNormal(random, 180, 0.7, 20, 2_500);
    }
    if (step.kind === 'page') {
      const info = PAGES[step.page];
      const search = j === 0 && campaign ? utmSearch(campaign) : null;
      pageContext = {
        path: info.path,
        url: `${SITE_ORIGIN}${info.path}${search ?? ''}`,
        referrer: previousUrl,
        title: info.title,
        search,
      };
      previousUrl = `${SITE_ORIGIN}${info.path}`;
    }
    const page = pageContext as EventContext['page'];
    if (step.kind === 'identify' && plan.identify) userId = plan.identify.userId;
    const context: EventContext = {
      ip: plan.device.ip,
      user_agent: plan.device.userAgent,
      locale: plan.device.locale,
      page,
    };
    // The site keeps the visit's UTM parameters on every call of the visit.
    if (utm) context.campaign = utm;
    const withNewFields = receivedMs >= plan.newFieldsFromMs;
    if (withNewFields) {
      context.library = { name: 'analytics.js', version: '5.2.1' };
      context.timezone = 'Europe/Paris';
    }
    const messageId = uuidFromKey(plan.seed, Stream.messageId, plan.index, j);
    const event: MarketingEvent = {
      message_id: messageId,
      type: step.kind,
      event: step.kind === 'track' ? step.name : null,
      name: step.kind === 'page' ? PAGES[step.page].name : null,
      user_id: userId,
      anonymous_id: plan.device.anonymousId,
      timestamp: new Date(timestampMs).toISOString(),
      received_at: new Date(receivedMs).toISOString(),
      context,
      properties:
        step.kind === 'page'
          ? { path: page.path, url: page.url, referrer: page.referrer, title: page.title, search: page.search }
          : step.kind === 'track'
            ? { ...step.properties }
            : {},
    };
    if (step.kind === 'identify') {
      event.traits = { ...(plan.identify?.traits ?? {}) };
      if (withNewFields) event.traits.preferred_contact = random.chance(0.6) ? 'phone' : 'email';
      identifyReceivedMs = receivedMs;
    }
    if (withNewFields) {
      if (step.kind !== 'identify') event.properties.experiment_variant = random.chance(0.5) ? 'A' : 'B';
      event.sent_at = new Date(Math.min(receivedMs, plan.lateDelayMs > 0 ? burstStart : timestampMs + 5)).toISOString();
      event.schema_version = 2;
    }

    let duplicateMs = Number.NaN;
    if (plan.duplicateRate > 0 && unitFromHash(hash32(plan.seed, Stream.duplicate, plan.index, j)) < plan.duplicateRate) {
      const delayRandom = new Random(plan.seed, Stream.duplicate, plan.index, j);
      const delay = delayRandom.chance(0.7)
        ? delayRandom.int(1_000, 300_000)
        : logUniform(delayRandom, 300_000, MAX_DUPLICATE_DELAY_MS);
      duplicateMs = receivedMs + delay;
    }
    events.push({ receivedMs, messageId, json: JSON.stringify(event), duplicateMs });
  }
  return { events, identifyReceivedMs };
}

/** The late delay of a visit, or 0 when it is received on time. */
export function lateDelayFor(seed: number, index: number, lateRate: number): number {
  if (lateRate <= 0 || unitFromHash(hash32(seed, Stream.late, index)) >= lateRate) return 0;
  return logUniform(new Random(seed, Stream.late, index), LATE_DELAY_MIN_MS, LATE_DELAY_MAX_MS);
}

/** The JSON of an event re-delivered at `receivedMs` (only `received_at` differs). */
export function redelivered(json: string, originalMs: number, receivedMs: number): string {
  const from = `"received_at":"${new Date(originalMs).toISOString()}"`;
  return json.replace(from, `"received_at":"${new Date(receivedMs).toISOString()}"`);
}
