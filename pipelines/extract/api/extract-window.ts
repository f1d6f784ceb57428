import { ConfigError, withErrorContext } from '../../core/errors.js';
import type { Statement } from '../../warehouse/types.js';
import { isoMs } from './date-time.js';
import { extractRange, type RangeCounts } from './extract-range.js';
import { addInto, apiClient, emptyCounts, prepareStream, stagingDir } from './run-support.js';
import { instantMs, resolveSettings, type MarketingRunOptions } from './settings.js';
import { RETENTION_MS, STREAMS, type StreamName } from './streams.js';

export interface ExtractWindowOptions extends MarketingRunOptions {
  stream: StreamName;
  /** Inclusive start, ISO date-time with a zone. */
  from: string;
  /** Exclusive end, ISO date-time with a zone; not after now. */
  to: string;
  /**
   * Statements committed in the same unit as the window's last rows (e.g. marking a backfill partition
   * done); a function receives the window's counts.
   */
  extraState?: Statement[] | ((counts: RangeCounts) => Statement[]);
}

export interface WindowResult extends RangeCounts {
  stream: StreamName;
  from: string;
  to: string;
  /** True when the signal stopped it before its end: `extraState` was not committed. */
  interrupted: boolean;
}

/**
 * Re-extracts an explicit window `[from, to)` of one stream (backfill) and reloads it idempotently
 * (insert-new on message_id, upsert on user_id), leaving the stored high-water marks untouched. An events
 * window longer than the contract's 7 days is asked for in 7-day pieces; `extraState` goes with the very
 * last unit, so it is committed only if the whole window was. A window starting outside the 90-day
 * retention of events is refused (ConfigError). Throws the first terminal error (TerminalError with the
 * window), after retries of transient ones.
 */
export async function extractWindow(options: ExtractWindowOptions): Promise<WindowResult> {
  const stream = STREAMS[options.stream];
  if (!stream) throw new ConfigError(`stream must be one of ${Object.keys(STREAMS).join(', ')} (got ${String(options.stream)})`);
  const context = {
    runId: options.runId,
    step: `backfill:${stream.name}`,
    table: stream.tableName,
    window: { from: options.from, to: options.to },
  };
  const settings = resolveSettings(options.api);
  const fromMs = instantMs(options.from, 'from');
  const toMs = instantMs(options.to, 'to');
  const nowMs = (options.now?.() ?? new Date()).getTime();
  if (!(fromMs < toMs))
    throw new ConfigError(`the window must end after it starts (from ${options.from}, to ${options.to})`, context);
  if (toMs > nowMs) throw new ConfigError(`the window must not end after now (${isoMs(nowMs)}); got to ${options.to}`, context);
  if (stream.retained && fromMs < nowMs - RETENTION_MS) {
    throw new ConfigError(
      `the window starts at ${options.from}, outside the API's 90-day retention of ${stream.name} (earliest ${isoMs(nowMs - RETENTION_MS)})`,
      context,
    );
  }
  await prepareStream(options.warehouse, stream, options.workDir);
  const client = apiClient(settings, options);
  const totals = emptyCounts();
  const sequence = { next: 0 };
  try {
    for (let pieceFrom = fromMs; pieceFrom < toMs;) {
      const pieceTo = stream.maxWindowMs !== null ? Math.min(pieceFrom + stream.maxWindowMs, toMs) : toMs;
      const last = pieceTo === toMs;
      const done = { ...totals };
      const summary = await extractRange({
        warehouse: options.warehouse,
        client,
        stream,
        from: isoMs(pieceFrom),
        to: isoMs(pieceTo),
        runId: options.runId,
        logger: options.logger,
        signal: options.signal,
        stagingDir: stagingDir(options.workDir),
        pageLimit: settings.pageLimit,
        chunkRecords: settings.chunkRecords,
        commitRetry: settings.retry,
        moveMark: false,
        finalState: last ? (counts) => finalStatements(options.extraState, sumCounts(done, counts)) : undefined,
        sequence,
      });
      addInto(totals, summary);
      if (summary.interrupted) return { ...totals, stream: stream.name, from: options.from, to: options.to, interrupted: true };
      pieceFrom = pieceTo;
    }
  } catch (error) {
    throw withErrorContext(error, context);
  } finally {
    client.close();
  }
  options.logger.info(
    { stream: stream.name, window: `${options.from}..${options.to}`, ...totals, duplicates: totals.collapsed },
    'marketing window re-extracted',
  );
  return { ...totals, stream: stream.name, from: options.from, to: options.to, interrupted: false };
}

function sumCounts(a: RangeCounts, b: RangeCounts): RangeCounts {
  const total = { ...a };
  addInto(total, b);
  return total;
}

function finalStatements(extra: ExtractWindowOptions['extraState'], counts: RangeCounts): Statement[] {
  if (!extra) return [];
  return typeof extra === 'function' ? extra(counts) : extra;
}
