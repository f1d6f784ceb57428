import { distinctBankNames } from './bank-names.js';
import { base62Value, salesforceId } from './ids.js';
import { Rng, Weighted } from './rng.js';

/**
 * The banks export: 2,881 rows at real scale (fewer, never under 100, below it), ~1,927 distinct names
 * for 2,881 ids (one bank has several regional ids), created 2010-05-07 to 2024-03-29, sorted by `Id`
 * as the real file is. Also the bank-like ids that are in no row (for propositions whose `Partenaire__c`
 * matches no bank) and the account ids of `EntiteMTXPiste__c`.
 */

export interface BankRow {
  id: string;
  /** Epoch seconds. */
  createdAt: number;
  name: string;
}

export interface BankSet {
  /** Sorted by id. */
  rows: BankRow[];
  /** Index into `rows`, weighted by how often a bank makes offers. */
  popularity: Weighted<number>;
  /** Bank-like ids that are in no row. */
  unknownIds: string[];
  /** Account ids for `EntiteMTXPiste__c`, in no row. */
  entityIds: string[];
}

export const REAL_BANKS = 2_881;
const REAL_DISTINCT_NAMES = 1_927;
const REAL_OPPORTUNITIES = 174_000;
const MIN_BANKS = 100;
const ENTITY_POOL = 60;

/** How many ids share one name in the real file: [ids per name, number of names]. */
const NAME_MULTIPLICITY = new Weighted<number>([
  [1, 1419],
  [2, 284],
  [3, 87],
  [4, 92],
  [5, 24],
  [6, 10],
  [7, 8],
  [8, 2],
  [13, 1],
]);

interface Era {
  prefix: string;
  share: number;
  from: number;
  to: number;
  firstBody: string;
  lastBody: string;
  /** Share of the era's ids created in one bulk import on its first day. */
  bulk: number;
}

// Salesforce key prefixes of the real ids, by period, with their share of the 2,881 rows.
const ERAS: Era[] = [
  era('001200000', 0.607, '2010-05-07 09:02:32', '2010-12-02 18:23:46', '0WmUNW', '0eVic9', 0.73),
  era('001D00000', 0.257, '2010-12-07 17:57:02', '2018-09-06 11:34:14', '0eWXNf', '2HF6Hh', 0),
  era('0011i0000', 0.077, '2018-10-05 10:50:32', '2022-04-05 18:28:02', '02MVpN', '1QUkBu', 0),
  era('0015q0000', 0.045, '2022-05-26 14:22:04', '2023-10-04 15:31:21', '05MqfZ', '0QLTlu', 0),
  era('001IV0000', 0.014, '2023-10-26 16:46:40', '2024-03-29 11:35:18', '0K6SMH', '0RiK6n', 0),
];

const STREAM_BANKS = 201;

/** Number of bank rows for a number of opportunities: proportional to the real export, 100 to 2,881. */
export function bankCount(opportunities: number): number {
  return Math.min(REAL_BANKS, Math.max(MIN_BANKS, Math.round((REAL_BANKS * opportunities) / REAL_OPPORTUNITIES)));
}

export function generateBanks(seed: number, count: number): BankSet {
  const rng = new Rng(seed, STREAM_BANKS, count);
  const rows: Omit<BankRow, 'name'>[] = [];
  let assigned = 0;
  ERAS.forEach((e, eraIndex) => {
    const eraCount = eraIndex === ERAS.length - 1 ? count - assigned : Math.round(count * e.share);
    assigned += eraCount;
    rows.push(...eraRows(rng, e, eraCount));
  });

  const names = nameSequence(rng, count);
  const named: BankRow[] = rows.map((row, i) => ({ ...row, name: names[i] as string }));
  named.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

  const ranks = shuffle(
    rng,
    named.map((_, i) => i),
  );
  const popularity = new Weighted<number>(ranks.map((rowIndex, rank) => [rowIndex, 1 / (rank + 5) ** 0.8] as const));

  const taken = new Set(named.map((row) => row.id));
  const unknownIds = freshIds(rng, Math.max(3, Math.round(count * 0.02)), taken);
  const entityIds = freshIds(rng, ENTITY_POOL, taken);
  return { rows: named, popularity, unknownIds, entityIds };
}

function eraRows(rng: Rng, e: Era, count: number): Omit<BankRow, 'name'>[] {
  if (count <= 0) return [];
  const first = base62Value(e.firstBody) + rng.int(0, 999);
  const meanGap = Math.max(1, (base62Value(e.lastBody) - first) / count);
  const bulkCount = Math.floor(count * e.bulk);
  const times: number[] = [];
  let bulkTime = e.from;
  for (let i = 0; i < bulkCount; i++) {
    times.push(bulkTime);
    bulkTime += rng.int(0, 1);
  }
  const spread = Array.from({ length: count - bulkCount }, () => bulkTime + rng.float() * (e.to - bulkTime));
  spread.sort((a, b) => a - b);
  times.push(...spread.map(Math.floor));

  let body = first;
  return times.map((createdAt) => {
    const row = { id: salesforceId(e.prefix, body), createdAt };
    body += 1 + Math.floor(rng.float() * 2 * meanGap);
    return row;
  });
}

/** Names in creation order: ~1,927 distinct per 2,881 ids, copies of a name created one after another. */
function nameSequence(rng: Rng, count: number): string[] {
  const distinct = Math.min(count, Math.max(1, Math.round((count * REAL_DISTINCT_NAMES) / REAL_BANKS)));
  const names = distinctBankNames(rng, distinct);
  const copies = names.map(() => NAME_MULTIPLICITY.sample(rng));
  let total = copies.reduce((sum, n) => sum + n, 0);
  while (total > count) {
    const i = rng.int(0, copies.length - 1);
    if ((copies[i] as number) > 1) {
      copies[i] = (copies[i] as number) - 1;
      total--;
    }
  }
  while (total < count) {
    const i = rng.int(0, copies.length - 1);
    copies[i] = (copies[i] as number) + 1;
    total++;
  }
  return names.flatMap((name, i) => Array.from({ length: copies[i] as number }, () => name));
}

function freshIds(rng: Rng, count: number, taken: Set<string>): string[] {
  const ids: string[] = [];
  while (ids.length < count) {
    const e = ERAS[rng.int(0, ERAS.length - 1)] as Era;
    const id = salesforceId(e.prefix, rng.int(base62Value(e.firstBody), base62Value(e.lastBody)));
    if (taken.has(id)) continue;
    taken.add(id);
    ids.push(id);
  }
  return ids;
}

function shuffle<T>(rng: Rng, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

function era(prefix: string, share: number, from: string, to: string, firstBody: string, lastBody: string, bulk: number): Era {
  return { prefix, share, from: epoch(from), to: epoch(to), firstBody, lastBody, bulk };
}

function epoch(timestamp: string): number {
  return Date.parse(`${timestamp.replace(' ', 'T')}Z`) / 1000;
}
