import { CRM_SOURCES, type CrmTable } from '../extract/csv/crm-sources.js';
import type { BadRowReason, DirtLevel } from './manifest.js';
import { hash32, type Rng } from './rng.js';

/**
 * The dirt of each generated file. `realistic` is only what the real exports carry (UTF-8 without BOM,
 * `\n`, contract column order, impossible ages, empty fields, floats for integers, accents). `all` adds,
 * so a loader can be tested against it:
 * - opportunities: UTF-8 BOM, CRLF, an extra unknown column, quoted commas, quotes and line ends
 *   (LF and CRLF) inside fields, and one bad row of each kind;
 * - propositions: columns in another order, quotes and line ends inside fields, one bad row of each kind;
 * - banks: UTF-8 BOM, CRLF, names with commas and quotes, bad rows (all kinds but `not_a_number`: no
 *   numeric column).
 */

export interface FileDirt {
  bom: boolean;
  lineEnding: 'lf' | 'crlf';
  /** Contract column names in the order written. */
  order: string[];
  /** An unknown column inserted before `before` (a contract column). */
  extraColumn: { name: string; before: string } | undefined;
  /**
   * One bad row of each kind, written after regular unit `after`: a bank row, an opportunity row, or the
   * propositions of one opportunity.
   */
  badRows: Array<{ reason: BadRowReason; after: number }>;
  /** Share of rows whose text fields get commas, quotes or line ends. */
  messyTextShare: number;
}

/** Regular rows (0-based, in file order) that always get a messy text, one of each kind, so every file has them. */
export const FORCED_MESSY_ROWS: readonly number[] = [1, 3, 5, 7];

export const EXTRA_COLUMN = 'Commentaire_Conseiller__c';

const PROPOSITION_ORDER_ALL = [
  'Opportunity__c',
  'Id',
  'Partenaire__c',
  'DureePret_Mois__c',
  'TXHA__c',
  'CreatedDate',
  'Etape_Source__c',
  'TauxAss__c',
];

const ALL_REASONS: BadRowReason[] = ['not_a_number', 'impossible_date', 'wrong_field_count', 'empty_id'];
const STREAM_BAD_POSITION = 601;
const TABLES: CrmTable[] = ['opportunities', 'propositions', 'banks'];

/** The dirt of `table`'s file; `units` is how many regular units (rows, or opportunity groups) it has. */
export function fileDirt(table: CrmTable, level: DirtLevel, seed: number, units: number): FileDirt {
  const order = CRM_SOURCES[table].columns.map((c) => c.name);
  if (level === 'realistic') {
    return { bom: false, lineEnding: 'lf', order, extraColumn: undefined, badRows: [], messyTextShare: 0 };
  }
  const reasons = table === 'banks' ? ALL_REASONS.filter((r) => r !== 'not_a_number') : ALL_REASONS;
  const badRows = reasons.map((reason, k) => ({ reason, after: badPosition(seed, table, k, reasons.length, units) }));
  switch (table) {
    case 'opportunities':
      return {
        bom: true,
        lineEnding: 'crlf',
        order,
        extraColumn: { name: EXTRA_COLUMN, before: 'StageName' },
        badRows,
        messyTextShare: 0.02,
      };
    case 'propositions':
      return {
        bom: false,
        lineEnding: 'lf',
        order: PROPOSITION_ORDER_ALL,
        extraColumn: undefined,
        badRows,
        messyTextShare: 0.02,
      };
    case 'banks':
      return { bom: true, lineEnding: 'crlf', order, extraColumn: undefined, badRows, messyTextShare: 0.02 };
  }
}

/** The header written for a file. */
export function header(dirt: FileDirt): string[] {
  const columns = [...dirt.order];
  if (dirt.extraColumn) columns.splice(columns.indexOf(dirt.extraColumn.before), 0, dirt.extraColumn.name);
  return columns;
}

/** A function putting contract-ordered fields in the file's order, with the extra column's value if any. */
export function arranger(table: CrmTable, dirt: FileDirt): (fields: string[], extraValue?: string) => string[] {
  const contract = CRM_SOURCES[table].columns.map((c) => c.name);
  const positions = dirt.order.map((name) => contract.indexOf(name));
  const reordered = positions.some((position, i) => position !== i);
  const extraAt = dirt.extraColumn ? dirt.order.indexOf(dirt.extraColumn.before) : -1;
  return (fields, extraValue = '') => {
    const out = reordered ? positions.map((position) => fields[position] as string) : fields;
    if (extraAt >= 0) out.splice(extraAt, 0, extraValue);
    return out;
  };
}

/** Free-text comments of the extra column: commas, quotes, LF and CRLF inside, accents. */
export function extraColumnValue(rng: Rng): string {
  if (!rng.chance(0.15)) return '';
  return rng.pick([
    'Rappeler après 18h, client "très motivé"',
    'Projet en VEFA,\nlivraison prévue au 3e trimestre',
    "Dossier incomplet : manque l'avis d'imposition, les bulletins de salaire",
    'Apport issu d\'une donation ; "à vérifier"\r\nRelance faite',
    'Compromis signé, conditions suspensives : 45 jours',
    'Préfère être contacté par écrit',
  ]);
}

/**
 * The text of a messy row (a regular row, `row`-th in file order): one kind of each in FORCED_MESSY_ROWS,
 * then a random kind in `share` of rows; otherwise `value` unchanged. Kinds: a comma with quotes, quotes,
 * an LF, a comma with a CRLF.
 */
export function messyText(rng: Rng, value: string, row: number, share: number): string {
  const forced = FORCED_MESSY_ROWS.indexOf(row);
  if (forced < 0 && !rng.chance(share)) return value;
  const base = value === '' ? 'AUTRE' : value;
  const kinds = [`${base}, AGENCE "CENTRE"`, `"${base}"`, `${base}\nsuite`, `${base}, voir\r\nnote`];
  return forced >= 0 ? (kinds[forced] as string) : rng.pick(kinds);
}

/**
 * Makes a bad row out of a valid one (contract-ordered fields): `not_a_number` puts words in `numberField`,
 * `impossible_date` a 30th of February in CreatedDate, `empty_id` empties Id; `wrong_field_count` is
 * applied after arranging (see `dropOrAddField`). Returns the offending field.
 */
export function spoil(table: CrmTable, reason: BadRowReason, fields: string[], year: number): string | null {
  const index = (name: string) => CRM_SOURCES[table].columns.findIndex((c) => c.name === name);
  switch (reason) {
    case 'not_a_number': {
      const field = table === 'opportunities' ? 'Age_emprunteur__c' : 'TXHA__c';
      fields[index(field)] = table === 'opportunities' ? 'trente-trois' : 'taux à confirmer';
      return field;
    }
    case 'impossible_date':
      fields[index('CreatedDate')] = `${year}-02-30 10:15:00`;
      return 'CreatedDate';
    case 'empty_id':
      fields[index('Id')] = '';
      return 'Id';
    case 'wrong_field_count':
      return null;
  }
}

/** A row with one field too few (opportunities) or one too many (the other tables). */
export function dropOrAddField(table: CrmTable, arranged: string[]): string[] {
  return table === 'opportunities' ? arranged.slice(0, -1) : [...arranged, 'valeur en trop'];
}

function badPosition(seed: number, table: CrmTable, k: number, kinds: number, units: number): number {
  const jitter = (hash32(seed, STREAM_BAD_POSITION, TABLES.indexOf(table), k) % 1000) / 1000 - 0.5;
  return Math.max(0, Math.min(units - 1, Math.floor(((k + 0.5 + 0.6 * jitter) / kinds) * units)));
}
