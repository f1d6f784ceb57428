import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { expect } from 'chai';
import { lockOwner, WarehouseLock } from '../../../pipelines/state/lock.js';
import { tempDuckDb } from '../../support/temp-warehouse.js';

describe('WarehouseLock', function () {
  let db: Awaited<ReturnType<typeof tempDuckDb>>;
  beforeEach(async () => (db = await tempDuckDb()));
  afterEach(async () => db.dispose());

  it('lets one owner in and tells the other who holds it', async function () {
    const a = new WarehouseLock(db.warehouse, 'pipeline', 'host:1:a', 60_000);
    const b = new WarehouseLock(db.warehouse, 'pipeline', 'host:2:b', 60_000);
    expect(await a.acquire()).to.deep.equal({ acquired: true });
    const second = await b.acquire();
    expect(second.acquired).to.equal(false);
    if (!second.acquired) expect(second.holder.owner).to.equal('host:1:a');
    await a.release();
    expect(await b.acquire()).to.deep.equal({ acquired: true });
    await b.release();
  });

  it('takes over an expired lock', async function () {
    const a = new WarehouseLock(db.warehouse, 'pipeline', 'other-host:1:a', 1_000);
    await a.acquire(new Date(Date.now() - 10_000));
    const b = new WarehouseLock(db.warehouse, 'pipeline', 'host:2:b', 60_000);
    expect(await b.acquire()).to.deep.equal({ acquired: true });
    expect((await b.holder())?.owner).to.equal('host:2:b');
    await b.release();
    await a.release();
  });

  it('takes over at once a lock whose holder process on this host was killed', async function () {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    const deadOwner = `${hostname()}:${child.pid}:run-killed`;
    const holder = new WarehouseLock(db.warehouse, 'pipeline', deadOwner, 3_600_000);
    await holder.acquire();
    const contender = new WarehouseLock(db.warehouse, 'pipeline', lockOwner('run-new'), 60_000);
    expect((await contender.acquire()).acquired, 'holder alive: refused').to.equal(false);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    expect(await contender.acquire()).to.deep.equal({ acquired: true });
    await contender.release();
    await holder.release();
  });

  it('does not release a lock it does not own', async function () {
    const a = new WarehouseLock(db.warehouse, 'pipeline', 'host:1:a', 60_000);
    const b = new WarehouseLock(db.warehouse, 'pipeline', 'host:2:b', 60_000);
    await a.acquire();
    await b.release();
    expect((await a.holder())?.owner).to.equal('host:1:a');
    await a.release();
  });
});
