import type { DuckDbWarehouse } from '../../../../pipelines/warehouse/duckdb/duckdb-warehouse.js';
import { insertRaw } from '../../support/crm-raw.js';
import { createRawMarketing, loadEvents, loadUsers } from './marketing-raw.js';
import { CRM, DUPLICATE_OF_A2, EVENTS, L0, L1, USERS } from './scenario.js';

/** The raw tables of the scenario (see scenario.ts): its events, the duplicate of a2, its users and CRM rows. */
export async function seedScenario(warehouse: DuckDbWarehouse): Promise<void> {
  await createRawMarketing(warehouse);
  await loadUsers(warehouse, L0, [USERS[0]!]);
  await loadEvents(warehouse, L1, EVENTS);
  await loadUsers(warehouse, L1, USERS.slice(1));
  await loadEvents(warehouse, { loadId: 'load-1b', loadedAt: '2026-03-13T02:00:00.000Z' }, [DUPLICATE_OF_A2]);
  await insertRaw(warehouse, 'opportunities', CRM.opportunities);
  await insertRaw(warehouse, 'banks', CRM.banks);
  await insertRaw(warehouse, 'propositions', CRM.propositions);
}

/** Every relation the marketing models build, with an order that makes its rows comparable. */
export const MARKETING_RELATIONS = [
  'staging.stg_mkt_events',
  'marts.fct_events',
  'marts.fct_sessions',
  'marts.traffic_daily',
  'marts.funnel_daily',
  'marts.dim_users',
  'marts.campaign_performance',
];

/** The rows of every marketing relation, in a fixed order. */
export async function snapshot(warehouse: DuckDbWarehouse): Promise<Record<string, unknown[]>> {
  const tables: Record<string, unknown[]> = {};
  for (const relation of MARKETING_RELATIONS) tables[relation] = await warehouse.query(`SELECT * FROM ${relation} ORDER BY ALL`);
  return tables;
}
