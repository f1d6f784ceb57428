import { expect } from 'chai';
import { TerminalError } from '../../../../pipelines/core/errors.js';
import {
  castParamsForEmulator,
  paramType,
  prefixParams,
  toQueryParameters,
} from '../../../../pipelines/warehouse/bigquery/bigquery-params.js';

describe('BigQuery query parameters', function () {
  it('infers types from values as the client library does, and honours declared types', function () {
    expect(paramType('a', 'x')).to.equal('STRING');
    expect(paramType('a', 3)).to.equal('INT64');
    expect(paramType('a', 3.5)).to.equal('FLOAT64');
    expect(paramType('a', 3n)).to.equal('INT64');
    expect(paramType('a', true)).to.equal('BOOL');
    expect(paramType('a', new Date())).to.equal('TIMESTAMP');
    expect(paramType('a', null)).to.equal('STRING');
    expect(paramType('a', [1, 2])).to.equal('ARRAY<INT64>');
    expect(paramType('a', [1, 2.5])).to.equal('ARRAY<FLOAT64>');
    expect(paramType('a', [])).to.equal('ARRAY<STRING>');
    expect(paramType('a', null, { a: 'DATE' })).to.equal('DATE');
  });

  it('sends every value as typed text in the REST shape', function () {
    expect(
      toQueryParameters(
        {
          s: "it's",
          t: new Date('2026-01-02T03:04:05Z'),
          d: new Date('2026-01-02T00:00:00Z'),
          n: null,
          xs: ['2026-01-01'],
          big: 9007199254740993n,
        },
        { d: 'DATE', n: 'INT64', xs: 'ARRAY<DATE>' },
      ),
    ).to.deep.equal([
      { name: 's', parameterType: { type: 'STRING' }, parameterValue: { value: "it's" } },
      { name: 't', parameterType: { type: 'TIMESTAMP' }, parameterValue: { value: '2026-01-02T03:04:05.000Z' } },
      { name: 'd', parameterType: { type: 'DATE' }, parameterValue: { value: '2026-01-02' } },
      { name: 'n', parameterType: { type: 'INT64' }, parameterValue: {} },
      {
        name: 'xs',
        parameterType: { type: 'ARRAY', arrayType: { type: 'DATE' } },
        parameterValue: { arrayValues: [{ value: '2026-01-01' }] },
      },
      { name: 'big', parameterType: { type: 'INT64' }, parameterValue: { value: '9007199254740993' } },
    ]);
  });

  it('refuses a value that does not fit its declared type, naming the parameter', function () {
    expect(() => toQueryParameters({ xs: 'a' }, { xs: 'ARRAY<STRING>' })).to.throw(TerminalError, /@xs/);
    expect(() => toQueryParameters({ t: new Date('nope') })).to.throw(TerminalError, /@t is an invalid Date/);
  });

  it('renames the parameters of one statement without touching literals, identifiers or comments', function () {
    const renamed = prefixParams(
      "SELECT @a, '@a', `@a`, @@row_count -- @a\nFROM t WHERE x = @b",
      { a: 1, b: 2 },
      { b: 'INT64' },
      's0_',
    );
    expect(renamed).to.deep.equal({
      sql: "SELECT @s0_a, '@a', `@a`, @@row_count -- @a\nFROM t WHERE x = @s0_b",
      params: { s0_a: 1, s0_b: 2 },
      types: { s0_b: 'INT64' },
    });
  });

  it('casts the parameters the emulator mistypes (DATE, JSON, NULL, non-STRING arrays), and no other', function () {
    const sql = castParamsForEmulator(
      'SELECT @d, @j, @n, @is, @ss, @s, @i',
      { d: '2026-01-01', j: '{}', n: null, is: [1], ss: ['a'], s: 'x', i: 1 },
      {
        d: 'DATE',
        j: 'JSON',
        n: 'TIMESTAMP',
      },
    );
    expect(sql).to.equal(
      'SELECT CAST(@d AS DATE), PARSE_JSON(@j), CAST(@n AS TIMESTAMP), ARRAY(SELECT CAST(e AS INT64) FROM UNNEST(@is) AS e), @ss, @s, @i',
    );
  });
});
