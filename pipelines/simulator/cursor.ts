import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Position } from './dataset.js';

/**
 * Page cursors: opaque to clients, they carry the whole request (window, limit) and the position of the
 * last item served, signed so that a forged or altered cursor is refused, and dated so that an old one
 * expires. Format: base64url(JSON) "." base64url(HMAC-SHA256, 16 bytes).
 */
export interface CursorState {
  feed: 'events' | 'users';
  /** Window bounds in ms; null where the request had none (users only). */
  since: number | null;
  before: number | null;
  limit: number;
  /** Last item served. */
  after: Position;
  /** Clock time at which the cursor was issued, ms. */
  issuedAt: number;
}

const MAX_CURSOR_LENGTH = 2048;

function sign(payload: string, secret: string): string {
  return createHmac('sha256', secret).update(payload).digest().subarray(0, 16).toString('base64url');
}

export function encodeCursor(state: CursorState, secret: string): string {
  const payload = Buffer.from(
    JSON.stringify({
      f: state.feed,
      s: state.since,
      b: state.before,
      l: state.limit,
      p: [state.after.ms, state.after.id],
      i: state.issuedAt,
    }),
  ).toString('base64url');
  return `${payload}.${sign(payload, secret)}`;
}

export type CursorCheck = { ok: true; state: CursorState } | { ok: false; reason: 'invalid' | 'expired' | 'wrong_feed' };

const isMs = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
const isBound = (v: unknown): v is number | null => v === null || isMs(v);

/** Verifies a cursor's signature, shape, feed and age (`ttlMs` on the simulator's clock). */
export function decodeCursor(
  token: string,
  secret: string,
  feed: CursorState['feed'],
  nowMs: number,
  ttlMs: number,
): CursorCheck {
  if (token.length === 0 || token.length > MAX_CURSOR_LENGTH) return { ok: false, reason: 'invalid' };
  const dot = token.indexOf('.');
  if (dot <= 0 || dot !== token.lastIndexOf('.')) return { ok: false, reason: 'invalid' };
  const payload = token.slice(0, dot);
  const given = Buffer.from(token.slice(dot + 1), 'base64url');
  const expected = Buffer.from(sign(payload, secret), 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'invalid' };
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'invalid' };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, reason: 'invalid' };
  const r = raw as Record<string, unknown>;
  const p = r.p;
  if (
    (r.f !== 'events' && r.f !== 'users') ||
    !isBound(r.s) ||
    !isBound(r.b) ||
    !isMs(r.l) ||
    !Array.isArray(p) ||
    p.length !== 2 ||
    !isMs(p[0]) ||
    typeof p[1] !== 'string' ||
    !isMs(r.i)
  ) {
    return { ok: false, reason: 'invalid' };
  }
  if (r.f !== feed) return { ok: false, reason: 'wrong_feed' };
  if (nowMs - r.i > ttlMs) return { ok: false, reason: 'expired' };
  return {
    ok: true,
    state: { feed: r.f, since: r.s, before: r.b, limit: r.l, after: { ms: p[0], id: p[1] }, issuedAt: r.i },
  };
}
