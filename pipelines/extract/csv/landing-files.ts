import { readdir, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { ConfigError, TerminalError } from '../../core/errors.js';
import type { CrmTable } from './crm-sources.js';

/** File-name patterns of each table's exports (config: ELT_CSV_PATTERN_*), matched case-insensitively. */
export type CrmPatterns = Record<CrmTable, RegExp>;

/** Tables in load order: banks first, so that a run's propositions and opportunities find their banks. */
export const CRM_LOAD_ORDER: readonly CrmTable[] = ['banks', 'opportunities', 'propositions'];

/** An export file in the landing folder, matched to its table. */
export interface LandingFile {
  /** Base name in the landing folder. */
  name: string;
  path: string;
  table: CrmTable;
  size: number;
  mtime: Date;
  /** The date (and time) in the file name, else the file's modification time: decides which export is newest. */
  exportedAt: Date;
  exportedAtFrom: 'name' | 'mtime';
}

/** A file of the landing folder that is not loaded, and why. */
export interface IgnoredFile {
  name: string;
  reason: string;
}

export interface LandingListing {
  files: LandingFile[];
  ignored: IgnoredFile[];
}

/**
 * The tables whose pattern matches `name`. More than one means the patterns overlap, and the file is not
 * loaded (it is reported instead).
 */
export function matchTables(name: string, patterns: CrmPatterns): CrmTable[] {
  return CRM_LOAD_ORDER.filter((table) => matchesWhole(patterns[table], name));
}

/**
 * The export time written in a file name: `YYYY-MM-DD` or `YYYYMMDD`, optionally followed by a time
 * `HH[:-]MM([:-]SS)` after `T`, `_`, `-` or a space; read as UTC. Null when the name holds no valid date.
 */
export function exportTimeFromName(name: string): Date | null {
  const pattern = /(?<!\d)(\d{4})(-?)(\d{2})\2(\d{2})(?:[T_ -](\d{2})[:h-]?(\d{2})(?:[:-]?(\d{2}))?)?(?!\d)/g;
  for (const match of name.matchAll(pattern)) {
    const [, y, , mo, d, h = '00', mi = '00', s = '00'] = match;
    const iso = `${y}-${mo}-${d}T${h}:${mi}:${s}Z`;
    const time = Date.parse(iso);
    if (Number.isNaN(time)) continue;
    // Date.parse rolls 2026-02-30 over to March; a real date reads back the same.
    if (new Date(time).toISOString().slice(0, 19) !== iso.slice(0, 19)) continue;
    return new Date(time);
  }
  return null;
}

/**
 * Lists the export files of the landing folder (not recursive; hidden files skipped), each matched to
 * its table, in load order: banks, opportunities, propositions; within a table by export time, then
 * name. `only` restricts the listing to the named files (base names or paths inside `dir`); naming a
 * file that is not there, or that matches no table, is a ConfigError.
 */
export async function listLandingFiles(dir: string, patterns: CrmPatterns, only?: string[]): Promise<LandingListing> {
  const root = resolve(dir);
  let entries: string[];
  try {
    entries = (await readdir(root, { withFileTypes: true })).filter((e) => !e.name.startsWith('.')).map((e) => e.name);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new TerminalError(`cannot list the landing folder ${root} (${code})`, { file: root }, { cause: error });
  }
  let names = entries.sort();
  if (only) {
    const wanted = only.map((file) => checkWanted(root, file));
    const missing = wanted.filter((name) => !names.includes(name));
    if (missing.length > 0) {
      throw new ConfigError(`file(s) not found in the landing folder ${root}: ${missing.join(', ')}`, { file: missing[0] });
    }
    names = names.filter((name) => wanted.includes(name));
  }
  const files: LandingFile[] = [];
  const ignored: IgnoredFile[] = [];
  for (const name of names) {
    const path = join(root, name);
    const info = await stat(path).catch((error: NodeJS.ErrnoException) => error);
    if (info instanceof Error || !info.isFile()) {
      ignored.push({
        name,
        reason: info instanceof Error ? `cannot be read (${info.code ?? info.message})` : 'not a regular file',
      });
      continue;
    }
    const tables = matchTables(name, patterns);
    if (tables.length !== 1) {
      ignored.push({
        name,
        reason: tables.length === 0 ? 'matches no table pattern' : `matches several table patterns (${tables.join(', ')})`,
      });
      continue;
    }
    const fromName = exportTimeFromName(name);
    files.push({
      name,
      path,
      table: tables[0]!,
      size: info.size,
      mtime: info.mtime,
      exportedAt: fromName ?? new Date(Math.floor(info.mtimeMs)),
      exportedAtFrom: fromName ? 'name' : 'mtime',
    });
  }
  if (only) {
    const unusable = ignored.filter((file) => only.some((o) => basename(o) === file.name));
    if (unusable.length > 0) {
      throw new ConfigError(`cannot load ${unusable.map((f) => `${f.name} (${f.reason})`).join(', ')}`, {
        file: unusable[0]!.name,
      });
    }
  }
  return { files: sortForLoad(files), ignored };
}

/** Load order: by table (banks, opportunities, propositions), then export time, then name. */
export function sortForLoad(files: LandingFile[]): LandingFile[] {
  return [...files].sort(
    (a, b) =>
      CRM_LOAD_ORDER.indexOf(a.table) - CRM_LOAD_ORDER.indexOf(b.table) ||
      a.exportedAt.getTime() - b.exportedAt.getTime() ||
      (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
}

function checkWanted(root: string, file: string): string {
  const name = basename(file);
  if (file.includes('/') && resolve(root, file) !== join(root, name)) {
    throw new ConfigError(`file ${file} is not in the landing folder ${root}`, { file });
  }
  return name;
}

function matchesWhole(pattern: RegExp, name: string): boolean {
  // A pattern with the g or y flag keeps state between calls; a fresh copy does not.
  return new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, '')).test(name);
}
