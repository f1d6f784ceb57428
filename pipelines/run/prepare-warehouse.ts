import { CRM_SOURCES } from '../extract/csv/crm-sources.js';
import { MKT_EVENTS, MKT_USERS } from '../extract/api/marketing-tables.js';
import { rawTableSpec } from '../load/raw-tables.js';
import { ensureOpsTables } from '../state/ops-tables.js';
import type { Warehouse } from '../warehouse/warehouse.js';

/**
 * Creates the layers, the ops tables and every raw table when missing, so that staging views can be
 * built even before a source has delivered anything. Idempotent; columns gained by schema evolution stay.
 */
export async function prepareWarehouse(warehouse: Warehouse): Promise<void> {
  await ensureOpsTables(warehouse);
  for (const source of Object.values(CRM_SOURCES)) await warehouse.ensureTable(rawTableSpec(source));
  await warehouse.ensureTable(MKT_EVENTS);
  await warehouse.ensureTable(MKT_USERS);
}
