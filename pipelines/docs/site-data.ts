import type { Warehouse } from '../warehouse/warehouse.js';
import type { TableInfo } from '../warehouse/types.js';
import { lastBuilds, newestValue, timeColumn } from './mart-data.js';
import type { DocsModel, DocsSource } from './types.js';

/** What the warehouse says about the documented relations, gathered once for every page. */
export interface SiteData {
  /** A warehouse was given and answered. */
  available: boolean;
  /** Why there is no data (no warehouse, busy...), for the pages. */
  note?: string;
  /** `layer.name` of a model -> end of its newest successful build. */
  builds: Map<string, string>;
  /** `layer.name` -> the relation as it exists (null: not built yet). Absent key: not asked. */
  tables: Map<string, TableInfo | null>;
  /** `layer.name` -> the newest value of its time column. */
  newest: Map<string, { column: string; value: string | null }>;
  /** Reads that failed, in words (the site is still written; the command reports them). */
  problems: string[];
}

/** Describes every documented relation and reads the run history; a failing read becomes a problem, not a crash. */
export async function collectSiteData(
  warehouse: Warehouse | undefined,
  models: DocsModel[],
  sources: DocsSource[],
  note?: string,
): Promise<SiteData> {
  const data: SiteData = { available: false, builds: new Map(), tables: new Map(), newest: new Map(), problems: [] };
  if (!warehouse) {
    data.note = note ?? 'No warehouse was opened when these pages were generated.';
    return data;
  }
  data.available = true;
  if (note) data.note = note;
  const attempt = async <T>(what: string, read: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await read();
    } catch (error) {
      data.problems.push(`${what}: ${(error as Error).message.split('\n')[0]}`);
      return undefined;
    }
  };
  data.builds = (await attempt('run history (ops.pipeline_steps)', () => lastBuilds(warehouse))) ?? new Map();
  for (const model of models) {
    const id = `${model.layer}.${model.name}`;
    const info = await attempt(id, () => warehouse.describe({ layer: model.layer, name: model.name }));
    if (info === undefined) continue;
    data.tables.set(id, info);
    const column = info && info.rows !== 0 ? timeColumn(info.columns) : undefined;
    if (info && column) {
      const value = await attempt(`${id}.${column}`, () => newestValue(warehouse, info.ref, column));
      if (value !== undefined) data.newest.set(id, { column, value });
    }
  }
  for (const source of sources) {
    const id = `raw.${source.name}`;
    const info = await attempt(id, () => warehouse.describe({ layer: 'raw', name: source.name }));
    if (info !== undefined) data.tables.set(id, info);
  }
  return data;
}
