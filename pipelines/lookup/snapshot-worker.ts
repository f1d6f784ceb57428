import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from '../config/config.js';
import { isTransient } from '../core/errors.js';
import { createWarehouse } from '../warehouse/create-warehouse.js';
import { WarehouseSnapshotSource } from './snapshot-source.js';

/** What `WorkerSnapshotSource` gives the worker. */
export interface WorkerInput {
  config: Config['warehouse'];
  knownVersion: string | null;
  force: boolean;
  chunkSize: number;
}

/** What the worker sends back: chunks of records (each waits for a `next`), then one final message. */
export type WorkerMessage =
  | { kind: 'chunk'; ids: string[]; tails: string[] }
  | { kind: 'done'; version: string | null; skipped: number }
  | { kind: 'unchanged' }
  | { kind: 'error'; message: string; transient: boolean };

// Entry point of the worker thread started by WorkerSnapshotSource; does nothing when imported elsewhere.
if (parentPort && workerData && (workerData as Partial<WorkerInput>).config)
  await readInWorker(parentPort, workerData as WorkerInput);

async function readInWorker(port: NonNullable<typeof parentPort>, input: WorkerInput): Promise<void> {
  const next = () => new Promise<void>((resolve) => port.once('message', () => resolve()));
  try {
    const mart = await new WarehouseSnapshotSource(() => createWarehouse(input.config)).read(input.knownVersion, input.force);
    if (mart === null) {
      port.postMessage({ kind: 'unchanged' } satisfies WorkerMessage);
      return;
    }
    let ids: string[] = [];
    let tails: string[] = [];
    for (const [id, tail] of mart.records) {
      ids.push(id);
      tails.push(tail);
      if (ids.length === input.chunkSize) {
        port.postMessage({ kind: 'chunk', ids, tails } satisfies WorkerMessage);
        await next();
        ids = [];
        tails = [];
      }
    }
    if (ids.length > 0) {
      port.postMessage({ kind: 'chunk', ids, tails } satisfies WorkerMessage);
      await next();
    }
    port.postMessage({ kind: 'done', version: mart.version, skipped: mart.skipped } satisfies WorkerMessage);
  } catch (error) {
    port.postMessage({
      kind: 'error',
      message: error instanceof Error ? error.message : String(error),
      transient: isTransient(error),
    } satisfies WorkerMessage);
  }
}
