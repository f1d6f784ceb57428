import { expect } from 'chai';
import {
  TableSemaphore,
  dmlConcurrencyPerTable,
  mutatedTables,
} from '../../../../pipelines/warehouse/bigquery/table-semaphore.js';

describe('TableSemaphore', function () {
  it('lets at most two DML statements run on a table at once', async function () {
    expect(dmlConcurrencyPerTable).to.equal(2);
    const semaphore = new TableSemaphore();
    let running = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 6 }, async () => {
        const release = await semaphore.acquire(['raw.people']);
        running++;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running--;
        release();
      }),
    );
    expect(peak).to.equal(2);
    expect(semaphore.inUse('raw.people')).to.equal(0);
  });

  it('runs a transaction alone on the tables it mutates, and other tables are not held up', async function () {
    const semaphore = new TableSemaphore();
    const order: string[] = [];
    const statement = await semaphore.acquire(['raw.people'], 1);
    const transaction = semaphore.acquire(['RAW.people', 'ops.ledger'], dmlConcurrencyPerTable).then((release) => {
      order.push('transaction');
      return release;
    });
    const other = await semaphore.acquire(['raw.events'], 1);
    order.push('other table');
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(order).to.deep.equal(['other table']);
    statement();
    (await transaction)();
    other();
    expect(order).to.deep.equal(['other table', 'transaction']);
    expect(semaphore.inUse('raw.people')).to.equal(0);
  });

  it('serves waiters first come, first served', async function () {
    const semaphore = new TableSemaphore();
    const first = await semaphore.acquire(['t.a'], 2);
    const order: number[] = [];
    const waiting = [1, 2, 3].map((n) => semaphore.acquire(['t.a'], n === 2 ? 2 : 1).then((release) => (order.push(n), release)));
    first();
    const releases = await Promise.all(waiting.slice(0, 1));
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(order).to.deep.equal([1]);
    releases[0]!();
    (await waiting[1]!)();
    (await waiting[2]!)();
    expect(order).to.deep.equal([1, 2, 3]);
  });

  it('finds the tables a statement or script mutates', function () {
    const script = [
      'INSERT INTO `p.elt_raw.people` (id) SELECT id FROM `p.elt_ops.scratch`',
      'MERGE `p.elt_raw.events` AS T USING s ON T.k = s.k WHEN MATCHED THEN UPDATE SET v = s.v WHEN NOT MATCHED THEN INSERT (k) VALUES (s.k)',
      'DELETE FROM elt_ops.ledger WHERE TRUE',
      'UPDATE `p`.`elt_ops`.`runs` SET x = 1 WHERE TRUE',
      'SELECT updated_at FROM `p.elt_marts.x`',
    ].join(';\n');
    expect(mutatedTables(script).sort()).to.deep.equal(['elt_ops.ledger', 'elt_ops.runs', 'elt_raw.events', 'elt_raw.people']);
  });
});
