/**
 * RFC 3339 date-times as the API writes them (`format: date-time`), read strictly: a date, a time and a
 * zone are all required, and impossible dates (February 30th) are refused rather than rolled over.
 */

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;
const CANONICAL_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** An instant with microsecond precision: what both warehouses' TIMESTAMP keeps. */
export interface Instant {
  /** Milliseconds since the epoch, rounded down. */
  ms: number;
  /** Microseconds beyond `ms`, 0 to 999 (finer digits are dropped, i.e. rounded down). */
  micros: number;
}

/** Parses an RFC 3339 date-time with a zone; null when it is not one, or names no real instant. */
export function parseInstant(text: string): Instant | null {
  // Fast path for what servers usually send: UTC with milliseconds. The round trip refuses impossible dates.
  if (CANONICAL_MS.test(text)) {
    const ms = Date.parse(text);
    return Number.isFinite(ms) && new Date(ms).toISOString() === text ? { ms, micros: 0 } : null;
  }
  const m = DATE_TIME.exec(text);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (year < 1 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 60) return null;
  // A leap second is read as the last instant of its minute, as BigQuery does.
  const leap = second === 60;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  const fraction = (m[7] ?? '').padEnd(6, '0');
  date.setUTCHours(hour, minute, leap ? 59 : second, leap ? 999 : Number(fraction.slice(0, 3)));
  let offsetMinutes = 0;
  if (!m[8]) {
    const offsetHours = Number(m[10]);
    const offsetMins = Number(m[11]);
    if (offsetHours > 23 || offsetMins > 59) return null;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  const ms = date.getTime() - offsetMinutes * 60_000;
  if (!Number.isFinite(ms)) return null;
  const utcYear = new Date(ms).getUTCFullYear();
  if (utcYear < 1 || utcYear > 9999) return null;
  return { ms, micros: leap ? 999 : Number(fraction.slice(3, 6)) };
}

/** `YYYY-MM-DDTHH:MM:SS.ffffffZ`: the instant in UTC, readable by DuckDB and BigQuery alike. */
export function formatInstant(instant: Instant): string {
  return `${new Date(instant.ms).toISOString().slice(0, 23)}${String(instant.micros).padStart(3, '0')}Z`;
}

/** Normalizes a date-time to UTC with microseconds; null when it is not a valid RFC 3339 date-time. */
export function normalizeDateTime(text: string): string | null {
  // Fast path, once per record and field: UTC with milliseconds, checked digit by digit.
  if (isCanonicalMs(text)) return `${text.slice(0, 23)}000Z`;
  const instant = parseInstant(text);
  return instant ? formatInstant(instant) : null;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** `YYYY-MM-DDTHH:MM:SS.sssZ` naming a real instant. */
function isCanonicalMs(s: string): boolean {
  if (s.length !== 24 || s.charCodeAt(23) !== 0x5a) return false;
  for (let i = 0; i < 23; i++) {
    const c = s.charCodeAt(i);
    const separator = SEPARATORS[i] as number;
    if (separator !== 0 ? c !== separator : c < 0x30 || c > 0x39) return false;
  }
  const year = digits(s, 0, 4);
  const month = digits(s, 5, 2);
  const day = digits(s, 8, 2);
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  const leap = month === 2 && ((year % 4 === 0 && year % 100 !== 0) || year % 400 === 0);
  if (day > (DAYS_IN_MONTH[month - 1] as number) + (leap ? 1 : 0)) return false;
  return digits(s, 11, 2) <= 23 && digits(s, 14, 2) <= 59 && digits(s, 17, 2) <= 59;
}

function digits(s: string, from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i++) n = n * 10 + s.charCodeAt(i) - 0x30;
  return n;
}

// Expected character code at each position of `YYYY-MM-DDTHH:MM:SS.sss`; 0 where a digit is.
const SEPARATORS = [0, 0, 0, 0, 0x2d, 0, 0, 0x2d, 0, 0, 0x54, 0, 0, 0x3a, 0, 0, 0x3a, 0, 0, 0x2e, 0, 0, 0];

/** `YYYY-MM-DDTHH:MM:SS.sssZ` of a millisecond instant. */
export function isoMs(ms: number): string {
  return new Date(ms).toISOString();
}
