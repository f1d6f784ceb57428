/**
 * Where each CSV record starts, by physical line, found in one streaming pass without parsing values.
 *
 * DuckDB's CSV reader does the parsing and typing, but it tells the line of rejected records only, and
 * counts lines as records (blank lines included), not as physical lines: a value holding a line end
 * shifts every later record. This scanner follows the same record boundaries (RFC 4180 with DuckDB's
 * leniency: a quote opens a quoted value only at the start of a field, spaces before it allowed; a quote
 * elsewhere is text; text after a closing quote is kept in the field) and reports, per "unit" (DuckDB's
 * line: a record or a blank line, the header being unit 1):
 * - `offset(unit, offset)` whenever the physical start line of `unit` stops being `unit + offset` of the
 *   previous report (after a record spanning several lines); the offset starts at 0;
 * - `blank(unit)` for a blank line (nothing but an optional CR), which DuckDB skips without a row.
 * Memory stays flat: state is a few numbers; reports go to the sink as they are found.
 */
export interface BoundarySink {
  offset(unit: number, offset: number): void;
  blank(unit: number): void;
}

export interface BoundarySummary {
  /** Units that hold a record, the header included. */
  records: number;
  blankLines: number;
  /** Line ends in the file, plus one when the last line has none. */
  physicalLines: number;
  /** The first record's bytes (BOM and line end removed), up to `maxHeaderBytes`. */
  header: Buffer;
  headerTruncated: boolean;
  bom: boolean;
  /** The file ends inside a quoted value. */
  unterminatedQuote: boolean;
}

const NL = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const COMMA = 0x2c;
const SPACE = 0x20;
const TAB = 0x09;

export class RecordBoundaryScanner {
  readonly #sink: BoundarySink;
  readonly #maxHeaderBytes: number;
  #started = false;
  /** First bytes, held until there are enough to tell a BOM. */
  #head: Buffer | undefined;
  #bom = false;
  #inQuotes = false;
  #afterQuote = false;
  /** Last byte of the current record that is not a space or tab; NL at a record start. */
  #previous = NL;
  #line = 1;
  #unit = 1;
  #unitHasContent = false;
  #offset = 0;
  #records = 0;
  #blanks = 0;
  #lineEnds = 0;
  #lastByte = -1;
  #header: Buffer[] = [];
  #headerBytes = 0;
  #headerDone = false;
  #headerTruncated = false;

  constructor(sink: BoundarySink, options: { maxHeaderBytes?: number } = {}) {
    this.#sink = sink;
    this.#maxHeaderBytes = options.maxHeaderBytes ?? 1 << 20;
  }

  feed(chunk: Buffer): void {
    if (chunk.length === 0) return;
    let buf = chunk;
    if (!this.#started) {
      buf = this.#head ? Buffer.concat([this.#head, chunk]) : chunk;
      if (buf.length < 3) {
        this.#head = Buffer.from(buf);
        return;
      }
      this.#start(buf);
      return;
    }
    this.#lastByte = buf[buf.length - 1]!;
    this.#scan(buf);
  }

  #start(first: Buffer): void {
    this.#started = true;
    this.#head = undefined;
    let buf = first;
    if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) {
      this.#bom = true;
      buf = buf.subarray(3);
    }
    if (buf.length === 0) return;
    this.#lastByte = buf[buf.length - 1]!;
    this.#scan(buf);
  }

  end(): BoundarySummary {
    if (!this.#started && this.#head) this.#start(this.#head);
    const trailing = this.#unitHasContent || this.#inQuotes;
    if (trailing) {
      this.#records++;
      if (!this.#headerDone) this.#headerDone = true;
    }
    const header = Buffer.concat(this.#header);
    return {
      records: this.#records,
      blankLines: this.#blanks,
      physicalLines: this.#lineEnds + (this.#lastByte !== -1 && this.#lastByte !== NL ? 1 : 0),
      header: header.length > 0 && header[header.length - 1] === CR ? header.subarray(0, -1) : header,
      headerTruncated: this.#headerTruncated,
      bom: this.#bom,
      unterminatedQuote: this.#inQuotes && !this.#afterQuote,
    };
  }

  #scan(buf: Buffer): void {
    const n = buf.length;
    // Next quote and next line end at or after i, found once and reused while i has not passed them.
    let nextQuote = -2;
    let nextLineEnd = -2;
    const quoteAt = (i: number): number => {
      if (nextQuote === -2 || (nextQuote !== -1 && nextQuote < i)) nextQuote = buf.indexOf(QUOTE, i);
      return nextQuote;
    };
    const lineEndAt = (i: number): number => {
      if (nextLineEnd === -2 || (nextLineEnd !== -1 && nextLineEnd < i)) nextLineEnd = buf.indexOf(NL, i);
      return nextLineEnd;
    };
    let i = 0;
    let headerFrom = this.#headerDone ? -1 : 0;
    while (i < n) {
      if (this.#inQuotes) {
        if (this.#afterQuote) {
          this.#afterQuote = false;
          if (buf[i] === QUOTE) {
            i++;
            continue;
          }
          // The quote closed the value; what follows is handled outside quotes.
          this.#inQuotes = false;
          this.#previous = QUOTE;
          continue;
        }
        const quote = quoteAt(i);
        const stop = quote === -1 ? n : quote;
        for (let p = lineEndAt(i); p !== -1 && p < stop; p = lineEndAt(p + 1)) {
          this.#line++;
          this.#lineEnds++;
        }
        if (quote === -1) break;
        this.#afterQuote = true;
        i = quote + 1;
        continue;
      }
      const quote = quoteAt(i);
      const lineEnd = lineEndAt(i);
      if (lineEnd !== -1 && (quote === -1 || lineEnd < quote)) {
        if (!this.#unitHasContent && (lineEnd - i > 1 || (lineEnd - i === 1 && buf[i] !== CR))) this.#unitHasContent = true;
        if (headerFrom >= 0) {
          this.#keepHeader(buf.subarray(headerFrom, lineEnd));
          headerFrom = -1;
          this.#headerDone = true;
        }
        this.#endUnit();
        i = lineEnd + 1;
        continue;
      }
      if (quote === -1) {
        this.#noteText(buf, i, n);
        break;
      }
      // A quote before the next line end: it opens a quoted value only at the start of a field.
      let p = quote - 1;
      while (p >= i && (buf[p] === SPACE || buf[p] === TAB)) p--;
      const before = p >= i ? buf[p]! : this.#previous;
      this.#unitHasContent = true;
      if (before === COMMA || before === NL) this.#inQuotes = true;
      this.#previous = QUOTE;
      i = quote + 1;
    }
    if (headerFrom >= 0) this.#keepHeader(buf.subarray(headerFrom));
  }

  /** Bytes [from, to) hold neither a quote nor a line end. */
  #noteText(buf: Buffer, from: number, to: number): void {
    for (let p = to - 1; p >= from; p--) {
      const byte = buf[p]!;
      if (byte !== SPACE && byte !== TAB) {
        this.#previous = byte;
        break;
      }
    }
    if (!this.#unitHasContent && (to - from > 1 || (to - from === 1 && buf[from] !== CR))) this.#unitHasContent = true;
  }

  #endUnit(): void {
    if (this.#unitHasContent) this.#records++;
    else {
      this.#blanks++;
      this.#sink.blank(this.#unit);
    }
    this.#line++;
    this.#lineEnds++;
    this.#unit++;
    this.#unitHasContent = false;
    this.#previous = NL;
    const offset = this.#line - this.#unit;
    if (offset !== this.#offset) {
      this.#offset = offset;
      this.#sink.offset(this.#unit, offset);
    }
  }

  #keepHeader(bytes: Buffer): void {
    if (this.#headerTruncated) return;
    const room = this.#maxHeaderBytes - this.#headerBytes;
    if (bytes.length > room) {
      this.#headerTruncated = true;
      return;
    }
    // Copied: the stream may reuse its chunk buffers.
    this.#header.push(Buffer.from(bytes));
    this.#headerBytes += bytes.length;
  }
}
