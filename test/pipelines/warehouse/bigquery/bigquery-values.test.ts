import { expect } from 'chai';
import { googleSqlType, rowsToObjects, timestampText } from '../../../../pipelines/warehouse/bigquery/bigquery-values.js';

describe('BigQuery result values', function () {
  it('converts each type to the plain shape every warehouse returns', function () {
    const fields = [
      { name: 'i', type: 'INTEGER' },
      { name: 'big', type: 'INT64' },
      { name: 'f', type: 'FLOAT' },
      { name: 'b', type: 'BOOLEAN' },
      { name: 's', type: 'STRING' },
      { name: 't', type: 'TIMESTAMP' },
      { name: 'd', type: 'DATE' },
      { name: 'j', type: 'JSON' },
      { name: 'xs', type: 'INTEGER', mode: 'REPEATED' },
      { name: 'r', type: 'RECORD', fields: [{ name: 'k', type: 'STRING' }] },
      { name: 'n', type: 'STRING' },
    ];
    const rows = [
      {
        f: [
          { v: '42' },
          { v: '9007199254740993' },
          { v: '1.5' },
          { v: 'true' },
          { v: "l'été" },
          { v: '1764410400123456' },
          { v: '2026-11-29' },
          { v: '{"a":1}' },
          { v: [{ v: '1' }, { v: '2' }] },
          { v: { f: [{ v: 'x' }] } },
          { v: null },
        ],
      },
    ];
    expect(rowsToObjects(fields, rows)).to.deep.equal([
      {
        i: 42,
        big: '9007199254740993',
        f: 1.5,
        b: true,
        s: "l'été",
        t: '2025-11-29T10:00:00.123Z',
        d: '2026-11-29',
        j: '{"a":1}',
        xs: [1, 2],
        r: { k: 'x' },
        n: null,
      },
    ]);
  });

  it('reads TIMESTAMP as microseconds, float seconds or ISO text', function () {
    expect(timestampText('1767261600000000')).to.equal('2026-01-01T10:00:00.000Z');
    expect(timestampText('1767261600.123456')).to.equal('2026-01-01T10:00:00.123Z');
    expect(timestampText('1.7672616E9')).to.equal('2026-01-01T10:00:00.000Z');
    expect(timestampText('2026-01-01T10:00:00.5Z')).to.equal('2026-01-01T10:00:00.500Z');
    expect(timestampText('-1500')).to.equal('1969-12-31T23:59:59.998Z');
  });

  it('names types as GoogleSQL does', function () {
    expect(googleSqlType({ type: 'INTEGER' })).to.equal('INT64');
    expect(googleSqlType({ type: 'FLOAT' })).to.equal('FLOAT64');
    expect(googleSqlType({ type: 'BOOLEAN' })).to.equal('BOOL');
    expect(googleSqlType({ type: 'STRING', mode: 'REPEATED' })).to.equal('ARRAY<STRING>');
    expect(googleSqlType({ type: 'TIMESTAMP' })).to.equal('TIMESTAMP');
  });
});
