import { createHash, type Hash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { join } from 'node:path';
import type { Logger } from '../../core/logger.js';
import { type RetryPolicy, withRetry } from '../../run/retry.js';
import { QUARANTINE } from '../../state/ops-tables.js';
import type { StagedLoad, Statement } from '../../warehouse/types.js';
import type { Warehouse } from '../../warehouse/warehouse.js';
import type { MarketingApiClient, Page } from './api-client.js';
import type { RequestContext } from './api-errors.js';
import { normalizeDateTime, parseInstant } from './date-time.js';
import { highWaterMarkStatement } from './high-water-marks.js';
import { NdjsonFile } from './ndjson-file.js';
import { type RawPage, rawPage } from './raw-records.js';
import type { LoadStamp } from './record-fields.js';
import type { StreamSpec } from './streams.js';

/** Counts of one stretch of extraction. `read = loaded + quarantined`; `collapsed` of the loaded were duplicates or older versions. */
export interface RangeCounts {
  read: number;
  loaded: number;
  quarantined: number;
  /** Rows the warehouse actually inserted or replaced. */
  written: number;
  /** Loaded records that changed nothing: a message_id already there, or a user version not newer. */
  collapsed: number;
  pages: number;
  /** Committed units. */
  units: number;
}

export interface RangeSummary extends RangeCounts {
  stream: string;
  from: string | null;
  to: string;
  /** True when the signal stopped it: the units committed stay, the rest of the range was not extracted. */
  interrupted: boolean;
}

export interface RangeRun {
  warehouse: Warehouse;
  client: MarketingApiClient;
  stream: StreamSpec;
  /** Inclusive lower bound (ISO), or null for none (users only). */
  from: string | null;
  /** Exclusive upper bound (ISO). */
  to: string;
  runId: string;
  logger: Logger;
  signal?: AbortSignal;
  /** Folder of the staged files. */
  stagingDir: string;
  pageLimit: number;
  chunkRecords: number;
  /** Policy for retrying a commit that failed transiently (atomic, so safe to repeat). */
  commitRetry: RetryPolicy;
  /** Move the stream's high-water mark with each unit (scheduled runs), or leave it alone (backfills). */
  moveMark: boolean;
  /** Statements for the range's last unit, given the range's counts so far (e.g. marking a backfill partition done). */
  finalState?: (counts: RangeCounts) => Statement[];
  /** Numbers the units of a run, for load ids. */
  sequence: { next: number };
}

/**
 * Extracts one window of one stream and loads it: follows the cursor to the end, writes each page's
 * records to an NDJSON staging file as they arrive (typed rows, and quarantine rows for records that
 * cannot be typed), and commits them with `warehouse.commitUnit`, together with the high-water mark they
 * justify. A window is committed whole at its end (mark = `to`), or every `chunkRecords` records: then the
 * mark is the position (received_at / updated_at) of the last record committed, which is safe because the
 * next window starts at the mark inclusive and the loads collapse repeats (insert-new on message_id,
 * upsert on user_id). A page is fetched while the previous one is written, and a full unit commits while
 * the next one fills. A failed page drops the uncommitted part and throws; an abort drops it and returns
 * `interrupted`.
 */
export async function extractRange(run: RangeRun): Promise<RangeSummary> {
  const { stream, client, signal } = run;
  const window = { from: run.from ?? '*', to: run.to };
  const request: RequestContext = { stream: stream.name, table: stream.tableName, path: stream.path, window };
  const fileName = `${stream.name} ${window.from}..${window.to}`;
  const summary: RangeSummary = {
    stream: stream.name,
    from: run.from,
    to: run.to,
    read: 0,
    loaded: 0,
    quarantined: 0,
    written: 0,
    collapsed: 0,
    pages: 0,
    units: 0,
    interrupted: false,
  };
  mkdirSync(run.stagingDir, { recursive: true });
  const fetchPage = (params: Record<string, string | number>): Promise<Page> => {
    const promise = client.page(stream.path, params, request);
    // Awaited later, or never when an earlier page fails: either way not an unhandled rejection.
    promise.catch(() => undefined);
    return promise;
  };
  const first: Record<string, string | number> = { [stream.beforeParam]: run.to, limit: run.pageLimit };
  if (run.from !== null) first[stream.sinceParam] = run.from;

  // Positions are normalized (microseconds, UTC), so they compare as text with a bound normalized alike.
  const end = normalizeDateTime(run.to) ?? run.to;
  let chunk = openChunk(run, run.from, fileName);
  let next: Promise<Page> | null = fetchPage(first);
  // At most one unit commits in the background while the next one fills; units commit one after the
  // other, so marks move in order.
  let committing: Promise<void> | null = null;
  const commitFailure: { failed: boolean; error?: unknown } = { failed: false };
  const settle = async (): Promise<void> => {
    const pending = committing;
    committing = null;
    await pending;
  };
  try {
    while (next) {
      if (commitFailure.failed) await settle();
      if (signal?.aborted) {
        summary.interrupted = true;
        break;
      }
      const page: Page = await next;
      next = page.nextCursor !== null ? fetchPage({ cursor: page.nextCursor }) : null;
      // Let the request for the next page go out before this one is staged (synchronous work): the server
      // then prepares it meanwhile, instead of after.
      if (next !== null) await yieldToEventLoop();
      summary.pages++;
      await chunk.add(page.data, rawPage(page.body, stream.textMembers));
      run.logger.debug({ stream: stream.name, records: page.data.length, unitRecords: chunk.read }, 'page staged');
      if (next === null) {
        await settle();
        const state = run.finalState?.(addCounts(summary, chunk.counts())) ?? [];
        await commitChunk(run, chunk, run.to, state, summary);
      } else if (chunk.read >= run.chunkRecords && !signal?.aborted) {
        await settle();
        const full = chunk;
        const mark = full.lastPosition !== null && full.lastPosition < end ? full.lastPosition : null;
        chunk = openChunk(run, mark ?? full.from, fileName);
        committing = commitChunk(run, full, mark, [], summary);
        committing.catch((error: unknown) => Object.assign(commitFailure, { failed: true, error }));
      }
    }
    await settle();
  } catch (error) {
    await chunk.discard();
    // A unit already committing is whole: let it finish before reporting the first failure.
    await settle().catch(() => undefined);
    // A failed commit is a failure even during a shutdown; a page cut short by the shutdown is not.
    if (signal?.aborted && !(commitFailure.failed && commitFailure.error === error)) {
      summary.interrupted = true;
      return summary;
    }
    throw error;
  }
  if (summary.interrupted) await chunk.discard();
  return summary;
}

function addCounts(a: RangeCounts, b: Partial<RangeCounts>): RangeCounts {
  return {
    read: a.read + (b.read ?? 0),
    loaded: a.loaded + (b.loaded ?? 0),
    quarantined: a.quarantined + (b.quarantined ?? 0),
    written: a.written + (b.written ?? 0),
    collapsed: a.collapsed + (b.collapsed ?? 0),
    pages: a.pages + (b.pages ?? 0),
    units: a.units + (b.units ?? 0),
  };
}

async function commitChunk(
  run: RangeRun,
  chunk: StagedChunk,
  mark: string | null,
  extra: Statement[],
  summary: RangeSummary,
): Promise<void> {
  const { stream, warehouse, logger } = run;
  await chunk.close();
  const loads: StagedLoad[] = [];
  if (chunk.rows.lines > 0) loads.push({ target: stream.table, file: chunk.rows.path, format: 'ndjson', write: stream.write });
  if (chunk.bad.lines > 0) {
    // The same bad record met again (a duplicate delivery, a backfill) is kept once.
    loads.push({
      target: QUARANTINE,
      file: chunk.bad.path,
      format: 'ndjson',
      write: { mode: 'insert-new', key: ['table_name', 'raw_record'] },
    });
  }
  const state = [...extra];
  if (run.moveMark && mark !== null) state.unshift(highWaterMarkStatement(warehouse, stream.name, mark, run.runId, new Date()));
  const to = mark ?? chunk.lastPosition ?? run.to;
  const window = { from: chunk.from ?? '*', to };
  if (loads.length > 0 || state.length > 0) {
    const unitId = `mkt_${stream.name}_${msOf(chunk.from)}_${msOf(to)}_${chunk.digest().slice(0, 20)}`;
    logger.debug(
      { stream: stream.name, unitId, window, rows: chunk.rows.lines, quarantined: chunk.bad.lines, mark },
      'committing unit',
    );
    const result = await withRetry(
      () =>
        warehouse.commitUnit({
          unitId,
          loads,
          state,
          context: { runId: run.runId, step: stream.step, table: stream.tableName, window },
        }),
      run.commitRetry,
      {
        onRetry: (error, attempt, delayMs) =>
          logger.warn({ stream: stream.name, attempt, delayMs, err: error.message }, 'retrying a commit'),
      },
    );
    const written = result.written[stream.tableName] ?? 0;
    summary.written += written;
    summary.collapsed += chunk.loaded - written;
    summary.units++;
    logger.debug({ stream: stream.name, unitId, written, mark }, 'unit committed');
  }
  summary.read += chunk.read;
  summary.loaded += chunk.loaded;
  summary.quarantined += chunk.quarantined;
  await chunk.discard();
}

function msOf(iso: string | null): string {
  if (iso === null) return 'start';
  return String(parseInstant(iso)?.ms ?? 'x');
}

function openChunk(run: RangeRun, from: string | null, fileName: string): StagedChunk {
  const sequence = run.sequence.next++;
  const base = join(run.stagingDir, `${run.runId}-${run.stream.name}-${sequence}`);
  const stamp: LoadStamp = { loadId: `api-${run.stream.name}-${run.runId}-${sequence}`, loadedAt: new Date().toISOString() };
  return new StagedChunk(run, from, stamp, fileName, base);
}

/** The records of one unit in the making: typed rows and quarantine rows in two staging files. */
class StagedChunk {
  readonly rows: NdjsonFile;
  readonly bad: NdjsonFile;
  readonly from: string | null;
  read = 0;
  loaded = 0;
  quarantined = 0;
  /** Position of the last record with a valid one (normalized ISO, comparable as text). */
  lastPosition: string | null = null;
  readonly #hash: Hash = createHash('sha256');
  readonly #run: RangeRun;
  readonly #stamp: LoadStamp;
  readonly #fileName: string;

  constructor(run: RangeRun, from: string | null, stamp: LoadStamp, fileName: string, base: string) {
    this.#run = run;
    this.from = from;
    this.#stamp = stamp;
    this.#fileName = fileName;
    this.rows = new NdjsonFile(`${base}.ndjson`);
    this.bad = new NdjsonFile(`${base}.quarantine.ndjson`);
  }

  counts(): Partial<RangeCounts> {
    return { read: this.read, loaded: this.loaded, quarantined: this.quarantined };
  }

  /** Stages a page's records; `served` has their texts as served, when the page could be cut into them. */
  async add(records: unknown[], served: RawPage | null): Promise<void> {
    const stream = this.#run.stream;
    let loaded = 0;
    let quarantined = 0;
    const exact = served !== null && served.records.length === records.length;
    const raws = exact ? served.records : records.map((record) => JSON.stringify(record) ?? 'null');
    for (let i = 0; i < records.length; i++) {
      const record = records[i];
      const raw = raws[i] as string;
      this.#hash.update(raw);
      this.#hash.update('\n');
      const typed = stream.type(record, raw, this.#stamp, exact ? served.members[i] : undefined);
      if (typed.ok) {
        this.rows.add(JSON.stringify(typed.row));
        loaded++;
      } else {
        quarantined++;
        this.bad.add(
          JSON.stringify({
            load_id: this.#stamp.loadId,
            source: 'api',
            table_name: stream.tableName,
            file_name: this.#fileName,
            line: null,
            field: typed.field,
            raw_value: typed.rawValue,
            reason: typed.reason,
            raw_record: raw,
            run_id: this.#run.runId,
            quarantined_at: this.#stamp.loadedAt,
          }),
        );
      }
      if (typed.position !== null && (this.lastPosition === null || typed.position > this.lastPosition)) {
        this.lastPosition = typed.position;
      }
    }
    this.read += records.length;
    this.loaded += loaded;
    this.quarantined += quarantined;
    await this.rows.flush();
    await this.bad.flush();
  }

  digest(): string {
    return this.#hash.digest('hex');
  }

  async close(): Promise<void> {
    await this.rows.close();
    await this.bad.close();
  }

  async discard(): Promise<void> {
    await this.rows.discard();
    await this.bad.discard();
  }
}
