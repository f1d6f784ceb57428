import { expect } from 'chai';
import { RecordBoundaryScanner, type BoundarySummary } from '../../../../pipelines/extract/csv/record-boundaries.js';

interface Scanned extends BoundarySummary {
  offsets: Array<[number, number]>;
  blanks: number[];
  /** Physical start line of each unit after the header that holds a record, derived from the reports. */
  recordLines: number[];
}

/** Feeds `text` in chunks of `chunk` bytes and derives each record's start line from the reports. */
function scan(text: string | Buffer, chunk = 3): Scanned {
  const offsets: Array<[number, number]> = [];
  const blanks: number[] = [];
  const scanner = new RecordBoundaryScanner({ offset: (u, o) => offsets.push([u, o]), blank: (u) => blanks.push(u) });
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  for (let i = 0; i < bytes.length; i += chunk) scanner.feed(bytes.subarray(i, i + chunk));
  const summary = scanner.end();
  const recordLines: number[] = [];
  const units = summary.records + summary.blankLines;
  for (let unit = 2; unit <= units; unit++) {
    if (blanks.includes(unit)) continue;
    const offset = offsets.filter(([u]) => u <= unit).at(-1)?.[1] ?? 0;
    recordLines.push(unit + offset);
  }
  return { ...summary, offsets, blanks, recordLines };
}

describe('RecordBoundaryScanner', function () {
  it('numbers single-line records from line 2 and reports no offsets', function () {
    const s = scan('Id,Name\n1,a\n2,b\n3,c\n');
    expect(s.records).to.equal(4);
    expect(s.recordLines).to.deep.equal([2, 3, 4]);
    expect(s.offsets).to.deep.equal([]);
    expect(s.physicalLines).to.equal(4);
    expect(s.header.toString()).to.equal('Id,Name');
  });

  it('follows line ends inside quoted values (LF and CRLF), whatever the chunking', function () {
    const text = 'Id,Name\r\n1,"a\r\nb"\r\n2,"x, ""y""\nz\nw"\r\n3,c\r\n';
    for (const chunk of [1, 2, 5, 64]) {
      const s = scan(text, chunk);
      expect(s.recordLines, `chunk ${chunk}`).to.deep.equal([2, 4, 7]);
      expect(s.header.toString()).to.equal('Id,Name');
    }
  });

  it('reports blank lines as units without a record', function () {
    const s = scan('Id,Name\n1,a\n\n2,b\r\n\r\n3,c\n');
    expect(s.blanks).to.deep.equal([3, 5]);
    expect(s.recordLines).to.deep.equal([2, 4, 6]);
  });

  it('opens quotes only at the start of a field (spaces allowed before), as DuckDB does', function () {
    // `ab"c` is text: the line end after it ends the record; ` "a\nb"` is a quoted value.
    const s = scan('Id,Name,N\n1, "a\nb",3\n3,ab"c\nd",4\n5,"ab"cd,5\n7,z,7\n');
    expect(s.recordLines).to.deep.equal([2, 4, 5, 6, 7]);
  });

  it('treats the rest of the file as one record after an unterminated quote', function () {
    const s = scan('Id,Name\n1,a\n2,"oops\n3,c\n4,d\n');
    expect(s.records).to.equal(3);
    expect(s.unterminatedQuote).to.equal(true);
  });

  it('strips a UTF-8 BOM from the header and counts a last line without line end', function () {
    for (const chunk of [1, 2, 3, 100]) {
      const s = scan(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('Id,Name\r\n1,é\r\n2,b')]), chunk);
      expect(s.bom, `chunk ${chunk}`).to.equal(true);
      expect(s.header.toString()).to.equal('Id,Name');
      expect(s.records).to.equal(3);
      expect(s.physicalLines).to.equal(3);
    }
  });

  it('reads a file shorter than a BOM', function () {
    const s = scan('I', 1);
    expect(s.records).to.equal(1);
    expect(s.header.toString()).to.equal('I');
  });

  it('keeps a quoted header with a line end whole', function () {
    const s = scan('"Id","Long\nName"\n1,a\n2,b\n', 4);
    expect(s.header.toString()).to.equal('"Id","Long\nName"');
    expect(s.recordLines).to.deep.equal([3, 4]);
  });

  it('marks a header longer than the limit as truncated', function () {
    const scanner = new RecordBoundaryScanner({ offset: () => undefined, blank: () => undefined }, { maxHeaderBytes: 8 });
    scanner.feed(Buffer.from('Identifier,Name\n1,a\n'));
    expect(scanner.end().headerTruncated).to.equal(true);
  });

  it('matches the true start line of every record of random messy CSV', function () {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const pieces = ['a', 'b c', 'x,y', 'say "hi"', 'two\nlines', 'crlf\r\ninside', '', ' lead', 'é à ç'];
    for (let round = 0; round < 20; round++) {
      let text = 'A,B,C\n';
      let line = 2;
      const expected: number[] = [];
      for (let r = 0; r < 60; r++) {
        if (random() < 0.1) {
          text += random() < 0.5 ? '\n' : '\r\n';
          line++;
        }
        const fields = [0, 1, 2].map(() => pieces[Math.floor(random() * pieces.length)]!);
        expected.push(line);
        text +=
          fields.map((f) => (/[",\r\n]/.test(f) ? `"${f.replace(/"/g, '""')}"` : f)).join(',') + (random() < 0.5 ? '\n' : '\r\n');
        line += 1 + fields.reduce((n, f) => n + (f.match(/\n/g)?.length ?? 0), 0);
      }
      expect(scan(text, 1 + Math.floor(random() * 50)).recordLines, `round ${round}`).to.deep.equal(expected);
    }
  });
});
