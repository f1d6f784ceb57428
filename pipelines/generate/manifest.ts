import type { CrmTable } from '../extract/csv/crm-sources.js';

/** What `generateCrmExports` wrote, so tests and benchmarks can reconcile what a loader reads. */

export type DirtLevel = 'realistic' | 'all';

export type BadRowReason = 'not_a_number' | 'impossible_date' | 'wrong_field_count' | 'empty_id';

/** A row a loader must quarantine. */
export interface BadRow {
  /** Physical line where the row starts: 1 + the number of `\n` before it (the header is line 1). */
  line: number;
  /** The offending column, or null for a wrong number of fields. */
  field: string | null;
  reason: BadRowReason;
  /** The row's `Id` as written (empty for `empty_id`). */
  id: string;
}

export interface GeneratedFile {
  table: CrmTable;
  path: string;
  /** Data records (header excluded), bad ones included: rows read = rows loaded + badRows.length. */
  rows: number;
  badRows: BadRow[];
  /** Header as written: contract columns, maybe in another order, maybe with `extraColumns`. */
  header: string[];
  /** Columns written that the contract does not know. */
  extraColumns: string[];
  bom: boolean;
  lineEnding: 'lf' | 'crlf';
  /** Physical lines (count of `\n`; the file ends with a line end). */
  lines: number;
  bytes: number;
}

export interface GenerateManifest {
  dir: string;
  seed: number;
  scale: string;
  /** Export date in the file names, YYYY-MM-DD; every CreatedDate is before it. */
  date: string;
  dirt: DirtLevel;
  /** Regular opportunity rows: their ids are opportunityIdAt(seed, 0 .. opportunities - 1). */
  opportunities: number;
  files: GeneratedFile[];
  expected: {
    /** Rows of the inner join propositions x opportunities x banks (valid rows only). */
    joinedPropositions: number;
    /** Valid propositions whose Opportunity__c matches no opportunity row. */
    orphanPropositions: number;
    /** Valid propositions whose Partenaire__c matches no bank row. */
    unknownBankPropositions: number;
    /** Opportunities whose age is impossible (outside 18..100). */
    impossibleAges: number;
    /** Distinct bank names. */
    distinctBankNames: number;
  };
  durationMs: number;
}
