import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Config } from '../config/config.js';
import { TerminalError, TransientError } from '../core/errors.js';
import type { MartRecords } from './snapshot.js';
import { duckDbFingerprint, skipWhileUntouched, type SnapshotSource } from './snapshot-source.js';
import type { WorkerInput, WorkerMessage } from './snapshot-worker.js';

const WORKER_ENTRY = new URL(`./snapshot-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href;

/**
 * Runs each read of the mart (`WarehouseSnapshotSource` over the configured warehouse) in a worker
 * thread, so that converting 174,000 rows never stalls the requests being served. The records come
 * back in chunks, each acknowledged after the event loop had a turn; the worker ends with the read.
 */
export class WorkerSnapshotSource implements SnapshotSource {
  readonly #config: Config['warehouse'];
  readonly #chunkSize: number;

  constructor(config: Config['warehouse'], options: { chunkSize?: number } = {}) {
    this.#config = config;
    this.#chunkSize = options.chunkSize ?? 2_000;
  }

  read(knownVersion: string | null, force: boolean): Promise<MartRecords | null> {
    const input: WorkerInput = { config: this.#config, knownVersion, force, chunkSize: this.#chunkSize };
    // Under tsx (no build step) the worker must register tsx itself: loader hooks are per thread.
    const bootstrap = WORKER_ENTRY.endsWith('.ts')
      ? `import(${JSON.stringify(tsxApi())}).then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_ENTRY)}); });`
      : `import(${JSON.stringify(WORKER_ENTRY)});`;
    return new Promise((resolve, reject) => {
      const worker = new Worker(bootstrap, { eval: true, workerData: input });
      const records = new Map<string, string>();
      let settled = false;
      const settle = (finish: () => void) => {
        if (settled) return;
        settled = true;
        finish();
        void worker.terminate();
      };
      worker.on('message', (message: WorkerMessage) => {
        if (message.kind === 'chunk') {
          for (let i = 0; i < message.ids.length; i++) records.set(message.ids[i]!, message.tails[i]!);
          setImmediate(() => worker.postMessage('next'));
        } else if (message.kind === 'done') {
          settle(() => resolve({ version: message.version, records, skipped: message.skipped }));
        } else if (message.kind === 'unchanged') {
          settle(() => resolve(null));
        } else {
          // The message already carries the error's context.
          settle(() => reject(message.transient ? new TransientError(message.message) : new TerminalError(message.message)));
        }
      });
      worker.on('error', (error) => settle(() => reject(new TerminalError(`lookup refresh worker failed: ${error.message}`))));
      worker.on('exit', (code) =>
        settle(() => reject(new TerminalError(`lookup refresh worker exited (code ${code}) before finishing`))),
      );
    });
  }
}

/**
 * tsx's ESM API module, resolved from here: an eval'd worker resolves bare names from the working
 * directory. (`import.meta.resolve` is missing when tsx runs this file as CommonJS, under mocha; tsx's
 * package exports put the ESM build next to the CommonJS one.)
 */
function tsxApi(): string {
  return pathToFileURL(
    createRequire(import.meta.url)
      .resolve('tsx/esm/api')
      .replace(/\.cjs$/, '.mjs'),
  ).href;
}

/**
 * The source for the configured warehouse: reads run in a worker thread. DuckDB is opened read-only for
 * each read (the pipeline holds the file for writing during a run) and fingerprinted by its file and
 * WAL, so an idle period opens nothing; BigQuery is read whole only when the version marker changed.
 */
export function snapshotSourceFor(config: Config['warehouse']): SnapshotSource {
  if (config.engine === 'duckdb') {
    // One DuckDB thread: a single scan needs no more, and the other core keeps serving requests.
    const source = new WorkerSnapshotSource({ engine: 'duckdb', duckdb: { ...config.duckdb, readOnly: true, threads: 1 } });
    return config.duckdb.path === ':memory:' ? source : skipWhileUntouched(source, duckDbFingerprint(config.duckdb.path));
  }
  return new WorkerSnapshotSource(config);
}
