import { Rng, Weighted } from './rng.js';

/**
 * When things are created: opportunities spread over the three years before the export date, in id
 * order day by day, at office-hour-heavy times of day. Stateless, so every pass agrees on a row's time.
 */

export const HISTORY_DAYS = 3 * 365;
const DAY = 86_400;
const STREAM_CREATED = 301;

const HOURS = new Weighted<number>(
  Array.from({ length: 24 }, (_, hour) => [hour, hour < 7 ? 0.6 : hour < 9 ? 3 : hour < 22 ? 7 : 3] as const),
);

/** Epoch seconds at which opportunity `index` of `count` was created, before `exportEpoch` (00:00 UTC). */
export function opportunityCreatedAt(seed: number, index: number, count: number, exportEpoch: number): number {
  const rng = new Rng(seed, STREAM_CREATED, index);
  const day = Math.min(HISTORY_DAYS - 1, Math.floor(((index + rng.float()) / count) * HISTORY_DAYS));
  return exportEpoch - HISTORY_DAYS * DAY + day * DAY + HOURS.sample(rng) * 3600 + rng.int(0, 3599);
}
