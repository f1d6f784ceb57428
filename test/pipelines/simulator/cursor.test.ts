import { createHmac } from 'node:crypto';
import { expect } from 'chai';
import { decodeCursor, encodeCursor, type CursorState } from '../../../pipelines/simulator/cursor.js';

const state: CursorState = {
  feed: 'events',
  since: Date.parse('2026-03-01T00:00:00Z'),
  before: Date.parse('2026-03-02T00:00:00Z'),
  limit: 100,
  after: { ms: Date.parse('2026-03-01T10:00:00Z'), id: 'a1b2' },
  issuedAt: Date.parse('2026-03-03T00:00:00Z'),
};
const HOUR = 3600_000;

describe('simulator cursors', () => {
  it('carry the request and the position back unchanged', () => {
    const token = encodeCursor(state, 'secret');
    expect(decodeCursor(token, 'secret', 'events', state.issuedAt + HOUR, 2 * HOUR)).to.deep.equal({ ok: true, state });
    const users = encodeCursor({ ...state, feed: 'users', since: null, before: null }, 'secret');
    const decoded = decodeCursor(users, 'secret', 'users', state.issuedAt, 2 * HOUR);
    expect(decoded.ok && decoded.state.since).to.equal(null);
  });

  it('refuse cursors signed with another key, altered or malformed', () => {
    const token = encodeCursor(state, 'secret');
    expect(decodeCursor(token, 'other', 'events', state.issuedAt, 2 * HOUR)).to.deep.equal({ ok: false, reason: 'invalid' });
    const [payload, signature] = token.split('.') as [string, string];
    const flipped = `${payload.slice(0, -2)}${payload.endsWith('A') ? 'B' : 'A'}${payload.slice(-1)}.${signature}`;
    for (const bad of [flipped, payload, `${payload}.`, `.${signature}`, `${token}.x`, 'x'.repeat(3000), '']) {
      expect(decodeCursor(bad, 'secret', 'events', state.issuedAt, 2 * HOUR).ok, bad.slice(0, 40)).to.equal(false);
    }
  });

  it('refuse a well-signed payload of the wrong shape', () => {
    // Signed as the server signs (HMAC-SHA256, first 16 bytes), so only the shape checks can refuse it.
    const signed = (body: unknown) => {
      const payload = Buffer.from(JSON.stringify(body)).toString('base64url');
      return `${payload}.${createHmac('sha256', 'secret').update(payload).digest().subarray(0, 16).toString('base64url')}`;
    };
    const good = { f: 'events', s: 1, b: 2, l: 10, p: [1, 'a'], i: 5 };
    expect(decodeCursor(signed(good), 'secret', 'events', 5, HOUR).ok).to.equal(true);
    for (const bad of [
      { ...good, s: 'x' },
      { ...good, l: 1.5 },
      { ...good, p: [1] },
      { ...good, p: ['1', 'a'] },
      { ...good, f: 'other' },
      { ...good, i: undefined },
      [good],
      null,
    ]) {
      expect(decodeCursor(signed(bad), 'secret', 'events', 5, HOUR), JSON.stringify(bad)).to.deep.equal({
        ok: false,
        reason: 'invalid',
      });
    }
  });

  it('refuse a cursor of the other feed, and an expired one', () => {
    const token = encodeCursor(state, 'secret');
    expect(decodeCursor(token, 'secret', 'users', state.issuedAt, 2 * HOUR)).to.deep.equal({ ok: false, reason: 'wrong_feed' });
    expect(decodeCursor(token, 'secret', 'events', state.issuedAt + 2 * HOUR, 2 * HOUR).ok).to.equal(true);
    expect(decodeCursor(token, 'secret', 'events', state.issuedAt + 2 * HOUR + 1, 2 * HOUR)).to.deep.equal({
      ok: false,
      reason: 'expired',
    });
  });
});
