import { expect } from 'chai';
import {
  isAlreadyLoaded,
  latestByName,
  ledgerStatement,
  readLedger,
  type LedgerEntry,
  type LedgerRecord,
} from '../../../pipelines/load/file-ledger.js';
import { ensureOpsTables } from '../../../pipelines/state/ops-tables.js';
import { openWarehouse } from '../extract/csv/crm-test-support.js';

const record: LedgerRecord = {
  fileVersionId: 'a'.repeat(64),
  fileName: 'banques_test.csv',
  tableName: 'banks',
  sizeBytes: 120,
  checksum: 'a'.repeat(64),
  exportedAt: new Date('2026-11-29T00:00:00Z'),
  status: 'loaded',
  rowsRead: 3,
  rowsLoaded: 2,
  rowsQuarantined: 1,
  message: null,
  loadId: 'load-1',
  runId: 'run-1',
  loadedAt: new Date('2026-11-29T01:00:00Z'),
};

describe('file ledger', function () {
  it('records a file version with a parameterized MERGE: inserted once, updated when the same version is loaded again', async function () {
    const warehouse = await openWarehouse();
    try {
      await ensureOpsTables(warehouse);
      const statement = ledgerStatement(warehouse, record);
      expect(statement.sql).not.to.contain('banques_test');
      await warehouse.transaction([statement]);
      await warehouse.transaction([
        ledgerStatement(warehouse, { ...record, runId: 'run-2', loadedAt: new Date('2026-11-30T01:00:00Z') }),
      ]);
      await warehouse.transaction([
        ledgerStatement(warehouse, {
          ...record,
          fileVersionId: 'b'.repeat(64),
          checksum: 'b'.repeat(64),
          status: 'rejected',
          message: 'missing required column Name',
        }),
      ]);
      const entries = await readLedger(warehouse);
      expect(entries.map((e) => [e.fileVersionId[0], e.status, e.runId, e.rowsRead, e.exportedAt])).to.deep.equal([
        ['a', 'loaded', 'run-2', 3, '2026-11-29T00:00:00.000Z'],
        ['b', 'rejected', 'run-1', 3, '2026-11-29T00:00:00.000Z'],
      ]);
    } finally {
      await warehouse.close();
    }
  });

  it('treats a name as already loaded only when its latest entry has the same content', function () {
    const entry = (version: string, loadedAt: string): LedgerEntry => ({
      fileVersionId: version,
      fileName: 'opportunity_test.csv',
      tableName: 'opportunities',
      sizeBytes: 1,
      checksum: version,
      exportedAt: null,
      status: 'loaded',
      rowsRead: 1,
      rowsLoaded: 1,
      rowsQuarantined: 0,
      message: null,
      loadId: null,
      runId: null,
      loadedAt,
    });
    const latest = latestByName([entry('v1', '2026-11-01T00:00:00.000Z'), entry('v2', '2026-11-02T00:00:00.000Z')]);
    expect(isAlreadyLoaded(latest, 'opportunity_test.csv', 'v2')?.fileVersionId).to.equal('v2');
    // Content changed back to an older version: loaded again, so that it wins.
    expect(isAlreadyLoaded(latest, 'opportunity_test.csv', 'v1')).to.equal(undefined);
    expect(isAlreadyLoaded(latest, 'other.csv', 'v2')).to.equal(undefined);
  });
});
