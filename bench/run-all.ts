/**
 * Runs the benchmarks one after the other, each in its own process, keeps each one's output in
 * .bench/<name>.txt (git-ignored), and prints a markdown summary: every figure with the command that
 * produced it. Figures are parsed from the benchmarks' own printed tables; when a table cannot be read,
 * the summary says so and points at the output file.
 *
 *   npm run bench                                  # everything: about 30 min on 2 cores
 *   npx tsx bench/run-all.ts --only csv,hourly     # some of them (csv, api, lookup, hourly)
 *   npx tsx bench/run-all.ts --quick               # smaller sizes, shorter durations: a smoke run
 *
 * Sizes: CSV exports at 1x and 10x the real one (174,000 and 1,740,000 opportunities), API windows of
 * 100,000 and 1,000,000 events, the lookup 60 s at 1,000 req/s, the hourly run after a 1-day, a 7-day
 * and a 30-day history.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    only: { type: 'string', default: 'csv,api,lookup,hourly' },
    quick: { type: 'boolean', default: false },
    out: { type: 'string', default: '.bench' },
  },
});

const ROOT = resolve(import.meta.dirname, '..');
const OUT = resolve(args.out as string);
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
const quick = args.quick as boolean;

interface Bench {
  name: 'csv' | 'api' | 'lookup' | 'hourly';
  script: string;
  args: string[];
  summarize(output: string): Row[];
}

/** One line of the summary. */
interface Row {
  figure: string;
  value: string;
  rss: string;
}

interface Outcome {
  bench: Bench;
  command: string;
  code: number | null;
  seconds: number;
  /** Largest peak RSS of any process of the benchmark (GNU time), MB. */
  maxRssMb: number | null;
  rows: Row[];
}

const BENCHES: Bench[] = [
  {
    name: 'csv',
    script: 'bench/csv-load.ts',
    args: quick ? ['--scales', 'real', '--repeat', '1'] : ['--scales', 'real,1740000', '--repeat', '1'],
    summarize: csvRows,
  },
  {
    name: 'api',
    script: 'bench/api-extract.ts',
    args: ['--events', quick ? '100000' : '1000000'],
    summarize: apiRows,
  },
  {
    name: 'lookup',
    script: 'bench/lookup.ts',
    args: ['--duration', quick ? '10' : '60', '--rate', '1000'],
    summarize: lookupRows,
  },
  {
    name: 'hourly',
    script: 'bench/hourly-history.ts',
    args: [
      ...(quick ? ['--days', '1,7', '--repeat', '1'] : ['--days', '1,7,30', '--repeat', '3']),
      '--data',
      relative(ROOT, join(OUT, 'hourly-history')),
    ],
    summarize: () => hourlyRows(),
  },
];

const wanted = new Set((args.only as string).split(',').map((s) => s.trim()));
for (const name of wanted) {
  if (!BENCHES.some((b) => b.name === name)) {
    console.error(`bench/run-all: unknown benchmark ${JSON.stringify(name)} in --only (csv, api, lookup, hourly)`);
    process.exit(2);
  }
}

mkdirSync(OUT, { recursive: true });
const loadBefore = loadavg()[0]!;
const startedAt = new Date();
const outcomes: Outcome[] = [];
for (const bench of BENCHES.filter((b) => wanted.has(b.name))) outcomes.push(await runBench(bench));
const summary = renderSummary(outcomes);
writeFileSync(join(OUT, 'summary.md'), summary);
console.log(`\n${summary}`);
console.log(`(written to ${join(args.out as string, 'summary.md')}; each benchmark's output in ${args.out}/<name>.txt)`);
if (outcomes.some((o) => o.code !== 0)) process.exitCode = 1;

async function runBench(bench: Bench): Promise<Outcome> {
  const command = `npx tsx ${bench.script} ${bench.args.join(' ')}`;
  const outFile = join(OUT, `${bench.name}.txt`);
  const timeFile = join(OUT, `${bench.name}.time`);
  console.error(`\n=== ${command}  (output: ${outFile})`);
  const node = [process.execPath, '--import', 'tsx', bench.script, ...bench.args];
  const [program, ...rest] = TIME ? [TIME, '-o', timeFile, '-f', '%M', ...node] : node;
  const started = performance.now();
  const child = spawn(program!, rest, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    process.stderr.write(chunk);
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    process.stderr.write(chunk);
  });
  const code = await new Promise<number | null>((resolveCode) => child.once('close', resolveCode));
  const seconds = (performance.now() - started) / 1000;
  writeFileSync(outFile, `$ ${command}\n${output}`);
  let maxRssMb: number | null = null;
  if (TIME && existsSync(timeFile)) {
    const kb = Number(readFileSync(timeFile, 'utf8').trim().split('\n').pop());
    if (Number.isFinite(kb)) maxRssMb = kb / 1024;
  }
  let rows: Row[];
  try {
    rows = bench.summarize(output);
  } catch (error) {
    rows = [];
    console.error(`could not read the figures of ${bench.name}: ${(error as Error).message}`);
  }
  if (rows.length === 0) rows = [{ figure: `${bench.name}: figures not found`, value: `see ${outFile}`, rss: '' }];
  return { bench, command, code, seconds, maxRssMb, rows };
}

function num(text: string): string {
  return Number(text.replace(/,/g, '')).toLocaleString('en');
}

/** `bench/csv-load.ts` table: scale rows MB ours-s rows/s stage-s commit-s duckdb-s rows/s ratio ours-RSS duckdb-RSS. */
function csvRows(output: string): Row[] {
  const line =
    /^(\S+)\s+(\d+)\s+(\d+)\s+([\d.]+)\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+(\d+)\s+([\d.]+)x\s+(\d+)\s+(\d+)\s*$/gm;
  return [...output.matchAll(line)].map((m) => ({
    figure: `CSV load, opportunities export \`${m[1]}\` (${num(m[2]!)} rows, ${m[3]} MB)`,
    value:
      `${m[4]} s, ${num(m[5]!)} rows/s (stage ${m[6]} s + commit ${m[7]} s); ` +
      `DuckDB read_csv alone ${m[8]} s: ratio ${m[10]}x`,
    rss: `${m[11]} MB (DuckDB alone ${m[12]} MB)`,
  }));
}

/** `bench/api-extract.ts` table: size mode events seconds events/s CPU-s RSS heap rows. */
function apiRows(output: string): Row[] {
  const line =
    /^(\S+)\s+(fetch \+ parse only|extract \+ load \(DuckDB\))\s+(\d+)\s+([\d.]+)\s+(\d+)\s+([\d.]+)\s+(\d+)\s+(\d+)\s*(\d*)\s*$/gm;
  const rows = [...output.matchAll(line)];
  const out: Row[] = [];
  for (const m of rows.filter((r) => r[2]!.startsWith('extract'))) {
    const fetch = rows.find((r) => r[1] === m[1] && r[2]!.startsWith('fetch'));
    out.push({
      figure: `API extraction, one window of ${num(m[3]!)} events (${m[1]})`,
      value:
        `${m[4]} s extract + load, ${num(m[5]!)} events/s, ${m[9] ? `${num(m[9])} rows in raw.mkt_events` : ''}` +
        (fetch ? `; fetch + parse alone ${fetch[4]} s: ratio ${(Number(m[4]) / Number(fetch[4])).toFixed(2)}x` : ''),
      rss: `${m[7]} MB (JS heap ${m[8]} MB)`,
    });
  }
  return out;
}

/** `bench/lookup.ts`: per phase `requests N, R req/s, errors E` and `latency ms: p50 .. p99 ..`. */
function lookupRows(output: string): Row[] {
  const phase =
    /\n(fixed rate[^\n]*|concurrency[^\n]*)\n\s+requests ([\d,]+), ([\d,]+) req\/s, errors (\d+)\n\s+latency ms: p50 ([\d.]+)\s+p99 ([\d.]+)\s+p99\.9 ([\d.]+)/g;
  return [...output.matchAll(phase)].map((m) => ({
    figure: `Lookup: ${m[1]}`,
    value: `${num(m[2]!)} requests, ${num(m[3]!)} req/s, **${m[4]} errors**; latency p50 ${m[5]} ms, p99 ${m[6]} ms, p99.9 ${m[7]} ms`,
    rss: '',
  }));
}

/** `bench/hourly-history.ts` writes its figures to .bench/hourly-history/results.json. */
function hourlyRows(): Row[] {
  const path = join(OUT, 'hourly-history', 'results.json');
  const results = JSON.parse(readFileSync(path, 'utf8')) as {
    crmScale: string;
    eventsPerDay: number;
    results: Array<{
      days: number;
      exports: number;
      events: number;
      runsRecorded: number;
      historyRunMs: number;
      historyPeakRssMb: number | null;
      median: { wallMs: number; runMs: number; stages: Record<string, number>; newEvents: number; peakRssMb: number | null };
    }>;
  };
  const s = (ms: number) => (ms / 1000).toFixed(2);
  const rows: Row[] = results.results.map((r) => ({
    figure: `Hourly run after a ${r.days}-day history (${r.exports} daily CRM exports at \`${results.crmScale}\`, ${r.events.toLocaleString('en')} events, ${r.runsRecorded} runs in ops)`,
    value:
      `${s(r.median.wallMs)} s wall (run ${s(r.median.runMs)} s: CRM ${s(r.median.stages.crm ?? 0)} s, marketing ${s(r.median.stages.marketing ?? 0)} s, ` +
      `models ${s(r.median.stages.models ?? 0)} s; ${r.median.newEvents} new events); the ${r.days}-day catch-up run itself ${s(r.historyRunMs)} s`,
    rss: r.median.peakRssMb === null ? 'n/a' : `${r.median.peakRssMb.toFixed(0)} MB`,
  }));
  const first = results.results[0];
  const last = results.results[results.results.length - 1];
  if (first && last && first !== last) {
    const ratio = last.median.runMs / first.median.runMs;
    const wall = last.median.wallMs / first.median.wallMs;
    const stages = (['crm', 'marketing', 'models'] as const)
      .map((k) => `${k} ${s(first.median.stages[k] ?? 0)} -> ${s(last.median.stages[k] ?? 0)} s`)
      .join(', ');
    rows.push({
      figure: `Hourly run: ${last.days}-day / ${first.days}-day history`,
      value: `**${ratio.toFixed(2)}x** run time, ${wall.toFixed(2)}x wall time (${ratio <= 1.5 ? 'flat: within 1.5x' : 'GROWS with the history'}); ${stages}`,
      rss: '',
    });
  }
  return rows;
}

function renderSummary(all: Outcome[]): string {
  const lines: string[] = [];
  lines.push(
    `## Benchmarks: ${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC, ${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? '?'}), ` +
      `node ${process.version}, 1-min load average ${loadBefore.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after`,
  );
  lines.push('', '| Figure | Value | Peak RSS | Command |', '|---|---|---|---|');
  for (const o of all) {
    for (const r of o.rows) lines.push(`| ${r.figure} | ${r.value} | ${r.rss} | \`${o.command}\` |`);
  }
  lines.push('', '| Benchmark | Exit | Wall time | Largest peak RSS of any of its processes | Output |', '|---|---|---|---|---|');
  for (const o of all) {
    lines.push(
      `| \`${o.bench.script}\` | ${o.code} | ${o.seconds.toFixed(0)} s | ${o.maxRssMb === null ? 'n/a' : `${o.maxRssMb.toFixed(0)} MB`} | ` +
        `\`${join(args.out as string, `${o.bench.name}.txt`)}\` |`,
    );
  }
  lines.push(
    '',
    `Reproduce all: \`npx tsx bench/run-all.ts${quick ? ' --quick' : ''}${args.only !== 'csv,api,lookup,hourly' ? ` --only ${args.only}` : ''}\``,
  );
  return `${lines.join('\n')}\n`;
}
