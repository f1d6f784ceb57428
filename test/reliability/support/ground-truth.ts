import { readHighWaterMark } from '../../../pipelines/extract/api/high-water-marks.js';
import type { Dataset } from '../../../pipelines/simulator/dataset.js';
import { DuckDbWarehouse } from '../../../pipelines/warehouse/duckdb/duckdb-warehouse.js';

/** How a raw table compares with the simulator's ground truth. */
export interface TruthComparison {
  expected: number;
  actual: number;
  /** Ids of the ground truth absent from the table (at most 10 shown). */
  missing: string[];
  missingCount: number;
  /** Ids in the table that the ground truth does not have. */
  extra: string[];
  extraCount: number;
  /** Ids present on both sides whose record differs. */
  different: string[];
  differentCount: number;
}

export interface MarketingState {
  eventsMark: string | null;
  usersMark: string | null;
  events: TruthComparison;
  users: TruthComparison;
  /** Rows of marts.fct_events and staging.stg_mkt_events (null when not built). */
  factEvents: number | null;
  stagedEvents: number | null;
}

/**
 * Compares raw.mkt_events and raw.mkt_users of the warehouse at `path` with what the simulator's
 * dataset says a client that extracted events received in [start, events mark) and every users page
 * up to the users mark must hold: `distinctEvents` (first delivery of each message_id) and `latestUsers`.
 * Records are compared as parsed JSON (`_raw`, the record as served).
 */
export async function compareWithTruth(path: string, dataset: Dataset, start: Date): Promise<MarketingState> {
  const warehouse = await DuckDbWarehouse.open({ path, readOnly: true });
  try {
    const eventsMark = await readHighWaterMark(warehouse, 'events');
    const usersMark = await readHighWaterMark(warehouse, 'users');
    const events = await warehouse.query<{ id: string; raw: string }>('SELECT message_id AS id, _raw AS raw FROM raw.mkt_events');
    const users = await warehouse.query<{ id: string; raw: string }>('SELECT user_id AS id, _raw AS raw FROM raw.mkt_users');
    const truthEvents = eventsMark ? dataset.distinctEvents(new Date(eventsMark), start) : new Map();
    const truthUsers = usersMark ? dataset.latestUsers(new Date(usersMark)) : new Map();
    return {
      eventsMark,
      usersMark,
      events: compare(truthEvents, events),
      users: compare(truthUsers, users),
      factEvents: await countOrNull(warehouse, 'marts.fct_events'),
      stagedEvents: await countOrNull(warehouse, 'staging.stg_mkt_events'),
    };
  } finally {
    await warehouse.close();
  }
}

function compare(truth: Map<string, unknown>, rows: Array<{ id: string; raw: string }>): TruthComparison {
  const seen = new Set<string>();
  const extra: string[] = [];
  const different: string[] = [];
  for (const row of rows) {
    seen.add(row.id);
    const expected = truth.get(row.id);
    if (expected === undefined) extra.push(row.id);
    else if (JSON.stringify(JSON.parse(row.raw)) !== JSON.stringify(expected)) different.push(row.id);
  }
  const missing = [...truth.keys()].filter((id) => !seen.has(id));
  return {
    expected: truth.size,
    actual: rows.length,
    missing: missing.slice(0, 10),
    missingCount: missing.length,
    extra: extra.slice(0, 10),
    extraCount: extra.length,
    different: different.slice(0, 10),
    differentCount: different.length,
  };
}

async function countOrNull(warehouse: DuckDbWarehouse, table: string): Promise<number | null> {
  try {
    const [row] = await warehouse.query<{ n: number }>(`SELECT count(*) AS n FROM ${table}`);
    return Number(row?.n ?? 0);
  } catch {
    return null;
  }
}

/** Deliveries (duplicates included) the API served for received_at in [since, until): what a run reads. */
export function deliveriesBetween(dataset: Dataset, since: Date, until: Date): number {
  let n = 0;
  for (const _ of dataset.deliveries(since.getTime(), until.getTime())) n++;
  return n;
}
