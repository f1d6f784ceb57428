import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { TransientError } from '../../../../pipelines/core/errors.js';
import { DuckDbWarehouse } from '../../../../pipelines/warehouse/duckdb/duckdb-warehouse.js';
import { describeWarehouseConformance } from '../../../support/warehouse-conformance.js';

const dir = mkdtempSync(join(tmpdir(), 'duckdb-wh-'));
describeWarehouseConformance(
  'duckdb',
  () => DuckDbWarehouse.open({ path: join(dir, 'conformance.duckdb') }),
  async () => rmSync(dir, { recursive: true, force: true }),
);

describe('DuckDbWarehouse', function () {
  it('creates the folder of its file and the layer schemas', async function () {
    const path = join(mkdtempSync(join(tmpdir(), 'duckdb-wh-')), 'nested', 'db.duckdb');
    const warehouse = await DuckDbWarehouse.open({ path });
    await warehouse.init();
    const schemas = await warehouse.query<{ schema_name: string }>(
      `SELECT schema_name FROM information_schema.schemata ORDER BY 1`,
    );
    expect(schemas.map((s) => s.schema_name)).to.include.members(['raw', 'staging', 'marts', 'ops']);
    await warehouse.close();
  });

  it('maps a file held by another process to a TransientError', async function () {
    const path = join(mkdtempSync(join(tmpdir(), 'duckdb-lock-')), 'db.duckdb');
    const { spawn } = await import('node:child_process');
    const holder = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { DuckDBInstance } from '@duckdb/node-api'; const db = await DuckDBInstance.create(${JSON.stringify(path)}); await db.connect(); console.log('ready'); setTimeout(() => {}, 60000);`,
      ],
      { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve) => holder.stdout!.once('data', () => resolve()));
    try {
      let error: unknown;
      try {
        await DuckDbWarehouse.open({ path });
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(TransientError);
      expect((error as Error).message).to.match(/in use by another process/);
    } finally {
      holder.kill('SIGKILL');
    }
  });
});
