import { expect } from 'chai';
import { parseDateTime, parseEventsQuery, parseUsersQuery } from '../../../pipelines/simulator/query-params.js';

describe('simulator query parameters', () => {
  describe('parseDateTime', () => {
    const valid: [string, string][] = [
      ['2026-03-01T00:00:00Z', '2026-03-01T00:00:00.000Z'],
      ['2026-03-01t10:20:30z', '2026-03-01T10:20:30.000Z'],
      ['2026-03-01T10:20:30.123Z', '2026-03-01T10:20:30.123Z'],
      ['2026-03-01T10:20:30.1Z', '2026-03-01T10:20:30.100Z'],
      ['2026-03-01T01:00:00+01:00', '2026-03-01T00:00:00.000Z'],
      ['2026-03-01T00:00:00-05:30', '2026-03-01T05:30:00.000Z'],
      ['2026-03-01T01:00:00+0100', '2026-03-01T00:00:00.000Z'],
      ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
      ['2000-02-29T00:00:00Z', '2000-02-29T00:00:00.000Z'],
      ['2026-12-31T23:59:59.999Z', '2026-12-31T23:59:59.999Z'],
    ];
    for (const [text, iso] of valid) {
      it(`reads ${text}`, () => {
        expect(new Date(parseDateTime(text) as number).toISOString()).to.equal(iso);
      });
    }

    it('rounds sub-millisecond digits up, so bounds select what an exact comparison would', () => {
      expect(parseDateTime('2026-03-01T00:00:00.0001Z')).to.equal(Date.parse('2026-03-01T00:00:00.001Z'));
      expect(parseDateTime('2026-03-01T00:00:00.123000000Z')).to.equal(Date.parse('2026-03-01T00:00:00.123Z'));
    });

    const invalid = [
      '2026-03-01',
      '2026-03-01T00:00:00',
      '2026-03-01T00:00Z',
      '2026-02-29T00:00:00Z',
      '1900-02-29T00:00:00Z',
      '2026-04-31T00:00:00Z',
      '2026-13-01T00:00:00Z',
      '2026-00-01T00:00:00Z',
      '2026-03-01T24:00:00Z',
      '2026-03-01T23:60:00Z',
      '2026-03-01T23:59:60Z',
      '2026-03-01T00:00:00+24:00',
      '2026-03-01T00:00:00 01:00',
      ' 2026-03-01T00:00:00Z',
      '1772323200000',
      'now',
    ];
    for (const text of invalid) {
      it(`refuses ${JSON.stringify(text)}`, () => {
        expect(parseDateTime(text)).to.equal(null);
      });
    }
  });

  it('defaults the events limit to 500 and the users limit to 200', () => {
    expect(
      parseEventsQuery(new URLSearchParams('received_since=2026-03-01T00:00:00Z&received_before=2026-03-02T00:00:00Z')),
    ).to.deep.equal({
      since: Date.parse('2026-03-01T00:00:00Z'),
      before: Date.parse('2026-03-02T00:00:00Z'),
      limit: 500,
    });
    expect(parseUsersQuery(new URLSearchParams(''))).to.deep.equal({ since: null, before: null, limit: 200 });
  });

  it('reads a cursor without looking at other parameters', () => {
    expect(parseEventsQuery(new URLSearchParams('cursor=abc&limit=9999&received_since=bad'))).to.deep.equal({ cursor: 'abc' });
    expect(parseUsersQuery(new URLSearchParams('cursor=abc&updated_since=bad'))).to.deep.equal({ cursor: 'abc' });
  });

  it('names the parameter in every error and never repeats the value', () => {
    const value = '"><img src=x>';
    for (const query of [
      `received_since=${encodeURIComponent(value)}&received_before=2026-03-02T00:00:00Z`,
      `received_since=2026-03-01T00:00:00Z&received_before=2026-03-02T00:00:00Z&limit=${encodeURIComponent(value)}`,
    ]) {
      const result = parseEventsQuery(new URLSearchParams(query)) as { error: string };
      expect(result.error).to.match(/^(received_since|limit) /);
      expect(result.error).to.not.include('<img');
    }
    const users = parseUsersQuery(new URLSearchParams(`updated_before=${encodeURIComponent(value)}`)) as { error: string };
    expect(users.error).to.match(/^updated_before /);
  });
});
