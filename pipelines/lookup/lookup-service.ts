import type { Config } from '../config/config.js';
import type { Logger } from '../core/logger.js';
import { LookupCache } from './lookup-cache.js';
import { createLookupHandler, type LookupHandler } from './lookup-handler.js';
import type { SnapshotSource } from './snapshot-source.js';
import { snapshotSourceFor } from './worker-snapshot-source.js';

export interface LookupService {
  handler: LookupHandler;
  cache: LookupCache;
}

/**
 * The lookup wired from configuration: a cache of `marts.opportunity_lookup` read from the configured
 * warehouse (TTL: LOOKUP_CACHE_TTL_SECONDS) and the handler serving it (API key: LOOKUP_API_KEY).
 * The cache is not started: call `cache.start()` to load it and keep it fresh, `cache.stop()` to end.
 */
export function createLookupService(
  config: Pick<Config, 'warehouse' | 'lookup'>,
  logger: Logger,
  source: SnapshotSource = snapshotSourceFor(config.warehouse),
): LookupService {
  const log = logger.child({ component: 'lookup' });
  const cache = new LookupCache({ source, ttlMs: config.lookup.cacheTtlSeconds * 1000, logger: log });
  const handler = createLookupHandler({ cache, apiKey: config.lookup.apiKey, logger: log });
  return { handler, cache };
}
