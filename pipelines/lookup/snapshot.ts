import { canonicalSalesforceId } from './salesforce-id.js';
import { renderRecordTail, type LookupRow } from './opportunity-record.js';

/** The mart as the lookup keeps it: each opportunity's rendered JSON (see `renderRecordTail`) by id. */
export interface MartRecords {
  /** The warehouse's version marker when read (null when the warehouse gives none). */
  version: string | null;
  records: Map<string, string>;
  /** Rows left out: no id, or an id seen before (the later row wins). */
  skipped: number;
}

/** Renders rows of the mart into `records`; returns the number of rows left out. */
export function addRows(records: Map<string, string>, rows: Iterable<LookupRow>): number {
  let skipped = 0;
  for (const row of rows) {
    const tail = renderRecordTail(row);
    if (tail === null) {
      skipped++;
      continue;
    }
    const id = row.id as string;
    if (records.has(id)) skipped++;
    records.set(id, tail);
  }
  return skipped;
}

/**
 * An immutable, in-memory copy of the mart. A refresh builds a new snapshot and swaps it in whole, so
 * a request sees one version or the other, never a mix.
 */
export class Snapshot {
  readonly #records: Map<string, string>;
  readonly version: string | null;
  /** When it was read, ms since the epoch. */
  readonly loadedAt: number;
  readonly skipped: number;

  /** Takes ownership of `mart.records`: the caller must not change it afterwards. */
  constructor(mart: MartRecords, loadedAt: number = Date.now()) {
    this.#records = mart.records;
    this.version = mart.version;
    this.skipped = mart.skipped;
    this.loadedAt = loadedAt;
  }

  get size(): number {
    return this.#records.size;
  }

  /**
   * The rendered record of a valid 15- or 18-character id, or undefined. The id as stored matches
   * first; else its canonical 18-character form (a 15-character id, or an 18-character id in another
   * case, names the same record in Salesforce).
   */
  find(id: string): string | undefined {
    const exact = this.#records.get(id);
    if (exact !== undefined) return exact;
    const canonical = canonicalSalesforceId(id);
    return canonical === null || canonical === id ? undefined : this.#records.get(canonical);
  }
}
