import type { Config } from '../config/config.js';
import type { Warehouse } from './warehouse.js';

/** Opens the configured warehouse. The engine's module is loaded only when it is the one configured. */
export async function createWarehouse(config: Config['warehouse']): Promise<Warehouse> {
  if (config.engine === 'duckdb') {
    const { DuckDbWarehouse } = await import('./duckdb/duckdb-warehouse.js');
    return DuckDbWarehouse.open(config.duckdb);
  }
  const { BigQueryWarehouse } = await import('./bigquery/bigquery-warehouse.js');
  return BigQueryWarehouse.open(config.bigquery);
}
