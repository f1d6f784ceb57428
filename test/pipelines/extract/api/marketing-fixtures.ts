import { silentLogger } from '../../../../pipelines/core/logger.js';
import type { ExtractLoadMarketingOptions } from '../../../../pipelines/extract/api/extract-load-marketing.js';
import type { MarketingApiSettings } from '../../../../pipelines/extract/api/settings.js';
import { startSimulator, type SimulatorHandle, type SimulatorOptions } from '../../../../pipelines/simulator/server.js';
import type { Warehouse } from '../../../../pipelines/warehouse/warehouse.js';

export const TOKEN = 'test-token';
export const DAY_MS = 86_400_000;
/** The simulator's clock in these tests: a manual clock that only moves when a test moves it. */
export const NOW = new Date('2026-03-15T12:00:00.000Z');
/** Where the first events window starts (the default: 7 days before now). */
export const START = new Date(NOW.getTime() - 7 * DAY_MS);

/** Faults turned up: 429s, 5xx, resets, duplicates, late visits, unknown fields half-way through. */
export const HARSH_FAULTS: SimulatorOptions['faults'] = {
  rate429: 0.2,
  retryAfterSeconds: 0,
  rate5xx: 0.1,
  rateReset: 0.05,
  duplicateRate: 0.05,
  lateRate: 0.1,
  newFields: new Date(NOW.getTime() - 3 * DAY_MS),
};

export async function startTestSimulator(options: SimulatorOptions = {}): Promise<SimulatorHandle> {
  return startSimulator({ now: NOW, token: TOKEN, seed: 11, eventsPerDay: 300, faults: HARSH_FAULTS, ...options });
}

/** Small pages and small units, so that a test crosses many pages, retries and mid-window commits. */
export function apiSettings(url: string, overrides: Partial<MarketingApiSettings> = {}): MarketingApiSettings {
  return {
    url,
    token: TOKEN,
    pageLimit: 50,
    maxRetrySeconds: 20,
    lagSeconds: 0,
    chunkRecords: 400,
    retry: { minDelayMs: 1, maxDelayMs: 20 },
    ...overrides,
  };
}

export function runOptions(
  warehouse: Warehouse,
  sim: SimulatorHandle,
  workDir: string,
  runId: string,
  overrides: Partial<ExtractLoadMarketingOptions> = {},
): ExtractLoadMarketingOptions {
  return {
    warehouse,
    api: apiSettings(sim.url),
    workDir,
    runId,
    logger: silentLogger(),
    now: () => sim.clock.now(),
    ...overrides,
  };
}

export interface StoredRow {
  id: string;
  raw: string;
  load_id: string;
}

export async function storedEvents(warehouse: Warehouse): Promise<Map<string, StoredRow>> {
  const rows = await warehouse.query<StoredRow>(
    'SELECT message_id AS id, _raw AS raw, _load_id AS load_id FROM raw.mkt_events ORDER BY message_id',
  );
  return new Map(rows.map((r) => [r.id, r]));
}

export async function storedUsers(warehouse: Warehouse): Promise<Map<string, StoredRow>> {
  const rows = await warehouse.query<StoredRow>('SELECT user_id AS id, _raw AS raw, _load_id AS load_id FROM raw.mkt_users');
  return new Map(rows.map((r) => [r.id, r]));
}

export async function rowCount(warehouse: Warehouse, table: string): Promise<number> {
  const [row] = await warehouse.query<{ n: number }>(`SELECT count(*) AS n FROM ${table}`);
  return row?.n ?? 0;
}

export async function marks(warehouse: Warehouse): Promise<Record<string, string>> {
  const rows = await warehouse.query<{ stream: string; high_water_mark: string }>(
    'SELECT stream, high_water_mark FROM ops.high_water_marks',
  );
  return Object.fromEntries(rows.map((r) => [r.stream, r.high_water_mark]));
}

/**
 * Differences between what the table holds and what it must hold (by id, and the whole record as served):
 * empty when they are the same, no more, no less.
 */
export function differences(stored: Map<string, StoredRow>, expected: Map<string, unknown>): string[] {
  const problems: string[] = [];
  for (const [id, record] of expected) {
    const row = stored.get(id);
    if (!row) problems.push(`missing ${id}`);
    else if (JSON.stringify(JSON.parse(row.raw)) !== JSON.stringify(record)) problems.push(`different ${id}`);
  }
  for (const id of stored.keys()) if (!expected.has(id)) problems.push(`unexpected ${id}`);
  return problems.slice(0, 10);
}

/** Every delivery in [since, until), duplicates included: what the API serves for that window. */
export function deliveryCount(sim: SimulatorHandle, since: Date, until: Date): number {
  let n = 0;
  for (const _ of sim.dataset.deliveries(since.getTime(), until.getTime())) n++;
  return n;
}
