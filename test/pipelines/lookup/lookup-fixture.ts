import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { ensureOpsTables, PIPELINE_RUNS } from '../../../pipelines/state/ops-tables.js';
import { DuckDbWarehouse } from '../../../pipelines/warehouse/duckdb/duckdb-warehouse.js';
import type { ParamTypes, TableSpec } from '../../../pipelines/warehouse/types.js';
import type { Warehouse } from '../../../pipelines/warehouse/warehouse.js';

/** The mart as the transform step declares it (test copy: the lookup only reads it). */
export const LOOKUP_SPEC: TableSpec = {
  ref: { layer: 'marts', name: 'opportunity_lookup' },
  columns: [
    { name: 'id', type: 'STRING', mode: 'REQUIRED' },
    { name: 'age_emprunteur', type: 'FLOAT64' },
    { name: 'banque_principale', type: 'STRING' },
    { name: 'deja_souscrit_credit_immo', type: 'BOOL' },
    { name: 'categorie_professionnelle', type: 'STRING' },
    { name: 'contrat_travail', type: 'STRING' },
    { name: 'revenu_total', type: 'FLOAT64' },
    { name: 'montant_pret_principal', type: 'FLOAT64' },
    { name: 'stage_name', type: 'STRING' },
    { name: 'created_at', type: 'TIMESTAMP' },
    { name: 'best_proposition_id', type: 'STRING' },
    { name: 'best_interest_rate', type: 'FLOAT64' },
    { name: 'best_duration_months', type: 'FLOAT64' },
    { name: 'best_bank_name', type: 'STRING' },
  ],
};

export interface MartRow {
  id: string;
  age_emprunteur: number | null;
  banque_principale: string | null;
  deja_souscrit_credit_immo: boolean | null;
  categorie_professionnelle: string | null;
  contrat_travail: string | null;
  revenu_total: number | null;
  montant_pret_principal: number | null;
  stage_name: string | null;
  created_at: string | null;
  best_proposition_id: string | null;
  best_interest_rate: number | null;
  best_duration_months: number | null;
  best_bank_name: string | null;
}

export const SAMPLE_ID = '0065q00000AlAK0AAN';

const SAMPLE_CSV = fileURLToPath(new URL('../../../../shared/data/real/opportunities_sample.csv', import.meta.url));

/** The mart row of one opportunity of the real sample export, mapped from its CRM columns. */
export function sampleMartRow(id: string = SAMPLE_ID): MartRow {
  const records = parse(readFileSync(SAMPLE_CSV, 'utf8'), { columns: true }) as Record<string, string>[];
  const r = records.find((record) => record.Id === id);
  if (!r) throw new Error(`${SAMPLE_CSV}: no row with Id ${id}`);
  const num = (v: string | undefined) => (v === undefined || v === '' ? null : Number(v));
  const txt = (v: string | undefined) => (v === undefined || v === '' ? null : v);
  return {
    id: r.Id!,
    age_emprunteur: num(r.Age_emprunteur__c),
    banque_principale: txt(r.BanquePrincipaleEmp__c),
    deja_souscrit_credit_immo: r.Deja_souscrit_credit_immo__c === '' ? null : r.Deja_souscrit_credit_immo__c === '1',
    categorie_professionnelle: txt(r.TechMail_CategorieProfessionnelleEmpru__c),
    contrat_travail: txt(r.TechMail_ContratDeTravailEmprunteur__c),
    revenu_total: num(r.TotRev__c),
    montant_pret_principal: num(r.MontPretPricip__c),
    stage_name: txt(r.StageName),
    created_at: txt(r.CreatedDate),
    best_proposition_id: null,
    best_interest_rate: null,
    best_duration_months: null,
    best_bank_name: null,
  };
}

const TYPES: ParamTypes = Object.fromEntries(LOOKUP_SPEC.columns.map((c) => [c.name, c.type]));

/** Creates the mart (when missing) and inserts rows, with parameters. */
export async function insertMartRows(warehouse: Warehouse, rows: MartRow[]): Promise<void> {
  await warehouse.init();
  await warehouse.ensureTable(LOOKUP_SPEC);
  const names = LOOKUP_SPEC.columns.map((c) => c.name);
  const sql = `INSERT INTO ${warehouse.qualify(LOOKUP_SPEC.ref)} (${names.join(', ')}) VALUES (${names.map((n) => `@${n}`).join(', ')})`;
  for (const row of rows) await warehouse.execute(sql, { ...row }, { types: TYPES });
}

/** Records a finished pipeline run, as the runner does at the end of each run. */
export async function recordFinishedRun(warehouse: Warehouse, runId: string): Promise<void> {
  await ensureOpsTables(warehouse);
  await warehouse.execute(
    `INSERT INTO ${warehouse.qualify(PIPELINE_RUNS.ref)} (run_id, kind, status, started_at, ended_at) VALUES (@run_id, 'manual', 'success', @now, @now)`,
    { run_id: runId, now: new Date() },
  );
}

const folders: string[] = [];

/** A fresh temporary folder, removed by `removeTempFolders`. */
export function tempFolder(prefix = 'lookup-'): string {
  const folder = mkdtempSync(join(tmpdir(), prefix));
  folders.push(folder);
  return folder;
}

/** Removes the folders made by `tempFolder` and `createLookupWarehouse` (call it in an `after` hook). */
export function removeTempFolders(): void {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
}

/** A DuckDB file in a fresh temporary folder holding the mart with the given rows (closed on return). */
export async function createLookupWarehouse(rows: MartRow[], options: { withRun?: boolean } = {}): Promise<string> {
  const path = join(tempFolder(), 'elt.duckdb');
  const warehouse = await DuckDbWarehouse.open({ path });
  try {
    await insertMartRows(warehouse, rows);
    if (options.withRun) await recordFinishedRun(warehouse, 'run-1');
  } finally {
    await warehouse.close();
  }
  return path;
}
