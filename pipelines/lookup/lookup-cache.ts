import type { Logger } from '../core/logger.js';
import { Snapshot } from './snapshot.js';
import type { SnapshotSource } from './snapshot-source.js';

export interface LookupCacheOptions {
  source: SnapshotSource;
  /** Time between checks for a new version of the mart (LOOKUP_CACHE_TTL_SECONDS). */
  ttlMs: number;
  /** Time between attempts while no snapshot was ever loaded. Default: 5 s, or the TTL when shorter. */
  retryMs?: number;
  logger: Logger;
}

export type RefreshOutcome =
  { status: 'loaded'; rows: number; ms: number } | { status: 'unchanged' } | { status: 'failed'; error: Error };

const caches = new Set<LookupCache>();

/**
 * Asks every started lookup cache of this process to reload the mart now (call it after a pipeline
 * run). Never rejects: a failed reload keeps the previous snapshot and is logged. Other processes see
 * a finished run through the version marker on their next TTL check.
 */
export async function refresh(): Promise<RefreshOutcome[]> {
  return Promise.all([...caches].map((cache) => cache.refresh({ force: true })));
}

/**
 * The lookup's copy of the mart. Serves the current snapshot; refreshes on a TTL (reloading only when
 * the warehouse's version changed) and on demand. A refresh that fails keeps the previous snapshot
 * (stale but available) and is logged; `snapshot` is null only until a first load succeeds.
 */
export class LookupCache {
  readonly #source: SnapshotSource;
  readonly #ttlMs: number;
  readonly #retryMs: number;
  readonly #logger: Logger;
  #snapshot: Snapshot | null = null;
  #inFlight: Promise<RefreshOutcome> | null = null;
  #nextCheckAt = 0;
  #timer: NodeJS.Timeout | null = null;
  #started = false;

  constructor(options: LookupCacheOptions) {
    this.#source = options.source;
    this.#ttlMs = options.ttlMs;
    this.#retryMs = options.retryMs ?? Math.min(5_000, options.ttlMs);
    this.#logger = options.logger;
  }

  /** The current snapshot, or null while none was ever loaded. */
  get snapshot(): Snapshot | null {
    return this.#snapshot;
  }

  /** Starts the first load and the periodic checks; resolves with the first load's outcome. */
  start(): Promise<RefreshOutcome> {
    this.#started = true;
    caches.add(this);
    return this.refresh();
  }

  /** Stops the periodic checks; a refresh in flight completes. */
  stop(): void {
    this.#started = false;
    caches.delete(this);
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  /**
   * Reloads the mart when its version changed (`force`: in any case). Concurrent calls share one read;
   * a forced call made during an unforced read reads again after it. Never rejects.
   */
  async refresh(options: { force?: boolean } = {}): Promise<RefreshOutcome> {
    if (this.#inFlight) {
      const outcome = await this.#inFlight;
      if (!options.force) return outcome;
      // A read another caller started after the one awaited began after this call: it is fresh enough.
      const later = this.#inFlight as Promise<RefreshOutcome> | null;
      if (later) return later;
    }
    const run = this.#refresh(options.force === true || this.#snapshot === null);
    this.#inFlight = run;
    try {
      return await run;
    } finally {
      this.#inFlight = null;
      this.#schedule();
    }
  }

  /** Starts a check in the background when one is due (for hosts that freeze timers between requests). */
  checkIfDue(now: number = Date.now()): void {
    if (this.#started && this.#inFlight === null && now >= this.#nextCheckAt) void this.refresh();
  }

  /** Resolves once a read in flight ends, or after `ms`, whichever comes first. */
  async settle(ms: number): Promise<void> {
    const inFlight = this.#inFlight;
    if (!inFlight) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([inFlight, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
    clearTimeout(timer);
  }

  /** Seconds a client should wait before trying again while no snapshot is loaded (at least 1). */
  retryAfterSeconds(now: number = Date.now()): number {
    return Math.max(1, Math.ceil((this.#nextCheckAt - now) / 1000));
  }

  async #refresh(force: boolean): Promise<RefreshOutcome> {
    const started = performance.now();
    try {
      const read = await this.#source.read(this.#snapshot?.version ?? null, force);
      if (read === null) {
        this.#logger.debug({ event: 'lookup_refresh', status: 'unchanged' }, 'lookup data unchanged');
        return { status: 'unchanged' };
      }
      const snapshot = new Snapshot(read);
      this.#snapshot = snapshot;
      const ms = Math.round(performance.now() - started);
      this.#logger.info(
        { event: 'lookup_refresh', status: 'loaded', rows: snapshot.size, skipped: snapshot.skipped, ms },
        'lookup data loaded',
      );
      return { status: 'loaded', rows: snapshot.size, ms };
    } catch (caught) {
      const error = caught instanceof Error ? caught : new Error(String(caught));
      const previous = this.#snapshot;
      this.#logger.warn(
        {
          event: 'lookup_refresh',
          status: 'failed',
          err: error.message,
          serving: previous ? 'previous snapshot' : 'nothing (503)',
          snapshotAgeSeconds: previous ? Math.round((Date.now() - previous.loadedAt) / 1000) : null,
        },
        'lookup data could not be read',
      );
      return { status: 'failed', error };
    }
  }

  #schedule(): void {
    const delay = this.#snapshot ? this.#ttlMs : this.#retryMs;
    this.#nextCheckAt = Date.now() + delay;
    if (!this.#started) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.checkIfDue(), delay);
    this.#timer.unref();
  }
}
