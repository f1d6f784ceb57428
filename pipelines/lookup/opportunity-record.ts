import type { TableRef } from '../warehouse/types.js';

/** The mart the lookup serves: one row per opportunity (built by the transform step). */
export const OPPORTUNITY_LOOKUP: TableRef = { layer: 'marts', name: 'opportunity_lookup' };

/** The mart's columns the lookup reads, in the order of the response. */
export const LOOKUP_COLUMNS = [
  'id',
  'age_emprunteur',
  'banque_principale',
  'deja_souscrit_credit_immo',
  'categorie_professionnelle',
  'contrat_travail',
  'revenu_total',
  'montant_pret_principal',
  'stage_name',
  'created_at',
  'best_proposition_id',
  'best_interest_rate',
  'best_duration_months',
  'best_bank_name',
] as const;

/** One row of the mart as `Warehouse.query` returns it; values are checked when rendered. */
export type LookupRow = Record<(typeof LOOKUP_COLUMNS)[number], unknown>;

/**
 * The JSON body of one opportunity, without its leading `{"response_id":"...",` (added per response):
 * the fields of the issue in its order, then `created_at` (ISO 8601) and `best_proposition` (the
 * proposition with the best rate found for it, or null). Numbers are JSON numbers (`33.0` is `33`),
 * the flag a boolean, a missing or non-finite value null. Returns null for a row without an id.
 */
export function renderRecordTail(row: LookupRow): string | null {
  const id = text(row.id);
  if (id === null) return null;
  const bestId = text(row.best_proposition_id);
  const record = {
    id,
    age_emprunteur: num(row.age_emprunteur),
    banque_principale: text(row.banque_principale),
    deja_souscrit_credit_immo: flag(row.deja_souscrit_credit_immo),
    categorie_professionnelle: text(row.categorie_professionnelle),
    contrat_travail: text(row.contrat_travail),
    revenu_total: num(row.revenu_total),
    montant_pret_principal: num(row.montant_pret_principal),
    stage_name: text(row.stage_name),
    created_at: timestamp(row.created_at),
    best_proposition:
      bestId === null
        ? null
        : {
            id: bestId,
            interest_rate: num(row.best_interest_rate),
            duration_months: num(row.best_duration_months),
            bank_name: text(row.best_bank_name),
          },
  };
  return JSON.stringify(record).slice(1);
}

function text(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? value : String(value);
}

function num(value: unknown): number | null {
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'bigint' || (typeof value === 'string' && value.trim() !== '')
        ? Number(value)
        : NaN;
  return Number.isFinite(n) ? n : null;
}

function flag(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 1) return true;
  if (value === 'false' || value === 0) return false;
  return null;
}

function timestamp(value: unknown): string | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  return text(value);
}
