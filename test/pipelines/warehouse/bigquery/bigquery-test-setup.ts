import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { BigQueryApi } from '../../../../pipelines/warehouse/bigquery/bigquery-api.js';
import { createBigQueryClient } from '../../../../pipelines/warehouse/bigquery/bigquery-client.js';
import type { BigQueryConfig } from '../../../../pipelines/warehouse/bigquery/bigquery-config.js';
import { BigQueryWarehouse } from '../../../../pipelines/warehouse/bigquery/bigquery-warehouse.js';
import { TableSemaphore } from '../../../../pipelines/warehouse/bigquery/table-semaphore.js';
import type { TableSpec } from '../../../../pipelines/warehouse/types.js';
import { type BigQueryEmulator, emulatorOrSkip } from '../../../support/bigquery-emulator.js';

/** Records the permits the warehouse takes, to prove that it goes through the semaphore. */
export class RecordingSemaphore extends TableSemaphore {
  readonly taken: Array<{ tables: string[]; weight: number }> = [];
  override async acquire(tables: Iterable<string>, weight = 1): Promise<() => void> {
    const list = [...tables];
    this.taken.push({ tables: list, weight });
    return super.acquire(list, weight);
  }
}

export interface EmulatorFixture {
  emulator: BigQueryEmulator;
  config: BigQueryConfig;
  warehouse: BigQueryWarehouse;
  /** The REST API, to look at datasets, tables and jobs as BigQuery describes them. */
  api: BigQueryApi;
  semaphore: RecordingSemaphore;
  dir: string;
  ndjson(name: string, rows: Array<Record<string, unknown>>): string;
  /** A Parquet file written by DuckDB, as the loaders write them. */
  parquet(name: string, select: string): Promise<string>;
}

/**
 * Mocha hooks for one test file: one emulator (the emulator slows down as jobs accumulate, so each
 * file has its own), an initialized warehouse with dataset prefix `elt_`, and a scratch folder.
 */
export function useEmulatorWarehouse(): EmulatorFixture {
  const fixture = {} as EmulatorFixture;
  before(async function () {
    fixture.emulator = await emulatorOrSkip(this);
    fixture.config = {
      projectId: fixture.emulator.projectId,
      location: 'EU',
      datasetPrefix: 'elt_',
      apiEndpoint: fixture.emulator.endpoint,
      labels: { env: 'Test' },
    };
    fixture.semaphore = new RecordingSemaphore();
    fixture.warehouse = new BigQueryWarehouse(fixture.config, createBigQueryClient(fixture.config), fixture.semaphore);
    fixture.api = new BigQueryApi(createBigQueryClient(fixture.config), fixture.config.projectId, fixture.config.location);
    fixture.dir = mkdtempSync(join(tmpdir(), 'bq-wh-'));
    fixture.ndjson = (name, rows) => {
      const path = join(fixture.dir, name);
      writeFileSync(path, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
      return path;
    };
    fixture.parquet = async (name, select) => {
      const path = join(fixture.dir, name);
      const db = await DuckDBInstance.create(':memory:');
      const connection = await db.connect();
      await connection.run(`COPY (${select}) TO '${path}' (FORMAT PARQUET)`);
      connection.closeSync();
      db.closeSync();
      return path;
    };
    await fixture.warehouse.init();
  });
  after(async function () {
    await fixture.warehouse?.close();
    await fixture.emulator?.stop();
    if (fixture.dir) rmSync(fixture.dir, { recursive: true, force: true });
  });
  return fixture;
}

export const people: TableSpec = {
  ref: { layer: 'raw', name: 'people' },
  description: 'People loaded from the CRM',
  columns: [
    { name: 'id', type: 'STRING', mode: 'REQUIRED', description: 'CRM key' },
    { name: 'age', type: 'INT64' },
    { name: 'score', type: 'FLOAT64' },
    { name: 'active', type: 'BOOL' },
    { name: 'seen_at', type: 'TIMESTAMP' },
    { name: 'day', type: 'DATE' },
    { name: 'version', type: 'INT64' },
  ],
};

export const ledger: TableSpec = {
  ref: { layer: 'ops', name: 'ledger' },
  columns: [
    { name: 'unit_id', type: 'STRING' },
    { name: 'rows_written', type: 'INT64' },
    { name: 'loaded_at', type: 'TIMESTAMP' },
  ],
};

export const events: TableSpec = {
  ref: { layer: 'raw', name: 'events' },
  columns: [
    { name: 'message_id', type: 'STRING', mode: 'REQUIRED' },
    { name: 'occurred_at', type: 'TIMESTAMP' },
    { name: 'kind', type: 'STRING' },
  ],
  partitionBy: { column: 'occurred_at' },
  clusterBy: ['kind'],
};

export async function count(warehouse: BigQueryWarehouse, spec: TableSpec, where = 'TRUE'): Promise<number> {
  const [row] = await warehouse.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${warehouse.qualify(spec.ref)} WHERE ${where}`);
  return row?.n ?? -1;
}

/** The error a promise rejects with; fails when it resolves. */
export async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}
