import { Plan, type UserVersion } from './plan.js';
import { normalizeSeed } from './random.js';
import {
  MAX_DUPLICATE_DELAY_MS,
  MAX_SESSION_SPAN_MS,
  generateSession,
  redelivered,
  type GeneratedSession,
} from './session-events.js';
import type { MarketingEvent, MarketingUser } from './types.js';
import { WeightedCache } from './weighted-cache.js';

const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;

export interface DatasetOptions {
  /** Any integer; the same seed and options always give the same data. Default 42. */
  seed?: number;
  /** Visits start in [from, to). Events can be received a little after `to` (late visits, duplicates). */
  from: Date | string;
  to: Date | string;
  /** Approximate number of events (first deliveries) on an average day. Default 2000. */
  eventsPerDay?: number;
  /** Approximate number of events over [from, to); overrides eventsPerDay. */
  totalEvents?: number;
  /** Ids of CRM opportunities; each Lead Submitted takes a different one while they last, then null. */
  opportunityIds?: readonly string[];
  /** Share of events delivered a second time later (same message_id and content, later received_at). */
  duplicateRate?: number;
  /** Share of visits received in one burst 1 to 72 hours after they ended. */
  lateRate?: number;
  /**
   * Events and user versions received from this instant on carry fields the contract does not list (`sent_at`,
   * `schema_version`, `context.library`, `context.timezone`, `properties.experiment_variant`,
   * `traits.preferred_contact`; users: `lifecycle_stage`, `traits.preferred_language`). `true`: from the start.
   */
  newFields?: boolean | Date | string;
  /** Bound of the in-memory caches, in events. Default 50,000 (each of the two caches). */
  cacheEvents?: number;
}

/** One delivery of an event: its first one, or a duplicate. */
export interface Delivery {
  receivedMs: number;
  messageId: string;
  /** The event exactly as served. */
  json: string;
  duplicate: boolean;
}

/** A position in a sorted feed: (received_at or updated_at in ms, message_id or user_id). */
export interface Position {
  ms: number;
  id: string;
}

export interface DatasetSummary {
  seed: number;
  from: string;
  to: string;
  sessions: number;
  devices: number;
  persons: number;
  users: number;
  userVersions: number;
  leads: number;
  leadsWithOpportunity: number;
  lateSessions: number;
  /** Estimate of first deliveries (sessions x mean calls per session). */
  expectedEvents: number;
  /** Earliest possible received_at and latest possible one (duplicates included), ISO. */
  receivedFrom: string;
  receivedUntil: string;
}

function toMs(value: Date | string | number, name: string): number {
  const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(value);
  if (!Number.isFinite(ms)) throw new RangeError(`${name} is not a valid date`);
  return ms;
}

function rate(value: number | undefined, name: string): number {
  const r = value ?? 0;
  if (!(r >= 0 && r <= 1)) throw new RangeError(`${name} must be between 0 and 1`);
  return r;
}

function comparePosition(ms: number, id: string, other: Position): number {
  return ms - other.ms || (id < other.id ? -1 : id > other.id ? 1 : 0);
}

/**
 * The marketing activity the simulator serves, generated lazily and deterministically: a compact plan of
 * every visit is built up front, and the events of each hour of `received_at` are generated when first
 * asked for and kept in a bounded cache. Also the ground truth of tests: what the server delivers is
 * exactly what `deliveries` yields.
 */
export class Dataset {
  readonly seed: number;
  readonly from: Date;
  readonly to: Date;
  readonly summary: DatasetSummary;
  private readonly plan: Plan;
  private readonly lookbackMs: number;
  private readonly firstReceivedMs: number;
  private readonly lastReceivedMs: number;
  private readonly sessions: WeightedCache<number, GeneratedSession>;
  private readonly buckets: WeightedCache<number, Delivery[]>;
  /** Last received_at of each visit (duplicates included), known once it was generated; NaN before. */
  private readonly sessionLastMs: Float64Array;

  constructor(options: DatasetOptions) {
    this.seed = options.seed ?? 42;
    const fromMs = toMs(options.from, 'from');
    const toMsValue = toMs(options.to, 'to');
    if (!(fromMs < toMsValue)) throw new RangeError('from must be before to');
    this.from = new Date(fromMs);
    this.to = new Date(toMsValue);
    const days = (toMsValue - fromMs) / DAY_MS;
    const eventsPerDay = options.totalEvents !== undefined ? options.totalEvents / days : (options.eventsPerDay ?? 2000);
    if (!(eventsPerDay >= 0 && Number.isFinite(eventsPerDay))) throw new RangeError('events per day must be a positive number');
    const duplicateRate = rate(options.duplicateRate, 'duplicateRate');
    const newFields = options.newFields ?? false;
    const newFieldsFromMs = newFields === true ? -Infinity : newFields === false ? Infinity : toMs(newFields, 'newFields');
    this.plan = new Plan({
      seed: normalizeSeed(this.seed),
      fromMs,
      toMs: toMsValue,
      eventsPerDay,
      opportunityIds: options.opportunityIds ?? [],
      lateRate: rate(options.lateRate, 'lateRate'),
      duplicateRate,
      newFieldsFromMs,
    });
    this.lookbackMs = MAX_SESSION_SPAN_MS + (duplicateRate > 0 ? MAX_DUPLICATE_DELAY_MS : 0);
    const sorted = this.plan.receiveStartSorted;
    this.firstReceivedMs = sorted.length ? (sorted[0] as number) : fromMs;
    this.lastReceivedMs = sorted.length ? (sorted[sorted.length - 1] as number) + this.lookbackMs : fromMs;
    this.sessionLastMs = new Float64Array(this.plan.sessionCount).fill(Number.NaN);
    const cacheEvents = options.cacheEvents ?? 50_000;
    this.sessions = new WeightedCache(cacheEvents, (s) => s.events.length);
    this.buckets = new WeightedCache(cacheEvents, (b) => b.length);

    let late = 0;
    for (const delay of this.plan.lateDelayMs) if (delay > 0) late++;
    let withOpportunity = 0;
    for (const o of this.plan.opportunity) if (o >= 0) withOpportunity++;
    this.summary = {
      seed: this.seed,
      from: this.from.toISOString(),
      to: this.to.toISOString(),
      sessions: this.plan.sessionCount,
      devices: this.plan.devicePerson.length,
      persons: this.plan.personCount,
      users: this.plan.userIds.length,
      userVersions: this.plan.versions.length,
      leads: this.plan.leadCount,
      leadsWithOpportunity: withOpportunity,
      lateSessions: late,
      expectedEvents: Math.round(this.plan.sessionCount * this.plan.expectedEventsPerSession),
      receivedFrom: new Date(this.firstReceivedMs).toISOString(),
      receivedUntil: new Date(this.lastReceivedMs).toISOString(),
    };
  }

  /**
   * Every delivery with received_at in [sinceMs, beforeMs), duplicates included, sorted by (received_at,
   * message_id); from just after `after` when given. Lazy: stop iterating to stop generating.
   */
  *deliveries(sinceMs: number, beforeMs: number, after?: Position): Generator<Delivery> {
    const startMs = Math.max(sinceMs, after?.ms ?? -Infinity, this.firstReceivedMs);
    const endMs = Math.min(beforeMs, this.lastReceivedMs + 1);
    if (!(startMs < endMs)) return;
    for (let hour = Math.floor(startMs / HOUR_MS); hour * HOUR_MS < endMs; hour++) {
      const bucket = this.bucket(hour);
      let i = after
        ? upperBoundBy(bucket, (d) => comparePosition(d.receivedMs, d.messageId, after) <= 0)
        : upperBoundBy(bucket, (d) => d.receivedMs < sinceMs);
      for (; i < bucket.length; i++) {
        const delivery = bucket[i] as Delivery;
        if (delivery.receivedMs >= beforeMs) return;
        if (delivery.receivedMs < sinceMs) continue;
        yield delivery;
      }
    }
  }

  /** Every delivery in [since, before), parsed (duplicates included), in served order. */
  events(since: Date, before: Date): MarketingEvent[] {
    return Array.from(this.deliveries(since.getTime(), before.getTime()), (d) => JSON.parse(d.json) as MarketingEvent);
  }

  /**
   * The distinct events delivered with received_at in [since, until) (since defaults to the first one), by
   * message_id, each as its first delivery in that range. What a client that extracted that range and
   * de-duplicated on message_id must hold.
   */
  distinctEvents(until: Date, since?: Date): Map<string, MarketingEvent> {
    const out = new Map<string, MarketingEvent>();
    for (const d of this.deliveries(since?.getTime() ?? -Infinity, until.getTime())) {
      if (!out.has(d.messageId)) out.set(d.messageId, JSON.parse(d.json) as MarketingEvent);
    }
    return out;
  }

  /**
   * The users endpoint's feed at clock `nowMs`: the current version (latest with updated_at < now) of each
   * user whose current updated_at is in [sinceMs, beforeMs), sorted by (updated_at, user_id), after `after`.
   */
  *currentUsers(nowMs: number, sinceMs: number, beforeMs: number, after?: Position): Generator<UserVersion> {
    const versions = this.plan.versions;
    const endMs = Math.min(beforeMs, nowMs);
    let i = after
      ? upperBoundBy(versions, (v) => comparePosition(v.ms, v.userId, after) <= 0)
      : upperBoundBy(versions, (v) => v.ms < sinceMs);
    for (; i < versions.length; i++) {
      const v = versions[i] as UserVersion;
      if (v.ms >= endMs) return;
      if (v.ms < sinceMs) continue;
      const next = this.plan.userVersionMs[v.userIndex]?.[v.version + 1];
      if (next === undefined || next >= nowMs) yield v;
    }
  }

  /**
   * The latest version of each user as of `until` (updated_at < until), keeping only users whose latest
   * version is at or after `since`: what a client that upserted every users page up to `until` must hold.
   */
  latestUsers(until: Date, since?: Date): Map<string, MarketingUser> {
    const latest = new Map<string, UserVersion>();
    const untilMs = until.getTime();
    for (const v of this.plan.versions) {
      if (v.ms >= untilMs) break;
      latest.set(v.userId, v);
    }
    const out = new Map<string, MarketingUser>();
    const sinceMs = since?.getTime() ?? -Infinity;
    for (const [id, v] of latest) if (v.ms >= sinceMs) out.set(id, JSON.parse(v.json) as MarketingUser);
    return out;
  }

  /** Every version of every user, sorted by (updated_at, user_id). */
  allUserVersions(): MarketingUser[] {
    return this.plan.versions.map((v) => JSON.parse(v.json) as MarketingUser);
  }

  /** The deliveries whose received_at falls in hour `hour` (ms / 3600000), sorted. */
  private bucket(hour: number): Delivery[] {
    return this.buckets.getOrCompute(hour, () => {
      const lo = hour * HOUR_MS;
      const hi = lo + HOUR_MS;
      const out: Delivery[] = [];
      const keys = this.plan.receiveStartSorted;
      for (let k = upperBoundBy(keys, (ms) => ms <= lo - this.lookbackMs); k < keys.length && (keys[k] as number) < hi; k++) {
        const index = this.plan.byReceiveStart[k] as number;
        // A visit known to be over before this hour needs no generating again.
        if ((this.sessionLastMs[index] as number) < lo) continue;
        const session = this.sessions.getOrCompute(index, () => generateSession(this.plan.sessionPlan(index)));
        if (Number.isNaN(this.sessionLastMs[index])) {
          let last = -Infinity;
          for (const e of session.events)
            last = Math.max(last, e.receivedMs, Number.isNaN(e.duplicateMs) ? -Infinity : e.duplicateMs);
          this.sessionLastMs[index] = last;
        }
        for (const e of session.events) {
          if (e.receivedMs >= lo && e.receivedMs < hi) {
            out.push({ receivedMs: e.receivedMs, messageId: e.messageId, json: e.json, duplicate: false });
          }
          if (e.duplicateMs >= lo && e.duplicateMs < hi) {
            out.push({
              receivedMs: e.duplicateMs,
              messageId: e.messageId,
              json: redelivered(e.json, e.receivedMs, e.duplicateMs),
              duplicate: true,
            });
          }
        }
      }
      out.sort((a, b) => a.receivedMs - b.receivedMs || (a.messageId < b.messageId ? -1 : a.messageId > b.messageId ? 1 : 0));
      return out;
    });
  }
}

/** Index of the first element for which `before` is false, in a list where `before` holds for a prefix. */
function upperBoundBy<T>(items: ArrayLike<T>, before: (item: T) => boolean): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(items[mid] as T)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function createDataset(options: DatasetOptions): Dataset {
  return new Dataset(options);
}
