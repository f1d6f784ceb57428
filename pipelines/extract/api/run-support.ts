import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { TableCounts } from '../../core/result.js';
import { HIGH_WATER_MARKS, QUARANTINE } from '../../state/ops-tables.js';
import type { Warehouse } from '../../warehouse/warehouse.js';
import { MarketingApiClient } from './api-client.js';
import type { RangeCounts } from './extract-range.js';
import type { MarketingRunOptions, ResolvedSettings } from './settings.js';
import type { StreamSpec } from './streams.js';

/** Where staged files of the marketing extraction live. */
export function stagingDir(workDir: string): string {
  return join(workDir, 'api-staging');
}

/** Staged files older than this are leftovers of a process that died before committing them. */
const STALE_MS = 3600_000;

/** Creates the tables a stream writes when missing (idempotent), and removes staged files left by a dead process. */
export async function prepareStream(warehouse: Warehouse, stream: StreamSpec, workDir: string): Promise<void> {
  await warehouse.init();
  for (const spec of [stream.table, QUARANTINE, HIGH_WATER_MARKS]) await warehouse.ensureTable(spec);
  const dir = stagingDir(workDir);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  const now = Date.now();
  for (const name of names) {
    if (!name.endsWith('.ndjson')) continue;
    const path = join(dir, name);
    const info = await stat(path).catch(() => null);
    if (info && now - info.mtimeMs > STALE_MS) await rm(path, { force: true });
  }
}

export function emptyCounts(): RangeCounts {
  return { read: 0, loaded: 0, quarantined: 0, written: 0, collapsed: 0, pages: 0, units: 0 };
}

export function addInto(total: RangeCounts, part: RangeCounts): void {
  total.read += part.read;
  total.loaded += part.loaded;
  total.quarantined += part.quarantined;
  total.written += part.written;
  total.collapsed += part.collapsed;
  total.pages += part.pages;
  total.units += part.units;
}

/** The counts of a StepResult for one stream: `{ 'raw.mkt_events': { read, loaded, quarantined } }`. */
export function stepCounts(stream: StreamSpec, counts: RangeCounts): Record<string, TableCounts> {
  return { [stream.tableName]: { read: counts.read, loaded: counts.loaded, quarantined: counts.quarantined } };
}

/** The API client of a run, from its checked settings, logging and stopping with the run. */
export function apiClient(
  settings: ResolvedSettings,
  options: Pick<MarketingRunOptions, 'logger' | 'signal'>,
): MarketingApiClient {
  return new MarketingApiClient({
    url: settings.url,
    token: settings.token,
    timeoutMs: settings.timeoutMs,
    retry: settings.retry,
    logger: options.logger,
    signal: options.signal,
  });
}
