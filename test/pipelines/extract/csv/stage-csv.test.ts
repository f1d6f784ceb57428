import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { expect } from 'chai';
import { BANKS, OPPORTUNITIES, PROPOSITIONS } from '../../../../pipelines/extract/csv/crm-sources.js';
import { stageText } from './stage-support.js';

const PROPOSITION_HEADER = 'Id,CreatedDate,Opportunity__c,Partenaire__c,TXHA__c,DureePret_Mois__c,TauxAss__c,Etape_Source__c';
const REAL_SAMPLE = fileURLToPath(new URL('../../../../../shared/data/real/opportunities_sample.csv', import.meta.url));

/** A proposition record with `overrides` by column name. */
function proposition(id: string, overrides: Record<string, string> = {}): string {
  const base: Record<string, string> = {
    Id: id,
    CreatedDate: '2024-01-02 03:04:05',
    Opportunity__c: '0065q00000AlAK0AAN',
    Partenaire__c: '0011i000002MVpNAAW',
    TXHA__c: '3.5',
    DureePret_Mois__c: '240.0',
    TauxAss__c: '0.3',
    Etape_Source__c: 'Offre',
    ...overrides,
  };
  return PROPOSITION_HEADER.split(',')
    .map((c) => base[c]!)
    .join(',');
}

describe('stageCsv', function () {
  it('types values per the contract: floats, 0/1 flags, UTC timestamps, empty as NULL, accents', async function () {
    const [header, first] = readFileSync(REAL_SAMPLE, 'utf8').split('\n');
    const { staged, rows, quarantine } = await stageText(OPPORTUNITIES, `${header}\n${first}\n`);
    expect(staged.counts).to.deep.equal({ read: 1, loaded: 1, quarantined: 0 });
    expect(quarantine).to.deep.equal([]);
    const row = rows[0]!;
    expect(row.Id).to.equal('0065q00000AlAK0AAN');
    expect(row.Age_emprunteur__c).to.equal(33);
    expect(row.MontPretPricip__c).to.equal(235055);
    expect(row.A_une_proposition_de_sa_banque__c).to.equal(false);
    expect(row.Deja_souscrit_credit_immo__c).to.equal(true);
    expect((row.CreatedDate as Date).toISOString()).to.equal('2023-10-20T04:44:34.000Z');
    expect(row.HonorairMTX__c).to.equal(null);
    expect(row.SituActu__c).to.equal('Propriétaire');
    expect(row.TechMail_ContratDeTravailEmprunteur__c).to.equal("CDI période d'essai terminée");
    expect(row._line).to.equal(2);
  });

  it('stages timestamps as instants (Parquet isAdjustedToUTC), which BigQuery reads as TIMESTAMP', async function () {
    const { staged } = await stageText(BANKS, 'Id,CreatedDate,Name\n1,2020-01-01 10:00:00,a\n,2020-01-01 00:00:00,b\n');
    const connection = await (await DuckDBInstance.create(':memory:')).connect();
    for (const path of [staged.rowsPath!, staged.quarantinePath!]) {
      const reader = await connection.runAndReadAll(
        `SELECT name, logical_type FROM parquet_schema('${path}') WHERE logical_type LIKE 'TimestampType%'`,
      );
      const rows = reader.getRowObjectsJS();
      expect(rows.map((r) => r.name)).to.deep.equal(
        path === staged.rowsPath ? ['CreatedDate', '_exported_at', '_loaded_at'] : ['quarantined_at'],
      );
      expect(rows.every((r) => String(r.logical_type).includes('isAdjustedToUTC=1'))).to.equal(true);
    }
    connection.closeSync();
  });

  it('reads a BOM, CRLF, quoted commas, quotes and line ends, columns in another order and an extra column', async function () {
    const header = 'Partenaire__c,Id,Commentaire,TXHA__c,CreatedDate,Opportunity__c,DureePret_Mois__c,TauxAss__c,Etape_Source__c';
    const content =
      '\ufeff' +
      [
        header,
        'B1,P1,"Rappeler, ""vite""",3.2,2024-01-02 03:04:05,O1,240.0,0.3,"1-Proposition, reçue"',
        'B2,P2,"deux\r\nlignes",0.0,2024-01-02 03:04:05,O2,,0.3,"trois\nlignes\nici"',
        'B3,P3,,,2024-01-02 03:04:05,O3,300.0,,Étape',
        '',
      ].join('\r\n');
    const { staged, rows } = await stageText(PROPOSITIONS, content);
    expect(staged.counts).to.deep.equal({ read: 3, loaded: 3, quarantined: 0 });
    expect(staged.warnings).to.deep.equal(['extra column "Commentaire" (position 3) kept as STRING']);
    expect(rows.map((r) => [r.Id, r.Partenaire__c, r.Commentaire, r.TXHA__c, r.Etape_Source__c, r._line])).to.deep.equal([
      ['P1', 'B1', 'Rappeler, "vite"', 3.2, '1-Proposition, reçue', 2],
      ['P2', 'B2', 'deux\r\nlignes', 0, 'trois\nlignes\nici', 3],
      ['P3', 'B3', null, null, 'Étape', 7],
    ]);
  });

  it('quarantines values that do not type, naming the field, its raw value and the physical line', async function () {
    const content = [
      PROPOSITION_HEADER,
      proposition('P1'),
      proposition('P2', { TXHA__c: 'taux à confirmer' }),
      proposition('P3', { CreatedDate: '2025-02-30 10:15:00' }),
      proposition('P4', { TXHA__c: '"3,5"', DureePret_Mois__c: 'vingt', CreatedDate: '2024-01-02' }),
      proposition('P5'),
      '',
    ].join('\n');
    const { staged, rows, quarantine } = await stageText(PROPOSITIONS, content);
    expect(staged.counts).to.deep.equal({ read: 5, loaded: 2, quarantined: 3 });
    expect(rows.map((r) => [r.Id, r._line])).to.deep.equal([
      ['P1', 2],
      ['P5', 6],
    ]);
    expect(quarantine.map((q) => [q.line, q.field, q.raw_value, q.reason])).to.deep.equal([
      [3, 'TXHA__c', 'taux à confirmer', 'TXHA__c is not a number'],
      [4, 'CreatedDate', '2025-02-30 10:15:00', 'CreatedDate is not a timestamp YYYY-MM-DD HH:MM:SS'],
      [
        5,
        'CreatedDate',
        '2024-01-02',
        'CreatedDate is not a timestamp YYYY-MM-DD HH:MM:SS; TXHA__c is not a number; DureePret_Mois__c is not a number',
      ],
    ]);
    expect(quarantine[0]!.raw_record).to.equal(proposition('P2', { TXHA__c: 'taux à confirmer' }));
    expect(
      quarantine.every((q) => q.file_name === 'export.csv' && q.table_name === 'raw.crm_propositions' && q.source === 'csv'),
    ).to.equal(true);
  });

  it('quarantines a flag that is not 0/1', async function () {
    const [header, first] = readFileSync(REAL_SAMPLE, 'utf8').split('\n');
    const columns = header!.split(',');
    const fields = first!.split(',');
    fields[columns.indexOf('Appel_Automatique__c')] = 'peut-être';
    const { staged, quarantine } = await stageText(OPPORTUNITIES, `${header}\n${fields.join(',')}\n`);
    expect(staged.counts).to.deep.equal({ read: 1, loaded: 0, quarantined: 1 });
    expect(quarantine[0]).to.include({
      line: 2,
      field: 'Appel_Automatique__c',
      raw_value: 'peut-être',
      reason: 'Appel_Automatique__c is not a flag (0 or 1)',
    });
  });

  it('quarantines records that do not parse (field count, invalid UTF-8, unterminated quote) at their physical line', async function () {
    const content = Buffer.concat([
      Buffer.from(
        [
          PROPOSITION_HEADER,
          proposition('P1', { Etape_Source__c: '"a\nb"' }),
          proposition('P2').split(',').slice(0, -1).join(','),
          '',
          proposition('P3') + ',de trop',
          proposition('P4'),
          '',
        ].join('\n'),
      ),
      Buffer.from(proposition('P5', { Etape_Source__c: 'X' }).replace(',X', ',\xff\xfe'), 'latin1'),
      Buffer.from(
        '\n' +
          proposition('P6') +
          '\n' +
          proposition('P7', { Etape_Source__c: '"jamais fermé' }) +
          '\n' +
          proposition('P8') +
          '\n',
      ),
    ]);
    const { staged, rows, quarantine } = await stageText(PROPOSITIONS, content);
    expect(rows.map((r) => [r.Id, r._line])).to.deep.equal([
      ['P1', 2],
      ['P4', 7],
      ['P6', 9],
    ]);
    expect(quarantine.map((q) => [q.line, q.field, q.reason])).to.deep.equal([
      [4, null, 'wrong number of fields: expected 8, found 7'],
      [6, null, 'wrong number of fields: expected 8, found 9'],
      [8, 'Etape_Source__c', 'invalid UTF-8 in Etape_Source__c'],
      [10, 'Etape_Source__c', 'misplaced or unterminated quote in Etape_Source__c'],
    ]);
    expect(quarantine[1]!.raw_record).to.equal(proposition('P3') + ',de trop');
    expect(staged.counts).to.deep.equal({ read: 7, loaded: 3, quarantined: 4 });
  });

  it('quarantines empty ids, and all but the last occurrence of a duplicated id naming the kept line', async function () {
    const content = [
      PROPOSITION_HEADER,
      proposition('P1', { TXHA__c: '1.0' }),
      proposition('', { TXHA__c: '2.0' }),
      proposition('P1', { TXHA__c: '3.0', Etape_Source__c: '"x, ""y"""' }),
      proposition('P2'),
      proposition('P1', { TXHA__c: '4.0' }),
      '',
    ].join('\n');
    const { staged, rows, quarantine } = await stageText(PROPOSITIONS, content);
    expect(staged.counts).to.deep.equal({ read: 5, loaded: 2, quarantined: 3 });
    expect(rows.map((r) => [r.Id, r.TXHA__c, r._line])).to.deep.equal([
      ['P2', 3.5, 5],
      ['P1', 4, 6],
    ]);
    expect(quarantine.map((q) => [q.line, q.field, q.raw_value, q.reason])).to.deep.equal([
      [2, 'Id', 'P1', 'duplicate Id in the file; the last occurrence, line 6, is kept'],
      [3, 'Id', null, 'empty primary key Id'],
      [4, 'Id', 'P1', 'duplicate Id in the file; the last occurrence, line 6, is kept'],
    ]);
    // Re-serialized from the typed values, as the export writes them.
    expect(quarantine[2]!.raw_record).to.equal(proposition('P1', { TXHA__c: '3.0', Etape_Source__c: '"x, ""y"""' }));
  });

  it('rejects a file missing a required column: nothing staged, every record quarantined with the reason', async function () {
    const content = ['Id,Name', '1,a', '2,"b\nc"', '3,c,extra', ''].join('\n');
    const { staged, rows, quarantine } = await stageText(BANKS, content);
    expect(staged.status).to.equal('rejected');
    expect(staged.rejection).to.equal('missing required column CreatedDate');
    expect(staged.rowsPath).to.equal(undefined);
    expect(rows).to.deep.equal([]);
    expect(staged.counts).to.deep.equal({ read: 3, loaded: 0, quarantined: 3 });
    expect(quarantine.map((q) => [q.line, q.field, q.reason, q.raw_record])).to.deep.equal([
      [2, 'CreatedDate', 'file rejected: missing required column CreatedDate', '1,a'],
      [3, 'CreatedDate', 'file rejected: missing required column CreatedDate', '2,"b\nc"'],
      [5, null, 'file rejected: missing required column CreatedDate; wrong number of fields: expected 2, found 3', '3,c,extra'],
    ]);
  });

  it('hints at the delimiter when the header is one column', async function () {
    const { staged } = await stageText(BANKS, 'Id;CreatedDate;Name\n1;2020-01-01 00:00:00;a\n');
    expect(staged.rejection).to.match(
      /missing required columns Id, CreatedDate, Name \(the header has one column: is the delimiter not a comma\?\)/,
    );
    expect(staged.counts).to.deep.equal({ read: 1, loaded: 0, quarantined: 1 });
  });

  it('rejects a file whose header repeats a column', async function () {
    const { staged } = await stageText(BANKS, 'Id,CreatedDate,Name,name\n1,2020-01-01 00:00:00,a,b\n');
    expect(staged.status).to.equal('rejected');
    expect(staged.rejection).to.equal('column Name appears twice in the header (positions 3 and 4)');
  });

  it('rejects a file with more bad records than the rejects limit, still accounting for every record', async function () {
    const rows = Array.from({ length: 30 }, (_, i) => proposition(`P${i}`, { TXHA__c: i % 2 ? 'x' : '1.0' }));
    const { staged, quarantine } = await stageText(PROPOSITIONS, [PROPOSITION_HEADER, ...rows, ''].join('\n'), {
      rejectsLimit: 10,
    });
    expect(staged.status).to.equal('rejected');
    expect(staged.rejection).to.equal('more than 10 records could not be read or typed');
    expect(staged.counts).to.deep.equal({ read: 30, loaded: 0, quarantined: 30 });
    expect(quarantine).to.have.length(30);
  });

  it('rejects an empty file, and loads nothing from a header-only file', async function () {
    const empty = await stageText(BANKS, '');
    expect(empty.staged).to.include({ status: 'rejected', rejection: 'the file is empty: no header row' });
    expect(empty.staged.counts).to.deep.equal({ read: 0, loaded: 0, quarantined: 0 });
    const headerOnly = await stageText(BANKS, 'Id,CreatedDate,Name\r\n');
    expect(headerOnly.staged).to.include({ status: 'loaded' });
    expect(headerOnly.staged.counts).to.deep.equal({ read: 0, loaded: 0, quarantined: 0 });
  });

  it('rejects a file whose header is not UTF-8, counting its records', async function () {
    const content = Buffer.concat([
      Buffer.from('Id,Created'),
      Buffer.from([0xff]),
      Buffer.from('Date,Name\n1,2020-01-01 00:00:00,a\n'),
    ]);
    const { staged, quarantine } = await stageText(BANKS, content);
    expect(staged.status).to.equal('rejected');
    expect(staged.counts).to.deep.equal({ read: 1, loaded: 0, quarantined: 1 });
    expect(quarantine).to.have.length(1);
    expect(quarantine[0]!.reason).to.match(/^file rejected: /);
  });
});
