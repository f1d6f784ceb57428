import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { TerminalError, TransientError } from '../../core/errors.js';
import { RecordBoundaryScanner, type BoundarySummary } from './record-boundaries.js';

/** What one streaming pass over an export file learns before DuckDB reads it. */
export interface FileScan extends BoundarySummary {
  size: number;
  /** sha256 of the content, hex. */
  sha256: string;
  /** Rows written to the line map (see `scanFile`). */
  lineMapRows: number;
}

/** Read size: large reads keep the pass close to disk speed. */
const CHUNK = 1 << 20;

/**
 * Reads `path` once, streaming: hashes it (sha256) and finds its record boundaries. The line map is
 * written to `lineMapPath` as CSV `kind,unit,value` rows: `o,<unit>,<offset>` (from this unit on, a
 * unit's physical line is `unit + offset`) and `b,<unit>,0` (a blank line). `onBytes` gets the bytes
 * read so far. A file that cannot be read is a TerminalError naming it (TransientError if it vanished).
 */
export async function scanFile(
  path: string,
  options: { lineMapPath: string; onBytes?: (bytes: number) => void; signal?: AbortSignal; displayName?: string },
): Promise<FileScan> {
  const name = options.displayName ?? path;
  const hash = createHash('sha256');
  const map = new LineMapWriter(options.lineMapPath);
  const scanner = new RecordBoundaryScanner(map);
  let size = 0;
  try {
    const stream = createReadStream(path, { highWaterMark: CHUNK, signal: options.signal });
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      hash.update(chunk);
      scanner.feed(chunk);
      size += chunk.length;
      options.onBytes?.(size);
      if (map.pending()) await map.flush();
    }
  } catch (error) {
    await map.close().catch(() => undefined);
    if (options.signal?.aborted) throw options.signal.reason ?? error;
    throw readError(error, name);
  }
  await map.close();
  return { ...scanner.end(), size, sha256: hash.digest('hex'), lineMapRows: map.rows };
}

/** Maps a file-system error to a pipeline error that names the file. */
export function readError(error: unknown, file: string): TerminalError | TransientError {
  const code = (error as NodeJS.ErrnoException).code;
  const detail =
    code === 'ENOENT'
      ? 'it disappeared from the landing folder while being read'
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'EISDIR'
          ? 'it is a directory'
          : (code ?? (error as Error).message);
  const message = `cannot read ${file}: ${detail}`;
  // A file replaced or removed mid-read may be there, whole, on the next attempt.
  return code === 'ENOENT'
    ? new TransientError(message, { file }, { cause: error })
    : new TerminalError(message, { file }, { cause: error });
}

/** Buffers line-map rows and writes them in blocks, so that memory stays flat whatever the file. */
class LineMapWriter {
  readonly #out: WriteStream;
  #buffer: string[] = ['kind,unit,value\n'];
  #bytes = 0;
  rows = 0;

  constructor(path: string) {
    this.#out = createWriteStream(path);
  }

  offset(unit: number, offset: number): void {
    this.#push(`o,${unit},${offset}\n`);
  }

  blank(unit: number): void {
    this.#push(`b,${unit},0\n`);
  }

  pending(): boolean {
    return this.#bytes > 1 << 16;
  }

  async flush(): Promise<void> {
    if (this.#buffer.length === 0) return;
    const text = this.#buffer.join('');
    this.#buffer = [];
    this.#bytes = 0;
    if (!this.#out.write(text)) await once(this.#out, 'drain');
  }

  async close(): Promise<void> {
    await this.flush();
    this.#out.end();
    await finished(this.#out);
  }

  #push(row: string): void {
    this.#buffer.push(row);
    this.#bytes += row.length;
    this.rows++;
  }
}
