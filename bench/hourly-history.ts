/**
 * Does the hourly run's time grow with the history? For each history length (default 1 and 30 days),
 * builds a warehouse holding that history, then times one hourly run of the CLI, as the scheduler runs it:
 *
 *   - the landing folder holds one CRM export per day of history (opportunities, propositions, banks; a
 *     full snapshot each day, as the CRM drops them), all of them already in the file ledger;
 *   - the warehouse holds every marketing event of those days (the simulator, `--events-per-day`), loaded
 *     by one catch-up run whose marks are then set back to T1, the top of the hour two hours ago (the
 *     simulator served nothing after T1, so this is the state of a run that ended at T1); as an hourly
 *     schedule would have loaded them, each event's load time is then set to its receipt time plus 5
 *     minutes (users: their update time plus 5 minutes) and every model is rebuilt from them;
 *   - ops.pipeline_runs / pipeline_steps hold 24 runs a day of history (copies of the catch-up run's records);
 *   - the hourly run then finds exactly one hour of new events, [T1, T1 + 1 h), and no new export.
 *
 * Each hourly run starts from a copy of the same warehouse; the median of `--repeat` runs is reported,
 * with the time of each stage and the run's peak RSS (GNU time, when /usr/bin/time is there).
 *
 *   npx tsx bench/hourly-history.ts [--days 1,30] [--events-per-day 20000] [--crm-scale medium] [--repeat 3]
 *
 * Generated exports are kept under .bench/hourly-history/exports and reused; figures are also written
 * to .bench/hourly-history/results.json.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, linkSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { RunResult, StepResult } from '../pipelines/core/result.js';
import { exportFileName, generateCrmExports } from '../pipelines/generate/index.js';
import { SimulatorClock } from '../pipelines/simulator/clock.js';
import { startSimulator } from '../pipelines/simulator/server.js';
import { loadConfig } from '../pipelines/config/config.js';
import { silentLogger } from '../pipelines/core/logger.js';
import { compileProject, DEFAULT_MODELS_DIR, runPlan } from '../pipelines/transform/index.js';
import { DuckDbWarehouse } from '../pipelines/warehouse/duckdb/duckdb-warehouse.js';

const { values: args } = parseArgs({
  options: {
    days: { type: 'string', default: '1,30' },
    'events-per-day': { type: 'string', default: '20000' },
    'crm-scale': { type: 'string', default: 'medium' },
    repeat: { type: 'string', default: '3' },
    data: { type: 'string', default: '.bench/hourly-history' },
    keep: { type: 'boolean', default: false },
  },
});

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const TOKEN = 'bench-token';
const ROOT = resolve(import.meta.dirname, '..');
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
const histories = (args.days as string).split(',').map((d) => positive(d, '--days'));
const eventsPerDay = positive(args['events-per-day'] as string, '--events-per-day');
const repeat = positive(args.repeat as string, '--repeat');
const crmScale = args['crm-scale'] as string;
const data = resolve(args.data as string);
// T1: the top of the hour two hours ago, so that T1 + 1 h is well before the runs' own now.
const T1 = Math.floor((Date.now() - 2 * HOUR_MS) / HOUR_MS) * HOUR_MS;

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  peakRssMb: number | null;
}

interface HourlyFigures {
  wallMs: number;
  runMs: number;
  stages: Record<string, number>;
  newEvents: number;
  peakRssMb: number | null;
  /** The slowest steps of the run (models and tests), to see what grows. */
  slowest: Array<{ step: string; ms: number }>;
}

interface HistoryFigures {
  days: number;
  exports: number;
  landingMb: number;
  events: number;
  runsRecorded: number;
  historyRunMs: number;
  historyPeakRssMb: number | null;
  hourly: HourlyFigures[];
  median: HourlyFigures;
}

const results: HistoryFigures[] = [];
const loadBefore = loadavg()[0]!;
for (const days of histories) results.push(await measure(days));
report(results);

async function measure(days: number): Promise<HistoryFigures> {
  const dir = join(data, `${days}d`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const landing = join(dir, 'landing');
  mkdirSync(landing);
  let landingBytes = 0;
  for (let d = days - 1; d >= 0; d--) {
    const date = new Date(T1 - d * DAY_MS).toISOString().slice(0, 10);
    const source = await exportsFor(date);
    for (const table of ['opportunities', 'propositions', 'banks'] as const) {
      const name = exportFileName(table, date);
      linkSync(join(source, name), join(landing, name));
      landingBytes += statSync(join(landing, name)).size;
    }
  }

  const simulator = await startSimulator({
    seed: 9,
    token: TOKEN,
    clock: new SimulatorClock(T1),
    // The same dataset for every history length: the hour after T1 holds the same events whatever the history.
    from: new Date(T1 - Math.max(...histories) * DAY_MS - HOUR_MS),
    to: new Date(T1 + DAY_MS),
    eventsPerDay,
    faults: { duplicateRate: 0.05, lateRate: 0.05 },
  });
  try {
    const db = join(dir, 'history.duckdb');
    const env = (path: string) => ({
      ...process.env,
      CI: 'true',
      LOG_LEVEL: 'warn',
      ELT_DUCKDB_PATH: path,
      ELT_WORK_DIR: join(dir, 'work'),
      ELT_CSV_DIR: landing,
      MARKETING_API_URL: simulator.url,
      MARKETING_API_TOKEN: TOKEN,
      MARKETING_API_START: new Date(T1 - days * DAY_MS).toISOString(),
    });
    console.error(
      `${days}-day history: catch-up run (${days} exports, ~${(days * eventsPerDay).toLocaleString('en')} events)...`,
    );
    const history = await cli(['run', '--json'], env(db), join(dir, 'history.time'));
    const historyResult = runResult(history);
    if (history.code !== 0) throw new Error(`the ${days}-day catch-up run failed: ${JSON.stringify(historyResult.error)}`);
    const state = await settleHistory(db, days);

    const hourly: HourlyFigures[] = [];
    for (let r = 0; r < repeat; r++) {
      const copy = join(dir, 'hourly.duckdb');
      rmSync(copy, { force: true });
      rmSync(`${copy}.wal`, { force: true });
      copyFileSync(db, copy);
      // One hour of new events: [T1, T1 + 1 h).
      simulator.clock.set(T1 + HOUR_MS);
      const run = await cli(['run', '--json', '--kind', 'scheduled'], env(copy), join(dir, 'hourly.time'));
      const result = runResult(run);
      if (run.code !== 0) throw new Error(`the hourly run failed: ${JSON.stringify(result.error)}`);
      hourly.push({
        wallMs: run.ms,
        runMs: result.durationMs,
        stages: stageTimes(result.steps),
        newEvents: result.steps.find((s) => s.name === 'extract-load:mkt_events')?.counts?.['raw.mkt_events']?.read ?? 0,
        peakRssMb: run.peakRssMb,
        slowest: [...result.steps]
          .sort((a, b) => b.durationMs - a.durationMs)
          .slice(0, 6)
          .map((step) => ({ step: step.name, ms: step.durationMs })),
      });
      console.error(`  hourly run ${r + 1}/${repeat}: ${(run.ms / 1000).toFixed(2)} s`);
      simulator.clock.set(T1);
    }
    const median = [...hourly].sort((a, b) => a.runMs - b.runMs)[Math.floor(hourly.length / 2)]!;
    return {
      days,
      exports: days,
      landingMb: landingBytes / 1e6,
      events: state.events,
      runsRecorded: state.runs,
      historyRunMs: history.ms,
      historyPeakRssMb: history.peakRssMb,
      hourly,
      median,
    };
  } finally {
    await simulator.close();
    if (!args.keep) rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Sets both marks back to T1 (the simulator served nothing received after it) and records 24 runs a
 * day of history in ops (copies of the catch-up run's records, an hour apart).
 */
async function settleHistory(path: string, days: number): Promise<{ events: number; runs: number }> {
  const warehouse = await DuckDbWarehouse.open({ path });
  try {
    await warehouse.execute('UPDATE ops.high_water_marks SET high_water_mark = @t1', { t1: new Date(T1) });
    // Loaded as an hourly schedule would have: a few minutes after receipt, not all at once.
    await warehouse.execute(`UPDATE raw.mkt_events SET _loaded_at = received_at + INTERVAL 5 MINUTE`);
    await warehouse.execute(`UPDATE raw.mkt_users SET _loaded_at = updated_at + INTERVAL 5 MINUTE`);
    const plan = compileProject(DEFAULT_MODELS_DIR, 'duckdb', (ref) => warehouse.qualify(ref), {
      fullRefresh: true,
      pseudonymSalt: loadConfig({ ELT_WAREHOUSE: 'duckdb' }).pseudonymSalt,
    });
    const rebuilt = await runPlan(plan, { warehouse, runId: 'bench-history-rebuild', logger: silentLogger() });
    const failed = rebuilt.filter((s) => s.status === 'error');
    if (failed.length > 0) throw new Error(`rebuilding the history's models failed: ${failed.map((s) => s.name).join(', ')}`);
    const copies = 24 * days - 1;
    await warehouse.execute(
      `INSERT INTO ops.pipeline_steps (run_id, step, kind, status, started_at, ended_at, row_counts, message, error)
       SELECT s.run_id || '-h' || i, s.step, s.kind, s.status, s.started_at - to_hours(i),
         s.ended_at - to_hours(i), s.row_counts, s.message, s.error
       FROM ops.pipeline_steps s, range(1, @n + 1) AS t(i)`,
      { n: copies },
    );
    await warehouse.execute(
      `INSERT INTO ops.pipeline_runs (run_id, kind, status, window_from, window_to, started_at, ended_at, row_counts, error, summary, args)
       SELECT r.run_id || '-h' || i, 'scheduled', r.status, r.window_from, r.window_to, r.started_at - to_hours(i), r.ended_at - to_hours(i),
         r.row_counts, r.error, r.summary, r.args
       FROM ops.pipeline_runs r, range(1, @n + 1) AS t(i)`,
      { n: copies },
    );
    const [row] = await warehouse.query<{ events: number; runs: number }>(
      'SELECT (SELECT count(*) FROM raw.mkt_events) AS events, (SELECT count(*) FROM ops.pipeline_runs) AS runs',
    );
    return { events: Number(row?.events ?? 0), runs: Number(row?.runs ?? 0) };
  } finally {
    await warehouse.close();
  }
}

/** The CRM exports of a day, generated once and kept. */
async function exportsFor(date: string): Promise<string> {
  const dir = join(data, 'exports', `${crmScale}-seed42`, date);
  const marker = join(dir, '.complete');
  if (!existsSync(marker)) {
    rmSync(dir, { recursive: true, force: true });
    await generateCrmExports({ dir, scale: crmScale, seed: 42, date });
    writeFileSync(marker, new Date().toISOString());
  }
  return dir;
}

/** Runs the CLI in its own process (under GNU time for its peak RSS). */
function cli(cliArgs: string[], env: NodeJS.ProcessEnv, timeFile: string): Promise<CliRun> {
  const node = [process.execPath, '--import', 'tsx', 'pipelines/cli/main.ts', ...cliArgs];
  const [command, ...rest] = TIME ? [TIME, '-o', timeFile, '-f', '%M', ...node] : node;
  const started = performance.now();
  const child = spawn(command!, rest, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolveRun, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      const ms = performance.now() - started;
      let peakRssMb: number | null = null;
      if (TIME && existsSync(timeFile)) {
        const kb = Number(readFileSync(timeFile, 'utf8').trim().split('\n').pop());
        if (Number.isFinite(kb)) peakRssMb = kb / 1024;
      }
      resolveRun({ code, stdout, stderr, ms, peakRssMb });
    });
  });
}

function runResult(run: CliRun): RunResult {
  try {
    return JSON.parse(run.stdout) as RunResult;
  } catch {
    throw new Error(`the run printed no result (exit ${run.code}): ${run.stderr.slice(-3000)}`);
  }
}

/** Wall time of each stage of a run, from its steps (they run one stage after the other). */
function stageTimes(steps: StepResult[]): Record<string, number> {
  const groups: Record<string, StepResult[]> = { crm: [], marketing: [], models: [], freshness: [] };
  for (const step of steps) {
    if (step.name.startsWith('extract-load:crm')) groups.crm!.push(step);
    else if (step.name.startsWith('extract-load:mkt')) groups.marketing!.push(step);
    else if (step.kind === 'model' || step.kind === 'test') groups.models!.push(step);
    else if (step.name === 'freshness') groups.freshness!.push(step);
  }
  return Object.fromEntries(
    Object.entries(groups).map(([name, list]) => {
      if (list.length === 0) return [name, 0];
      const from = Math.min(...list.map((s) => Date.parse(s.startedAt)));
      const to = Math.max(...list.map((s) => Date.parse(s.endedAt)));
      return [name, to - from];
    }),
  );
}

function report(all: HistoryFigures[]): void {
  const s = (ms: number) => (ms / 1000).toFixed(2);
  const mb = (v: number | null) => (v === null ? 'n/a' : v.toFixed(0));
  console.log(
    `\nHourly run vs history (CRM scale ${crmScale} per daily export, ${eventsPerDay.toLocaleString('en')} events/day, ` +
      `median of ${repeat} hourly run(s); ${cpus().length} CPUs, load average ${loadBefore.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after)`,
  );
  console.log(
    'history  exports  landing MB  events in raw  runs in ops  catch-up s  catch-up RSS MB | hourly wall s  run s  crm s  marketing s  models s  new events  peak RSS MB',
  );
  for (const r of all) {
    const m = r.median;
    console.log(
      [
        `${r.days} d`.padEnd(7),
        String(r.exports).padStart(7),
        r.landingMb.toFixed(0).padStart(11),
        r.events.toLocaleString('en').padStart(14),
        String(r.runsRecorded).padStart(12),
        s(r.historyRunMs).padStart(11),
        mb(r.historyPeakRssMb).padStart(16),
        '|',
        s(m.wallMs).padStart(13),
        s(m.runMs).padStart(6),
        s(m.stages.crm ?? 0).padStart(6),
        s(m.stages.marketing ?? 0).padStart(12),
        s(m.stages.models ?? 0).padStart(9),
        String(m.newEvents).padStart(11),
        mb(m.peakRssMb).padStart(12),
      ].join(' '),
    );
  }
  for (const r of all) {
    console.log(`slowest steps, ${r.days}-day history: ${r.median.slowest.map((x) => `${x.step} ${s(x.ms)} s`).join(', ')}`);
  }
  // Each history against the one before it: late events (up to 72 h) reach back into dates that a
  // history shorter than 4 days barely holds; from there on, more history must cost nothing.
  for (let i = 1; i < all.length; i++) {
    const a = all[i - 1]!;
    const b = all[i]!;
    console.log(
      `  ${b.days}-day vs ${a.days}-day history: ${(b.median.runMs / a.median.runMs).toFixed(2)}x run time, ` +
        `models ${s(a.median.stages.models ?? 0)} s -> ${s(b.median.stages.models ?? 0)} s`,
    );
  }
  const first = all[0];
  const last = all[all.length - 1];
  if (first && last && first !== last) {
    // The run's own time (as recorded in ops) is the verdict; the wall time adds a fixed process start (tsx).
    const ratio = last.median.runMs / first.median.runMs;
    const wall = last.median.wallMs / first.median.wallMs;
    const verdict = ratio <= 1.5 ? 'flat (within 1.5x)' : 'GROWS with the history';
    console.log(
      `hourly run, ${last.days}-day history / ${first.days}-day history: ${ratio.toFixed(2)}x run time (${wall.toFixed(2)}x wall time): ${verdict}`,
    );
    for (const stage of ['crm', 'marketing', 'models'] as const) {
      const a = first.median.stages[stage] ?? 0;
      const b = last.median.stages[stage] ?? 0;
      console.log(`  ${stage.padEnd(9)} ${s(a)} s -> ${s(b)} s${a > 0 ? ` (${(b / a).toFixed(2)}x)` : ''}`);
    }
  }
  console.log(
    `reproduce: npx tsx bench/hourly-history.ts --days ${args.days} --events-per-day ${eventsPerDay} --crm-scale ${crmScale} --repeat ${repeat}`,
  );
  mkdirSync(data, { recursive: true });
  writeFileSync(
    join(data, 'results.json'),
    JSON.stringify({ t1: new Date(T1).toISOString(), crmScale, eventsPerDay, results: all }, null, 2),
  );
}

function positive(text: string, name: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) {
    console.error(`bench/hourly-history: ${name} must be a positive whole number (got ${JSON.stringify(text)})`);
    process.exit(2);
  }
  return value;
}
