import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { ConfigError } from '../../../pipelines/core/errors.js';
import { CRM_SOURCES, type CrmTable } from '../../../pipelines/extract/csv/crm-sources.js';
import { generateCrmExports } from '../../../pipelines/generate/generate-crm.js';
import { opportunityIdAt, withChecksum } from '../../../pipelines/generate/ids.js';
import type { GenerateManifest } from '../../../pipelines/generate/manifest.js';
import { countNewlines, objects, readCsv, REAL_DIR, tempDir, type ParsedCsv } from './csv-files.js';

const SEED = 1234;
const SCALE = '3000';

describe('generateCrmExports', function () {
  let dir: string;
  let manifest: GenerateManifest;
  const csv = {} as Record<CrmTable, ParsedCsv>;

  before(async function () {
    dir = tempDir('generate-crm-');
    manifest = await generateCrmExports({ dir, scale: SCALE, seed: SEED });
    for (const file of manifest.files) csv[file.table] = readCsv(file.path);
  });

  after(function () {
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes the three exports under the CRM names with the export date, by default 2026-11-29', function () {
    expect(readdirSync(dir).sort()).to.deep.equal([
      'banques_2026-11-29.csv',
      'opportunity_2026-11-29.csv',
      'propositions_2026-11-29.csv',
    ]);
    expect(manifest.files.map((f) => [f.table, f.rows])).to.deep.equal([
      ['banks', csv.banks.records.length],
      ['opportunities', 3000],
      ['propositions', csv.propositions.records.length],
    ]);
    for (const file of manifest.files) {
      expect(file.badRows).to.deep.equal([]);
      expect(file.lines).to.equal(countNewlines(csv[file.table].raw));
      expect(file.bytes).to.equal(csv[file.table].raw.length);
    }
  });

  it('writes byte-identical files for the same seed, and other files for another seed', async function () {
    const again = tempDir('generate-crm-again-');
    const other = tempDir('generate-crm-other-');
    try {
      await generateCrmExports({ dir: again, scale: SCALE, seed: SEED });
      await generateCrmExports({ dir: other, scale: SCALE, seed: SEED + 1 });
      for (const name of readdirSync(dir)) {
        expect(sha256(join(again, name)), name).to.equal(sha256(join(dir, name)));
        expect(sha256(join(other, name)), name).to.not.equal(sha256(join(dir, name)));
      }
    } finally {
      rmSync(again, { recursive: true, force: true });
      rmSync(other, { recursive: true, force: true });
    }
  });

  it("writes the real files' headers and the contract's columns in the contract's order", function () {
    const realOpportunities = readCsv(join(REAL_DIR, 'opportunities_sample.csv'));
    const realBanks = readCsv(join(REAL_DIR, 'banques.csv'));
    expect(csv.opportunities.header).to.deep.equal(realOpportunities.header);
    expect(csv.banks.header).to.deep.equal(realBanks.header);
    for (const table of ['opportunities', 'propositions', 'banks'] as const) {
      expect(csv[table].header).to.deep.equal(CRM_SOURCES[table].columns.map((c) => c.name));
      for (const record of csv[table].records) expect(record).to.have.length(csv[table].header.length);
    }
  });

  it("follows the real files' formatting: UTF-8 without BOM, LF, floats, 0/1 flags, timestamps, 18-character ids", function () {
    for (const table of ['opportunities', 'propositions', 'banks'] as const) {
      const { raw } = csv[table];
      expect(raw.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf])), `${table} BOM`).to.equal(false);
      expect(raw.includes('\r'), `${table} CR`).to.equal(false);
      expect(raw.toString('utf8').endsWith('\n')).to.equal(true);
      expect(Buffer.from(raw.toString('utf8'), 'utf8').equals(raw), `${table} UTF-8`).to.equal(true);
      const rows = objects(csv[table]);
      for (const column of CRM_SOURCES[table].columns) {
        const pattern = KIND_PATTERNS[column.kind];
        for (const row of rows) {
          const value = row[column.name] as string;
          if (value === '') continue;
          expect(value, `${table}.${column.name}`).to.match(pattern);
          if (column.kind === 'id') expect(withChecksum(value.slice(0, 15)), value).to.equal(value);
        }
      }
    }
    // Values carry accents and apostrophes as in the real file.
    const text = csv.opportunities.raw.toString('utf8');
    for (const value of ['Propriétaire', "CDI période d'essai terminée", "Web Calcul d'Enveloppe", '1-Découverte', '6-Perdue']) {
      expect(text).to.include(value);
    }
  });

  it('gives ids unique per table with the Salesforce key prefixes, opportunity i being opportunityIdAt(seed, i)', function () {
    const prefixes: Record<CrmTable, RegExp> = { opportunities: /^0065q0000/, propositions: /^a0B/, banks: /^001/ };
    for (const table of ['opportunities', 'propositions', 'banks'] as const) {
      const ids = csv[table].records.map((r) => r[0] as string);
      expect(new Set(ids).size, table).to.equal(ids.length);
      for (const id of ids) expect(id, table).to.match(prefixes[table]);
    }
    csv.opportunities.records.forEach((record, i) => expect(record[0]).to.equal(opportunityIdAt(SEED, i)));
    const bankIds = csv.banks.records.map((r) => r[0] as string);
    expect(bankIds).to.deep.equal([...bankIds].sort());
  });

  it('creates everything before the export date', function () {
    for (const table of ['opportunities', 'propositions', 'banks'] as const) {
      for (const row of objects(csv[table])) expect(row.CreatedDate! < '2026-11-29 00:00:00', table).to.equal(true);
    }
  });

  it('writes propositions as the real ones: orphans, unknown banks, empty and zero rates, 60 to 300 months', function () {
    const opportunityIds = new Set(csv.opportunities.records.map((r) => r[0]));
    const bankIds = new Set(csv.banks.records.map((r) => r[0]));
    const rows = objects(csv.propositions);
    const orphans = rows.filter((r) => !opportunityIds.has(r.Opportunity__c));
    const unknownBanks = rows.filter((r) => !bankIds.has(r.Partenaire__c));
    const joined = rows.filter((r) => opportunityIds.has(r.Opportunity__c) && bankIds.has(r.Partenaire__c));
    expect(orphans.length).to.be.greaterThan(0).and.equal(manifest.expected.orphanPropositions);
    expect(unknownBanks.length).to.be.greaterThan(0).and.equal(manifest.expected.unknownBankPropositions);
    expect(joined.length).to.equal(manifest.expected.joinedPropositions);
    expect(rows.some((r) => r.TXHA__c === '')).to.equal(true);
    expect(rows.some((r) => r.TXHA__c === '0.0')).to.equal(true);
    expect(rows.some((r) => r.DureePret_Mois__c === '')).to.equal(true);
    for (const r of rows) {
      if (r.DureePret_Mois__c !== '') expect(Number(r.DureePret_Mois__c)).to.be.within(60, 300);
    }
    // Several propositions from the same bank for the same opportunity.
    const pairs = new Set(rows.map((r) => `${r.Opportunity__c}/${r.Partenaire__c}`));
    expect(pairs.size).to.be.lessThan(rows.length);
  });

  it('counts on each opportunity the propositions written for it', function () {
    const perOpportunity = new Map<string, number>();
    for (const r of objects(csv.propositions))
      perOpportunity.set(r.Opportunity__c!, (perOpportunity.get(r.Opportunity__c!) ?? 0) + 1);
    for (const r of objects(csv.opportunities)) {
      const count = perOpportunity.get(r.Id!) ?? 0;
      expect(r.TotalProposition__c, r.Id).to.be.oneOf(count > 0 ? [`${count}.0`] : ['', '0.0']);
    }
  });

  it('rejects invalid options with a ConfigError naming the option', async function () {
    const cases: Array<[Parameters<typeof generateCrmExports>[0], string]> = [
      [{ dir, scale: 'huge' }, 'scale'],
      [{ dir, seed: 1.5 }, 'seed'],
      [{ dir, date: '2026-02-30' }, 'date'],
      [{ dir, date: '29/11/2026' }, 'date'],
      [{ dir, dirt: 'some' as 'all' }, 'dirt'],
    ];
    for (const [options, field] of cases) {
      const error = await generateCrmExports(options).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, field).to.be.instanceOf(ConfigError);
      expect((error as ConfigError).context.field).to.equal(field);
    }
  });
});

const KIND_PATTERNS = {
  id: /^[0-9A-Za-z]{15}[A-Z0-5]{3}$/,
  flag: /^[01]$/,
  number: /^-?\d+\.\d+$/,
  text: /^[^\r\n]*$/,
  timestamp: /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/,
} as const;

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}
