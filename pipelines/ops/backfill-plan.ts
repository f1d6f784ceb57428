import { ConfigError } from '../core/errors.js';

export const BACKFILL_STREAMS = ['events', 'users', 'crm'] as const;
export type BackfillStream = (typeof BACKFILL_STREAMS)[number];

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const RETENTION_MS = 90 * DAY_MS;

export interface BackfillRequest {
  from: string;
  to: string;
  streams?: string[];
  models?: string[];
  /** `auto` cuts hours for windows up to two days, days beyond. */
  granularity?: 'hour' | 'day' | 'auto';
}

export interface BackfillPartition {
  stream: BackfillStream;
  from: string;
  to: string;
}

export interface BackfillPlan {
  from: string;
  to: string;
  streams: BackfillStream[];
  granularity: 'hour' | 'day';
  partitions: BackfillPartition[];
  /** Dates (UTC) whose mart partitions are rebuilt, at least those of the window. */
  dates: string[];
  /** Model selection passed to the transform (`--models` syntax), or undefined for every model. */
  models: string[] | undefined;
}

/**
 * Turns a backfill request into partitions, refusing with a message that says why: a from not before
 * to, a window in the future, a window outside the API's retention (for API streams), an unknown stream
 * or model. Pure: `knownModels` and `now` are given.
 */
export function planBackfill(request: BackfillRequest, knownModels: string[], now: Date = new Date()): BackfillPlan {
  const from = parseBound(request.from, '--from');
  const to = parseBound(request.to, '--to');
  if (!(from < to)) throw new ConfigError(`--from must be before --to (got from ${iso(from)}, to ${iso(to)})`);
  if (to > now.getTime())
    throw new ConfigError(
      `the window ends in the future (--to ${iso(to)} is after now, ${iso(now.getTime())}); backfill only what has happened`,
    );
  const streams = (request.streams && request.streams.length > 0 ? request.streams : ['events', 'users']).map((s) => s.trim());
  const unknown = streams.filter((s) => !(BACKFILL_STREAMS as readonly string[]).includes(s));
  if (unknown.length > 0)
    throw new ConfigError(
      `unknown stream ${unknown.map((s) => JSON.stringify(s)).join(', ')}: choose among ${BACKFILL_STREAMS.join(', ')}`,
    );
  if (streams.includes('events') && from < now.getTime() - RETENTION_MS) {
    throw new ConfigError(
      `the window starts at ${iso(from)}, outside the marketing API's 90-day retention (earliest ${iso(now.getTime() - RETENTION_MS)})`,
    );
  }
  const models = request.models?.map((m) => m.trim()).filter(Boolean);
  if (models) {
    const missing = models.map((m) => m.replace(/^\+|\+$/g, '')).filter((m) => !knownModels.includes(m));
    if (missing.length > 0)
      throw new ConfigError(
        `unknown model ${missing.map((m) => JSON.stringify(m)).join(', ')}: models are ${knownModels.join(', ')}`,
      );
  }
  const granularity =
    request.granularity === 'hour' || request.granularity === 'day'
      ? request.granularity
      : to - from <= 2 * DAY_MS
        ? 'hour'
        : 'day';
  const step = granularity === 'hour' ? HOUR_MS : DAY_MS;
  const partitions: BackfillPartition[] = [];
  for (const stream of streams as BackfillStream[]) {
    if (stream === 'crm') {
      partitions.push({ stream, from: iso(from), to: iso(to) });
      continue;
    }
    // Partitions are aligned on the grid (whole hours or UTC days) so that a repeated backfill finds them.
    for (let start = from; start < to;) {
      const next = Math.min(Math.floor(start / step) * step + step, to);
      partitions.push({ stream, from: iso(start), to: iso(next) });
      start = next;
    }
  }
  const dates: string[] = [];
  for (let day = Math.floor(from / DAY_MS) * DAY_MS; day < to; day += DAY_MS) dates.push(iso(day).slice(0, 10));
  return { from: iso(from), to: iso(to), streams: streams as BackfillStream[], granularity, partitions, dates, models };
}

/** A date (`2026-11-20`, midnight UTC) or a date-time with a zone. */
function parseBound(text: string, flag: string): number {
  const value = /^\d{4}-\d{2}-\d{2}$/.test(text)
    ? Date.parse(`${text}T00:00:00Z`)
    : /(Z|[+-]\d{2}:?\d{2})$/i.test(text)
      ? Date.parse(text)
      : Number.NaN;
  if (Number.isNaN(value))
    throw new ConfigError(
      `${flag} must be a date (YYYY-MM-DD, UTC) or a date-time with a zone (e.g. 2026-11-20T06:00:00Z); got ${JSON.stringify(text.slice(0, 40))}`,
    );
  return value;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
