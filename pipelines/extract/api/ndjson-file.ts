import { createWriteStream, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { once } from 'node:events';

/**
 * A newline-delimited JSON file written as records arrive, honouring the stream's backpressure so that
 * memory holds at most one batch of lines, whatever the file's final size.
 */
export class NdjsonFile {
  readonly path: string;
  #stream: WriteStream | null = null;
  #error: Error | null = null;
  /** Lines written. */
  lines = 0;

  constructor(path: string) {
    this.path = path;
  }

  /** Appends one batch of JSON lines (each without its newline). */
  async write(lines: string[]): Promise<void> {
    if (lines.length === 0) return;
    const stream = this.#open();
    if (this.#error) throw this.#error;
    this.lines += lines.length;
    if (!stream.write(`${lines.join('\n')}\n`)) await drained(stream);
    if (this.#error) throw this.#error;
  }

  /** Flushes and closes the file; resolves once every byte is on disk (in the page cache). */
  async close(): Promise<void> {
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
    const stream = this.#stream;
    this.#stream = null;
    if (stream && !stream.closed) {
      const closed = once(stream, 'close').catch(() => undefined);
      stream.destroy();
      await closed;
    }
    await rm(this.path, { force: true });
  }

  #open(): WriteStream {
    if (!this.#stream) {
      this.#stream = createWriteStream(this.path, { highWaterMark: 1 << 20 });
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
