import type { Config } from '../config/config.js';
import { LOCKS, PIPELINE_RUNS } from '../state/ops-tables.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { checkFreshness, martFreshness, type FreshnessReport, type MartFreshness } from './freshness.js';

export interface StatusReport {
  now: string;
  runs: Array<{
    run_id: string;
    kind: string;
    status: string;
    started_at: string;
    ended_at: string | null;
    duration_s: number | null;
    error: string | null;
    rows: unknown;
  }>;
  sources: FreshnessReport[];
  marts: MartFreshness[];
  locks: Array<{ name: string; owner: string; acquired_at: string; expires_at: string; expired: boolean }>;
}

/** What the on-call engineer asks first: recent runs, how fresh every source and mart is, who holds the lock. */
export async function collectStatus(
  warehouse: Warehouse,
  config: Config,
  options: { limit?: number; now?: Date } = {},
): Promise<StatusReport> {
  const now = options.now ?? new Date();
  const runs = await warehouse.query<{
    run_id: string;
    kind: string;
    status: string;
    started_at: string;
    ended_at: string | null;
    error: string | null;
    row_counts: string | null;
  }>(
    `SELECT run_id, kind, status, started_at, ended_at, error, row_counts FROM ${warehouse.qualify(PIPELINE_RUNS.ref)} ORDER BY started_at DESC LIMIT @limit`,
    { limit: options.limit ?? 10 },
  );
  const locks = await warehouse.query<{ name: string; owner: string; acquired_at: string; expires_at: string }>(
    `SELECT name, owner, acquired_at, expires_at FROM ${warehouse.qualify(LOCKS.ref)} ORDER BY name`,
  );
  return {
    now: now.toISOString(),
    runs: runs.map((r) => ({
      run_id: r.run_id,
      kind: r.kind,
      status: r.status,
      started_at: r.started_at,
      ended_at: r.ended_at,
      error: r.error,
      duration_s: r.ended_at ? Math.round((new Date(r.ended_at).getTime() - new Date(r.started_at).getTime()) / 100) / 10 : null,
      rows: r.row_counts ? JSON.parse(r.row_counts) : null,
    })),
    sources: await checkFreshness(warehouse, config.freshness, now),
    marts: await martFreshness(warehouse, now),
    locks: locks.map((l) => ({ ...l, expired: new Date(l.expires_at) < now })),
  };
}

export function formatStatus(report: StatusReport): string {
  const lines: string[] = [`status at ${report.now}`, '', 'recent runs:'];
  if (report.runs.length === 0) lines.push('  (none yet)');
  for (const run of report.runs) {
    lines.push(
      `  ${run.run_id}  ${run.kind.padEnd(9)} ${run.status.padEnd(8)} ${run.started_at}  ${run.duration_s === null ? 'running' : `${run.duration_s} s`}${run.error ? `  ${run.error}` : ''}`,
    );
  }
  lines.push('', 'sources (newest data, age, level):');
  for (const s of report.sources) {
    lines.push(
      `  ${s.name.padEnd(20)} ${(s.newest ?? '-').padEnd(26)} ${s.ageHours === null ? '-'.padEnd(10) : `${s.ageHours} h`.padEnd(10)} ${s.level.toUpperCase()}${s.level === 'warn' || s.level === 'error' ? ` (warn > ${s.warnHours} h, error > ${s.errorHours} h)` : ''}`,
    );
  }
  lines.push('', 'marts (last successful build, age):');
  if (report.marts.length === 0) lines.push('  (none built yet)');
  for (const m of report.marts) lines.push(`  ${m.name.padEnd(40)} ${m.builtAt}  ${m.ageHours} h`);
  lines.push('', 'locks:');
  if (report.locks.length === 0) lines.push('  (none held)');
  for (const l of report.locks)
    lines.push(`  ${l.name}: held by ${l.owner} since ${l.acquired_at}, ${l.expired ? 'EXPIRED' : 'expires'} ${l.expires_at}`);
  return lines.join('\n');
}
