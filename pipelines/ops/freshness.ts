import type { Config } from '../config/config.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import type { Layer } from '../warehouse/types.js';

/** A source or mart, and the SQL expression giving the time of its newest data. */
export interface FreshnessTarget {
  name: string;
  layer: Layer;
  table: string;
  /** Expression over the table giving the newest data time (a TIMESTAMP). */
  newest: string;
  /** Default thresholds in hours, before configuration. */
  warnHours?: number;
  errorHours?: number;
}

/**
 * The sources whose freshness `status` shows and each run checks, judged by the newest data that
 * arrived. CRM exports arrive daily, marketing events continuously.
 */
export const FRESHNESS_TARGETS: FreshnessTarget[] = [
  { name: 'crm_opportunities', layer: 'raw', table: 'crm_opportunities', newest: 'MAX(_exported_at)' },
  { name: 'crm_propositions', layer: 'raw', table: 'crm_propositions', newest: 'MAX(_exported_at)' },
  { name: 'crm_banks', layer: 'raw', table: 'crm_banks', newest: 'MAX(_exported_at)' },
  { name: 'mkt_events', layer: 'raw', table: 'mkt_events', newest: 'MAX(received_at)', warnHours: 3, errorHours: 12 },
  { name: 'mkt_users', layer: 'raw', table: 'mkt_users', newest: 'MAX(updated_at)', warnHours: 24, errorHours: 72 },
];

export interface FreshnessReport {
  name: string;
  newest: string | null;
  ageHours: number | null;
  /** ok, warn past the first threshold, error past the second; missing when the table does not exist yet. */
  level: 'ok' | 'warn' | 'error' | 'missing' | 'empty';
  warnHours: number;
  errorHours: number;
}

export async function checkFreshness(
  warehouse: Warehouse,
  config: Config['freshness'],
  now: Date = new Date(),
  targets = FRESHNESS_TARGETS,
): Promise<FreshnessReport[]> {
  const reports: FreshnessReport[] = [];
  for (const target of targets) {
    const override = config.perSource[target.name];
    const warnHours = override?.warn ?? target.warnHours ?? config.warnHours;
    const errorHours = override?.error ?? target.errorHours ?? config.errorHours;
    const info = await warehouse.describe({ layer: target.layer, name: target.table });
    if (!info) {
      reports.push({ name: target.name, newest: null, ageHours: null, level: 'missing', warnHours, errorHours });
      continue;
    }
    const [row] = await warehouse.query<{ newest: string | null }>(
      `SELECT ${target.newest} AS newest FROM ${warehouse.qualify({ layer: target.layer, name: target.table })}`,
    );
    const newest = row?.newest ?? null;
    if (!newest) {
      reports.push({ name: target.name, newest: null, ageHours: null, level: 'empty', warnHours, errorHours });
      continue;
    }
    const ageHours = (now.getTime() - new Date(newest).getTime()) / 3_600_000;
    const level = ageHours > errorHours ? 'error' : ageHours > warnHours ? 'warn' : 'ok';
    reports.push({ name: target.name, newest, ageHours: Math.round(ageHours * 100) / 100, level, warnHours, errorHours });
  }
  return reports;
}

export interface MartFreshness {
  name: string;
  /** End of the newest successful build. */
  builtAt: string;
  ageHours: number;
}

/** When each mart was last built successfully, from the run history. */
export async function martFreshness(warehouse: Warehouse, now: Date = new Date()): Promise<MartFreshness[]> {
  const steps = warehouse.qualify({ layer: 'ops', name: 'pipeline_steps' });
  const rows = await warehouse.query<{ step: string; built_at: string }>(
    `SELECT step, MAX(ended_at) AS built_at FROM ${steps} WHERE status = 'success' AND step LIKE 'model:marts.%' GROUP BY step ORDER BY step`,
  );
  return rows.map((r) => ({
    name: r.step.slice('model:'.length),
    builtAt: r.built_at,
    ageHours: Math.round(((now.getTime() - new Date(r.built_at).getTime()) / 3_600_000) * 100) / 100,
  }));
}
