import { expect } from 'chai';
import type { StepResult } from '../../../pipelines/core/result.js';
import { PIPELINE_STEPS } from '../../../pipelines/state/ops-tables.js';
import { RunStore } from '../../../pipelines/state/run-store.js';
import { tempDuckDb } from '../../support/temp-warehouse.js';

function step(i: number, extra: Partial<StepResult> = {}): StepResult {
  return {
    name: `test:t${String(i).padStart(3, '0')}`,
    kind: 'test',
    status: 'success',
    startedAt: '2026-03-01T07:00:00.000Z',
    endedAt: '2026-03-01T07:00:01.000Z',
    durationMs: 1000,
    ...extra,
  };
}

describe('RunStore', function () {
  let db: Awaited<ReturnType<typeof tempDuckDb>>;
  beforeEach(async () => (db = await tempDuckDb()));
  afterEach(async () => db.dispose());

  it('records a stage’s steps together, every field of each, in as many statements as chunks of 50', async function () {
    const store = new RunStore(db.warehouse);
    const steps = Array.from({ length: 120 }, (_, i) => step(i));
    steps[7] = step(7, { status: 'error', error: { kind: 'terminal', message: 'boom' } });
    steps[8] = step(8, { kind: 'model', rows: 12, message: 'late' });
    steps[9] = step(9, { kind: 'extract-load', counts: { 'raw.x': { read: 3, loaded: 2, quarantined: 1 } } });
    const execute = db.warehouse.execute.bind(db.warehouse);
    let statements = 0;
    db.warehouse.execute = (...args) => {
      statements++;
      return execute(...args);
    };
    await store.recordSteps('run-1', steps);
    await store.recordSteps('run-1', []);
    expect(statements).to.equal(3);

    const rows = await db.warehouse.query<Record<string, unknown>>(
      `SELECT run_id, step, kind, status, started_at, ended_at, row_counts, message, error
       FROM ${db.warehouse.qualify(PIPELINE_STEPS.ref)} ORDER BY step`,
    );
    expect(rows).to.have.length(120);
    expect(rows.slice(7, 10)).to.deep.equal([
      {
        run_id: 'run-1',
        step: 'test:t007',
        kind: 'test',
        status: 'error',
        started_at: '2026-03-01T07:00:00.000Z',
        ended_at: '2026-03-01T07:00:01.000Z',
        row_counts: null,
        message: null,
        error: 'boom',
      },
      {
        run_id: 'run-1',
        step: 'test:t008',
        kind: 'model',
        status: 'success',
        started_at: '2026-03-01T07:00:00.000Z',
        ended_at: '2026-03-01T07:00:01.000Z',
        row_counts: '{"rows":12}',
        message: 'late',
        error: null,
      },
      {
        run_id: 'run-1',
        step: 'test:t009',
        kind: 'extract-load',
        status: 'success',
        started_at: '2026-03-01T07:00:00.000Z',
        ended_at: '2026-03-01T07:00:01.000Z',
        row_counts: '{"raw.x":{"read":3,"loaded":2,"quarantined":1}}',
        message: null,
        error: null,
      },
    ]);
    const succeeded = await store.succeededSteps('run-1');
    expect(succeeded.size).to.equal(119);
    expect(succeeded.has('test:t007')).to.equal(false);
  });
  it('closes the runs a dead process left running, and only those', async function () {
    const store = new RunStore(db.warehouse);
    await store.start({ runId: 'dead-1', kind: 'scheduled', startedAt: '2026-03-01T05:00:00.000Z' });
    await store.start({ runId: 'current', kind: 'manual', startedAt: '2026-03-01T06:00:00.000Z' });
    expect(await store.closeAbandoned('current', new Date('2026-03-01T06:00:01.000Z'))).to.equal(1);
    const rows = await db.warehouse.query<{ run_id: string; status: string; error: string | null }>(
      `SELECT run_id, status, error FROM ops.pipeline_runs WHERE run_id IN ('dead-1', 'current') ORDER BY run_id`,
    );
    expect(rows[0]).to.deep.equal({ run_id: 'current', status: 'running', error: null });
    expect(rows[1]!.status).to.equal('error');
    expect(rows[1]!.error).to.match(/^abandoned/);
  });
});
