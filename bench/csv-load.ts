/**
 * Benchmark of the CRM CSV loader: loads a generated opportunities export (the `real` scale, ~174,000
 * rows, and 10x that) into a fresh DuckDB warehouse with `extractLoadCrm`, and the same file with DuckDB
 * alone (`CREATE TABLE t AS SELECT * FROM read_csv('file')`). Prints rows/s, the ratio of the two, the
 * split of our time between staging (scan, parse, type, Parquet) and the warehouse commit, and the peak
 * RSS of each run: every run is a child process, so each peak is that run's alone. Memory must stay flat
 * when the file grows 10x (DuckDB's memory limits bound the scratch and the warehouse instances).
 *
 *   npx tsx bench/csv-load.ts                                   # real and 10x real, median of 3 runs
 *   npx tsx bench/csv-load.ts --scales real --repeat 1
 *   npx tsx bench/csv-load.ts --scratch-memory 256MB --warehouse-memory 1GB --dirt all
 *
 * Generated exports are kept under .bench/csv-load/ and reused by later runs.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { loadConfig } from '../pipelines/config/config.js';
import { silentLogger } from '../pipelines/core/logger.js';
import { extractLoadCrm } from '../pipelines/extract/csv/extract-load-crm.js';
import type { LoadProgress, Phase } from '../pipelines/extract/csv/load-progress.js';
import { exportFileName, generateCrmExports } from '../pipelines/generate/index.js';
import type { DirtLevel } from '../pipelines/generate/manifest.js';
import { DuckDbWarehouse } from '../pipelines/warehouse/duckdb/duckdb-warehouse.js';

const { values: args } = parseArgs({
  options: {
    scales: { type: 'string', default: 'real,1740000' },
    repeat: { type: 'string', default: '3' },
    dirt: { type: 'string', default: 'realistic' },
    seed: { type: 'string', default: '42' },
    'scratch-memory': { type: 'string', default: '512MB' },
    'warehouse-memory': { type: 'string', default: '1GB' },
    data: { type: 'string', default: '.bench/csv-load' },
    child: { type: 'string' },
    dir: { type: 'string' },
    file: { type: 'string' },
    db: { type: 'string' },
  },
});

const DATE = '2026-11-29';

interface RunFigures {
  rows: number;
  ms: number;
  stageMs?: number;
  commitMs?: number;
  peakRssMb: number;
}

if (args.child === 'loader') {
  // One measured load of one export file into a fresh warehouse.
  const warehouse = await DuckDbWarehouse.open({ path: args.db as string, memoryLimit: args['warehouse-memory'] });
  let commitAt = 0;
  const progress: LoadProgress = {
    start: () => undefined,
    update: (phase: Phase, fraction: number) => {
      if (phase === 'commit' && fraction === 0) commitAt = performance.now();
    },
    stop: () => undefined,
  };
  const started = performance.now();
  const [, result] = await extractLoadCrm({
    warehouse,
    dir: args.dir as string,
    patterns: loadConfig({}).csv.patterns,
    workDir: mkdtempSync(join(tmpdir(), 'bench-csv-work-')),
    runId: 'bench',
    logger: silentLogger(),
    files: [args.file as string],
    progress,
    scratchMemoryLimit: args['scratch-memory'],
  });
  const ended = performance.now();
  await warehouse.close();
  const counts = result?.counts?.['raw.crm_opportunities'];
  if (result?.status !== 'success' || !counts) throw new Error(`load failed: ${JSON.stringify(result)}`);
  const figures: RunFigures = {
    rows: counts.loaded,
    ms: ended - started,
    stageMs: commitAt - started,
    commitMs: ended - commitAt,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(JSON.stringify(figures));
} else if (args.child === 'baseline') {
  const instance = await DuckDBInstance.create(args.db as string);
  const connection = await instance.connect();
  const started = performance.now();
  await connection.run(`CREATE TABLE t AS SELECT * FROM read_csv('${(args.file as string).replace(/'/g, "''")}')`);
  const ended = performance.now();
  const reader = await connection.runAndReadAll('SELECT count(*)::INTEGER AS n FROM t');
  const rows = Number(reader.getRowObjectsJS()[0]?.n);
  connection.closeSync();
  instance.closeSync();
  const figures: RunFigures = { rows, ms: ended - started, peakRssMb: process.resourceUsage().maxRSS / 1024 };
  process.stdout.write(JSON.stringify(figures));
} else {
  await main();
}

async function main(): Promise<void> {
  const repeat = Number(args.repeat);
  console.log(
    `csv-load benchmark: dirt ${args.dirt}, seed ${args.seed}, scratch DuckDB memory ${args['scratch-memory']}, ` +
      `warehouse memory ${args['warehouse-memory']}, median of ${repeat} run(s), node ${process.version}`,
  );
  console.log(
    'scale       rows       MB    ours s  rows/s   stage s  commit s  duckdb s  rows/s   ratio  ours RSS MB  duckdb RSS MB',
  );
  for (const scale of (args.scales as string).split(',')) {
    const dir = await exportsFor(scale);
    const file = join(dir, exportFileName('opportunities', DATE));
    const mb = readFileSync(file).length / 1e6;
    const ours: RunFigures[] = [];
    const base: RunFigures[] = [];
    for (let i = 0; i < repeat; i++) {
      const scratch = mkdtempSync(join(tmpdir(), 'bench-csv-db-'));
      ours.push(child(['--child', 'loader', '--dir', dir, '--file', file, '--db', join(scratch, 'warehouse.duckdb')]));
      base.push(child(['--child', 'baseline', '--file', file, '--db', join(scratch, 'baseline.duckdb')]));
      rmSync(scratch, { recursive: true, force: true });
    }
    const o = median(ours);
    const b = median(base);
    if (o.rows !== b.rows) throw new Error(`row counts differ: ours ${o.rows}, duckdb ${b.rows}`);
    console.log(
      [
        scale.padEnd(10),
        String(o.rows).padStart(8),
        mb.toFixed(0).padStart(6),
        (o.ms / 1000).toFixed(2).padStart(8),
        Math.round(o.rows / (o.ms / 1000))
          .toString()
          .padStart(7),
        ((o.stageMs ?? 0) / 1000).toFixed(2).padStart(8),
        ((o.commitMs ?? 0) / 1000).toFixed(2).padStart(9),
        (b.ms / 1000).toFixed(2).padStart(9),
        Math.round(b.rows / (b.ms / 1000))
          .toString()
          .padStart(7),
        `${(o.ms / b.ms).toFixed(2)}x`.padStart(7),
        o.peakRssMb.toFixed(0).padStart(12),
        b.peakRssMb.toFixed(0).padStart(14),
      ].join(' '),
    );
  }
  console.log(
    'ratio = our load time / DuckDB read_csv time (goal: within 2x); stage = scan + parse + type + Parquet; commit = warehouse.commitUnit',
  );
  console.log(
    `reproduce: npx tsx bench/csv-load.ts --scales ${args.scales} --repeat ${args.repeat} --dirt ${args.dirt} --scratch-memory ${args['scratch-memory']} --warehouse-memory ${args['warehouse-memory']}`,
  );
}

/** The generated exports of a scale, generated once and kept. */
async function exportsFor(scale: string): Promise<string> {
  const dir = resolve(args.data as string, `${scale}-${args.dirt}-seed${args.seed}`);
  const marker = join(dir, '.complete');
  if (!existsSync(marker)) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const manifest = await generateCrmExports({ dir, scale, seed: Number(args.seed), date: DATE, dirt: args.dirt as DirtLevel });
    writeFileSync(marker, JSON.stringify({ opportunities: manifest.opportunities, durationMs: manifest.durationMs }));
  }
  return dir;
}

function child(extra: string[]): RunFigures {
  const common = ['--scratch-memory', args['scratch-memory'] as string, '--warehouse-memory', args['warehouse-memory'] as string];
  const run = spawnSync(process.execPath, ['--import', 'tsx', import.meta.filename, ...extra, ...common], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (run.status !== 0) throw new Error(`benchmark child failed (${extra[1]}): ${run.stderr}`);
  return JSON.parse(run.stdout) as RunFigures;
}

/** The run with the median time, with the highest peak RSS seen over all runs. */
function median(runs: RunFigures[]): RunFigures {
  const sorted = [...runs].sort((a, b) => a.ms - b.ms);
  const middle = sorted[Math.floor(sorted.length / 2)]!;
  return { ...middle, peakRssMb: Math.max(...runs.map((r) => r.peakRssMb)) };
}
