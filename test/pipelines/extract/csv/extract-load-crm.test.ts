import { copyFileSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { TerminalError, TransientError } from '../../../../pipelines/core/errors.js';
import type { StepResult } from '../../../../pipelines/core/result.js';
import { generateCrmExports, writeExportWithoutColumn, type GenerateManifest } from '../../../../pipelines/generate/index.js';
import type { Warehouse } from '../../../../pipelines/warehouse/warehouse.js';
import { load, oracleRecords, openWarehouse, REAL_DIR, tableDigest, tempDir } from './crm-test-support.js';

const RAW = ['raw.crm_banks', 'raw.crm_opportunities', 'raw.crm_propositions'] as const;

function step(results: StepResult[], table: string): StepResult {
  const found = results.find((r) => r.name === `extract-load:crm_${table}`);
  if (!found) throw new Error(`no step for ${table}`);
  return found;
}

async function count(warehouse: Warehouse, sql: string): Promise<number> {
  const [row] = await warehouse.query<{ n: number }>(sql);
  return row!.n;
}

describe('extractLoadCrm', function () {
  this.timeout(120_000);

  describe('on the real files, read in place', function () {
    it('loads every row, typed, with nothing quarantined', async function () {
      const warehouse = await openWarehouse();
      try {
        const results = await load(warehouse, REAL_DIR);
        expect(results.map((r) => [r.name, r.status])).to.deep.equal([
          ['extract-load:crm_banks', 'success'],
          ['extract-load:crm_opportunities', 'success'],
          ['extract-load:crm_propositions', 'skipped'],
        ]);
        expect(step(results, 'banks').counts).to.deep.equal({ 'raw.crm_banks': { read: 2881, loaded: 2881, quarantined: 0 } });
        expect(step(results, 'opportunities').counts).to.deep.equal({
          'raw.crm_opportunities': { read: 9, loaded: 9, quarantined: 0 },
        });
        expect(await count(warehouse, 'SELECT count(DISTINCT "Id") AS n FROM raw.crm_banks')).to.equal(2881);
        const [bank] = await warehouse.query(`SELECT * FROM raw.crm_banks WHERE "Id" = '0011i000002MVpNAAW'`);
        expect(bank).to.include({ CreatedDate: '2018-10-05T10:50:32.000Z', Name: 'CFCAL', _file: 'banques.csv', _line: 2 });
        const [opportunity] = await warehouse.query(`SELECT * FROM raw.crm_opportunities WHERE "Id" = '0065q00000AlAK0AAN'`);
        expect(opportunity).to.include({
          Age_emprunteur__c: 33,
          Deja_souscrit_credit_immo__c: true,
          MontPretPricip__c: 235055,
          SituActu__c: 'Propriétaire',
          _line: 2,
        });
        const ledger = await warehouse.query<{
          file_name: string;
          status: string;
          rows_read: number;
          size_bytes: number;
          checksum: string;
        }>('SELECT * FROM ops.file_ledger ORDER BY file_name');
        expect(ledger.map((l) => [l.file_name, l.status, l.rows_read])).to.deep.equal([
          ['banques.csv', 'loaded', 2881],
          ['opportunities_sample.csv', 'loaded', 9],
        ]);
        expect(ledger[0]!.size_bytes).to.equal(readFileSync(join(REAL_DIR, 'banques.csv')).length);
        expect(ledger[0]!.checksum).to.match(/^[0-9a-f]{64}$/);
        expect(await count(warehouse, 'SELECT count(*) AS n FROM ops.quarantine')).to.equal(0);
      } finally {
        await warehouse.close();
      }
    });
  });

  describe('on generated exports with every kind of dirt', function () {
    let manifest: GenerateManifest;
    let warehouse: Warehouse;
    let results: StepResult[];

    before(async function () {
      manifest = await generateCrmExports({ dir: tempDir('crm-dirty-'), scale: 'small', seed: 11, dirt: 'all' });
      warehouse = await openWarehouse();
      results = await load(warehouse, manifest.dir);
    });
    after(async function () {
      await warehouse.close();
    });

    it('reconciles exactly with the manifest: rows read, loaded, and which lines are quarantined for which field', async function () {
      for (const file of manifest.files) {
        const table = `crm_${file.table}`;
        const counts = step(results, file.table).counts![`raw.${table}`];
        expect(counts, file.table).to.deep.equal({
          read: file.rows,
          loaded: file.rows - file.badRows.length,
          quarantined: file.badRows.length,
        });
        const quarantined = await warehouse.query<{ line: number; field: string | null }>(
          `SELECT line, field FROM ops.quarantine WHERE table_name = @table ORDER BY line`,
          { table: `raw.${table}` },
        );
        expect(quarantined, file.table).to.deep.equal(file.badRows.map((b) => ({ line: b.line, field: b.field })));
        expect(await count(warehouse, `SELECT count(*) AS n FROM raw.${table}`)).to.equal(file.rows - file.badRows.length);
      }
    });

    it('keeps each row with the physical line where its record starts, and its values as written', async function () {
      for (const file of manifest.files) {
        const expected = await oracleRecords(file.path);
        const bad = new Set(file.badRows.map((b) => b.line));
        const good = expected.filter((r) => !bad.has(r.line));
        const rows = await warehouse.query<{ Id: string; _line: number; text: string | null }>(
          `SELECT "Id", _line, ${file.table === 'banks' ? '"Name"' : file.table === 'propositions' ? '"Etape_Source__c"' : '"BanquePrincipaleEmp__c"'} AS text
           FROM raw.crm_${file.table} ORDER BY _line`,
        );
        const column =
          file.table === 'banks' ? 'Name' : file.table === 'propositions' ? 'Etape_Source__c' : 'BanquePrincipaleEmp__c';
        expect(rows.map((r) => [r.Id, r._line, r.text ?? ''])).to.deep.equal(
          good.map((r) => [r.fields.Id, r.line, r.fields[column]]),
        );
      }
    });

    it('adds the extra column to the raw table as STRING and says so in the ledger and the step', async function () {
      const info = await warehouse.describe({ layer: 'raw', name: 'crm_opportunities' });
      expect(info!.columns).to.deep.include({ name: 'Commentaire_Conseiller__c', type: 'VARCHAR' });
      const comments = await count(
        warehouse,
        `SELECT count(*) AS n FROM raw.crm_opportunities WHERE "Commentaire_Conseiller__c" LIKE '%\n%'`,
      );
      expect(comments).to.be.greaterThan(0);
      const [entry] = await warehouse.query<{ message: string }>(
        `SELECT message FROM ops.file_ledger WHERE table_name = 'opportunities'`,
      );
      expect(entry!.message).to.contain('extra column "Commentaire_Conseiller__c"');
      expect(step(results, 'opportunities').message).to.contain('Commentaire_Conseiller__c');
    });

    it('changes nothing when run again: tables and ledger identical', async function () {
      const before = await Promise.all([...RAW, 'ops.quarantine', 'ops.file_ledger'].map((t) => tableDigest(warehouse, t)));
      const again = await load(warehouse, manifest.dir);
      expect(again.map((r) => r.counts)).to.deep.equal(RAW.map((t) => ({ [t]: { read: 0, loaded: 0, quarantined: 0 } })));
      expect(again.every((r) => r.status === 'success' && /0 file\(s\) loaded, 1 already loaded/.test(r.info ?? ''))).to.equal(
        true,
      );
      const after = await Promise.all([...RAW, 'ops.quarantine', 'ops.file_ledger'].map((t) => tableDigest(warehouse, t)));
      expect(after).to.deep.equal(before);
    });
  });

  describe('versions', function () {
    const header = 'Id,CreatedDate,Name';

    it('loads a changed file under the same name as a new version, which wins', async function () {
      const dir = tempDir('crm-versions-');
      const warehouse = await openWarehouse();
      try {
        const file = join(dir, 'banques_test.csv');
        writeFileSync(file, `${header}\nB1,2020-01-01 00:00:00,Ancien nom\nB2,2020-01-01 00:00:00,Autre\n`);
        utimesSync(file, new Date('2026-11-01T00:00:00Z'), new Date('2026-11-01T00:00:00Z'));
        await load(warehouse, dir);
        writeFileSync(file, `${header}\nB1,2020-01-01 00:00:00,Nouveau nom\nB3,2021-01-01 00:00:00,Troisième\n`);
        utimesSync(file, new Date('2026-11-02T00:00:00Z'), new Date('2026-11-02T00:00:00Z'));
        const results = await load(warehouse, dir);
        expect(step(results, 'banks').counts).to.deep.equal({ 'raw.crm_banks': { read: 2, loaded: 2, quarantined: 0 } });
        const rows = await warehouse.query<{ Id: string; Name: string; _exported_at: string }>(
          'SELECT "Id", "Name", _exported_at FROM raw.crm_banks ORDER BY "Id"',
        );
        expect(rows.map((r) => [r.Id, r.Name, r._exported_at])).to.deep.equal([
          ['B1', 'Nouveau nom', '2026-11-02T00:00:00.000Z'],
          ['B2', 'Autre', '2026-11-01T00:00:00.000Z'],
          ['B3', 'Troisième', '2026-11-02T00:00:00.000Z'],
        ]);
        expect(await count(warehouse, `SELECT count(*) AS n FROM ops.file_ledger WHERE file_name = 'banques_test.csv'`)).to.equal(
          2,
        );
      } finally {
        await warehouse.close();
      }
    });

    it('does not let an older export loaded after a newer one win', async function () {
      const dir = tempDir('crm-older-');
      const warehouse = await openWarehouse();
      try {
        writeFileSync(join(dir, 'banques_2026-11-30.csv'), `${header}\nB1,2020-01-01 00:00:00,Nom du 30\n`);
        await load(warehouse, dir);
        writeFileSync(
          join(dir, 'banques_2026-11-29.csv'),
          `${header}\nB1,2020-01-01 00:00:00,Nom du 29\nB9,2020-01-01 00:00:00,Seulement le 29\n`,
        );
        const results = await load(warehouse, dir);
        expect(step(results, 'banks').message).to.contain(
          'banques_2026-11-29.csv: 1 rows older than the version already loaded were not applied',
        );
        const rows = await warehouse.query<{ Id: string; Name: string; _file: string }>(
          'SELECT "Id", "Name", _file FROM raw.crm_banks ORDER BY "Id"',
        );
        expect(rows.map((r) => [r.Id, r.Name, r._file])).to.deep.equal([
          ['B1', 'Nom du 30', 'banques_2026-11-30.csv'],
          ['B9', 'Seulement le 29', 'banques_2026-11-29.csv'],
        ]);
      } finally {
        await warehouse.close();
      }
    });

    it('loads the files of one call in export order, so the newest export wins', async function () {
      const dir = tempDir('crm-order-');
      const warehouse = await openWarehouse();
      try {
        writeFileSync(join(dir, 'banques_2026-11-30.csv'), `${header}\nB1,2020-01-01 00:00:00,Nom du 30\n`);
        writeFileSync(join(dir, 'banques_2026-11-29.csv'), `${header}\nB1,2020-01-01 00:00:00,Nom du 29\n`);
        await load(warehouse, dir);
        const ledger = await warehouse.query<{ file_name: string }>('SELECT file_name FROM ops.file_ledger ORDER BY loaded_at');
        expect(ledger.map((l) => l.file_name)).to.deep.equal(['banques_2026-11-29.csv', 'banques_2026-11-30.csv']);
        expect((await warehouse.query<{ Name: string }>('SELECT "Name" FROM raw.crm_banks'))[0]!.Name).to.equal('Nom du 30');
      } finally {
        await warehouse.close();
      }
    });
  });

  describe('bad files', function () {
    it('rejects a file missing a required column: nothing in raw, ledger `rejected`, records in quarantine', async function () {
      const dir = tempDir('crm-missing-');
      const missing = await writeExportWithoutColumn({ dir, table: 'opportunities', column: 'CreatedDate', rows: 12 });
      const warehouse = await openWarehouse();
      try {
        const results = await load(warehouse, dir);
        const opportunities = step(results, 'opportunities');
        expect(opportunities.status).to.equal('success');
        expect(opportunities.message).to.contain('rejected: missing required column CreatedDate');
        expect(opportunities.counts).to.deep.equal({ 'raw.crm_opportunities': { read: 12, loaded: 0, quarantined: 12 } });
        expect(await warehouse.describe({ layer: 'raw', name: 'crm_opportunities' })).to.equal(null);
        const [entry] = await warehouse.query<{ status: string; rows_read: number; rows_quarantined: number; message: string }>(
          'SELECT * FROM ops.file_ledger',
        );
        expect(entry).to.include({ status: 'rejected', rows_read: 12, rows_quarantined: 12 });
        expect(entry!.message).to.contain('CreatedDate');
        const reasons = await warehouse.query<{ reason: string; field: string }>(
          'SELECT DISTINCT reason, field FROM ops.quarantine',
        );
        expect(reasons).to.deep.equal([{ reason: 'file rejected: missing required column CreatedDate', field: 'CreatedDate' }]);
        // Recorded: the same file is not read again.
        const again = await load(warehouse, dir);
        expect(step(again, 'opportunities').counts).to.deep.equal({
          'raw.crm_opportunities': { read: 0, loaded: 0, quarantined: 0 },
        });
        expect(missing.rows).to.equal(12);
      } finally {
        await warehouse.close();
      }
    });

    it('goes on with the other files when one is garbage, or fails unexpectedly', async function () {
      const dir = tempDir('crm-broken-');
      writeFileSync(
        join(dir, 'opportunity_2026-11-28.csv'),
        Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)),
      );
      const generated = await generateCrmExports({ dir: tempDir('crm-src-'), scale: '50', seed: 3 });
      for (const file of generated.files) copyFileSync(file.path, join(dir, file.path.split('/').at(-1)!));
      const real = await openWarehouse();
      // A warehouse whose commit of the banks file fails for good: that table errs, the others load.
      const warehouse = new Proxy(real, {
        get(target, property, receiver) {
          if (property === 'commitUnit') {
            return async (unit: Parameters<Warehouse['commitUnit']>[0]) => {
              if (unit.context.file === 'banques_2026-11-29.csv')
                throw new TerminalError('disk says no', { file: 'banques_2026-11-29.csv' });
              return target.commitUnit(unit);
            };
          }
          const value = Reflect.get(target, property, receiver);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
      try {
        const results = await load(warehouse, dir);
        const banks = step(results, 'banks');
        expect(banks.status).to.equal('error');
        expect(banks.error!.message).to.contain('disk says no').and.contain('file=banques_2026-11-29.csv');
        const opportunities = step(results, 'opportunities');
        expect(opportunities.error?.message).to.equal(undefined);
        expect(opportunities.status).to.equal('success');
        expect(opportunities.message).to.contain('opportunity_2026-11-28.csv rejected:');
        expect(opportunities.counts!['raw.crm_opportunities']!.loaded).to.equal(50);
        expect(step(results, 'propositions').status).to.equal('success');
        const ledger = await real.query<{ file_name: string; status: string }>(
          'SELECT file_name, status FROM ops.file_ledger ORDER BY file_name',
        );
        expect(ledger).to.deep.equal([
          { file_name: 'opportunity_2026-11-28.csv', status: 'rejected' },
          { file_name: 'opportunity_2026-11-29.csv', status: 'loaded' },
          { file_name: 'propositions_2026-11-29.csv', status: 'loaded' },
        ]);
      } finally {
        await real.close();
      }
    });

    it('throws a transient failure for the runner to retry; the retry loads what is left', async function () {
      const generated = await generateCrmExports({ dir: tempDir('crm-transient-'), scale: '30', seed: 5 });
      const real = await openWarehouse();
      let failures = 1;
      const warehouse = new Proxy(real, {
        get(target, property, receiver) {
          if (property === 'commitUnit') {
            return async (unit: Parameters<Warehouse['commitUnit']>[0]) => {
              if (unit.context.file === 'opportunity_2026-11-29.csv' && failures-- > 0) throw new TransientError('busy', {});
              return target.commitUnit(unit);
            };
          }
          const value = Reflect.get(target, property, receiver);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
      try {
        let error: unknown;
        try {
          await load(warehouse, generated.dir);
        } catch (e) {
          error = e;
        }
        expect(error).to.be.instanceOf(TransientError);
        const results = await load(warehouse, generated.dir);
        expect(step(results, 'banks').counts!['raw.crm_banks']!.read).to.equal(0);
        expect(step(results, 'opportunities').counts!['raw.crm_opportunities']!.loaded).to.equal(30);
        expect(await count(real, 'SELECT count(*) AS n FROM ops.file_ledger')).to.equal(3);
      } finally {
        await real.close();
      }
    });

    it('loads only the files asked for', async function () {
      const generated = await generateCrmExports({ dir: tempDir('crm-only-'), scale: '20', seed: 9 });
      const warehouse = await openWarehouse();
      try {
        const results = await load(warehouse, generated.dir, { files: ['banques_2026-11-29.csv'] });
        expect(results.map((r) => r.status)).to.deep.equal(['success', 'skipped', 'skipped']);
        expect(await count(warehouse, 'SELECT count(*) AS n FROM ops.file_ledger')).to.equal(1);
        const unknown = await load(warehouse, generated.dir, { files: ['nope.csv'] });
        expect(unknown.every((r) => r.status === 'error' && /nope\.csv/.test(r.error!.message))).to.equal(true);
      } finally {
        await warehouse.close();
      }
    });
  });
});
