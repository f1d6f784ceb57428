import type { Config } from '../config/config.js';
import type { Logger } from '../core/logger.js';
import { withRetry } from '../run/retry.js';
import { createWarehouse } from './create-warehouse.js';
import type { Warehouse } from './warehouse.js';

/**
 * Opens the configured warehouse, waiting briefly while it is busy: a reader (the lookup's refresh,
 * `status`, `docs`) holds a DuckDB file for a second or two. A warehouse still busy after `maxWaitMs`
 * (a run in progress) is reported as the TransientError it is.
 */
export async function openWarehouse(config: Config['warehouse'], logger?: Logger, maxWaitMs = 30_000): Promise<Warehouse> {
  return withRetry(
    () => createWarehouse(config),
    { retries: 20, minDelayMs: 250, maxDelayMs: 4_000, maxRetryTimeMs: maxWaitMs },
    {
      onRetry: (error, attempt, delayMs) => logger?.debug({ attempt, delayMs, err: error.message }, 'warehouse busy, waiting'),
    },
  );
}
