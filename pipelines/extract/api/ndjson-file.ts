import { createWriteStream, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { once } from 'node:events';

/** Size of the buffers lines are encoded into: a page of events (about 3 MB) fits in one. */
const BATCH_BYTES = 4 << 20;
/** Bytes the file stream may hold before a flush waits: a few pages, so that staging rarely waits for the disk. */
const QUEUE_BYTES = 16 << 20;

/**
 * A newline-delimited JSON file written as records arrive, honouring the stream's backpressure so that
 * memory holds at most QUEUE_BYTES of written lines plus one batch, whatever the file's final size. Lines
 * are encoded to UTF-8 as they are added, into the batch's buffer: no joined string is built, and each
 * line's text can be collected at once (it does not outlive the record it was made from).
 */
export class NdjsonFile {
  readonly path: string;
  #stream: WriteStream | null = null;
  #error: Error | null = null;
  #buffer: Buffer | null = null;
  #filled = 0;
  #pending: Buffer[] = [];
  /** Lines added. */
  lines = 0;

  constructor(path: string) {
    this.path = path;
  }

  /** Adds one JSON line (without its newline) to the batch; `flush` writes the batch. */
  add(line: string): void {
    // A UTF-16 code unit never takes more than 3 bytes in UTF-8.
    const room = line.length * 3 + 1;
    if (this.#buffer === null || this.#buffer.length - this.#filled < room) {
      this.#seal();
      this.#buffer = Buffer.allocUnsafeSlow(Math.max(BATCH_BYTES, room));
    }
    const buffer = this.#buffer;
    this.#filled += buffer.write(line, this.#filled);
    buffer[this.#filled++] = 0x0a;
    this.lines++;
  }

  /** Writes the lines added since the last flush, waiting while the stream's buffer is full. */
  async flush(): Promise<void> {
    this.#seal();
    if (this.#pending.length === 0) return;
    const stream = this.#open();
    if (this.#error) throw this.#error;
    const chunks = this.#pending;
    this.#pending = [];
    let full = false;
    for (const chunk of chunks) full = !stream.write(chunk) || full;
    if (full) await drained(stream);
    if (this.#error) throw this.#error;
  }

  /** Appends one batch of JSON lines (each without its newline). */
  async write(lines: string[]): Promise<void> {
    for (const line of lines) this.add(line);
    await this.flush();
  }

  /** Flushes and closes the file; resolves once every byte is on disk (in the page cache). */
  async close(): Promise<void> {
    await this.flush();
    const stream = this.#stream;
    if (!stream) return;
    this.#stream = null;
    await new Promise<void>((resolve, reject) => {
      stream.end((error?: Error | null) => (error ? reject(error) : resolve()));
    });
    if (this.#error) throw this.#error;
  }

  /** Closes (without waiting for pending writes) and deletes the file. */
  async discard(): Promise<void> {
    this.#buffer = null;
    this.#filled = 0;
    this.#pending = [];
    const stream = this.#stream;
    this.#stream = null;
    if (stream && !stream.closed) {
      const closed = once(stream, 'close').catch(() => undefined);
      stream.destroy();
      await closed;
    }
    await rm(this.path, { force: true });
  }

  /** Moves the filled part of the current buffer to the pending chunks. */
  #seal(): void {
    if (this.#buffer !== null && this.#filled > 0) this.#pending.push(this.#buffer.subarray(0, this.#filled));
    this.#buffer = null;
    this.#filled = 0;
  }

  #open(): WriteStream {
    if (!this.#stream) {
      this.#stream = createWriteStream(this.path, { highWaterMark: QUEUE_BYTES });
      this.#stream.on('error', (error) => (this.#error = error));
    }
    return this.#stream;
  }
}

function drained(stream: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (error?: Error) => {
      stream.off('drain', done);
      stream.off('error', done);
      if (error) reject(error);
      else resolve();
    };
    stream.on('drain', done);
    stream.on('error', done);
  });
}
