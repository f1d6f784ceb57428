import { HOUR_WEIGHTS, IP_PREFIXES, LOCALES, USER_AGENTS, WEEKDAY_WEIGHTS } from './catalog.js';
import { personProfile, type PersonProfile } from './person.js';
import { Random, Stream, base32FromKey, uuidFromKey } from './random.js';
import { generateSession, lateDelayFor, type DeviceProfile, type IdentifyKind, type SessionPlan } from './session-events.js';
import { baseEventCount, sessionShape, type SessionShape } from './session-shape.js';
import type { Channel, MarketingUser } from './types.js';

const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;
const KIND_CODES: readonly (IdentifyKind | null)[] = [null, 'lead', 'newsletter', 'login', 'opt_in'];

export interface PlanOptions {
  /** Already normalized to 32 bits. */
  seed: number;
  fromMs: number;
  toMs: number;
  /** Target of first deliveries per average day (duplicates come on top). */
  eventsPerDay: number;
  opportunityIds: readonly string[];
  lateRate: number;
  duplicateRate: number;
  newFieldsFromMs: number;
}

/** One state of a user, as the users endpoint serves it. */
export interface UserVersion {
  userIndex: number;
  userId: string;
  /** updated_at, ms. */
  ms: number;
  /** Position among the user's versions. */
  version: number;
  json: string;
}

interface UserChange {
  ms: number;
  kind: IdentifyKind | 'unsubscribe';
  anonymousId: string | null;
  traits: Record<string, unknown>;
}

/**
 * The skeleton of the whole dataset, built once in one pass over the visits in time order: when each visit
 * starts, from which device and person, who is identified when, which visit is late, and every version of
 * every user. Compact (typed arrays, a few bytes a visit); the events themselves are generated on demand.
 */
export class Plan {
  readonly sessionCount: number;
  readonly startMs: Float64Array;
  /** Lower bound of the visit's received_at values (its events are received within MAX_SESSION_SPAN_MS of it). */
  readonly receiveStartMs: Float64Array;
  readonly device: Int32Array;
  readonly returning: Uint8Array;
  readonly userBefore: Int32Array;
  readonly identifyKind: Uint8Array;
  readonly identifyUser: Int32Array;
  readonly opportunity: Int32Array;
  readonly lateDelayMs: Float64Array;
  /** Visits sorted by receiveStartMs, and the sorted keys. */
  readonly byReceiveStart: Int32Array;
  readonly receiveStartSorted: Float64Array;
  readonly devicePerson: Int32Array;
  readonly personCount: number;
  readonly userIds: readonly string[];
  /** Every user version, sorted by (updated_at, user_id). */
  readonly versions: readonly UserVersion[];
  /** Per user, its versions' updated_at in ascending order. */
  readonly userVersionMs: readonly (readonly number[])[];
  readonly opportunityIds: readonly string[];
  readonly leadCount: number;
  readonly expectedEventsPerSession: number;

  private readonly profiles = new Map<number, PersonProfile>();
  private readonly referenceYear: number;

  constructor(readonly options: PlanOptions) {
    const { seed, fromMs, toMs } = options;
    this.referenceYear = new Date(fromMs).getUTCFullYear();
    this.expectedEventsPerSession = calibrate(seed);
    this.opportunityIds = shuffled(options.opportunityIds, new Random(seed, Stream.opportunities));

    const random = new Random(seed, Stream.plan);
    const sessionsPerDay = options.eventsPerDay / this.expectedEventsPerSession;
    const hourTotal = HOUR_WEIGHTS.reduce((a, b) => a + b, 0);
    const weekdayMean = WEEKDAY_WEIGHTS.reduce((a, b) => a + b, 0) / 7;

    const starts: number[] = [];
    const devices: number[] = [];
    const returningFlags: number[] = [];
    const userBefore: number[] = [];
    const identifyKind: number[] = [];
    const identifyUser: number[] = [];
    const opportunity: number[] = [];
    const lateDelays: number[] = [];
    const devicePerson: number[] = [];
    const deviceLastStart: number[] = [];
    const deviceUser: number[] = [];
    const personUser: number[] = [];
    const personChannel: Channel[] = [];
    const userPerson: number[] = [];
    const userIds: string[] = [];
    const usedUserIds = new Set<string>();
    const optedIn: boolean[] = [];
    const changes: UserChange[][] = [];
    let nextOpportunity = 0;
    let leads = 0;

    const live = {
      start: starts,
      device: devices,
      returning: returningFlags,
      userBefore,
      identifyKind,
      identifyUser,
      opportunity,
      late: lateDelays,
      userIds,
      devicePerson,
    };

    for (let hour = Math.floor(fromMs / HOUR_MS) * HOUR_MS; hour < toMs; hour += HOUR_MS) {
      const lo = Math.max(hour, fromMs);
      const hi = Math.min(hour + HOUR_MS, toMs);
      const { localHour, weekday } = parisHour(hour);
      const mean =
        sessionsPerDay *
        ((WEEKDAY_WEIGHTS[weekday] ?? 1) / weekdayMean) *
        ((HOUR_WEIGHTS[localHour] ?? 1) / hourTotal) *
        ((hi - lo) / HOUR_MS);
      const count = random.poisson(mean);
      const hourStarts: number[] = [];
      for (let k = 0; k < count; k++) hourStarts.push(Math.floor(random.between(lo, hi)));
      hourStarts.sort((a, b) => a - b);

      for (const start of hourStarts) {
        const index = starts.length;
        let device = -1;
        if (devicePerson.length > 0 && random.chance(0.3)) {
          for (let attempt = 0; attempt < 3 && device < 0; attempt++) {
            const candidate = recentIndex(random, devicePerson.length);
            if ((deviceLastStart[candidate] ?? 0) < start - 30 * 60_000) device = candidate;
          }
        }
        const returning = device >= 0;
        const shape = sessionShape(seed, index, returning);
        if (!returning) {
          device = devicePerson.length;
          let person: number;
          if (personChannel.length > 0 && random.chance(0.1)) {
            person = recentIndex(random, personChannel.length);
          } else {
            person = personChannel.length;
            personChannel.push(shape.channel);
            personUser.push(-1);
          }
          devicePerson.push(person);
          deviceUser.push(-1);
        }
        deviceLastStart[device] = start;
        const person = devicePerson[device] as number;
        const deviceUserBefore = deviceUser[device] as number;
        const personUserNow = personUser[person] as number;

        let kind: IdentifyKind | null = null;
        if (shape.depth === 4) kind = 'lead';
        else if (deviceUserBefore < 0 && personUserNow >= 0 && shape.wantsLogin) kind = 'login';
        else if (deviceUserBefore < 0 && shape.wantsNewsletter) kind = 'newsletter';
        else if (deviceUserBefore >= 0 && shape.wantsOptIn && !optedIn[deviceUserBefore]) kind = 'opt_in';

        let user = -1;
        if (kind) {
          user = personUserNow;
          if (user < 0) {
            user = userIds.length;
            let id = `usr_${base32FromKey(10, seed, Stream.userId, user)}`;
            for (let salt = 1; usedUserIds.has(id); salt++) id = `usr_${base32FromKey(10, seed, Stream.userId, user, salt)}`;
            usedUserIds.add(id);
            userIds.push(id);
            userPerson.push(person);
            optedIn.push(false);
            changes.push([]);
            personUser[person] = user;
          }
          deviceUser[device] = user;
        }
        let opportunityIndex = -1;
        if (kind === 'lead') {
          leads++;
          if (nextOpportunity < this.opportunityIds.length) opportunityIndex = nextOpportunity++;
        }

        starts.push(start);
        devices.push(device);
        returningFlags.push(returning ? 1 : 0);
        userBefore.push(deviceUserBefore);
        identifyKind.push(kind ? KIND_CODES.indexOf(kind) : 0);
        identifyUser.push(user);
        opportunity.push(opportunityIndex);
        lateDelays.push(lateDelayFor(seed, index, options.lateRate));

        if (kind) {
          const plan = this.buildSessionPlan(index, live, shape);
          const generated = generateSession(plan);
          const traits = plan.identify?.traits ?? {};
          (changes[user] as UserChange[]).push({
            ms: generated.identifyReceivedMs ?? start,
            kind,
            anonymousId: plan.device.anonymousId,
            traits,
          });
          if (traits.marketing_opt_in === true) optedIn[user] = true;
        }
      }
    }

    this.sessionCount = starts.length;
    this.startMs = Float64Array.from(starts);
    this.device = Int32Array.from(devices);
    this.returning = Uint8Array.from(returningFlags);
    this.userBefore = Int32Array.from(userBefore);
    this.identifyKind = Uint8Array.from(identifyKind);
    this.identifyUser = Int32Array.from(identifyUser);
    this.opportunity = Int32Array.from(opportunity);
    this.lateDelayMs = Float64Array.from(lateDelays);
    this.devicePerson = Int32Array.from(devicePerson);
    this.personCount = personChannel.length;
    this.userIds = userIds;
    this.leadCount = leads;
    this.receiveStartMs = new Float64Array(this.sessionCount);
    for (let i = 0; i < this.sessionCount; i++)
      this.receiveStartMs[i] = (this.startMs[i] as number) + (this.lateDelayMs[i] as number);
    this.byReceiveStart = Int32Array.from({ length: this.sessionCount }, (_, i) => i).sort(
      (a, b) => (this.receiveStartMs[a] as number) - (this.receiveStartMs[b] as number) || a - b,
    );
    this.receiveStartSorted = Float64Array.from(this.byReceiveStart, (i) => this.receiveStartMs[i] as number);

    const { versions, perUser } = this.foldUsers(changes, userPerson, personChannel);
    this.versions = versions;
    this.userVersionMs = perUser;
  }

  /** The plan of visit `index`, for the event generator. */
  sessionPlan(index: number): SessionPlan {
    if (index < 0 || index >= this.sessionCount) throw new RangeError(`no session ${index}`);
    return this.buildSessionPlan(index, {
      start: this.startMs,
      device: this.device,
      returning: this.returning,
      userBefore: this.userBefore,
      identifyKind: this.identifyKind,
      identifyUser: this.identifyUser,
      opportunity: this.opportunity,
      late: this.lateDelayMs,
      userIds: this.userIds,
      devicePerson: this.devicePerson,
    });
  }

  private buildSessionPlan(index: number, arrays: SessionArrays, knownShape?: SessionShape): SessionPlan {
    const { seed } = this.options;
    const returning = arrays.returning[index] === 1;
    const shape = knownShape ?? sessionShape(seed, index, returning);
    const deviceIndex = arrays.device[index] as number;
    const before = arrays.userBefore[index] as number;
    const kind = KIND_CODES[arrays.identifyKind[index] as number] ?? null;
    const user = arrays.identifyUser[index] as number;
    const opportunityIndex = arrays.opportunity[index] as number;
    let identify: SessionPlan['identify'] = null;
    if (kind) {
      const person = arrays.devicePerson[deviceIndex] as number;
      identify = { kind, userId: arrays.userIds[user] as string, traits: this.identifyTraits(kind, person, shape) };
    }
    return {
      seed,
      index,
      startMs: arrays.start[index] as number,
      shape,
      device: deviceProfile(seed, deviceIndex),
      userIdBefore: before >= 0 ? (arrays.userIds[before] as string) : null,
      identify,
      opportunityId: opportunityIndex >= 0 ? (this.opportunityIds[opportunityIndex] ?? null) : null,
      lateDelayMs: arrays.late[index] as number,
      duplicateRate: this.options.duplicateRate,
      newFieldsFromMs: this.options.newFieldsFromMs,
    };
  }

  private profile(person: number): PersonProfile {
    let profile = this.profiles.get(person);
    if (!profile) {
      profile = personProfile(this.options.seed, person, this.referenceYear);
      this.profiles.set(person, profile);
    }
    return profile;
  }

  /** The traits an identify call of this kind sends (personal data). */
  private identifyTraits(kind: IdentifyKind, person: number, shape: SessionShape): Record<string, unknown> {
    const p = this.profile(person);
    switch (kind) {
      case 'newsletter':
        return { email: p.email, marketing_opt_in: true };
      case 'opt_in':
        return { marketing_opt_in: true };
      case 'login':
        return { email: p.email };
      case 'lead':
        return {
          email: p.email,
          phone: p.phone,
          first_name: p.firstName,
          last_name: p.lastName,
          birth_year: p.birthYear,
          postal_code: p.postalCode,
          city: p.city,
          ...(shape.leadOptIn ? { marketing_opt_in: true } : {}),
        };
    }
  }

  /** Applies each user's changes in received order; every change is a new version. */
  private foldUsers(
    changes: UserChange[][],
    userPerson: readonly number[],
    personChannel: readonly Channel[],
  ): { versions: UserVersion[]; perUser: number[][] } {
    const { seed, toMs, newFieldsFromMs } = this.options;
    const versions: UserVersion[] = [];
    const perUser: number[][] = [];
    for (let u = 0; u < changes.length; u++) {
      const list = [...(changes[u] as UserChange[])].sort((a, b) => a.ms - b.ms);
      const optIn = list.find((c) => c.traits.marketing_opt_in === true);
      const random = new Random(seed, Stream.unsubscribe, u);
      if (optIn && random.chance(0.15)) {
        const ms = optIn.ms + Math.round(Math.exp(random.between(Math.log(DAY_MS), Math.log(60 * DAY_MS))));
        if (ms < toMs) {
          list.push({ ms, kind: 'unsubscribe', anonymousId: null, traits: { marketing_opt_in: false } });
          list.sort((a, b) => a.ms - b.ms);
        }
      }
      const userId = this.userIds[u] as string;
      const state: MarketingUser = {
        user_id: userId,
        anonymous_ids: [],
        email: null,
        phone: null,
        created_at: '',
        updated_at: '',
        traits: {
          first_name: null,
          last_name: null,
          birth_year: null,
          postal_code: null,
          city: null,
          marketing_opt_in: false,
          acquisition_channel: personChannel[userPerson[u] as number] ?? null,
        },
      };
      const msList: number[] = [];
      let lastMs = -Infinity;
      let isLead = false;
      for (const change of list) {
        // Two changes in the same millisecond would make two versions with one updated_at.
        const ms = Math.max(change.ms, lastMs + 1);
        lastMs = ms;
        if (change.anonymousId && !state.anonymous_ids.includes(change.anonymousId)) state.anonymous_ids.push(change.anonymousId);
        for (const [key, value] of Object.entries(change.traits)) {
          if (key === 'email' || key === 'phone') state[key] = value as string;
          else state.traits[key] = value;
        }
        if (change.kind === 'lead') isLead = true;
        const iso = new Date(ms).toISOString();
        if (!state.created_at) state.created_at = iso;
        state.updated_at = iso;
        const served: MarketingUser = { ...state, anonymous_ids: [...state.anonymous_ids], traits: { ...state.traits } };
        if (ms >= newFieldsFromMs) {
          served.lifecycle_stage = isLead ? 'lead' : 'subscriber';
          served.traits.preferred_language = 'fr';
        }
        versions.push({ userIndex: u, userId, ms, version: msList.length, json: JSON.stringify(served) });
        msList.push(ms);
      }
      perUser.push(msList);
    }
    versions.sort((a, b) => a.ms - b.ms || (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
    return { versions, perUser };
  }
}

interface SessionArrays {
  start: ArrayLike<number>;
  device: ArrayLike<number>;
  returning: ArrayLike<number>;
  userBefore: ArrayLike<number>;
  identifyKind: ArrayLike<number>;
  identifyUser: ArrayLike<number>;
  opportunity: ArrayLike<number>;
  late: ArrayLike<number>;
  userIds: readonly string[];
  devicePerson: ArrayLike<number>;
}

/** The device `index`: its anonymous id, browser and (synthetic) address. */
export function deviceProfile(seed: number, index: number): DeviceProfile {
  const random = new Random(seed, Stream.device, index);
  const kind = random.weighted(USER_AGENTS);
  return {
    anonymousId: uuidFromKey(seed, Stream.anonymousId, index),
    userAgent: kind.userAgent,
    ip: `${random.pick(IP_PREFIXES)}.${random.int(0, 255)}.${random.int(0, 255)}.${random.int(1, 254)}`,
    locale: random.weighted(LOCALES),
  };
}

/** An index in [0, count), more often a recent one. */
function recentIndex(random: Random, count: number): number {
  const u = random.next();
  return Math.min(count - 1, Math.floor(count * (1 - u * u)));
}

function shuffled<T>(items: readonly T[], random: Random): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random.next() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** Mean number of calls of a visit, measured on sample shapes. */
function calibrate(seed: number): number {
  let total = 0;
  const samples = 4000;
  for (let k = 0; k < samples; k++) total += baseEventCount(sessionShape(seed ^ Stream.calibration, k, k % 10 < 3));
  return total / samples;
}

const parisFormat = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/Paris',
  hour: 'numeric',
  hourCycle: 'h23',
  weekday: 'short',
});
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

function parisHour(ms: number): { localHour: number; weekday: number } {
  let localHour = 0;
  let weekday = 0;
  for (const part of parisFormat.formatToParts(ms)) {
    if (part.type === 'hour') localHour = Number(part.value);
    else if (part.type === 'weekday') weekday = WEEKDAYS.indexOf(part.value);
  }
  return { localHour, weekday };
}
