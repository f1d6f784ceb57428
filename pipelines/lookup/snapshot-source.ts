import { statSync } from 'node:fs';
import { PIPELINE_RUNS } from '../state/ops-tables.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { LOOKUP_COLUMNS, OPPORTUNITY_LOOKUP, type LookupRow } from './opportunity-record.js';
import { addRows, type MartRecords } from './snapshot.js';

/** Where the lookup's snapshots come from. */
export interface SnapshotSource {
  /**
   * Reads and renders the whole mart, unless `force` is false and nothing changed since the last read
   * (the version marker still equals `knownVersion`, or the storage is untouched): then resolves null
   * and reads nothing. Rejects when the warehouse cannot be read (busy or missing file, missing mart,
   * network), with the pipeline's TransientError or TerminalError.
   */
  read(knownVersion: string | null, force: boolean): Promise<MartRecords | null>;
}

/**
 * Reads `marts.opportunity_lookup` with one query, in the calling thread, opening the warehouse just
 * for that and closing it right after (before rendering). The version marker is the count and latest
 * end of finished runs in `ops.pipeline_runs`: the mart is reloaded once a run has ended, not while one
 * is rebuilding it; a check during a run costs one small query. Without that table the version is
 * unknown and each read reloads.
 */
export class WarehouseSnapshotSource implements SnapshotSource {
  readonly #open: () => Promise<Warehouse>;

  constructor(open: () => Promise<Warehouse>) {
    this.#open = open;
  }

  async read(knownVersion: string | null, force: boolean): Promise<MartRecords | null> {
    const warehouse = await this.#open();
    let version: string | null;
    let rows: LookupRow[];
    try {
      version = await readVersion(warehouse);
      if (!force && version !== null && version === knownVersion) return null;
      rows = await warehouse.query<LookupRow>(
        `SELECT ${LOOKUP_COLUMNS.join(', ')} FROM ${warehouse.qualify(OPPORTUNITY_LOOKUP)}`,
        {},
        { context: { step: 'lookup-refresh', table: 'marts.opportunity_lookup' } },
      );
    } finally {
      // Closed before rendering: a DuckDB file stays locked against the pipeline while it is open.
      await warehouse.close();
    }
    const records = new Map<string, string>();
    const skipped = addRows(records, rows);
    return { version, records, skipped };
  }
}

async function readVersion(warehouse: Warehouse): Promise<string | null> {
  try {
    const [row] = await warehouse.query<{ finished_runs: unknown; last_ended_at: unknown }>(
      `SELECT COUNT(ended_at) AS finished_runs, MAX(ended_at) AS last_ended_at FROM ${warehouse.qualify(PIPELINE_RUNS.ref)}`,
    );
    return row ? `${String(row.finished_runs)}|${String(row.last_ended_at)}` : null;
  } catch {
    // No ops.pipeline_runs (a warehouse the pipeline never ran on): the version is unknown.
    return null;
  }
}

/**
 * Skips reads while `fingerprint` (a cheap look at the storage, without opening it) is unchanged since
 * the last read that succeeded. The fingerprint is taken before reading, so that a write during the
 * read shows as a change next time.
 */
export function skipWhileUntouched(source: SnapshotSource, fingerprint: () => string): SnapshotSource {
  let last: string | null = null;
  return {
    async read(knownVersion, force) {
      const current = fingerprint();
      if (!force && current === last) return null;
      const result = await source.read(knownVersion, force);
      last = current;
      return result;
    },
  };
}

/** Size and modification time of a DuckDB file and its WAL: any committed write changes it. */
export function duckDbFingerprint(path: string): () => string {
  return () => `${fileStamp(path)}|${fileStamp(`${path}.wal`)}`;
}

function fileStamp(path: string): string {
  try {
    const stat = statSync(path, { bigint: true });
    return `${stat.size}:${stat.mtimeNs}`;
  } catch {
    return 'absent';
  }
}
