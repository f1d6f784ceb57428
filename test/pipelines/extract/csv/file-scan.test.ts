import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { TerminalError } from '../../../../pipelines/core/errors.js';
import { scanFile } from '../../../../pipelines/extract/csv/file-scan.js';
import { tempDir } from './crm-test-support.js';

describe('scanFile', function () {
  it('hashes the content (sha256), counts records and writes the line map', async function () {
    const dir = tempDir('scan-');
    const content = 'Id,Name\n1,"a\nb"\n\n2,c\n';
    writeFileSync(join(dir, 'f.csv'), content);
    const seen: number[] = [];
    const scan = await scanFile(join(dir, 'f.csv'), { lineMapPath: join(dir, 'map.csv'), onBytes: (b) => seen.push(b) });
    expect(scan.sha256).to.equal(createHash('sha256').update(content).digest('hex'));
    expect(scan.size).to.equal(Buffer.byteLength(content));
    expect(scan.records).to.equal(3);
    expect(scan.blankLines).to.equal(1);
    expect(seen.at(-1)).to.equal(scan.size);
    expect(readFileSync(join(dir, 'map.csv'), 'utf8')).to.equal('kind,unit,value\no,3,1\nb,3,0\n');
    expect(scan.lineMapRows).to.equal(2);
  });

  it('hashes a file larger than one read in one pass', async function () {
    const dir = tempDir('scan-');
    const content = 'Id,Name\n' + Array.from({ length: 60_000 }, (_, i) => `${i},"name ${i}\nsecond line"`).join('\n') + '\n';
    writeFileSync(join(dir, 'big.csv'), content);
    const scan = await scanFile(join(dir, 'big.csv'), { lineMapPath: join(dir, 'map.csv') });
    expect(scan.size).to.be.greaterThan(1 << 20);
    expect(scan.sha256).to.equal(createHash('sha256').update(content).digest('hex'));
    expect(scan.records).to.equal(60_001);
    expect(scan.lineMapRows).to.equal(60_000);
  });

  it('fails with a TerminalError naming the file when it cannot be read', async function () {
    const dir = tempDir('scan-');
    mkdirSync(join(dir, 'opportunity_test.csv'));
    let error: unknown;
    try {
      await scanFile(join(dir, 'opportunity_test.csv'), {
        lineMapPath: join(dir, 'map.csv'),
        displayName: 'opportunity_test.csv',
      });
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(TerminalError);
    expect((error as Error).message).to.match(/^cannot read opportunity_test\.csv: it is a directory/);
  });
});
