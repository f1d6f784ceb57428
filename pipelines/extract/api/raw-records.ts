/**
 * The exact text of each record of a page, cut out of the body as the server wrote it: `_raw` keeps the
 * original (numbers as written, nothing re-serialized), and the extractor is spared a JSON.stringify of
 * every record. A structural scan of the top-level `data` array: strings are skipped whole, brackets
 * counted; the body is assumed to be valid JSON (it was parsed already).
 */
export function rawRecords(body: string): string[] | null {
  return rawPage(body, [])?.records ?? null;
}

/** The records of a page as served, and the text of chosen top-level members of each. */
export interface RawPage {
  records: string[];
  /**
   * Per record (none when no member was asked for), per key asked for (same order): the member's value
   * as served, or undefined when the record is not an object, lacks the key, or spells it with escapes.
   * A key written twice gives its last value, as JSON.parse does.
   */
  members: Array<Array<string | undefined>>;
}

/**
 * `rawRecords`, and in the same scan the text of the members `keys` of each record: a nested object's
 * JSON text as served, without serializing the parsed value again.
 */
export function rawPage(body: string, keys: readonly string[]): RawPage | null {
  let i = skipSpace(body, 0);
  if (body.charCodeAt(i) !== OPEN_OBJECT) return null;
  i++;
  for (;;) {
    i = skipSpace(body, i);
    if (body.charCodeAt(i) !== QUOTE) return null;
    const keyEnd = stringEnd(body, i);
    const isData = keyEnd - i === 6 && body.startsWith('"data"', i);
    i = skipSpace(body, keyEnd);
    if (body.charCodeAt(i) !== COLON) return null;
    i = skipSpace(body, i + 1);
    if (isData) return arrayElements(body, i, keys);
    i = skipSpace(body, valueEnd(body, i));
    if (body.charCodeAt(i) !== COMMA) return null;
    i++;
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

function skipSpace(s: string, i: number): number {
  for (;;) {
    const c = s.charCodeAt(i);
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
    else return i;
  }
}

/** Index just past the string starting at `i` (an opening quote). */
function stringEnd(s: string, i: number): number {
  let j = i + 1;
  for (;;) {
    const q = s.indexOf('"', j);
    if (q < 0) return s.length;
    let backslashes = 0;
    for (let k = q - 1; s.charCodeAt(k) === BACKSLASH; k--) backslashes++;
    if (backslashes % 2 === 0) return q + 1;
    j = q + 1;
  }
}

/** Index just past the JSON value starting at `i`. */
function valueEnd(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c === QUOTE) return stringEnd(s, i);
  if (c !== OPEN_OBJECT && c !== OPEN_ARRAY) {
    let j = i;
    for (;;) {
      const d = s.charCodeAt(j);
      if (
        Number.isNaN(d) ||
        d === COMMA ||
        d === CLOSE_OBJECT ||
        d === CLOSE_ARRAY ||
        d === 0x20 ||
        d === 0x0a ||
        d === 0x0d ||
        d === 0x09
      ) {
        return j;
      }
      j++;
    }
  }
  let depth = 0;
  let j = i;
  while (j < s.length) {
    const d = s.charCodeAt(j);
    if (d === QUOTE) {
      j = stringEnd(s, j);
      continue;
    }
    if (d === OPEN_OBJECT || d === OPEN_ARRAY) depth++;
    else if (d === CLOSE_OBJECT || d === CLOSE_ARRAY) {
      depth--;
      if (depth === 0) return j + 1;
    }
    j++;
  }
  return s.length;
}

function arrayElements(s: string, i: number, keys: readonly string[]): RawPage | null {
  if (s.charCodeAt(i) !== OPEN_ARRAY) return null;
  const page: RawPage = { records: [], members: [] };
  i = skipSpace(s, i + 1);
  if (s.charCodeAt(i) === CLOSE_ARRAY) return page;
  for (;;) {
    let end: number;
    if (keys.length > 0) {
      const found = new Array<string | undefined>(keys.length).fill(undefined);
      end = s.charCodeAt(i) === OPEN_OBJECT ? objectEnd(s, i, keys, found) : valueEnd(s, i);
      page.members.push(found);
    } else {
      end = valueEnd(s, i);
    }
    page.records.push(s.slice(i, end));
    i = skipSpace(s, end);
    const c = s.charCodeAt(i);
    if (c === CLOSE_ARRAY) return page;
    if (c !== COMMA) return null;
    i = skipSpace(s, i + 1);
  }
}

/**
 * Index just past the object starting at `i`, walking its members: the value of each member named in
 * `keys` (spelled without escapes) is put in `found`. Falls back to a plain scan when the object is not
 * shaped as expected (the body was parsed already, so that does not happen with valid JSON).
 */
function objectEnd(s: string, i: number, keys: readonly string[], found: Array<string | undefined>): number {
  let j = skipSpace(s, i + 1);
  if (s.charCodeAt(j) === CLOSE_OBJECT) return j + 1;
  for (;;) {
    if (s.charCodeAt(j) !== QUOTE) return valueEnd(s, i);
    const keyEnd = stringEnd(s, j);
    let k = -1;
    for (let n = 0; n < keys.length; n++) {
      const key = keys[n] as string;
      if (keyEnd - j - 2 === key.length && s.startsWith(key, j + 1)) k = n;
    }
    j = skipSpace(s, keyEnd);
    if (s.charCodeAt(j) !== COLON) return valueEnd(s, i);
    const start = skipSpace(s, j + 1);
    const end = valueEnd(s, start);
    if (k >= 0) found[k] = s.slice(start, end);
    j = skipSpace(s, end);
    const c = s.charCodeAt(j);
    if (c === CLOSE_OBJECT) return j + 1;
    if (c !== COMMA) return valueEnd(s, i);
    j = skipSpace(s, j + 1);
  }
}
