import { expect } from 'chai';
import {
  type LoadStatementInput,
  commitScript,
  dedupeSelect,
  emulatorCommitScript,
  incrementalStatements,
  loadStatement,
  tablePath,
} from '../../../../pipelines/warehouse/bigquery/bigquery-sql.js';
import type { TableSpec } from '../../../../pipelines/warehouse/types.js';
import { type CatalogSpec, ZetaSql } from '../../../support/zetasql/zetasql.js';

// The production statements are never run by the emulator (it cannot run a MERGE with parameters);
// ZetaSQL, BigQuery's own analyzer, checks that BigQuery will accept them, and runs their SELECTs.
describe('BigQuery statements, checked by ZetaSQL', function () {
  let zetasql: ZetaSql;
  before(async function () {
    zetasql = await ZetaSql.start();
  });
  after(async function () {
    await zetasql?.stop();
  });

  const events: TableSpec = {
    ref: { layer: 'raw', name: 'events' },
    columns: [
      { name: 'message_id', type: 'STRING' },
      { name: 'occurred_at', type: 'TIMESTAMP' },
      { name: 'version', type: 'INT64' },
      { name: 'updated_at', type: 'TIMESTAMP' },
      { name: 'payload', type: 'JSON' },
    ],
  };
  const scratch: TableSpec = { ...events, ref: { layer: 'ops', name: 'elt_load_u1_0_1' } };
  const daily: TableSpec = {
    ref: { layer: 'marts', name: 'daily' },
    columns: [
      { name: 'day', type: 'DATE' },
      { name: 'n', type: 'INT64' },
    ],
  };
  const catalog: CatalogSpec = { tables: [events, scratch, daily], projectId: 'proj', datasetPrefix: 'elt_' };
  const input = (write: LoadStatementInput['write'], prune?: LoadStatementInput['prune']): LoadStatementInput => ({
    target: tablePath('proj', 'elt_raw', 'events'),
    source: tablePath('proj', 'elt_ops', 'elt_load_u1_0_1'),
    columns: events.columns.map((c) => c.name),
    write,
    prune,
  });
  const bounds = { types: { elt_lo_0: 'TIMESTAMP' as const, elt_hi_0: 'TIMESTAMP' as const } };

  it('writes an append as an INSERT', async function () {
    expect(await zetasql.analyze(loadStatement(input({ mode: 'append' })), catalog)).to.deep.equal({
      statementKind: 'INSERT',
      columns: [],
    });
  });

  it('writes an upsert as a MERGE on the key, newer versions replacing, pruned by the range of the file', async function () {
    const sql = loadStatement(
      input(
        { mode: 'upsert', key: ['message_id'], versionBy: ['version', 'updated_at'] },
        { column: 'occurred_at', lo: 'elt_lo_0', hi: 'elt_hi_0', nulls: true },
      ),
    );
    expect(sql).to.include(
      'ON T.`message_id` IS NOT DISTINCT FROM S.`message_id` AND (T.`occurred_at` BETWEEN @elt_lo_0 AND @elt_hi_0 OR T.`occurred_at` IS NULL)',
    );
    expect(sql).to.include(
      'WHEN MATCHED AND (S.`version` > T.`version` OR (S.`version` = T.`version` AND S.`updated_at` >= T.`updated_at`)) THEN UPDATE SET',
    );
    expect(await zetasql.analyze(sql, catalog, bounds)).to.deep.equal({ statementKind: 'MERGE', columns: [] });
  });

  it('writes an insert-new as a MERGE that only inserts', async function () {
    const sql = loadStatement(
      input(
        { mode: 'insert-new', key: ['message_id'], pruneBy: 'occurred_at' },
        { column: 'occurred_at', lo: 'elt_lo_0', hi: 'elt_hi_0', nulls: false },
      ),
    );
    expect(sql).not.to.include('WHEN MATCHED');
    expect(sql).to.include('AND T.`occurred_at` BETWEEN @elt_lo_0 AND @elt_hi_0\n');
    expect(await zetasql.analyze(sql, catalog, bounds)).to.deep.equal({ statementKind: 'MERGE', columns: [] });
  });

  it('keeps one row per key: the greatest version, ties broken on the row itself; NULL keys together', async function () {
    const table = {
      name: 'proj.elt_ops.elt_load_u1_0_1',
      columns: events.columns.filter((c) => c.type !== 'JSON'),
      rows: [
        { message_id: 'a', version: 1, updated_at: '2026-01-01T00:00:00Z' },
        { message_id: 'a', version: 2, updated_at: '2026-01-01T00:00:00Z' },
        { message_id: 'a', version: 2, updated_at: '2026-01-02T00:00:00Z' },
        { message_id: null, version: 1 },
        { message_id: null, version: 3 },
        { message_id: 'b', version: null },
      ],
    };
    const upsert = dedupeSelect({
      ...input({ mode: 'upsert', key: ['message_id'], versionBy: ['version', 'updated_at'] }),
      columns: [],
    });
    const rows = await zetasql.evaluate(`SELECT message_id, version, updated_at FROM (${upsert}) ORDER BY message_id`, [table]);
    expect(rows).to.deep.equal([
      { message_id: null, version: 3, updated_at: null },
      { message_id: 'a', version: 2, updated_at: '2026-01-02T00:00:00.000Z' },
      { message_id: 'b', version: null, updated_at: null },
    ]);
    const insertNew = dedupeSelect(input({ mode: 'insert-new', key: ['message_id'] }));
    const kept = await zetasql.evaluate(`SELECT message_id FROM (${insertNew}) ORDER BY message_id`, [table]);
    expect(kept).to.deep.equal([{ message_id: null }, { message_id: 'a' }, { message_id: 'b' }]);
  });

  it('replaces the days of an incremental model with a DELETE and an INSERT', async function () {
    const [remove, insert] = incrementalStatements(
      tablePath('proj', 'elt_marts', 'daily'),
      'day',
      'elt_partitions',
      ['day', 'n'],
      'SELECT @d AS day, 1 AS n',
    );
    expect(await zetasql.analyze(remove!, catalog, { types: { elt_partitions: 'ARRAY<DATE>' } })).to.deep.equal({
      statementKind: 'DELETE',
      columns: [],
    });
    expect(await zetasql.analyze(insert!, catalog, { types: { d: 'DATE' } })).to.deep.equal({
      statementKind: 'INSERT',
      columns: [],
    });
    expect(await zetasql.analyze('BEGIN TRANSACTION', catalog)).to.deep.equal({ statementKind: 'BEGIN', columns: [] });
  });

  it('commits the loads and the state in one transaction, counting the rows each load wrote', function () {
    const script = commitScript(
      ['INSERT INTO a SELECT 1', 'MERGE b USING c ON TRUE WHEN NOT MATCHED THEN INSERT ROW'],
      ['UPDATE s SET x = 1 WHERE TRUE -- state'],
    );
    expect(script.split('\n')).to.deep.equal([
      'DECLARE elt_w0 INT64 DEFAULT 0;',
      'DECLARE elt_w1 INT64 DEFAULT 0;',
      'BEGIN TRANSACTION;',
      'INSERT INTO a SELECT 1;',
      'SET elt_w0 = @@row_count;',
      'MERGE b USING c ON TRUE WHEN NOT MATCHED THEN INSERT ROW;',
      'SET elt_w1 = @@row_count;',
      'UPDATE s SET x = 1 WHERE TRUE -- state',
      ';',
      'COMMIT TRANSACTION;',
      'SELECT 1 AS committed, elt_w0 AS w0, elt_w1 AS w1;',
    ]);
  });

  it('writes the emulator’s commit without MERGE, and each of its statements is valid GoogleSQL', async function () {
    const script = emulatorCommitScript(
      [
        input(
          { mode: 'upsert', key: ['message_id'], versionBy: ['version'] },
          { column: 'occurred_at', lo: 'elt_lo_0', hi: 'elt_hi_0', nulls: false },
        ),
      ],
      [],
      'n1',
    );
    expect(script).not.to.match(/\bMERGE\b/);
    // Temporary tables exist only in a script: check the statements that do not read them.
    const first = script.split(';\n')[0]!;
    expect(await zetasql.analyze(first.replace('CREATE TEMP TABLE elt_stage_n1_0 AS ', ''), catalog)).to.have.property(
      'statementKind',
      'QUERY',
    );
  });
});
