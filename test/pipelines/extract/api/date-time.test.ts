import { expect } from 'chai';
import { normalizeDateTime, parseInstant } from '../../../../pipelines/extract/api/date-time.js';

describe('RFC 3339 date-times', function () {
  it('normalizes to UTC with microseconds', function () {
    expect(normalizeDateTime('2026-03-01T10:20:30.123Z')).to.equal('2026-03-01T10:20:30.123000Z');
    expect(normalizeDateTime('2026-03-01T10:20:30Z')).to.equal('2026-03-01T10:20:30.000000Z');
    expect(normalizeDateTime('2026-03-01T11:20:30.5+01:00')).to.equal('2026-03-01T10:20:30.500000Z');
    expect(normalizeDateTime('2026-03-01T00:20:30.123456-02:30')).to.equal('2026-03-01T02:50:30.123456Z');
    expect(normalizeDateTime('2026-03-01t10:20:30.123456789z'), 'digits past microseconds are dropped').to.equal(
      '2026-03-01T10:20:30.123456Z',
    );
    expect(normalizeDateTime('2026-01-01T00:30:00+01:00'), 'crosses a year').to.equal('2025-12-31T23:30:00.000000Z');
  });

  it('refuses what is not a full date-time with a zone, or names no real day', function () {
    for (const bad of [
      '2026-03-01',
      '2026-03-01T10:20:30',
      '2026-03-01 10:20',
      '2026-02-30T00:00:00.000Z',
      '2026-02-29T00:00:00Z',
      '2026-13-01T00:00:00Z',
      '2026-03-01T24:00:00Z',
      '2026-03-01T10:20:30+0100',
      '1 March 2026',
      'not a date',
      '',
    ]) {
      expect(normalizeDateTime(bad), bad).to.equal(null);
    }
    expect(normalizeDateTime('2024-02-29T00:00:00Z'), 'a leap day').to.equal('2024-02-29T00:00:00.000000Z');
  });

  it('gives the instant in milliseconds and the microseconds beyond', function () {
    expect(parseInstant('2026-03-01T10:20:30.123456Z')).to.deep.equal({
      ms: Date.parse('2026-03-01T10:20:30.123Z'),
      micros: 456,
    });
  });
});
