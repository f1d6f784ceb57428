import { appendFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { TransientError } from '../../../pipelines/core/errors.js';
import { silentLogger } from '../../../pipelines/core/logger.js';
import { listLandingFiles } from '../../../pipelines/extract/csv/landing-files.js';
import type { LoadProgress } from '../../../pipelines/extract/csv/load-progress.js';
import { ScratchDuckDb } from '../../../pipelines/extract/csv/scratch-duckdb.js';
import { latestByName, readLedger } from '../../../pipelines/load/file-ledger.js';
import { loadCrmFile, type FileLoadContext } from '../../../pipelines/load/load-crm-file.js';
import { ensureOpsTables } from '../../../pipelines/state/ops-tables.js';
import type { Warehouse } from '../../../pipelines/warehouse/warehouse.js';
import { openWarehouse, PATTERNS, quietProgress, tempDir } from '../extract/csv/crm-test-support.js';

const BANKS = 'Id,CreatedDate,Name\nB1,2020-01-01 00:00:00,Une banque\nB2,2021-06-30 12:00:00,"Banque, ""deux"""\n';

async function context(
  warehouse: Warehouse,
  stagingRoot: string,
  progress: LoadProgress = quietProgress,
): Promise<FileLoadContext & { close(): void }> {
  const scratch = await ScratchDuckDb.open({ tempDir: join(stagingRoot, 'tmp') });
  return {
    warehouse,
    scratch,
    stagingRoot,
    runId: 'run-t',
    logger: silentLogger(),
    progress,
    latest: latestByName(await readLedger(warehouse)),
    close: () => scratch.close(),
  };
}

describe('loadCrmFile', function () {
  it('commits rows, ledger entry and quarantine together, then removes its staging folder', async function () {
    const dir = tempDir('crm-file-');
    const staging = tempDir('crm-staging-');
    writeFileSync(join(dir, 'banques_test.csv'), BANKS + ',2020-01-01 00:00:00,Sans id\n');
    const warehouse = await openWarehouse();
    await ensureOpsTables(warehouse);
    const ctx = await context(warehouse, staging);
    try {
      const [file] = (await listLandingFiles(dir, PATTERNS)).files;
      const outcome = await loadCrmFile(ctx, file!);
      expect(outcome.kind).to.equal('loaded');
      if (outcome.kind === 'skipped') throw new Error('unexpected');
      expect(outcome.counts).to.deep.equal({ read: 3, loaded: 2, quarantined: 1 });
      expect(outcome.written).to.equal(2);
      const [ledger] = await warehouse.query<{ load_id: string }>('SELECT load_id FROM ops.file_ledger');
      const raw = await warehouse.query<{ _load_id: string }>('SELECT DISTINCT _load_id FROM raw.crm_banks');
      const quarantine = await warehouse.query<{ load_id: string }>('SELECT load_id FROM ops.quarantine');
      expect(raw.map((r) => r._load_id)).to.deep.equal([ledger!.load_id]);
      expect(quarantine.map((r) => r.load_id)).to.deep.equal([ledger!.load_id]);
      expect(readdirSync(staging).filter((e) => e !== 'tmp')).to.deep.equal([]);

      const again = await loadCrmFile({ ...ctx, latest: latestByName(await readLedger(warehouse)) }, file!);
      expect(again.kind).to.equal('skipped');
    } finally {
      ctx.close();
      await warehouse.close();
    }
  });

  it('fails with a TransientError naming the file when it changes while being loaded, committing nothing', async function () {
    const dir = tempDir('crm-file-');
    const staging = tempDir('crm-staging-');
    const path = join(dir, 'banques_test.csv');
    writeFileSync(path, BANKS);
    const warehouse = await openWarehouse();
    await ensureOpsTables(warehouse);
    let touched = false;
    const progress: LoadProgress = {
      ...quietProgress,
      update: (phase) => {
        // The exporter rewrites the file while DuckDB reads it.
        if (phase === 'stage' && !touched) {
          touched = true;
          appendFileSync(path, 'B3,2022-01-01 00:00:00,Ajoutée\n');
        }
      },
    };
    const ctx = await context(warehouse, staging, progress);
    try {
      const [file] = (await listLandingFiles(dir, PATTERNS)).files;
      let error: unknown;
      try {
        await loadCrmFile(ctx, file!);
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(TransientError);
      expect((error as Error).message).to.match(/^banques_test\.csv changed while it was being loaded/);
      expect(await warehouse.query('SELECT * FROM ops.file_ledger')).to.deep.equal([]);
      expect(readdirSync(staging).filter((e) => e !== 'tmp')).to.deep.equal([]);
    } finally {
      ctx.close();
      await warehouse.close();
    }
  });
});
