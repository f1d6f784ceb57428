import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { expect } from 'chai';
import { generateCrmExports, type GenerateManifest } from '../../../pipelines/generate/index.js';
import { DuckDbWarehouse } from '../../../pipelines/warehouse/duckdb/duckdb-warehouse.js';
import type { Warehouse } from '../../../pipelines/warehouse/warehouse.js';
import { load, tableDigest, tempDir } from '../extract/csv/crm-test-support.js';

const CHILD = join(import.meta.dirname, 'crash-child.ts');

/** What must be the same after a crash and a recovery as after one clean load (load ids and times aside). */
async function snapshot(warehouse: Warehouse) {
  return {
    banks: await tableDigest(warehouse, 'raw.crm_banks', ['_load_id', '_loaded_at']),
    opportunities: await tableDigest(warehouse, 'raw.crm_opportunities', ['_load_id', '_loaded_at']),
    propositions: await tableDigest(warehouse, 'raw.crm_propositions', ['_load_id', '_loaded_at']),
    quarantine: await tableDigest(warehouse, 'ops.quarantine', ['load_id', 'run_id', 'quarantined_at']),
    ledger: await tableDigest(warehouse, 'ops.file_ledger', ['load_id', 'run_id', 'loaded_at']),
  };
}

interface KillPoint {
  name: string;
  /** Kill when the child prints this line (`phase <file> <phase>`), after `delayMs`; or `delayMs` after `ready`. */
  line?: string;
  delayMs: number;
}

/** Runs the loader in a child process on a DuckDB file and SIGKILLs it at `point`. Resolves once it is dead. */
async function loadAndKill(db: string, dir: string, point: KillPoint): Promise<{ signal: NodeJS.Signals | null }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, db, dir, tempDir('crash-work-'), `crash-${point.name}`], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  for await (const line of createInterface({ input: child.stdout! })) {
    if (line === (point.line ?? 'ready')) {
      setTimeout(() => child.kill('SIGKILL'), point.delayMs);
      break;
    }
  }
  return { signal: await exited };
}

describe('crash recovery of the CSV load', function () {
  this.timeout(300_000);
  let manifest: GenerateManifest;
  let clean: Awaited<ReturnType<typeof snapshot>>;

  before(async function () {
    manifest = await generateCrmExports({ dir: tempDir('crash-landing-'), scale: '30000', seed: 21, dirt: 'all' });
    const warehouse = await DuckDbWarehouse.open({ path: join(tempDir('crash-clean-'), 'clean.duckdb') });
    try {
      await load(warehouse, manifest.dir);
      clean = await snapshot(warehouse);
    } finally {
      await warehouse.close();
    }
    expect(clean.opportunities.n).to.be.greaterThan(29_000);
  });

  const points: KillPoint[] = [
    { name: 'early', delayMs: 150 },
    { name: 'opportunities-scan', line: 'phase opportunity_2026-11-29.csv scan', delayMs: 0 },
    { name: 'opportunities-staged', line: 'phase opportunity_2026-11-29.csv stage', delayMs: 0 },
    { name: 'opportunities-commit', line: 'phase opportunity_2026-11-29.csv commit', delayMs: 30 },
    { name: 'opportunities-commit-late', line: 'phase opportunity_2026-11-29.csv commit', delayMs: 250 },
    { name: 'propositions-commit', line: 'phase propositions_2026-11-29.csv commit', delayMs: 20 },
  ];
  let interruptedCommits = 0;

  for (const point of points) {
    it(`after a SIGKILL (${point.name}), leaves each file all there or absent, and a new load completes with no duplicate and no loss`, async function () {
      const db = join(tempDir('crash-db-'), 'warehouse.duckdb');
      const { signal } = await loadAndKill(db, manifest.dir, point);
      expect(signal, 'the child finished before it was killed').to.equal('SIGKILL');

      const warehouse = await DuckDbWarehouse.open({ path: db });
      try {
        // Right after the crash: a file is in the ledger exactly when its rows are in its raw table.
        const ledger = (await warehouse.describe({ layer: 'ops', name: 'file_ledger' }))
          ? await warehouse.query<{ file_name: string; table_name: string; rows_loaded: number }>(
              'SELECT file_name, table_name, rows_loaded FROM ops.file_ledger',
            )
          : [];
        for (const file of manifest.files) {
          const entry = ledger.find((l) => l.file_name === file.path.split('/').at(-1));
          const raw = (await warehouse.describe({ layer: 'raw', name: `crm_${file.table}` }))
            ? await warehouse.query<{ n: number }>(`SELECT count(*) AS n FROM raw.crm_${file.table}`)
            : [{ n: 0 }];
          expect(raw[0]!.n, `${file.table} after ${point.name}`).to.equal(entry ? entry.rows_loaded : 0);
        }
        const committedOpportunities = ledger.some((l) => l.table_name === 'opportunities');
        if (point.line?.endsWith('opportunity_2026-11-29.csv commit') && !committedOpportunities) interruptedCommits++;

        await load(warehouse, manifest.dir);
        expect(await snapshot(warehouse)).to.deep.equal(clean);
      } finally {
        await warehouse.close();
      }
    });
  }

  it('interrupted at least one commit in flight', function () {
    expect(interruptedCommits).to.be.greaterThan(0);
  });
});
