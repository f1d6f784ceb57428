import { expect } from 'chai';
import { ConfigError } from '../../../pipelines/core/errors.js';
import { silentLogger } from '../../../pipelines/core/logger.js';
import type { RunResult } from '../../../pipelines/core/result.js';
import { startScheduler } from '../../../pipelines/ops/scheduler.js';
import { WarehouseLock } from '../../../pipelines/state/lock.js';
import { tempDuckDb } from '../../support/temp-warehouse.js';

function result(runId: string, status: RunResult['status']): RunResult {
  const now = new Date().toISOString();
  return { runId, kind: 'scheduled', status, startedAt: now, endedAt: now, durationMs: 0, steps: [] };
}

describe('startScheduler', function () {
  this.timeout(20_000);

  it('refuses an invalid cron expression or time zone, naming the variable', function () {
    expect(() =>
      startScheduler({
        cron: 'every hour',
        timezone: 'Europe/Paris',
        logger: silentLogger(),
        job: async () => result('x', 'success'),
      }),
    ).to.throw(ConfigError, /ELT_SCHEDULE_CRON/);
    expect(() =>
      startScheduler({
        cron: '5 * * * *',
        timezone: 'Mars/Olympus',
        logger: silentLogger(),
        job: async () => result('x', 'success'),
      }),
    ).to.throw(ConfigError, /ELT_SCHEDULE_TZ/);
  });

  it('plans minute 5 of every hour in Europe/Paris', async function () {
    const scheduler = startScheduler({
      cron: '5 * * * *',
      timezone: 'Europe/Paris',
      logger: silentLogger(),
      job: async () => result('x', 'success'),
    });
    const next = scheduler.nextRuns(3);
    expect(next).to.have.length(3);
    for (const date of next) expect(date.getUTCMinutes()).to.equal(5);
    expect(next[1]!.getTime() - next[0]!.getTime()).to.equal(3_600_000);
    await scheduler.stop();
  });

  it('never overlaps runs, even across two schedulers sharing the warehouse lock', async function () {
    const db = await tempDuckDb();
    const holding: string[] = [];
    let maxConcurrent = 0;
    const outcomes: string[] = [];
    const job = (name: string) => async (): Promise<RunResult> => {
      const lock = new WarehouseLock(db.warehouse, 'pipeline', `host:${name}:${Date.now()}`, 60_000);
      const taken = await lock.acquire();
      if (!taken.acquired) {
        outcomes.push(`${name}:skipped`);
        return result(name, 'skipped');
      }
      holding.push(name);
      maxConcurrent = Math.max(maxConcurrent, holding.length);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      holding.splice(holding.indexOf(name), 1);
      await lock.release();
      outcomes.push(`${name}:ran`);
      return result(name, 'success');
    };
    const a = startScheduler({ cron: '* * * * * *', timezone: 'UTC', logger: silentLogger(), job: job('a') });
    const b = startScheduler({ cron: '* * * * * *', timezone: 'UTC', logger: silentLogger(), job: job('b') });
    await new Promise((resolve) => setTimeout(resolve, 5000));
    await Promise.all([a.stop(), b.stop()]);
    await db.dispose();
    expect(maxConcurrent).to.equal(1);
    expect(outcomes.filter((o) => o.endsWith(':ran')).length).to.be.greaterThan(0);
    expect(outcomes.filter((o) => o.endsWith(':skipped')).length).to.be.greaterThan(0);
  });

  it('stops cleanly: the running job is asked to stop and awaited', async function () {
    let sawAbort = false;
    let finished = false;
    const scheduler = startScheduler({
      cron: '* * * * * *',
      timezone: 'UTC',
      logger: silentLogger(),
      job: async (signal) => {
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
        sawAbort = true;
        await new Promise((resolve) => setTimeout(resolve, 200));
        finished = true;
        return result('x', 'error');
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await scheduler.stop();
    expect(sawAbort).to.equal(true);
    expect(finished).to.equal(true);
  });
});
