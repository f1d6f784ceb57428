import { ConfigError, TerminalError, withErrorContext, type PipelineError } from '../../core/errors.js';
import type { StepResult } from '../../core/result.js';
import type { MarketingApiClient } from './api-client.js';
import { isoMs } from './date-time.js';
import { extractRange, type RangeCounts } from './extract-range.js';
import { readHighWaterMark } from './high-water-marks.js';
import { addInto, apiClient, emptyCounts, prepareStream, stagingDir, stepCounts } from './run-support.js';
import { DEFAULT_START_DAYS, instantMs, resolveSettings, type MarketingRunOptions, type ResolvedSettings } from './settings.js';
import { DAY_MS, RETENTION_MS, STREAM_NAMES, STREAMS, type StreamName, type StreamSpec } from './streams.js';

export interface ExtractLoadMarketingOptions extends MarketingRunOptions {
  /** Streams to extract, in this order; default both. */
  streams?: StreamName[];
}

/**
 * The incremental extraction of the marketing activity API: for each stream, from its high-water mark
 * (events: received_at; users: updated_at) to now minus a small lag, in windows the contract accepts
 * (events: at most 7 days), each committed with the mark it justifies in one `commitUnit`, so that a crash
 * neither skips nor doubles a window. The first events window starts at `api.start` (default 7 days ago;
 * refused outside the 90-day retention); the first users window takes every user (a dimension needs the
 * users whose last change is older than the start too).
 *
 * Returns one StepResult per stream (`extract-load:mkt_events`, `extract-load:mkt_users`) with counts
 * `{ 'raw.mkt_events': { read, loaded, quarantined } }` (`read = loaded + quarantined`; duplicates are
 * loaded and collapsed, and logged as such). Never throws for a pipeline failure: a terminal error (401,
 * 400) stops that stream, keeps what it committed, and the other stream still runs. On abort it stops
 * between pages and windows (status `skipped`, with what was committed).
 */
export async function extractLoadMarketing(options: ExtractLoadMarketingOptions): Promise<StepResult[]> {
  const streams = (options.streams ?? STREAM_NAMES).map((name) => STREAMS[name]);
  let settings: ResolvedSettings;
  try {
    settings = resolveSettings(options.api);
  } catch (error) {
    return streams.map((stream) => finish(stream, options, new Date(), emptyCounts(), 0, asError(error, options, stream)));
  }
  const client = apiClient(settings, options);
  const sequence = { next: 0 };
  try {
    const results: StepResult[] = [];
    for (const stream of streams) {
      const started = new Date();
      const retriesBefore = client.retries;
      const totals = emptyCounts();
      let windows = 0;
      let failure: PipelineError | undefined;
      let interrupted = false;
      try {
        if (options.signal?.aborted) {
          interrupted = true;
        } else {
          await prepareStream(options.warehouse, stream, options.workDir);
          for await (const outcome of streamWindows(stream, options, settings, client, sequence)) {
            addInto(totals, outcome);
            windows++;
            if (outcome.interrupted) interrupted = true;
          }
        }
      } catch (error) {
        failure = asError(error, options, stream);
      }
      const result = finish(stream, options, started, totals, windows, failure, interrupted);
      logStream(options, stream, result, totals, windows, client.retries - retriesBefore);
      results.push(result);
    }
    return results;
  } finally {
    client.close();
  }
}

/** Runs the windows of one stream from its mark, one after the other, yielding each one's outcome. */
async function* streamWindows(
  stream: StreamSpec,
  options: ExtractLoadMarketingOptions,
  settings: ResolvedSettings,
  client: MarketingApiClient,
  sequence: { next: number },
): AsyncGenerator<RangeCounts & { interrupted: boolean }> {
  const nowMs = (options.now?.() ?? new Date()).getTime();
  const endMs = nowMs - settings.lagMs;
  const stored = await readHighWaterMark(options.warehouse, stream.name);
  let fromMs: number | null;
  if (stored !== null) {
    fromMs = Date.parse(stored);
    if (stream.retained && fromMs < nowMs - RETENTION_MS) {
      throw new TerminalError(
        `the ${stream.name} high-water mark ${stored} is older than the API's 90-day retention (earliest ${isoMs(nowMs - RETENTION_MS)}): ` +
          `records received between them are gone from the API. To accept that gap, move the mark of stream '${stream.name}' ` +
          `in ops.high_water_marks to a later time`,
        { table: stream.tableName },
      );
    }
  } else {
    fromMs = stream.name === 'events' ? firstStartMs(options.api.start, nowMs, endMs) : null;
  }
  while (fromMs === null || fromMs < endMs) {
    const toMs = stream.maxWindowMs !== null && fromMs !== null ? Math.min(fromMs + stream.maxWindowMs, endMs) : endMs;
    const window = { from: fromMs === null ? null : isoMs(fromMs), to: isoMs(toMs) };
    const started = Date.now();
    const summary = await extractRange({
      warehouse: options.warehouse,
      client,
      stream,
      from: window.from,
      to: window.to,
      runId: options.runId,
      logger: options.logger,
      signal: options.signal,
      stagingDir: stagingDir(options.workDir),
      pageLimit: settings.pageLimit,
      chunkRecords: settings.chunkRecords,
      commitRetry: settings.retry,
      moveMark: true,
      sequence,
    });
    options.logger.info(
      {
        stream: stream.name,
        window: `${window.from ?? '*'}..${window.to}`,
        read: summary.read,
        loaded: summary.loaded,
        quarantined: summary.quarantined,
        duplicates: summary.collapsed,
        written: summary.written,
        pages: summary.pages,
        units: summary.units,
        ms: Date.now() - started,
        interrupted: summary.interrupted || undefined,
      },
      summary.interrupted ? 'marketing window interrupted' : 'marketing window committed',
    );
    yield summary;
    if (summary.interrupted) return;
    fromMs = toMs;
  }
}

/** Start of the first events window: `start` (checked against the retention) or DEFAULT_START_DAYS before now. */
export function firstStartMs(start: string | undefined, nowMs: number, endMs: number): number {
  if (start === undefined || start === '') return nowMs - DEFAULT_START_DAYS * DAY_MS;
  const ms = instantMs(start, 'MARKETING_API_START');
  const earliest = nowMs - RETENTION_MS;
  if (ms < earliest) {
    throw new ConfigError(
      `MARKETING_API_START ${start} is outside the API's 90-day retention of events (earliest ${isoMs(earliest)}): choose a later start`,
    );
  }
  if (ms > endMs) throw new ConfigError(`MARKETING_API_START ${start} is in the future (now ${isoMs(nowMs)})`);
  return ms;
}

function asError(error: unknown, options: ExtractLoadMarketingOptions, stream: StreamSpec): PipelineError {
  return withErrorContext(error, { runId: options.runId, step: stream.step });
}

function finish(
  stream: StreamSpec,
  options: ExtractLoadMarketingOptions,
  started: Date,
  totals: RangeCounts,
  windows: number,
  failure?: PipelineError,
  interrupted = false,
): StepResult {
  const ended = new Date();
  const notes: string[] = [];
  if (totals.quarantined > 0) notes.push(`${totals.quarantined} records quarantined (ops.quarantine)`);
  if (interrupted && !failure) {
    notes.push(
      `interrupted by a shutdown after ${windows} window(s): committed units stay, the next run resumes from the high-water mark`,
    );
  }
  return {
    name: stream.step,
    kind: 'extract-load',
    status: failure ? 'error' : interrupted ? 'skipped' : 'success',
    startedAt: started.toISOString(),
    endedAt: ended.toISOString(),
    durationMs: ended.getTime() - started.getTime(),
    counts: stepCounts(stream, totals),
    ...(notes.length ? { message: notes.join('; ') } : {}),
    ...(failure ? { error: { kind: failure.kind, message: failure.message } } : {}),
  };
}

function logStream(
  options: ExtractLoadMarketingOptions,
  stream: StreamSpec,
  result: StepResult,
  totals: RangeCounts,
  windows: number,
  retries: number,
): void {
  const fields = {
    stream: stream.name,
    status: result.status,
    read: totals.read,
    loaded: totals.loaded,
    quarantined: totals.quarantined,
    duplicates: totals.collapsed,
    written: totals.written,
    windows,
    pages: totals.pages,
    retries,
  };
  if (result.error) options.logger.error({ ...fields, error: result.error.message }, 'marketing stream failed');
  else options.logger.info(fields, 'marketing stream extracted');
}
