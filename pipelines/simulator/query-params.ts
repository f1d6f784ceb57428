/**
 * Reading the query parameters of the two endpoints, as the contract defines them. A bad parameter gives a
 * message that names it and says what is expected, never echoing the value received.
 */

export const MAX_EVENTS_WINDOW_MS = 7 * 24 * 3600_000;
export const MAX_LIMIT = 1000;
export const DEFAULT_EVENTS_LIMIT = 500;
export const DEFAULT_USERS_LIMIT = 200;

export interface ParamError {
  error: string;
}

export type EventsRequest = { cursor: string } | { cursor?: undefined; since: number; before: number; limit: number };

export type UsersRequest =
  { cursor: string } | { cursor?: undefined; since: number | null; before: number | null; limit: number };

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)$/;

/**
 * An RFC 3339 date-time (with a zone) as epoch ms, rounded up to the millisecond: a bound with sub-millisecond
 * digits selects exactly the millisecond timestamps an exact comparison would. Null when invalid.
 */
export function parseDateTime(text: string): number | null {
  const m = DATE_TIME.exec(text);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const fraction = m[7] ?? '';
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return null;
  const daysInMonth = new Date(Date.UTC(2000, month, 0)).getUTCDate() - (month === 2 && !isLeap(year) ? 1 : 0);
  if (day > daysInMonth) return null;
  let offsetMinutes = 0;
  if (!m[8]) {
    const offsetHours = Number(m[10]);
    const offsetMins = Number(m[11] ?? '0');
    if (offsetHours > 23 || offsetMins > 59) return null;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, Number(fraction.slice(0, 3).padEnd(3, '0')));
  let ms = date.getTime() - offsetMinutes * 60_000;
  if (/[1-9]/.test(fraction.slice(3))) ms += 1;
  return Number.isFinite(ms) ? ms : null;
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function single(params: URLSearchParams, name: string): string | undefined | ParamError {
  const values = params.getAll(name);
  if (values.length > 1) return { error: `${name} is given more than once` };
  return values[0];
}

function isError(value: unknown): value is ParamError {
  return typeof value === 'object' && value !== null && 'error' in value;
}

function dateTime(params: URLSearchParams, name: string, required: boolean): number | null | ParamError {
  const raw = single(params, name);
  if (isError(raw)) return raw;
  if (raw === undefined || raw === '') return required ? { error: `${name} is required` } : null;
  const ms = parseDateTime(raw);
  if (ms === null) {
    const hint = / \d{2}(:?\d{2})?$/.test(raw) ? " (a '+' in a query string must be encoded as %2B)" : '';
    return { error: `${name} must be an RFC 3339 date-time with a time zone, such as 2026-03-01T00:00:00Z${hint}` };
  }
  return ms;
}

function limitParam(params: URLSearchParams, fallback: number): number | ParamError {
  const raw = single(params, 'limit');
  if (isError(raw)) return raw;
  if (raw === undefined) return fallback;
  const value = /^\d{1,7}$/.test(raw) ? Number(raw) : NaN;
  if (!(value >= 1 && value <= MAX_LIMIT)) return { error: `limit must be an integer from 1 to ${MAX_LIMIT}` };
  return value;
}

/** A cursor, when there is one, replaces every other parameter (they are not read). */
function cursorParam(params: URLSearchParams): string | undefined | ParamError {
  const raw = single(params, 'cursor');
  if (isError(raw)) return raw;
  if (raw === '') return { error: 'cursor must not be empty' };
  return raw;
}

export function parseEventsQuery(params: URLSearchParams): EventsRequest | ParamError {
  const cursor = cursorParam(params);
  if (isError(cursor)) return cursor;
  if (cursor !== undefined) return { cursor };
  const since = dateTime(params, 'received_since', true);
  if (isError(since)) return since;
  const before = dateTime(params, 'received_before', true);
  if (isError(before)) return before;
  if (since === null || before === null) return { error: 'received_since and received_before are required' };
  if (since >= before) return { error: 'received_since must be earlier than received_before' };
  if (before - since > MAX_EVENTS_WINDOW_MS) {
    return { error: 'the window from received_since to received_before must be at most 7 days long' };
  }
  const limit = limitParam(params, DEFAULT_EVENTS_LIMIT);
  if (isError(limit)) return limit;
  return { since, before, limit };
}

export function parseUsersQuery(params: URLSearchParams): UsersRequest | ParamError {
  const cursor = cursorParam(params);
  if (isError(cursor)) return cursor;
  if (cursor !== undefined) return { cursor };
  const since = dateTime(params, 'updated_since', false);
  if (isError(since)) return since;
  const before = dateTime(params, 'updated_before', false);
  if (isError(before)) return before;
  if (since !== null && before !== null && since >= before) return { error: 'updated_since must be earlier than updated_before' };
  const limit = limitParam(params, DEFAULT_USERS_LIMIT);
  if (isError(limit)) return limit;
  return { since, before, limit };
}

export { isError as isParamError };
