import { ConfigError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { RetryPolicy } from '../../run/retry.js';
import type { Warehouse } from '../../warehouse/warehouse.js';
import { parseInstant } from './date-time.js';

/** How to reach the API and pace the extraction. The first five come from `MARKETING_API_*` (config.marketing). */
export interface MarketingApiSettings {
  url: string | undefined;
  token: string | undefined;
  /** ISO date-time where the first events window starts (no mark stored yet); default 7 days before now. */
  start?: string | undefined;
  /** Records per page asked for (1 to 1000). */
  pageLimit: number;
  /** Bound on the time spent retrying one request. */
  maxRetrySeconds: number;
  /** Windows end this long before now, clear of the server's still-moving present. Default 30. */
  lagSeconds?: number;
  /** Bound on one request, first byte sent to last byte received. Default 60. */
  timeoutSeconds?: number;
  /**
   * A window is committed every this many records (each unit with its own mark), so that a huge window
   * needs neither memory nor disk in proportion. Default 100,000.
   */
  chunkRecords?: number;
  /** Backoff of retries (the total stays bounded by maxRetrySeconds). Default: 50 retries, 250 ms to 30 s. */
  retry?: Partial<Pick<RetryPolicy, 'retries' | 'minDelayMs' | 'maxDelayMs'>>;
}

/** What every entry point of the marketing extraction is given. */
export interface MarketingRunOptions {
  warehouse: Warehouse;
  api: MarketingApiSettings;
  /** Scratch space (ELT_WORK_DIR): staged NDJSON files live under `<workDir>/api-staging` until committed. */
  workDir: string;
  runId: string;
  logger: Logger;
  /** Aborting stops between pages and windows; what was committed stays, the window in progress is dropped. */
  signal?: AbortSignal;
  /** The clock windows and retention are judged by (tests pass the simulator's). Default: the system clock. */
  now?: () => Date;
}

export const DEFAULT_LAG_SECONDS = 30;
export const DEFAULT_TIMEOUT_SECONDS = 60;
export const DEFAULT_CHUNK_RECORDS = 100_000;
export const DEFAULT_START_DAYS = 7;

export interface ResolvedSettings {
  url: string;
  token: string;
  pageLimit: number;
  lagMs: number;
  timeoutMs: number;
  chunkRecords: number;
  retry: RetryPolicy;
}

/** Checks the settings; a missing or invalid one is a ConfigError naming its variable or option. */
export function resolveSettings(api: MarketingApiSettings): ResolvedSettings {
  if (!api.url) throw new ConfigError('MARKETING_API_URL is not set: the marketing API cannot be reached');
  if (!/^https?:\/\//i.test(api.url)) throw new ConfigError('MARKETING_API_URL must be an http(s) URL');
  if (!api.token) throw new ConfigError('MARKETING_API_TOKEN is not set: the API needs a bearer token');
  if (!(Number.isInteger(api.pageLimit) && api.pageLimit >= 1 && api.pageLimit <= 1000)) {
    throw new ConfigError('MARKETING_API_PAGE_LIMIT must be an integer from 1 to 1000');
  }
  if (!(api.maxRetrySeconds > 0)) throw new ConfigError('MARKETING_API_MAX_RETRY_SECONDS must be a positive number');
  const lagSeconds = api.lagSeconds ?? DEFAULT_LAG_SECONDS;
  if (!(lagSeconds >= 0)) throw new ConfigError('api.lagSeconds must be 0 or more');
  const timeoutSeconds = api.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
  if (!(timeoutSeconds > 0)) throw new ConfigError('api.timeoutSeconds must be positive');
  const chunkRecords = api.chunkRecords ?? DEFAULT_CHUNK_RECORDS;
  if (!(Number.isInteger(chunkRecords) && chunkRecords >= 1))
    throw new ConfigError('api.chunkRecords must be a positive integer');
  return {
    url: api.url,
    token: api.token,
    pageLimit: api.pageLimit,
    lagMs: lagSeconds * 1000,
    timeoutMs: timeoutSeconds * 1000,
    chunkRecords,
    retry: {
      retries: api.retry?.retries ?? 50,
      minDelayMs: api.retry?.minDelayMs ?? 250,
      maxDelayMs: api.retry?.maxDelayMs ?? 30_000,
      maxRetryTimeMs: api.maxRetrySeconds * 1000,
    },
  };
}

/** An ISO date-time option as epoch ms; a ConfigError naming `name` when it is not one. */
export function instantMs(text: string, name: string): number {
  const instant = parseInstant(text);
  if (!instant) throw new ConfigError(`${name} must be an ISO 8601 date-time with a time zone, such as 2026-03-01T00:00:00Z`);
  return instant.ms;
}
