import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ConfigError } from '../core/errors.js';
import type { CrmTable } from '../extract/csv/crm-sources.js';
import { bankCount, generateBanks, type BankSet } from './banks.js';
import { writeCsv, type OutRow } from './csv-writer.js';
import { arranger, dropOrAddField, extraColumnValue, fileDirt, header, messyText, spoil, type FileDirt } from './dirt.js';
import { dateEpochSeconds, timestamp } from './format.js';
import { base62Value, checkSeed, opportunityCount, opportunityIdAt, propositionIdAt, salesforceId } from './ids.js';
import type { DirtLevel, GeneratedFile, GenerateManifest } from './manifest.js';
import { impossibleAgePlan, opportunityFields, type OpportunityContext } from './opportunities.js';
import { propositionFields, propositionPlan, propositionRows, type PropositionContext } from './propositions.js';
import { Rng } from './rng.js';

export interface GenerateOptions {
  /** Folder to write into (created if missing). */
  dir: string;
  /** `small` (2,000 opportunities), `medium` (20,000), `real` (174,000) or a whole number. Default `small`. */
  scale?: string;
  /** Same seed, same options: byte-identical files. Default 42. */
  seed?: number;
  /** Export date, YYYY-MM-DD, in the file names; every CreatedDate is before it. Default 2026-11-29. */
  date?: string;
  /** `realistic` (default): only the real exports' dirt; `all`: every kind a loader must survive. */
  dirt?: DirtLevel;
}

export const DEFAULT_EXPORT_DATE = '2026-11-29';
export const DEFAULT_SEED = 42;
export const DEFAULT_SCALE = 'small';

const FILE_STEMS: Record<CrmTable, string> = {
  opportunities: 'opportunity',
  propositions: 'propositions',
  banks: 'banques',
};

const STREAM_OPPORTUNITY_DIRT = 701;
const STREAM_PROPOSITION_DIRT = 702;
const STREAM_BANK_DIRT = 703;
const STREAM_BAD_ROWS = 704;
// Serials of bad propositions: far above any regular proposition's, so their ids never collide.
const BAD_PROPOSITION_SERIAL = 40_000_000;
// Ids of bad bank rows: above every generated bank body of that key prefix.
const BAD_BANK_PREFIX = '001IV0000';
const BAD_BANK_BODY = base62Value('1zzzz0');

/** File name of a table's export, as the CRM names them: `opportunity_2026-11-29.csv`. */
export function exportFileName(table: CrmTable, date: string): string {
  return `${FILE_STEMS[table]}_${date}.csv`;
}

/**
 * Writes the three CRM exports (banks, opportunities, propositions) into `options.dir`, streaming, and
 * returns what was written. Throws ConfigError naming the option when one is invalid.
 */
export async function generateCrmExports(options: GenerateOptions): Promise<GenerateManifest> {
  const started = performance.now();
  const scale = options.scale ?? DEFAULT_SCALE;
  const seed = options.seed ?? DEFAULT_SEED;
  const date = options.date ?? DEFAULT_EXPORT_DATE;
  const dirt = options.dirt ?? 'realistic';
  const count = opportunityCount(scale);
  checkSeed(seed);
  checkExportDate(date);
  if (dirt !== 'realistic' && dirt !== 'all') {
    throw new ConfigError(`invalid dirt ${JSON.stringify(dirt)}: expected realistic or all`, { field: 'dirt' });
  }
  const dir = resolve(options.dir);
  await mkdir(dir, { recursive: true });

  const exportEpoch = dateEpochSeconds(date);
  const year = Number(date.slice(0, 4)) - 1;
  const banks = generateBanks(seed, bankCount(count));
  const impossibleAges = impossibleAgePlan(seed, count);
  const expected: GenerateManifest['expected'] = {
    joinedPropositions: 0,
    orphanPropositions: 0,
    unknownBankPropositions: 0,
    impossibleAges: impossibleAges.size,
    distinctBankNames: new Set(banks.rows.map((row) => row.name)).size,
  };

  const write = async (table: CrmTable, fileDirtOf: FileDirt, rows: Iterable<OutRow>): Promise<GeneratedFile> => {
    const path = join(dir, exportFileName(table, date));
    const head = header(fileDirtOf);
    const written = await writeCsv(path, head, rows, { bom: fileDirtOf.bom, lineEnding: fileDirtOf.lineEnding });
    return {
      table,
      path,
      rows: written.rows,
      badRows: written.badRows,
      header: head,
      extraColumns: fileDirtOf.extraColumn ? [fileDirtOf.extraColumn.name] : [],
      bom: fileDirtOf.bom,
      lineEnding: fileDirtOf.lineEnding,
      lines: written.lines,
      bytes: written.bytes,
    };
  };

  const files: GeneratedFile[] = [];
  const bankDirt = fileDirt('banks', dirt, seed, banks.rows.length);
  files.push(await write('banks', bankDirt, bankRows(seed, banks, bankDirt, year)));

  const opportunityContext: OpportunityContext = { seed, count, exportEpoch, entityIds: banks.entityIds, impossibleAges };
  const opportunityDirt = fileDirt('opportunities', dirt, seed, count);
  files.push(await write('opportunities', opportunityDirt, opportunityRows(opportunityContext, opportunityDirt, year)));

  const propositionContext: PropositionContext = { seed, count, exportEpoch, banks };
  const propositionDirt = fileDirt('propositions', dirt, seed, count);
  files.push(
    await write('propositions', propositionDirt, propositionOutRows(propositionContext, propositionDirt, year, expected)),
  );

  return {
    dir,
    seed,
    scale,
    date,
    dirt,
    opportunities: count,
    files,
    expected,
    durationMs: Math.round(performance.now() - started),
  };
}

function* bankRows(seed: number, banks: BankSet, dirt: FileDirt, year: number): Generator<OutRow> {
  const arrange = arranger('banks', dirt);
  let badCount = 0;
  for (let i = 0; i < banks.rows.length; i++) {
    const row = banks.rows[i];
    if (!row) continue;
    let name = row.name;
    if (dirt.messyTextShare > 0) {
      name = messyText(new Rng(seed, STREAM_BANK_DIRT, i), name, i, dirt.messyTextShare);
    }
    yield { fields: arrange([row.id, timestamp(row.createdAt), name]) };
    for (const bad of dirt.badRows) {
      if (bad.after !== i) continue;
      const fields = [salesforceId(BAD_BANK_PREFIX, BAD_BANK_BODY + badCount++), timestamp(row.createdAt), row.name];
      yield badRow('banks', arrange, bad.reason, fields, year);
    }
  }
}

function* opportunityRows(ctx: OpportunityContext, dirt: FileDirt, year: number): Generator<OutRow> {
  const arrange = arranger('opportunities', dirt);
  let serial = 0;
  let badCount = 0;
  for (let index = 0; index < ctx.count; index++) {
    const plan = propositionPlan(ctx.seed, index);
    const id = opportunityIdAt(ctx.seed, index);
    const fields = opportunityFields(ctx, { index, id, propositions: plan.own, firstPropositionSerial: serial });
    serial += plan.own + plan.orphans;
    let extra = '';
    if (dirt.messyTextShare > 0) {
      const rng = new Rng(ctx.seed, STREAM_OPPORTUNITY_DIRT, index);
      // BanquePrincipaleEmp__c, a free-text column.
      fields[5] = messyText(rng, fields[5] as string, index, dirt.messyTextShare);
      extra = extraColumnValue(rng);
    }
    yield { fields: arrange(fields, extra) };
    for (const bad of dirt.badRows) {
      if (bad.after !== index) continue;
      // Bad rows carry ids of opportunities that are in no valid row (2 * count and up).
      const badIndex = 2 * ctx.count + badCount++;
      const badFields = opportunityFields(ctx, {
        index: badIndex,
        id: opportunityIdAt(ctx.seed, badIndex),
        propositions: 0,
        firstPropositionSerial: 0,
      });
      yield badRow('opportunities', arrange, bad.reason, badFields, year);
    }
  }
}

function* propositionOutRows(
  ctx: PropositionContext,
  dirt: FileDirt,
  year: number,
  expected: GenerateManifest['expected'],
): Generator<OutRow> {
  const arrange = arranger('propositions', dirt);
  let serial = 0;
  let written = 0;
  let badCount = 0;
  for (let index = 0; index < ctx.count; index++) {
    const plan = propositionPlan(ctx.seed, index);
    const rows = propositionRows(ctx, index, serial, plan);
    serial += rows.length;
    for (let k = 0; k < rows.length; k++) {
      const row = rows[k];
      if (!row) continue;
      if (row.joinable) expected.joinedPropositions++;
      if (row.orphan) expected.orphanPropositions++;
      if (row.unknownBank) expected.unknownBankPropositions++;
      if (dirt.messyTextShare > 0) {
        // Etape_Source__c, free text.
        row.fields[7] = messyText(
          new Rng(ctx.seed, STREAM_PROPOSITION_DIRT, index, k),
          row.fields[7] as string,
          written,
          dirt.messyTextShare,
        );
      }
      written++;
      yield { fields: arrange(row.fields) };
    }
    for (const bad of dirt.badRows) {
      if (bad.after !== index) continue;
      const rng = new Rng(ctx.seed, STREAM_BAD_ROWS, index, badCount);
      const bank = ctx.banks.rows[0];
      if (!bank) throw new Error('propositionOutRows: no bank row');
      const fields = propositionFields(
        rng,
        propositionIdAt(ctx.seed, BAD_PROPOSITION_SERIAL + badCount++),
        ctx.exportEpoch - rng.int(3_600, 86_400),
        opportunityIdAt(ctx.seed, index),
        bank.id,
      );
      yield badRow('propositions', arrange, bad.reason, fields, year);
    }
  }
}

function badRow(
  table: CrmTable,
  arrange: (fields: string[], extra?: string) => string[],
  reason: FileDirt['badRows'][number]['reason'],
  fields: string[],
  year: number,
): OutRow {
  const field = spoil(table, reason, fields, year);
  const id = fields[0] as string;
  let out = arrange(fields, '');
  if (reason === 'wrong_field_count') out = dropOrAddField(table, out);
  return { fields: out, bad: { field, reason, id } };
}

/** Throws ConfigError naming `date` unless it is a real YYYY-MM-DD date. */
export function checkExportDate(date: string): void {
  const epoch = Date.parse(`${date}T00:00:00Z`);
  const valid = /^\d{4}-\d{2}-\d{2}$/.test(date) && !Number.isNaN(epoch) && new Date(epoch).toISOString().slice(0, 10) === date;
  if (!valid) throw new ConfigError(`invalid date ${JSON.stringify(date)}: expected a real YYYY-MM-DD date`, { field: 'date' });
}
