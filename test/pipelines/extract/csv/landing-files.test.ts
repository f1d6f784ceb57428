import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { loadConfig } from '../../../../pipelines/config/config.js';
import { ConfigError } from '../../../../pipelines/core/errors.js';
import { exportTimeFromName, listLandingFiles, matchTables } from '../../../../pipelines/extract/csv/landing-files.js';
import { tempDir } from './crm-test-support.js';

const patterns = loadConfig({}).csv.patterns;

describe('landing files', function () {
  it('matches the original export names and dated ones with the default patterns', function () {
    expect(matchTables('opportunity_test.csv', patterns)).to.deep.equal(['opportunities']);
    expect(matchTables('propositions_test.csv', patterns)).to.deep.equal(['propositions']);
    expect(matchTables('banques_test.csv', patterns)).to.deep.equal(['banks']);
    expect(matchTables('opportunity_2026-11-29.csv', patterns)).to.deep.equal(['opportunities']);
    expect(matchTables('Opportunities-2026-11-29.CSV', patterns)).to.deep.equal(['opportunities']);
    expect(matchTables('banques.csv', patterns)).to.deep.equal(['banks']);
    expect(matchTables('opportunity_2026-11-29.csv.part', patterns)).to.deep.equal([]);
    expect(matchTables('notes.csv', patterns)).to.deep.equal([]);
  });

  it('uses configured patterns', function () {
    const custom = loadConfig({ ELT_CSV_PATTERN_BANKS: '^partenaires_.*\\.csv$' }).csv.patterns;
    expect(matchTables('partenaires_2026.csv', custom)).to.deep.equal(['banks']);
    expect(matchTables('banques_test.csv', custom)).to.deep.equal([]);
  });

  it('reads the export time from the file name, as UTC', function () {
    expect(exportTimeFromName('opportunity_2026-11-29.csv')?.toISOString()).to.equal('2026-11-29T00:00:00.000Z');
    expect(exportTimeFromName('opportunity_20261129.csv')?.toISOString()).to.equal('2026-11-29T00:00:00.000Z');
    expect(exportTimeFromName('opportunity_2026-11-29T10-30.csv')?.toISOString()).to.equal('2026-11-29T10:30:00.000Z');
    expect(exportTimeFromName('opportunity_2026-11-29_103015.csv')?.toISOString()).to.equal('2026-11-29T10:30:15.000Z');
    expect(exportTimeFromName('opportunity_test.csv')).to.equal(null);
    expect(exportTimeFromName('opportunity_2026-02-30.csv')).to.equal(null);
    expect(exportTimeFromName('opportunity_12345678.csv')).to.equal(null);
  });

  it('lists files in load order: banks, opportunities, propositions; by export time then name', async function () {
    const dir = tempDir('landing-');
    for (const name of [
      'propositions_2026-11-28.csv',
      'opportunity_2026-11-30.csv',
      'opportunity_2026-11-29.csv',
      'opportunity_test.csv',
      'banques_test.csv',
      'readme.txt',
      '.complete-2026-11-29',
    ]) {
      writeFileSync(join(dir, name), 'Id\n');
    }
    mkdirSync(join(dir, 'opportunity_dir.csv'));
    // No date in the name: the modification time decides.
    const mtime = new Date('2026-11-29T12:00:00Z');
    utimesSync(join(dir, 'opportunity_test.csv'), mtime, mtime);
    const listing = await listLandingFiles(dir, patterns);
    expect(listing.files.map((f) => f.name)).to.deep.equal([
      'banques_test.csv',
      'opportunity_2026-11-29.csv',
      'opportunity_test.csv',
      'opportunity_2026-11-30.csv',
      'propositions_2026-11-28.csv',
    ]);
    const test = listing.files.find((f) => f.name === 'opportunity_test.csv')!;
    expect(test.exportedAtFrom).to.equal('mtime');
    expect(test.exportedAt.toISOString()).to.equal(mtime.toISOString());
    expect(listing.ignored.map((f) => f.name).sort()).to.deep.equal(['opportunity_dir.csv', 'readme.txt']);
  });

  it('restricts to named files and rejects names that are not there', async function () {
    const dir = tempDir('landing-');
    writeFileSync(join(dir, 'banques_test.csv'), 'Id\n');
    writeFileSync(join(dir, 'opportunity_test.csv'), 'Id\n');
    writeFileSync(join(dir, 'notes.csv'), 'x\n');
    const only = await listLandingFiles(dir, patterns, [join(dir, 'opportunity_test.csv')]);
    expect(only.files.map((f) => f.name)).to.deep.equal(['opportunity_test.csv']);
    let error: unknown;
    try {
      await listLandingFiles(dir, patterns, ['opportunity_missing.csv']);
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(ConfigError);
    expect((error as Error).message).to.contain('opportunity_missing.csv');
    error = undefined;
    try {
      await listLandingFiles(dir, patterns, ['notes.csv']);
    } catch (e) {
      error = e;
    }
    expect((error as Error).message).to.match(/notes\.csv \(matches no table pattern\)/);
  });

  it('names the folder when it cannot be listed', async function () {
    let error: unknown;
    try {
      await listLandingFiles('/nonexistent/landing', patterns);
    } catch (e) {
      error = e;
    }
    expect((error as Error).message).to.contain('/nonexistent/landing');
  });
});
