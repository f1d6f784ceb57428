/**
 * Benchmark of the marketing API extraction: the simulator serves ~1M events on loopback from a child
 * process; separate worker processes (so that each peak RSS is its own) then
 *   - fetch and parse the same pages without loading them (the floor: network, server, JSON.parse),
 *   - extract and load them into a fresh DuckDB file (typing, NDJSON staging, commit units),
 * at a tenth of the events and at all of them (default 100k and 1M). Prints events/s, the load/fetch
 * time ratio (goal: under 2x), peak RSS and peak JS heap (goal: flat from 100k to 1M).
 *
 * The warehouse gets DuckDB's memory_limit from --duckdb-memory (default 256MB). DuckDB keeps the blocks
 * it wrote cached up to that limit, so the load's peak RSS follows the limit rather than the events: with
 * 1GB it climbs as the table grows until the cache is full (about 700 MB at 100k, 1.4 GB at 1M), with
 * 256MB it stays at one commit unit's working set. The 2-CPU host also runs the simulator: compare runs
 * at a low load average (printed), and the CPU seconds, which a busy host inflates less than wall time.
 *
 * Reproduce: npx tsx bench/api-extract.ts [--events 1000000] [--page-limit 1000] [--duckdb-memory 256MB]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { silentLogger } from '../pipelines/core/logger.js';
import { MarketingApiClient, type Page } from '../pipelines/extract/api/api-client.js';
import { extractLoadMarketing } from '../pipelines/extract/api/extract-load-marketing.js';
import { startSimulator } from '../pipelines/simulator/server.js';
import { DuckDbWarehouse } from '../pipelines/warehouse/duckdb/duckdb-warehouse.js';

const TOKEN = 'bench-token';
const DAY_MS = 86_400_000;
// Visits span 4 days ending 3 days before NOW, so that late and duplicate deliveries have all arrived: one 7-day window.
const NOW = Date.parse('2026-03-15T00:00:00Z');
const FROM = NOW - 7 * DAY_MS;

interface WorkerResult {
  mode: 'fetch' | 'load';
  events: number;
  seconds: number;
  maxRssMb: number;
  /** Peak of V8's used heap, sampled: what the extractor itself holds. */
  maxHeapMb: number;
  /** CPU time of the worker (all threads, DuckDB's included): less sensitive than wall time to a busy host. */
  cpuSeconds: number;
  /** Peak RSS in each tenth of the run: flat memory shows no upward trend. */
  rssByTenthMb: number[];
  written?: number;
}

function cpuSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

/** Samples the heap and the RSS until the returned function is called. */
function sampleMemory(): () => { maxHeapMb: number; rssByTenthMb: number[] } {
  let maxHeap = 0;
  const rss: Array<[number, number]> = [];
  const started = performance.now();
  const sample = () => {
    const usage = process.memoryUsage();
    maxHeap = Math.max(maxHeap, usage.heapUsed);
    rss.push([performance.now() - started, usage.rss]);
  };
  const timer = setInterval(sample, 25);
  return () => {
    clearInterval(timer);
    sample();
    const tenth = (performance.now() - started) / 10;
    const rssByTenthMb = Array.from({ length: 10 }, () => 0);
    for (const [at, bytes] of rss) {
      const slot = Math.min(9, Math.floor(at / tenth));
      rssByTenthMb[slot] = Math.max(rssByTenthMb[slot]!, bytes / 2 ** 20);
    }
    return { maxHeapMb: maxHeap / 2 ** 20, rssByTenthMb };
  };
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

async function serve(totalEvents: number): Promise<void> {
  const sim = await startSimulator({
    now: new Date(NOW),
    from: new Date(FROM),
    to: new Date(NOW - 3 * DAY_MS),
    totalEvents,
    token: TOKEN,
    seed: 7,
    cacheEvents: 200_000,
  });
  console.log(JSON.stringify({ url: sim.url }));
  process.on('SIGTERM', () => void sim.close().then(() => process.exit(0)));
}

async function fetchOnly(url: string, to: number, pageLimit: number): Promise<WorkerResult> {
  const client = new MarketingApiClient({
    url,
    token: TOKEN,
    timeoutMs: 60_000,
    retry: { retries: 5, minDelayMs: 100, maxDelayMs: 1000, maxRetryTimeMs: 60_000 },
    logger: silentLogger(),
  });
  const request = { stream: 'events', table: 'raw.mkt_events', path: '/v1/events', window: { from: '', to: '' } };
  const memory = sampleMemory();
  const cpu = process.cpuUsage();
  const started = performance.now();
  let events = 0;
  // The same one-page read-ahead as the extractor, so the floor is a fair one.
  let next: Promise<Page> | null = client.page(
    '/v1/events',
    { received_since: new Date(FROM).toISOString(), received_before: new Date(to).toISOString(), limit: pageLimit },
    request,
  );
  while (next) {
    const page: Page = await next;
    next = page.nextCursor ? client.page('/v1/events', { cursor: page.nextCursor }, request) : null;
    events += page.data.length;
  }
  client.close();
  const seconds = (performance.now() - started) / 1000;
  return {
    mode: 'fetch',
    events,
    seconds,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    ...memory(),
    cpuSeconds: cpuSince(cpu),
  };
}

async function extractAndLoad(url: string, to: number, pageLimit: number, memoryLimit: string): Promise<WorkerResult> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-api-'));
  const warehouse = await DuckDbWarehouse.open({ path: join(dir, 'bench.duckdb'), memoryLimit });
  try {
    const memory = sampleMemory();
    const cpu = process.cpuUsage();
    const started = performance.now();
    const [step] = await extractLoadMarketing({
      warehouse,
      api: { url, token: TOKEN, start: new Date(FROM).toISOString(), pageLimit, maxRetrySeconds: 60, lagSeconds: 0 },
      workDir: dir,
      runId: 'bench',
      logger: silentLogger(),
      now: () => new Date(to),
      streams: ['events'],
    });
    const seconds = (performance.now() - started) / 1000;
    const sampled = memory();
    if (step?.status !== 'success') throw new Error(`extraction failed: ${step?.error?.message}`);
    const [row] = await warehouse.query<{ n: number }>('SELECT count(*) AS n FROM raw.mkt_events');
    return {
      mode: 'load',
      events: step.counts?.['raw.mkt_events']?.read ?? 0,
      seconds,
      maxRssMb: process.resourceUsage().maxRSS / 1024,
      ...sampled,
      cpuSeconds: cpuSince(cpu),
      written: row?.n,
    };
  } finally {
    await warehouse.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function runChild(args: string[], onLine?: (line: string) => void): { done: Promise<string>; kill(): void } {
  const child = spawn(process.execPath, ['--import', 'tsx', import.meta.filename, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let last = '';
  createInterface({ input: child.stdout }).on('line', (line) => {
    last = line;
    onLine?.(line);
  });
  const done = new Promise<string>((resolve, reject) =>
    child.on('exit', (code, signal) =>
      code === 0 || signal === 'SIGTERM' ? resolve(last) : reject(new Error(`worker ${args.join(' ')} exited ${code ?? signal}`)),
    ),
  );
  return { done, kill: () => child.kill('SIGTERM') };
}

async function startServer(totalEvents: number): Promise<{ url: string; stop(): Promise<void> }> {
  let url = '';
  let server: ReturnType<typeof runChild> | undefined;
  await new Promise<void>((resolve) => {
    server = runChild(['--serve', String(totalEvents)], (line) => {
      if (!url && line.startsWith('{"url"')) {
        url = (JSON.parse(line) as { url: string }).url;
        resolve();
      }
    });
  });
  return {
    url,
    async stop() {
      server?.kill();
      await server?.done;
    },
  };
}

async function main(): Promise<void> {
  const [mode, ...rest] = process.argv.slice(2);
  if (mode === '--serve') return serve(Number(rest[0]));
  if (mode === '--worker') {
    const [kind, url, limit, memory] = rest;
    const result =
      kind === 'fetch' ? await fetchOnly(url!, NOW, Number(limit)) : await extractAndLoad(url!, NOW, Number(limit), memory!);
    console.log(JSON.stringify(result));
    return;
  }
  const totalEvents = arg('events', 1_000_000);
  const pageLimit = arg('page-limit', 1000);
  const memoryIndex = process.argv.indexOf('--duckdb-memory');
  const memoryLimit = memoryIndex >= 0 ? process.argv[memoryIndex + 1]! : '256MB';
  const small = Math.round(totalEvents / 10);
  const results: Array<WorkerResult & { size: string }> = [];
  for (const [size, events] of [
    [`${small / 1000}k`, small],
    [`${totalEvents / 1000}k`, totalEvents],
  ] as const) {
    // A fresh server per size: the same shape of data, ten times as much of it.
    const server = await startServer(events);
    for (const kind of ['fetch', 'load'] as const) {
      const line = await runChild(['--worker', kind, server.url, String(pageLimit), memoryLimit]).done;
      const result = JSON.parse(line) as WorkerResult;
      results.push({ ...result, size });
      console.error(`${size} ${kind}: ${result.events} events in ${result.seconds.toFixed(1)} s`);
    }
    await server.stop();
  }

  console.log(
    `\nMarketing API extraction (simulator on loopback in a child process, page limit ${pageLimit}, DuckDB memory_limit ${memoryLimit}, ${cpus().length} CPUs, load average ${loadavg()[0]!.toFixed(1)})`,
  );
  console.log(
    'size    mode                      events   seconds   events/s   CPU s   peak RSS MB   peak JS heap MB   rows in table',
  );
  for (const r of results) {
    console.log(
      [
        r.size.padEnd(7),
        (r.mode === 'fetch' ? 'fetch + parse only' : 'extract + load (DuckDB)').padEnd(24),
        String(r.events).padStart(8),
        r.seconds.toFixed(1).padStart(9),
        String(Math.round(r.events / r.seconds)).padStart(10),
        r.cpuSeconds.toFixed(1).padStart(7),
        r.maxRssMb.toFixed(0).padStart(13),
        r.maxHeapMb.toFixed(0).padStart(17),
        String(r.written ?? '').padStart(15),
      ].join(' '),
    );
  }
  const sizes = [...new Set(results.map((r) => r.size))];
  for (const size of sizes) {
    const f = results.find((r) => r.size === size && r.mode === 'fetch');
    const l = results.find((r) => r.size === size && r.mode === 'load');
    if (f && l) {
      console.log(
        `${size}: extract+load / fetch-only time ratio ${(l.seconds / f.seconds).toFixed(2)}x (goal < 2x); ` +
          `CPU ratio ${(l.cpuSeconds / f.cpuSeconds).toFixed(2)}x`,
      );
    }
  }
  const [a, b] = sizes.map((size) => results.find((r) => r.size === size && r.mode === 'load'));
  if (a && b) {
    console.log(
      `extract + load peak RSS ${a.maxRssMb.toFixed(0)} MB at ${a.size} vs ${b.maxRssMb.toFixed(0)} MB at ${b.size}; ` +
        `peak JS heap ${a.maxHeapMb.toFixed(0)} vs ${b.maxHeapMb.toFixed(0)} MB (goal: flat)`,
    );
  }
  for (const r of results.filter((result) => result.mode === 'load')) {
    console.log(
      `${r.size} extract + load, peak RSS in each tenth of the run (MB): ${r.rssByTenthMb.map((mb) => mb.toFixed(0)).join(' ')}`,
    );
  }
  console.log(
    `\nReproduce: npx tsx bench/api-extract.ts --events ${totalEvents} --page-limit ${pageLimit} --duckdb-memory ${memoryLimit}`,
  );
}

await main();
