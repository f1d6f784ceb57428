import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { generateCrmExports } from '../../pipelines/generate/index.js';
import { startSimulator, type SimulatorHandle } from '../../pipelines/simulator/server.js';
import { DuckDbWarehouse } from '../../pipelines/warehouse/duckdb/duckdb-warehouse.js';
import { cliEnv, runCli, startCli, type LogLine } from './support/cli-process.js';
import { fingerprint, fingerprintDiff, rowCounts } from '../support/fingerprint.js';
import { CRASH_PHASES, KILL_PLANS, PhaseTracker, planWindows, type RunPhase } from './support/run-phases.js';
import { seededRandom, seedFromEnv } from './support/seeded-random.js';

/**
 * Crash safety: `kill -9` of `pipelines/cli/main.ts run` at random points of its phases (CSV load, API
 * extraction, inside a commit unit, model build), then one normal run: raw, staging and marts (and the
 * file ledger and quarantine) must be exactly those of a run that never crashed.
 *
 *   CRASH_TRIALS=32 RELIABILITY_SEED=<n> CRASH_OPPORTUNITIES=10000 npx mocha --timeout 1800000 test/reliability/crash-safety.test.ts
 */
const TRIALS = Number(process.env.CRASH_TRIALS ?? 32);
const SEED = seedFromEnv('RELIABILITY_SEED');
const OPPORTUNITIES = Number(process.env.CRASH_OPPORTUNITIES ?? 10_000);
/** Each phase must be hit at least this many times over the trials. */
const MIN_HITS_PER_PHASE = Math.max(1, Math.floor(TRIALS / 8));
const TOKEN = 'crash-token';
const DAY_MS = 86_400_000;

interface Trial {
  index: number;
  planIndex: number;
  plan: string;
  target: RunPhase;
  delayMs: number;
  /** Phase the run was in when it was killed; 'completed' when it finished first. */
  hit: RunPhase | 'completed';
  detail: string;
  killedAtMs: number;
  lockTakenOver: boolean;
  recoveryMs: number;
  equal: boolean;
  /** Runs still recorded as `running` in ops.pipeline_runs after the recovery (the killed one never finished). */
  leftRunning: number;
}

describe('reliability: kill -9 at random points, then one normal run equals a run that never crashed', function () {
  let dir: string;
  let csvDir: string;
  let simulator: SimulatorHandle;
  let reference: Record<string, string>;
  let windows: number[];
  let env: (name: string, logLevel?: string) => NodeJS.ProcessEnv;
  const random = seededRandom(SEED);
  const trials: Trial[] = [];
  // A frozen clock: every run, killed or not, sees exactly the same events.
  const now = new Date(Math.floor((Date.now() - 3_600_000) / 1000) * 1000);

  before(async function () {
    console.log(`      crash trials: ${TRIALS}, seed RELIABILITY_SEED=${SEED}, ${OPPORTUNITIES} opportunities`);
    dir = mkdtempSync(join(tmpdir(), 'reliability-crash-'));
    csvDir = join(dir, 'landing');
    await generateCrmExports({ dir: csvDir, scale: String(OPPORTUNITIES), seed: 42, date: now.toISOString().slice(0, 10) });
    simulator = await startSimulator({
      seed: 5,
      token: TOKEN,
      now,
      days: 3,
      eventsPerDay: 4000,
      // Data faults are part of the dataset, so every run sees them alike: redeliveries, late visits, new fields.
      faults: { duplicateRate: 0.05, lateRate: 0.05, newFields: new Date(now.getTime() - DAY_MS) },
    });
    env = (name, logLevel = 'info') =>
      cliEnv({
        ELT_DUCKDB_PATH: join(dir, `${name}.duckdb`),
        ELT_WORK_DIR: join(dir, `${name}-work`),
        ELT_CSV_DIR: csvDir,
        LOG_LEVEL: logLevel,
        MARKETING_API_URL: simulator.url,
        MARKETING_API_TOKEN: TOKEN,
        MARKETING_API_START: new Date(now.getTime() - 2 * DAY_MS).toISOString(),
        MARKETING_API_PAGE_LIMIT: '500',
      });

    // The reference: a run that was never interrupted, its log timed to plan where kills land.
    const timeline: Array<{ ms: number; line: LogLine }> = [];
    const run = startCli(['run'], env('reference', 'debug'), (line) => {
      if (line) timeline.push({ ms: run.elapsed(), line });
    });
    const outcome = await run.done;
    expect(outcome.code, `reference run failed:\n${outcome.stdout}\n${outcome.stderr.slice(-3000)}`).to.equal(0);
    reference = await fingerprint(join(dir, 'reference.duckdb'));
    windows = planWindows(timeline);
    const counts = rowCounts(reference);
    expect(counts['raw.mkt_events'], 'raw.mkt_events of the reference').to.be.greaterThan(1000);
    expect(counts['raw.crm_opportunities'], 'raw.crm_opportunities of the reference').to.be.greaterThan(1000);
    console.log(
      `      reference run: ${(outcome.ms / 1000).toFixed(1)} s; ${counts['raw.crm_opportunities']} opportunities, ` +
        `${counts['raw.mkt_events']} events, ${Object.keys(reference).length} tables fingerprinted`,
    );
    console.log(
      `      kill windows (ms, from the reference log): ${KILL_PLANS.map((p, i) => `${p.label}: ${Math.round(windows[i] ?? 0)}`).join('; ')}`,
    );
  });

  after(async function () {
    await simulator?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (trials.length === 0) return;
    console.log('\n      trial  aimed at       hit            kill at   lock taken over  recovery  equal  what it was doing');
    for (const t of trials) {
      console.log(
        `      ${String(t.index + 1).padStart(5)}  ${t.target.padEnd(13)}  ${t.hit.padEnd(13)}  ${`${Math.round(t.killedAtMs)} ms`.padStart(8)}  ` +
          `${(t.lockTakenOver ? 'yes' : 'no').padEnd(15)}  ${`${(t.recoveryMs / 1000).toFixed(1)} s`.padStart(8)}  ${t.equal ? 'yes' : 'NO'}    ${t.detail}`,
      );
    }
    const hits = CRASH_PHASES.map((p) => `${p} ${trials.filter((t) => t.hit === p).length}`).join(', ');
    const others = trials.filter((t) => !(CRASH_PHASES as readonly string[]).includes(t.hit)).length;
    console.log(`      hits per phase: ${hits}; elsewhere ${others}; seed RELIABILITY_SEED=${SEED}`);
    const stale = trials.filter((t) => t.leftRunning > 0).length;
    console.log(`      trials whose killed run is still recorded as 'running' in ops.pipeline_runs after the recovery: ${stale}`);
    console.log(
      `      reproduce: RELIABILITY_SEED=${SEED} CRASH_TRIALS=${TRIALS} CRASH_OPPORTUNITIES=${OPPORTUNITIES} ` +
        'npx mocha --timeout 1800000 test/reliability/crash-safety.test.ts',
    );
  });

  /**
   * The next kill plan: one aiming at the phase hit least so far (timings vary with the machine's load,
   * so a kill aimed at a phase sometimes lands in the next one), each plan of that phase in turn.
   */
  function nextPlan(): number {
    const hits = (phase: RunPhase) => trials.filter((t) => t.hit === phase).length;
    const target = [...CRASH_PHASES].sort((a, b) => hits(a) - hits(b) || CRASH_PHASES.indexOf(a) - CRASH_PHASES.indexOf(b))[0]!;
    const candidates = KILL_PLANS.map((plan, i) => ({ plan, i })).filter((c) => c.plan.target === target);
    const used = (i: number) => trials.filter((t) => t.planIndex === i).length;
    return candidates.sort((a, b) => used(a.i) - used(b.i) || a.i - b.i)[0]!.i;
  }

  for (let index = 0; index < TRIALS; index++) {
    it(`trial ${index + 1}/${TRIALS}: kill -9 at a random point of a phase; the next run recovers exactly`, async function () {
      const name = `trial-${index + 1}`;
      const planIndex = nextPlan();
      const plan = KILL_PLANS[planIndex]!;
      // Up to 80% of the reference's window: a loaded machine stretches phases more often than it shortens them.
      const delayMs = Math.floor(random() * (windows[planIndex] ?? 0) * 0.8);
      const tracker = new PhaseTracker();
      let killed: { ms: number; phase: RunPhase; detail: string } | undefined;
      let armed = false;
      const run = startCli(['run'], env(name, 'debug'), (line) => {
        if (!line || killed) return;
        tracker.feed(line);
        if (plan.trigger(line) && !armed) {
          armed = true;
          setTimeout(() => {
            if (killed || run.child.exitCode !== null) return;
            killed = { ms: run.elapsed(), phase: tracker.phase, detail: tracker.detail };
            run.child.kill('SIGKILL');
          }, delayMs);
        }
      });
      const crashed = await run.done;
      if (killed) expect(crashed.signal, 'the run was killed by SIGKILL').to.equal('SIGKILL');
      else expect(crashed.code, `a run that was not killed must succeed:\n${crashed.stderr.slice(-2000)}`).to.equal(0);

      const recovery = await runCli(['run', '--json'], env(name));
      expect(
        recovery.code,
        `the run after the crash failed:\n${recovery.stdout.slice(-3000)}\n${recovery.stderr.slice(-3000)}`,
      ).to.equal(0);
      expect((JSON.parse(recovery.stdout) as { status: string }).status).to.equal('success');
      const holderWasKilled = killed !== undefined && (CRASH_PHASES as readonly string[]).includes(killed.phase);
      const takeover = recovery.stderr
        .split('\n')
        .some((l) => l.includes('taking over a lock whose holder process is gone') && l.includes(`:${crashed.pid}:`));
      // Every phase but startup and finish runs under the lock: the killed holder's lock must be taken over.
      if (holderWasKilled) expect(takeover, 'the next run takes over the lock of the killed run').to.equal(true);

      const after = await fingerprint(join(dir, `${name}.duckdb`));
      const diff = fingerprintDiff(reference, after);
      const ops = await opsState(join(dir, `${name}.duckdb`));
      trials.push({
        index,
        planIndex,
        plan: plan.label,
        target: plan.target,
        delayMs,
        hit: killed?.phase ?? 'completed',
        detail: killed?.detail ?? 'finished before the kill',
        killedAtMs: killed?.ms ?? crashed.ms,
        lockTakenOver: takeover,
        recoveryMs: recovery.ms,
        equal: diff.length === 0,
        leftRunning: ops.running,
      });
      rmSync(join(dir, `${name}.duckdb`), { force: true });
      rmSync(join(dir, `${name}.duckdb.wal`), { force: true });
      rmSync(join(dir, `${name}-work`), { recursive: true, force: true });
      expect(diff, `tables differing from the uninterrupted run (seed ${SEED}, trial ${index + 1})`).to.deep.equal([]);
      expect(ops.locks, 'no lock is left once the recovery run is done').to.equal(0);
    });
  }

  it(`hit every phase (CSV load, API extraction, state commit, model build) at least ${MIN_HITS_PER_PHASE} times`, function () {
    expect(trials.length, 'trials run').to.equal(TRIALS);
    for (const phase of CRASH_PHASES) {
      expect(trials.filter((t) => t.hit === phase).length, `kills in ${phase}`).to.be.at.least(MIN_HITS_PER_PHASE);
    }
  });
});

/** Locks held, and runs recorded as still running. */
async function opsState(path: string): Promise<{ locks: number; running: number }> {
  const warehouse = await DuckDbWarehouse.open({ path, readOnly: true });
  try {
    const [row] = await warehouse.query<{ locks: number; running: number }>(
      `SELECT (SELECT count(*) FROM ops.locks) AS locks, (SELECT count(*) FROM ops.pipeline_runs WHERE status = 'running') AS running`,
    );
    return { locks: Number(row?.locks ?? 0), running: Number(row?.running ?? 0) };
  } finally {
    await warehouse.close();
  }
}
