import { ConfigError } from '../core/errors.js';
import { salesforceChecksum } from '../lookup/salesforce-id.js';
import { hash32 } from './rng.js';

/**
 * Salesforce-style ids of the generated exports, and the opportunity ids other pieces (the marketing API
 * simulator) can compute without reading the files: `opportunityIdAt(seed, i)` is the `Id` of the i-th
 * data row (0-based) of the opportunities export generated with that seed, for i < opportunityCount(scale).
 */

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const BODY_LENGTH = 6;
const BODY_SPACE = 62 ** BODY_LENGTH;

/** Named scales of generated data, in opportunities. */
export const SCALES: Readonly<Record<'small' | 'medium' | 'real', number>> = {
  small: 2_000,
  medium: 20_000,
  real: 174_000,
};

/** Largest number of opportunities one export may hold (keeps every id inside its 6-character body). */
export const MAX_OPPORTUNITIES = 20_000_000;

/** Opportunity indices that ids exist for: regular rows, then ids the generator uses for rows absent from the file. */
const MAX_OPPORTUNITY_INDEX = 3 * MAX_OPPORTUNITIES;

const OPPORTUNITY_PREFIX = '0065q0000';
const PROPOSITION_PREFIX = 'a0B5q0000';
/** Mean distance between consecutive serials: ids grow with the row, with gaps, as Salesforce's do. */
const SERIAL_GAP = 8;
// "0A0000" in base 62, like the real `0065q00000AlAK0AAN`.
const BODY_BASE = 10 * 62 ** 4;
const START_SPREAD = 100_000_000;

const STREAM_OPPORTUNITY_START = 101;
const STREAM_OPPORTUNITY_JITTER = 102;
const STREAM_PROPOSITION_START = 103;
const STREAM_PROPOSITION_JITTER = 104;

/**
 * The number of opportunities of a scale: `small` (2,000), `medium` (20,000), `real` (174,000, the real
 * export's size) or a whole number from 1 to MAX_OPPORTUNITIES. Throws ConfigError naming `scale` otherwise.
 */
export function opportunityCount(scale: string): number {
  const named = (SCALES as Record<string, number>)[scale];
  if (named !== undefined) return named;
  if (/^\d+$/.test(scale)) {
    const count = Number(scale);
    if (count >= 1 && count <= MAX_OPPORTUNITIES) return count;
  }
  throw new ConfigError(
    `invalid scale ${JSON.stringify(scale)}: expected small, medium, real or a whole number from 1 to ${MAX_OPPORTUNITIES}`,
    { field: 'scale' },
  );
}

/**
 * The `Id` of the opportunity at `index` (0-based data row) of the export generated with `seed`.
 * Ids are unique per seed and grow with the index. Indices from the scale's count upwards name
 * opportunities that are not in the export (the generator uses them for orphan propositions).
 */
export function opportunityIdAt(seed: number, index: number): string {
  checkSeed(seed);
  if (!Number.isInteger(index) || index < 0 || index >= MAX_OPPORTUNITY_INDEX) {
    throw new ConfigError(`invalid opportunity index ${index}: expected a whole number below ${MAX_OPPORTUNITY_INDEX}`, {
      field: 'index',
    });
  }
  const start = BODY_BASE + (hash32(seed, STREAM_OPPORTUNITY_START) % START_SPREAD);
  const serial = start + index * SERIAL_GAP + (hash32(seed, STREAM_OPPORTUNITY_JITTER, index) % SERIAL_GAP);
  return salesforceId(OPPORTUNITY_PREFIX, serial);
}

/** The `Id` of the proposition with the given serial (0-based, in file order) for `seed`. */
export function propositionIdAt(seed: number, serial: number): string {
  const start = BODY_BASE + (hash32(seed, STREAM_PROPOSITION_START) % START_SPREAD);
  return salesforceId(
    PROPOSITION_PREFIX,
    start + serial * SERIAL_GAP + (hash32(seed, STREAM_PROPOSITION_JITTER, serial) % SERIAL_GAP),
  );
}

/**
 * An 18-character Salesforce id: a 9-character key prefix, a 6-character base-62 body holding `serial`,
 * and the 3-character case-safe checksum Salesforce appends to 15-character ids.
 */
export function salesforceId(prefix: string, serial: number): string {
  if (prefix.length !== 15 - BODY_LENGTH) throw new Error(`salesforceId: prefix ${prefix} must have 9 characters`);
  if (!Number.isInteger(serial) || serial < 0 || serial >= BODY_SPACE)
    throw new Error(`salesforceId: serial ${serial} out of range`);
  let body = '';
  let rest = serial;
  for (let i = 0; i < BODY_LENGTH; i++) {
    body = BASE62[rest % 62] + body;
    rest = Math.floor(rest / 62);
  }
  return withChecksum(prefix + body);
}

/** Appends Salesforce's checksum: one letter per 5 characters, whose bits mark the upper-case letters. */
export function withChecksum(id15: string): string {
  if (id15.length !== 15) throw new Error(`withChecksum: ${id15} is not a 15-character id`);
  return id15 + salesforceChecksum(id15);
}

/** The base-62 value of a body such as `0WmUNW`. */
export function base62Value(body: string): number {
  let value = 0;
  for (const ch of body) {
    const digit = BASE62.indexOf(ch);
    if (digit < 0) throw new Error(`base62Value: ${ch} is not a base-62 digit`);
    value = value * 62 + digit;
  }
  return value;
}

/** Throws ConfigError naming `seed` unless it is a safe integer. */
export function checkSeed(seed: number): void {
  if (!Number.isSafeInteger(seed)) throw new ConfigError(`invalid seed ${seed}: expected a whole number`, { field: 'seed' });
}
