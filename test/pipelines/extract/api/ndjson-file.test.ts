import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { NdjsonFile } from '../../../../pipelines/extract/api/ndjson-file.js';

describe('NdjsonFile (staged lines, encoded as they are added)', function () {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'ndjson-file-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes every added line as UTF-8, one per line, across batches and buffers', async function () {
    const file = new NdjsonFile(join(dir, 'rows.ndjson'));
    const lines = [
      JSON.stringify({ title: 'Simulateur capacité d’emprunt', emoji: '🏠', quote: 'a "b" \\ c' }),
      // Longer than one encoding buffer: it gets a buffer of its own.
      JSON.stringify({ long: 'é'.repeat(3 << 20) }),
      JSON.stringify({ n: 1 }),
    ];
    file.add(lines[0]!);
    await file.flush();
    await file.write(lines.slice(1));
    await file.flush();
    await file.close();
    expect(file.lines).to.equal(3);
    expect(readFileSync(file.path, 'utf8')).to.equal(`${lines.join('\n')}\n`);
  });

  it('creates no file until something is flushed, and discard removes what was written', async function () {
    const empty = new NdjsonFile(join(dir, 'empty.ndjson'));
    await empty.flush();
    await empty.close();
    expect(existsSync(empty.path)).to.equal(false);
    const file = new NdjsonFile(join(dir, 'dropped.ndjson'));
    file.add('{"a":1}');
    await file.flush();
    file.add('{"a":2}');
    await file.discard();
    expect(existsSync(file.path)).to.equal(false);
  });
});
