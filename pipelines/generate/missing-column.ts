import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ConfigError } from '../core/errors.js';
import { CRM_SOURCES, type CrmTable } from '../extract/csv/crm-sources.js';
import { generateBanks } from './banks.js';
import { writeCsv } from './csv-writer.js';
import { dateEpochSeconds, timestamp } from './format.js';
import { DEFAULT_EXPORT_DATE, DEFAULT_SEED, exportFileName } from './generate-crm.js';
import { checkSeed, opportunityIdAt } from './ids.js';
import { impossibleAgePlan, opportunityFields } from './opportunities.js';
import { propositionPlan, propositionRows } from './propositions.js';

export interface MissingColumnOptions {
  dir: string;
  table: CrmTable;
  /** The contract column left out (a required one, for the "whole file rejected" case). */
  column: string;
  seed?: number;
  date?: string;
  /** Data rows to write; default 20. */
  rows?: number;
}

export interface MissingColumnFile {
  table: CrmTable;
  path: string;
  missingColumn: string;
  rows: number;
}

/**
 * Writes one export of `table`, named as the CRM names it, with every contract column but `column`:
 * a file a loader must reject whole. The other values are generated as in `generateCrmExports`.
 */
export async function writeExportWithoutColumn(options: MissingColumnOptions): Promise<MissingColumnFile> {
  const seed = options.seed ?? DEFAULT_SEED;
  const date = options.date ?? DEFAULT_EXPORT_DATE;
  const wanted = options.rows ?? 20;
  checkSeed(seed);
  const columns = CRM_SOURCES[options.table].columns.map((c) => c.name);
  const dropped = columns.indexOf(options.column);
  if (dropped < 0) {
    throw new ConfigError(`column ${options.column} is not a column of the ${options.table} export`, {
      table: options.table,
      field: 'column',
    });
  }
  if (!Number.isInteger(wanted) || wanted < 0)
    throw new ConfigError(`invalid rows ${wanted}: expected a whole number`, { field: 'rows' });

  const exportEpoch = dateEpochSeconds(date);
  const count = Math.max(wanted, 1) * 10;
  const banks = generateBanks(seed, 100);
  const rows: string[][] = [];
  if (options.table === 'banks') {
    for (const row of banks.rows.slice(0, wanted)) rows.push([row.id, timestamp(row.createdAt), row.name]);
  } else if (options.table === 'opportunities') {
    const ctx = { seed, count, exportEpoch, entityIds: banks.entityIds, impossibleAges: impossibleAgePlan(seed, count) };
    for (let index = 0; index < wanted; index++) {
      rows.push(opportunityFields(ctx, { index, id: opportunityIdAt(seed, index), propositions: 0, firstPropositionSerial: 0 }));
    }
  } else {
    const ctx = { seed, count, exportEpoch, banks };
    let serial = 0;
    for (let index = 0; index < count && rows.length < wanted; index++) {
      const group = propositionRows(ctx, index, serial, propositionPlan(seed, index));
      serial += group.length;
      rows.push(...group.slice(0, wanted - rows.length).map((row) => row.fields));
    }
  }

  const dir = resolve(options.dir);
  await mkdir(dir, { recursive: true });
  const path = join(dir, exportFileName(options.table, date));
  const without = (fields: string[]) => fields.filter((_, i) => i !== dropped);
  const written = await writeCsv(
    path,
    without(columns),
    rows.map((fields) => ({ fields: without(fields) })),
    { bom: false, lineEnding: 'lf' },
  );
  return { table: options.table, path, missingColumn: options.column, rows: written.rows };
}
