import { expect } from 'chai';
import { TerminalError } from '../../../../pipelines/core/errors.js';
import { emulatorMerge, isMerge } from '../../../../pipelines/warehouse/bigquery/emulator-merge.js';
import type { Statement, TableSpec } from '../../../../pipelines/warehouse/types.js';
import type { BigQueryWarehouse } from '../../../../pipelines/warehouse/bigquery/bigquery-warehouse.js';
import { failure, useEmulatorWarehouse } from './bigquery-test-setup.js';

describe('emulatorMerge', function () {
  it('stages a subquery source with the parameters the MERGE clauses use, which read them as columns', function () {
    const sql = `MERGE INTO \`p.d.marks\` t
USING (SELECT @stream AS stream) s
ON t.stream = s.stream
WHEN MATCHED AND t.mark < CAST(@mark AS TIMESTAMP) THEN UPDATE SET mark = CAST(@mark AS TIMESTAMP)
WHEN NOT MATCHED THEN INSERT (stream, mark) VALUES (@stream, CAST(@mark AS TIMESTAMP))`;
    expect(emulatorMerge(sql, ['stream', 'mark'], 'tmp_1')).to.deep.equal([
      'CREATE TEMP TABLE tmp_1 AS SELECT s.*, @mark AS `elt_p_mark`, @stream AS `elt_p_stream` FROM (SELECT @stream AS stream) AS s',
      `MERGE INTO \`p.d.marks\` t USING tmp_1 AS s
ON t.stream = s.stream
WHEN MATCHED AND t.mark < CAST(s.\`elt_p_mark\` AS TIMESTAMP) THEN UPDATE SET mark = CAST(s.\`elt_p_mark\` AS TIMESTAMP)
WHEN NOT MATCHED THEN INSERT (stream, mark) VALUES (s.\`elt_p_stream\`, CAST(s.\`elt_p_mark\` AS TIMESTAMP))`,
    ]);
  });

  it('wraps a table source, with AS, and leaves strings, comments and unknown @names alone', function () {
    const sql = `-- a MERGE USING nothing
MERGE \`p.d.t\` AS T USING \`p.d.src\` AS S ON T.k = S.k AND T.note = 'USING (x) @k'
WHEN NOT MATCHED THEN INSERT (k, v) VALUES (S.k, @@row_count)`;
    expect(emulatorMerge(sql, ['k'], 'tmp_2')).to.deep.equal([
      'CREATE TEMP TABLE tmp_2 AS SELECT S.* FROM (SELECT * FROM `p.d.src`) AS S',
      `-- a MERGE USING nothing
MERGE \`p.d.t\` AS T USING tmp_2 AS S ON T.k = S.k AND T.note = 'USING (x) @k'
WHEN NOT MATCHED THEN INSERT (k, v) VALUES (S.k, @@row_count)`,
    ]);
  });

  it('returns any other statement as it is', function () {
    const sql = `DELETE FROM t WHERE note = 'MERGE' AND k = @k`;
    expect(isMerge(sql)).to.equal(false);
    expect(emulatorMerge(sql, ['k'], 'tmp_3')).to.deep.equal([sql]);
  });

  it('refuses a MERGE whose source has no alias, naming the way out', function () {
    const error = (() => {
      try {
        emulatorMerge('MERGE t USING (SELECT 1 AS k) ON t.k = 1 WHEN MATCHED THEN DELETE', [], 'tmp_4', { table: 'ops.t' });
      } catch (e) {
        return e as Error;
      }
      return null;
    })();
    expect(error).to.be.instanceOf(TerminalError);
    expect(error?.message).to.match(/no alias.*DELETE \+ INSERT/);
  });
});

const marks: TableSpec = {
  ref: { layer: 'ops', name: 'marks' },
  columns: [
    { name: 'stream', type: 'STRING', mode: 'REQUIRED' },
    { name: 'mark', type: 'TIMESTAMP', mode: 'REQUIRED' },
    { name: 'run_id', type: 'STRING' },
  ],
};

/** A forward-only mark, as the marketing extractor writes its high-water marks. */
function markStatement(warehouse: BigQueryWarehouse, stream: string, mark: string, runId: string): Statement {
  return {
    sql: `MERGE INTO ${warehouse.qualify(marks.ref)} t
      USING (SELECT @stream AS stream) s
      ON t.stream = s.stream
      WHEN MATCHED AND t.mark < CAST(@mark AS TIMESTAMP) THEN UPDATE SET mark = CAST(@mark AS TIMESTAMP), run_id = @run_id
      WHEN NOT MATCHED THEN INSERT (stream, mark, run_id) VALUES (@stream, CAST(@mark AS TIMESTAMP), @run_id)`,
    params: { stream, mark, run_id: runId },
    types: { mark: 'TIMESTAMP' },
  };
}

describe('a MERGE with parameters and a subquery source on the BigQuery emulator', function () {
  const fx = useEmulatorWarehouse();
  const rows = () => fx.warehouse.query(`SELECT stream, mark, run_id FROM ${fx.warehouse.qualify(marks.ref)} ORDER BY stream`);

  before(async () => fx.warehouse.ensureTable(marks));

  it('inserts, then updates only forward: execute, transaction and the state of a unit', async function () {
    const first = markStatement(fx.warehouse, 'events', '2026-01-02T00:00:00.000Z', 'r1');
    await fx.warehouse.execute(first.sql, first.params, { types: first.types });
    expect(await rows()).to.deep.equal([{ stream: 'events', mark: '2026-01-02T00:00:00.000Z', run_id: 'r1' }]);

    await fx.warehouse.transaction([
      markStatement(fx.warehouse, 'events', '2026-01-03T00:00:00.000Z', 'r2'),
      markStatement(fx.warehouse, 'users', '2026-01-01T00:00:00.000Z', 'r2'),
    ]);
    await fx.warehouse.transaction([markStatement(fx.warehouse, 'events', '2026-01-01T00:00:00.000Z', 'r3')]);
    expect(await rows()).to.deep.equal([
      { stream: 'events', mark: '2026-01-03T00:00:00.000Z', run_id: 'r2' },
      { stream: 'users', mark: '2026-01-01T00:00:00.000Z', run_id: 'r2' },
    ]);

    await fx.warehouse.commitUnit({
      unitId: 'marks-1',
      loads: [],
      state: [markStatement(fx.warehouse, 'users', '2026-01-04T00:00:00.000Z', 'r4')],
      context: { runId: 'r4' },
    });
    expect((await rows())[1]).to.deep.equal({ stream: 'users', mark: '2026-01-04T00:00:00.000Z', run_id: 'r4' });
  });

  it('is rolled back with the rest of its transaction', async function () {
    const before = await rows();
    const error = await failure(
      fx.warehouse.transaction([
        markStatement(fx.warehouse, 'events', '2026-02-01T00:00:00.000Z', 'r5'),
        {
          sql: `INSERT INTO ${fx.warehouse.qualify(marks.ref)} (stream, mark) SELECT CAST(1 / 0 AS STRING), CURRENT_TIMESTAMP()`,
        },
      ]),
    );
    expect(error.message).to.match(/marks/);
    expect(await rows()).to.deep.equal(before);
  });
});
