/**
 * Benchmark of the CRM export generator: wall time, rows per second and peak RSS for each scale asked
 * for. Each scale runs in its own child process, so each peak RSS is that run's alone; memory must stay
 * flat as the scale grows (the writer streams).
 *
 *   npx tsx bench/generate-crm.ts                          # small, real and 10x real (1,740,000)
 *   npx tsx bench/generate-crm.ts --scales real --dirt all --keep
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateCrmExports } from '../pipelines/generate/generate-crm.js';
import type { DirtLevel } from '../pipelines/generate/manifest.js';

const { values: args } = parseArgs({
  options: {
    scales: { type: 'string', default: 'small,real,1740000' },
    dirt: { type: 'string', default: 'realistic' },
    seed: { type: 'string', default: '42' },
    keep: { type: 'boolean', default: false },
    child: { type: 'string' },
    out: { type: 'string' },
  },
});

if (args.child) {
  // One measured run; reports on stdout as JSON for the parent.
  const manifest = await generateCrmExports({
    dir: args.out as string,
    scale: args.child,
    seed: Number(args.seed),
    dirt: args.dirt as DirtLevel,
  });
  const rows = manifest.files.reduce((sum, f) => sum + f.rows, 0);
  const bytes = manifest.files.reduce((sum, f) => sum + f.bytes, 0);
  process.stdout.write(
    JSON.stringify({
      scale: args.child,
      opportunities: manifest.opportunities,
      rows,
      bytes,
      joined: manifest.expected.joinedPropositions,
      durationMs: manifest.durationMs,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
    }),
  );
} else {
  console.log(`generate-crm benchmark: dirt ${args.dirt}, seed ${args.seed}, node ${process.version}`);
  console.log('scale        opportunities   rows total    MB   joined   seconds   rows/s   peak RSS MB');
  let failed = false;
  for (const scale of (args.scales as string).split(',')) {
    const out = mkdtempSync(join(tmpdir(), 'bench-generate-'));
    const child = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        import.meta.filename,
        '--child',
        scale,
        '--out',
        out,
        '--seed',
        args.seed as string,
        '--dirt',
        args.dirt as string,
      ],
      { encoding: 'utf8', maxBuffer: 1 << 20 },
    );
    if (child.status !== 0) {
      failed = true;
      console.error(`scale ${scale} failed: ${child.stderr}`);
    } else {
      const r = JSON.parse(child.stdout) as Record<string, number>;
      console.log(
        [
          scale.padEnd(12),
          String(r.opportunities).padStart(13),
          String(r.rows).padStart(12),
          (r.bytes! / 1e6).toFixed(0).padStart(5),
          String(r.joined).padStart(8),
          (r.durationMs! / 1000).toFixed(2).padStart(9),
          String(Math.round(r.rows! / (r.durationMs! / 1000))).padStart(8),
          r.peakRssMb!.toFixed(0).padStart(13),
        ].join(' '),
      );
    }
    if (args.keep) console.log(`  kept in ${out}`);
    else rmSync(out, { recursive: true, force: true });
  }
  process.exitCode = failed ? 1 : 0;
}
