import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readLedger, latestByName, type LedgerEntry } from '../../load/file-ledger.js';
import { FILE_LEDGER } from '../../state/ops-tables.js';
import type { Warehouse } from '../../warehouse/warehouse.js';
import type { CrmTable } from './crm-sources.js';
import { readError } from './file-scan.js';
import { listLandingFiles, type CrmPatterns } from './landing-files.js';

/**
 * Where a landing file stands:
 * - `new`: its name is not in the ledger; the next run loads it;
 * - `changed`: its name is, with other content; the next run loads it as a new version;
 * - `loaded` / `rejected`: this very content was loaded (or rejected) last;
 * - `ignored`: no table pattern (or several) matches its name.
 */
export type LandingStatus = 'new' | 'changed' | 'loaded' | 'rejected' | 'ignored';

export interface LandingFileStatus {
  name: string;
  table: CrmTable | null;
  status: LandingStatus;
  size: number | null;
  exportedAt: string | null;
  /** sha256 of the content (absent for ignored files, or with `checksums: false`). */
  checksum: string | null;
  /** The ledger's latest entry for this name, if any. */
  ledger: LedgerEntry | null;
  /** Why an ignored file is ignored. */
  reason?: string;
}

/**
 * Lists the landing folder's files with their table and ledger status, in load order, ignored files
 * last. With `checksums: false` the files are not read, and a file whose name is in the ledger is
 * reported `loaded`/`rejected` when its size matches the ledger's, else `changed`.
 */
export async function listCrmFiles(options: {
  warehouse: Warehouse;
  dir: string;
  patterns: CrmPatterns;
  checksums?: boolean;
}): Promise<LandingFileStatus[]> {
  const listing = await listLandingFiles(options.dir, options.patterns);
  const hasLedger = (await options.warehouse.describe(FILE_LEDGER.ref)) !== null;
  const latest = latestByName(hasLedger ? await readLedger(options.warehouse) : []);
  const out: LandingFileStatus[] = [];
  for (const file of listing.files) {
    const entry = latest.get(file.name) ?? null;
    const checksum = options.checksums === false ? null : await sha256(file.path, file.name);
    const same = entry && (checksum ? entry.fileVersionId === checksum : entry.sizeBytes === file.size);
    out.push({
      name: file.name,
      table: file.table,
      status: !entry ? 'new' : same ? entry.status : 'changed',
      size: file.size,
      exportedAt: file.exportedAt.toISOString(),
      checksum,
      ledger: entry,
    });
  }
  for (const file of listing.ignored) {
    out.push({
      name: file.name,
      table: null,
      status: 'ignored',
      size: null,
      exportedAt: null,
      checksum: null,
      ledger: null,
      reason: file.reason,
    });
  }
  return out;
}

/** sha256 of a file, streamed. */
export async function sha256(path: string, name = path): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  } catch (error) {
    throw readError(error, name);
  }
  return hash.digest('hex');
}
