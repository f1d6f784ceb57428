/**
 * Load test of the lookup function: builds a DuckDB warehouse holding `marts.opportunity_lookup` at
 * real scale (174,000 opportunities, generated with SQL), starts `serve-lookup` in a child process
 * (access log on, API key required) and drives it with autocannon:
 *   1. a fixed rate (default 1,000 req/s) for --duration seconds: p50/p99 latency (goal p99 < 5 ms);
 *   2. concurrency 32, unthrottled, for --duration seconds: requests/s (goal > 5,000);
 *   3. the fixed rate again while a pipeline run finishes and the server reloads the whole mart
 *      (skip with --no-reload).
 * Every request asks for a random existing id and must answer 200; anything else counts as an error
 * (exit code 1). Latencies are recorded per response with sub-millisecond resolution (autocannon's own
 * histogram keeps whole milliseconds; its figures are printed too). autocannon's fixed rate is bursty:
 * each connection sends its share of the second back to back at the start of each second, a harsher
 * load than evenly spaced requests.
 *
 *   npx tsx bench/lookup.ts [--duration 10] [--rate 1000] [--connections 32] [--rows 174000]
 *                           [--server cli|functions-framework] [--log-level info] [--no-reload]
 *   npx tsx bench/lookup.ts --duration 60          # 60 s at the target rate, 0 errors expected
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { ensureOpsTables, PIPELINE_RUNS } from '../pipelines/state/ops-tables.js';
import { DuckDbWarehouse } from '../pipelines/warehouse/duckdb/duckdb-warehouse.js';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    rate: { type: 'string', default: '1000' },
    connections: { type: 'string', default: '32' },
    'rate-connections': { type: 'string', default: '10' },
    rows: { type: 'string', default: '174000' },
    server: { type: 'string', default: 'cli' },
    'log-level': { type: 'string', default: 'info' },
    warmup: { type: 'string', default: '3' },
    'no-reload': { type: 'boolean', default: false },
  },
});
const duration = positive('duration');
const rate = positive('rate');
const connections = positive('connections');
const rateConnections = positive('rate-connections');
const rows = positive('rows');
const warmup = Number(args.warmup);
if (args.server !== 'cli' && args.server !== 'functions-framework') fail('--server must be cli or functions-framework');

const root = resolve(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'bench-lookup-'));
const dbPath = join(dir, 'elt.duckdb');
const logPath = join(dir, 'lookup.log');
const apiKey = randomBytes(24).toString('base64url');
let child: ChildProcess | undefined;

const loadBefore = loadavg()[0]!;
try {
  const built = performance.now();
  await buildWarehouse(dbPath, rows);
  console.log(`warehouse: ${rows.toLocaleString('en')} opportunities in ${dbPath} (${Math.round(performance.now() - built)} ms)`);

  const started = performance.now();
  const server = await startServer();
  child = server.child;
  await waitHealthy(server.url, 120_000);
  console.log(`server: ${args.server} at ${server.url}, ready in ${Math.round(performance.now() - started)} ms (cache loaded)`);

  // One random existing id per request, chosen as the request is sent (a fixed pool would be built
  // again by every autocannon connection at start, stalling the first requests).
  const requests = [
    { method: 'GET' as const, setupRequest: (request: object) => ({ ...request, path: `/opportunities/${randomId(rows)}` }) },
  ];
  const headers = { 'x-api-key': apiKey };
  if (warmup > 0) await load({ url: server.url, requests, headers, connections, duration: warmup });

  const fixed = await load({ url: server.url, requests, headers, connections: rateConnections, duration, overallRate: rate });
  const open = await load({ url: server.url, requests, headers, connections, duration });
  let reloading: Figures | undefined;
  let reloaded = false;
  if (!args['no-reload']) {
    // A pipeline run finishes 2 s in: the server sees it on its next check (TTL 1 s) and reloads the
    // whole mart in a worker thread while it keeps serving.
    const before = await loadedAt(server.url);
    const run = new Promise<void>((resolveRun, reject) => setTimeout(() => recordRun(dbPath).then(resolveRun, reject), 2_000));
    reloading = await load({ url: server.url, requests, headers, connections: rateConnections, duration, overallRate: rate });
    await run;
    for (let waited = 0; waited < 60_000 && !reloaded; waited += 250) {
      reloaded = (await loadedAt(server.url)) !== before;
      if (!reloaded) await new Promise((r) => setTimeout(r, 250));
    }
  }
  const logLines = countLines(logPath, '"msg":"request"');

  console.log('');
  console.log(`command: npx tsx bench/lookup.ts ${process.argv.slice(2).join(' ')}`.trimEnd());
  console.log(
    `machine: ${cpus().length} cores, node ${process.version}; 1-min load average ${loadBefore.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after` +
      ` (other processes share the cores); server log level ${args['log-level']}`,
  );
  report(`fixed rate ${rate} req/s, ${rateConnections} connections, ${duration} s`, fixed);
  report(`concurrency ${connections}, unthrottled, ${duration} s`, open);
  if (reloading)
    report(
      `fixed rate ${rate} req/s during a full reload of the mart (${reloaded ? 'reload done' : 'NO RELOAD SEEN'})`,
      reloading,
    );
  console.log(`\naccess log lines written: ${logLines.toLocaleString('en')}`);
  const p99Ok = fixed.p99 < 5;
  const rpsOk = open.rps > 5000;
  console.log(`goal p99 < 5 ms at ${rate} req/s: ${p99Ok ? 'met' : 'MISSED'} (${fixed.p99.toFixed(2)} ms)`);
  console.log(
    `goal > 5,000 req/s at concurrency ${connections}: ${rpsOk ? 'met' : 'MISSED'} (${Math.round(open.rps).toLocaleString('en')} req/s)`,
  );
  const errors = fixed.errors + open.errors + (reloading?.errors ?? 0);
  console.log(`errors (non-200, socket errors, timeouts): ${errors}`);
  if (errors > 0 || (reloading && !reloaded)) process.exitCode = 1;
} finally {
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    await new Promise((r) => child!.once('exit', r));
  }
  rmSync(dir, { recursive: true, force: true });
}

interface Figures {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
  autocannonP50: number;
  autocannonP99: number;
  errors: number;
}

async function load(options: {
  url: string;
  requests: autocannon.Request[];
  headers: Record<string, string>;
  connections: number;
  duration: number;
  overallRate?: number;
}): Promise<Figures> {
  const latencies: number[] = [];
  let non200 = 0;
  const result = await new Promise<autocannon.Result>((resolveResult, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        duration: options.duration,
        overallRate: options.overallRate,
        headers: options.headers,
        requests: options.requests,
        timeout: 10,
      },
      (error: unknown, done: autocannon.Result) =>
        error ? reject(error instanceof Error ? error : new Error(String(error))) : resolveResult(done),
    );
    instance.on('response', (_client, status, _bytes, ms) => {
      latencies.push(ms);
      if (status !== 200) non200++;
    });
  });
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  return {
    requests: latencies.length,
    rps: latencies.length / options.duration,
    p50: at(0.5),
    p99: at(0.99),
    p999: at(0.999),
    max: latencies[latencies.length - 1] ?? NaN,
    autocannonP50: result.latency.p50,
    autocannonP99: result.latency.p99,
    errors: non200 + result.errors + result.timeouts,
  };
}

function report(title: string, f: Figures): void {
  console.log(`\n${title}`);
  console.log(
    `  requests ${f.requests.toLocaleString('en')}, ${Math.round(f.rps).toLocaleString('en')} req/s, errors ${f.errors}`,
  );
  console.log(
    `  latency ms: p50 ${f.p50.toFixed(3)}  p99 ${f.p99.toFixed(3)}  p99.9 ${f.p999.toFixed(3)}  max ${f.max.toFixed(3)}` +
      `  (autocannon, whole ms: p50 ${f.autocannonP50}, p99 ${f.autocannonP99})`,
  );
}

/** The mart at scale, with the spread of the real export; ids are valid 18-character Salesforce ids. */
async function buildWarehouse(path: string, count: number): Promise<void> {
  const warehouse = await DuckDbWarehouse.open({ path });
  try {
    await ensureOpsTables(warehouse);
    await warehouse.execute(
      `CREATE OR REPLACE TABLE marts.opportunity_lookup AS
       SELECT
         ${idSql('i')} AS id,
         CAST(18 + (${h(1, 60)}) AS DOUBLE) AS age_emprunteur,
         (['CIC', 'BNP PARIBAS', 'CREDIT AGRICOLE', 'SOCIETE GENERALE', 'LCL', 'CAISSE D''EPARGNE', NULL])[1 + ${h(2, 7)}] AS banque_principale,
         CASE WHEN ${h(3, 1000)} < 408 THEN TRUE ELSE FALSE END AS deja_souscrit_credit_immo,
         (['Salarié du privé', 'Salarié du privé', 'Salarié du privé', 'Salarié du public', 'Dirigeant de société', 'Retraité'])[1 + ${h(4, 6)}] AS categorie_professionnelle,
         (['CDI période d''essai terminée', 'CDI période d''essai terminée', 'Fonctionnaire ou assimilé', 'CDD'])[1 + ${h(5, 4)}] AS contrat_travail,
         round(1500 + (${h(6, 1000000)}) / 100.0, 2) AS revenu_total,
         CAST(50000 + ${h(7, 450000)} AS DOUBLE) AS montant_pret_principal,
         (['1-Découverte', '2-Montage', '3-Banque', '4-Accord', '5-Signé', '6-Perdue'])[1 + ${h(8, 6)}] AS stage_name,
         TIMESTAMP '2022-01-01' + to_seconds(${h(9, 60000000)}) AS created_at,
         CASE WHEN ${h(10, 10)} < 7 THEN 'a0B5q0000' || lpad(CAST(i AS VARCHAR), 6, '0') || 'AAA' END AS best_proposition_id,
         CASE WHEN ${h(10, 10)} < 7 THEN round(2.5 + (${h(11, 200)}) / 100.0, 2) END AS best_interest_rate,
         CASE WHEN ${h(10, 10)} < 7 THEN CAST(120 + 60 * (${h(12, 4)}) AS DOUBLE) END AS best_duration_months,
         CASE WHEN ${h(10, 10)} < 7 THEN (['CIC', 'BNP PARIBAS', 'LCL'])[1 + ${h(13, 3)}] END AS best_bank_name
       FROM range(@count) AS t(i)`,
      { count },
    );
    await warehouse.execute(
      `INSERT INTO ${warehouse.qualify(PIPELINE_RUNS.ref)} (run_id, kind, status, started_at, ended_at) VALUES ('bench', 'manual', 'success', @now, @now)`,
      { now: new Date() },
    );
  } finally {
    await warehouse.close();
  }
}

/** A pseudo-random whole number in [0, mod) drawn from row `i` and stream `k`. */
function h(k: number, mod: number): string {
  return `CAST(hash(i, ${k}) % ${mod} AS BIGINT)`;
}

/** '0065q0000' + 6 digits + 'AAA': digits and a lower-case letter only, so the checksum is AAA. */
function idSql(i: string): string {
  return `'0065q0000' || lpad(CAST(${i} AS VARCHAR), 6, '0') || 'AAA'`;
}

/** A finished pipeline run that changed the mart, as the runner records it. */
async function recordRun(path: string): Promise<void> {
  const warehouse = await DuckDbWarehouse.open({ path });
  try {
    await warehouse.execute(`UPDATE marts.opportunity_lookup SET stage_name = '5-Signé' WHERE id = @id`, { id: randomId(rows) });
    await warehouse.execute(
      `INSERT INTO ${warehouse.qualify(PIPELINE_RUNS.ref)} (run_id, kind, status, started_at, ended_at) VALUES ('bench-2', 'manual', 'success', @now, @now)`,
      { now: new Date() },
    );
  } finally {
    await warehouse.close();
  }
}

async function loadedAt(url: string): Promise<string> {
  return ((await (await fetch(`${url}/healthz`)).json()) as { loaded_at: string }).loaded_at;
}

function randomId(count: number): string {
  return `0065q0000${String(Math.floor(Math.random() * count)).padStart(6, '0')}AAA`;
}

async function startServer(): Promise<{ child: ChildProcess; url: string }> {
  const env = {
    ...process.env,
    ELT_WAREHOUSE: 'duckdb',
    ELT_DUCKDB_PATH: dbPath,
    LOOKUP_API_KEY: apiKey,
    LOG_LEVEL: args['log-level'],
    LOOKUP_CACHE_TTL_SECONDS: '1',
    CI: 'true',
  };
  const log = openSync(logPath, 'a');
  try {
    if (args.server === 'cli') {
      const proc = spawn(
        process.execPath,
        ['--import', 'tsx', 'pipelines/cli/main.ts', 'serve-lookup', '--port', '0', '--host', '127.0.0.1'],
        {
          cwd: root,
          env,
          stdio: ['ignore', 'pipe', log],
        },
      );
      const url = await new Promise<string>((resolveUrl, reject) => {
        let out = '';
        proc.stdout!.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const match = /listening on (http:\/\/\S+)/.exec(out);
          if (match) resolveUrl(match[1]!);
        });
        proc.once('exit', (code) =>
          reject(new Error(`serve-lookup exited with code ${code}; see its log: ${readFileSync(logPath, 'utf8').slice(-2000)}`)),
        );
      });
      return { child: proc, url };
    }
    const port = await freePort();
    const main = join(root, 'node_modules/@google-cloud/functions-framework/build/src/main.js');
    const proc = spawn(
      process.execPath,
      ['--import', 'tsx', main, '--target=lookup', `--source=${join(root, 'pipelines/lookup/function.ts')}`, `--port=${port}`],
      {
        cwd: root,
        env,
        stdio: ['ignore', log, log],
      },
    );
    return { child: proc, url: `http://127.0.0.1:${port}` };
  } finally {
    closeSync(log);
  }
}

async function waitHealthy(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null)
      fail(`server exited with code ${child.exitCode}; log: ${readFileSync(logPath, 'utf8').slice(-2000)}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server not healthy after ${timeoutMs} ms; log: ${readFileSync(logPath, 'utf8').slice(-2000)}`);
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolvePort(port));
    });
  });
}

function countLines(path: string, needle: string): number {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.includes(needle)).length;
}

function positive(name: keyof typeof args): number {
  const value = Number(args[name]);
  if (!Number.isFinite(value) || value <= 0) fail(`--${name} must be a positive number`);
  return value;
}

function fail(message: string): never {
  console.error(`bench/lookup: ${message}`);
  process.exit(2);
}
