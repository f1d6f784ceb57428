import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * Checks a request's API key, given in `x-api-key` or as `Authorization: Bearer <key>`. Keys are
 * compared as SHA-256 digests in constant time, so neither their content nor their length leaks
 * through timing.
 */
export function createApiKeyCheck(expected: string): (headers: IncomingHttpHeaders) => boolean {
  const expectedDigest = digest(expected);
  return (headers) => {
    const given = presentedKey(headers);
    return given !== null && timingSafeEqual(digest(given), expectedDigest);
  };
}

function presentedKey(headers: IncomingHttpHeaders): string | null {
  const header = headers['x-api-key'];
  if (typeof header === 'string' && header !== '') return header;
  const authorization = headers.authorization;
  if (typeof authorization === 'string' && /^bearer /i.test(authorization)) {
    const token = authorization.slice(7).trim();
    return token === '' ? null : token;
  }
  return null;
}

function digest(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}
