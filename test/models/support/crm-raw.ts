import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseCsv } from 'csv-parse/sync';
import { CRM_SOURCES, KIND_TYPES, type CrmTable } from '../../../pipelines/extract/csv/crm-sources.js';
import { MKT_EVENTS, MKT_USERS } from '../../../pipelines/extract/api/marketing-tables.js';
import { silentLogger } from '../../../pipelines/core/logger.js';
import type { StepResult } from '../../../pipelines/core/result.js';
import { compileProject, DEFAULT_MODELS_DIR, runPlan } from '../../../pipelines/transform/index.js';
import type { CompileOptions } from '../../../pipelines/transform/types.js';
import type { ColumnSpec, ParamTypes, Params, TableSpec } from '../../../pipelines/warehouse/types.js';
import type { Warehouse } from '../../../pipelines/warehouse/warehouse.js';

/** The lineage columns every raw table carries after its source columns. */
const LINEAGE: ColumnSpec[] = [
  { name: '_load_id', type: 'STRING' },
  { name: '_file', type: 'STRING' },
  { name: '_line', type: 'INT64' },
  { name: '_exported_at', type: 'TIMESTAMP' },
  { name: '_loaded_at', type: 'TIMESTAMP' },
];

/** The raw table of a CRM export, as the loader creates it: the source columns, then the lineage. */
export function rawSpec(table: CrmTable): TableSpec {
  const source = CRM_SOURCES[table];
  return {
    ref: { layer: 'raw', name: source.rawTable },
    columns: [...source.columns.map((c) => ({ name: c.name, type: KIND_TYPES[c.kind] })), ...LINEAGE],
  };
}

/**
 * Creates the three raw CRM tables, empty, and the raw marketing tables, empty too: a build of every
 * model builds the marketing models as well (on no rows).
 */
export async function createRawCrm(warehouse: Warehouse): Promise<void> {
  await warehouse.init();
  for (const table of Object.keys(CRM_SOURCES) as CrmTable[]) await warehouse.ensureTable(rawSpec(table));
  await warehouse.ensureTable(MKT_EVENTS);
  await warehouse.ensureTable(MKT_USERS);
}

/**
 * Inserts fixture rows into a raw CRM table by source column name (missing columns are NULL; lineage
 * columns may be given too, `_loaded_at` defaults to 2026-01-01T00:00:00Z).
 */
export async function insertRaw(warehouse: Warehouse, table: CrmTable, rows: Array<Record<string, unknown>>): Promise<void> {
  const spec = rawSpec(table);
  for (const [index, row] of rows.entries()) {
    const unknown = Object.keys(row).filter((k) => !spec.columns.some((c) => c.name === k));
    if (unknown.length > 0) throw new Error(`fixture row ${index} of ${table}: unknown columns ${unknown.join(', ')}`);
    const values: Record<string, unknown> = {
      _load_id: 'fixture',
      _file: `${table}.csv`,
      _line: index + 2,
      _loaded_at: '2026-01-01T00:00:00Z',
      ...row,
    };
    const params: Params = {};
    const types: ParamTypes = {};
    spec.columns.forEach((c, i) => {
      params[`p${i}`] = (values[c.name] ?? null) as Params[string];
      types[`p${i}`] = c.type;
    });
    const columns = spec.columns.map((c) => `"${c.name}"`).join(', ');
    const placeholders = spec.columns.map((c, i) => (c.type === 'TIMESTAMP' ? `CAST(@p${i} AS TIMESTAMP)` : `@p${i}`)).join(', ');
    await warehouse.execute(`INSERT INTO ${warehouse.qualify(spec.ref)} (${columns}) VALUES (${placeholders})`, params, {
      types,
    });
  }
}

/** Compiles the project's models for DuckDB and runs them (with a test salt, as a run has one); returns the steps. */
export async function buildModels(warehouse: Warehouse, options: CompileOptions = {}): Promise<StepResult[]> {
  const plan = compileProject(DEFAULT_MODELS_DIR, 'duckdb', (ref) => warehouse.qualify(ref), {
    pseudonymSalt: 'salt-of-the-model-tests',
    ...options,
  });
  return runPlan(plan, { warehouse, runId: 'test-run', logger: silentLogger() });
}

/** The steps that did not succeed, with their messages, for assertion messages. */
export function failures(steps: StepResult[]): string[] {
  return steps.filter((s) => s.status !== 'success').map((s) => `${s.name}: ${s.status} ${s.error?.message ?? s.message ?? ''}`);
}

/**
 * Reads a real CRM export (as SOURCES.md describes it: header row, empty = NULL, flags 0/1, numbers
 * as floats, naive UTC timestamps) into fixture rows for `insertRaw`.
 */
export function rowsOfExport(table: CrmTable, csv: string): Array<Record<string, unknown>> {
  const kinds = new Map(CRM_SOURCES[table].columns.map((c) => [c.name, c.kind]));
  const records = parseCsv(csv, { columns: true, skip_empty_lines: true }) as Array<Record<string, string>>;
  return records.map((record) =>
    Object.fromEntries(
      Object.entries(record)
        .filter(([name]) => kinds.has(name))
        .map(([name, text]) => {
          const kind = kinds.get(name)!;
          if (text === '') return [name, null];
          if (kind === 'flag') return [name, text === '1'];
          if (kind === 'number') return [name, Number(text)];
          return [name, text];
        }),
    ),
  );
}

/** The real sample files of ../shared/data/real/, read at test time (never copied into the project). */
export const REAL_DIR = fileURLToPath(new URL('../../../../shared/data/real/', import.meta.url));

/** Loads the real opportunities sample into raw.crm_opportunities. */
export async function loadRealOpportunities(warehouse: Warehouse): Promise<void> {
  await insertRaw(
    warehouse,
    'opportunities',
    rowsOfExport('opportunities', readFileSync(`${REAL_DIR}opportunities_sample.csv`, 'utf8')),
  );
}

/** Loads the real banks export (2,881 rows) into raw.crm_banks, in one statement. */
export async function loadRealBanks(warehouse: Warehouse): Promise<void> {
  await warehouse.execute(
    `INSERT INTO raw.crm_banks (Id, CreatedDate, Name, _load_id, _loaded_at)
     SELECT Id, CAST(CreatedDate AS TIMESTAMP), Name, 'fixture', TIMESTAMP '2026-01-01 00:00:00'
     FROM read_csv(@file, header = true, all_varchar = true)`,
    { file: `${REAL_DIR}banques.csv` },
  );
}
