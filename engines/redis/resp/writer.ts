// Encodes replies straight into a slab buffer. Handed-off regions are never overwritten, so a flush
// passes a zero-copy view to socket.write; a full slab is simply replaced by a fresh one.

const SLAB_SIZE = 64 * 1024;
const CRLF = '\r\n';

const OK = Buffer.from('+OK\r\n');
const NULL3 = Buffer.from('_\r\n');
const NIL_BULK = Buffer.from('$-1\r\n');
const QUEUED = Buffer.from('+QUEUED\r\n');

export type Protocol = 2 | 3;

export class ReplyWriter {
  private buf: Buffer = Buffer.allocUnsafe(SLAB_SIZE);
  private start = 0;
  pos = 0;
  proto: Protocol = 2;

  /** Logical offset of buf[0]: marks stay valid when pending output moves to a new slab. */
  private shift = 0;

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const pendingLen = this.pos - this.start;
    // Doubling: a reply of a million items must not be copied once per item (that took minutes).
    const next = Buffer.allocUnsafe(Math.max(SLAB_SIZE, pendingLen + n, pendingLen * 2));
    this.buf.copy(next, 0, this.start, this.pos);
    this.buf = next;
    this.shift += this.start;
    this.start = 0;
    this.pos = pendingLen;
  }

  /** A position to rewind to later (see rewind). */
  get mark(): number {
    return this.pos + this.shift;
  }

  get pendingBytes(): number {
    return this.pos - this.start;
  }

  /** Takes everything written since the last take, or null when nothing was written. */
  take(): Buffer | null {
    if (this.pos === this.start) return null;
    const out = this.buf.subarray(this.start, this.pos);
    this.start = this.pos;
    if (this.buf.length - this.pos < 1024) {
      this.shift += this.pos;
      this.buf = Buffer.allocUnsafe(SLAB_SIZE);
      this.start = this.pos = 0;
    }
    return out;
  }

  /** Drops output written after `mark` (errors after partial output, CLIENT REPLY OFF/SKIP). */
  rewind(mark: number): void {
    const target = mark - this.shift;
    if (target >= this.start && target <= this.pos) this.pos = target;
  }

  raw(b: Buffer): void {
    const n = b.length;
    this.ensure(n);
    // Buffer.copy goes through a native call: for the few bytes of +OK and the like a loop is cheaper.
    if (n <= 16) {
      const out = this.buf;
      let p = this.pos;
      for (let i = 0; i < n; i++) out[p++] = b[i] as number;
    } else {
      b.copy(this.buf, this.pos);
    }
    this.pos += n;
  }

  private ascii(s: string): void {
    this.ensure(s.length);
    this.pos += this.buf.latin1Write(s, this.pos);
  }

  ok(): void {
    this.raw(OK);
  }
  queued(): void {
    this.raw(QUEUED);
  }
  simple(s: string): void {
    this.ascii('+' + s + CRLF);
  }
  /** `s` carries its own prefix word, e.g. "ERR syntax error" or "WRONGTYPE ...". */
  error(s: string): void {
    // As addReplyErrorFormat: CR/LF at the end are trimmed (EXPIRE k 1 "\r\n" names no option), the rest become spaces.
    this.ascii('-' + s.replace(/[\r\n]+$/, '').replace(/\r|\n/g, ' ') + CRLF);
  }
  /** Writes `<prefix><n>\r\n` for a small non-negative integer without building a string. */
  private header(prefix: number, n: number): void {
    this.ensure(16);
    const b = this.buf;
    let p = this.pos;
    b[p++] = prefix;
    if (n < 10) b[p++] = 48 + n;
    else if (n < 100) {
      b[p++] = 48 + ((n / 10) | 0);
      b[p++] = 48 + (n % 10);
    } else if (n < 2147483648) {
      // Digits from the right into their places: String(n) would allocate a string per reply (INCR's counters pass 100 at once).
      let digits = 3;
      for (let m = 1000; m <= n; m *= 10) digits++;
      for (let i = p + digits - 1; i >= p; i--) {
        b[i] = 48 + (n % 10);
        n = (n / 10) | 0;
      }
      p += digits;
    } else {
      const s = String(n);
      for (let i = 0; i < s.length; i++) b[p++] = s.charCodeAt(i);
    }
    b[p++] = 13;
    b[p++] = 10;
    this.pos = p;
  }

  int(n: number): void {
    if (n >= 0 && n < 1e9 && Number.isInteger(n)) this.header(58, n);
    else this.ascii(':' + intText(n) + CRLF);
  }
  bigint(n: bigint): void {
    this.ascii(':' + n.toString() + CRLF);
  }
  bulk(s: string): void {
    const n = s.length;
    this.header(36, n);
    this.ensure(n + 2);
    const b = this.buf;
    let p = this.pos;
    // Short values are copied char by char: cheaper than a native call for a few bytes.
    if (n <= 32) {
      for (let i = 0; i < n; i++) b[p++] = s.charCodeAt(i);
    } else {
      p += b.latin1Write(s, p);
    }
    b[p++] = 13;
    b[p++] = 10;
    this.pos = p;
  }
  /**
   * A bulk string written in pieces (bulkHead, then latin1Piece over it, then crlf), so a caller may spread
   * a 100 MB value's copy over turns: bulkHead(n) announces n bytes, which the pieces must add up to.
   */
  bulkHead(n: number): void {
    this.header(36, n);
  }
  latin1Piece(s: string): void {
    this.ensure(s.length);
    this.pos += this.buf.latin1Write(s, this.pos);
  }
  crlf(): void {
    this.ensure(2);
    this.buf[this.pos++] = 13;
    this.buf[this.pos++] = 10;
  }
  bulkOrNil(s: string | null | undefined): void {
    if (s === null || s === undefined) this.nil();
    else this.bulk(s);
  }
  bulkBuffer(b: Buffer): void {
    this.ascii('$' + b.length + CRLF);
    this.raw(b);
    this.ascii(CRLF);
  }
  /** Null bulk string (RESP2 `$-1`, RESP3 `_`). */
  nil(): void {
    this.raw(this.proto === 3 ? NULL3 : NIL_BULK);
  }
  /** Null array (RESP2 `*-1`, RESP3 `_`). */
  nilArray(): void {
    this.ascii(this.proto === 3 ? '_\r\n' : '*-1\r\n');
  }
  array(n: number): void {
    this.header(42, n);
  }
  /** A map of n pairs: RESP3 `%`, or a flat array of 2n in RESP2. */
  map(n: number): void {
    if (this.proto === 3) this.ascii('%' + n + CRLF);
    else this.array(n * 2);
  }
  setHeader(n: number): void {
    if (this.proto === 3) this.ascii('~' + n + CRLF);
    else this.array(n);
  }
  push(n: number): void {
    if (this.proto === 3) this.ascii('>' + n + CRLF);
    else this.array(n);
  }
  /** Doubles are bulk strings in RESP2 and `,` in RESP3. */
  double(d: number): void {
    if (this.proto === 3) this.ascii(',' + doubleText3(d) + CRLF);
    else this.bulk(formatDouble(d));
  }
  /** An already formatted number: a RESP3 double, or a bulk string in RESP2. */
  doubleText(text: string): void {
    if (this.proto === 3) this.ascii(',' + text + CRLF);
    else this.bulk(text);
  }
  bool(b: boolean): void {
    if (this.proto === 3) this.ascii(b ? '#t\r\n' : '#f\r\n');
    else this.int(b ? 1 : 0);
  }
  verbatim(s: string): void {
    if (this.proto === 3) {
      const body = 'txt:' + s;
      this.ascii('=' + body.length + CRLF);
      this.ensure(body.length + 2);
      this.pos += this.buf.latin1Write(body, this.pos);
      this.ascii(CRLF);
    } else {
      this.bulk(s);
    }
  }
  bulks(items: readonly string[]): void {
    this.array(items.length);
    for (const s of items) this.bulk(s);
  }
  setOfBulks(items: readonly string[]): void {
    this.setHeader(items.length);
    for (const s of items) this.bulk(s);
  }
}

function intText(n: number): string {
  return Number.isSafeInteger(n) ? String(n) : BigInt(Math.trunc(n)).toString();
}

function doubleText3(d: number): string {
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (Number.isNaN(d)) return 'nan';
  return formatDouble(d);
}

/** Redis 7.0 prints doubles with printf's "%.17g"; this reproduces it exactly from V8's correctly rounded digits. */
export function formatDouble(d: number): string {
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (Number.isNaN(d)) return 'nan';
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  const [mant, expText] = d.toExponential(16).split('e') as [string, string];
  const exp = Number(expText);
  const neg = mant.startsWith('-');
  const digits = mant.replace('-', '').replace('.', '');
  if (exp < -4 || exp >= 17) {
    const m = (digits[0] as string) + ('.' + digits.slice(1)).replace(/\.?0+$/, '');
    return `${neg ? '-' : ''}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  let out: string;
  if (exp >= 0) {
    const intPart = digits.slice(0, exp + 1);
    const frac = digits.slice(exp + 1).replace(/0+$/, '');
    out = frac.length > 0 ? `${intPart}.${frac}` : intPart;
  } else {
    out = `0.${'0'.repeat(-exp - 1)}${digits}`.replace(/0+$/, '');
  }
  return (neg ? '-' : '') + out;
}
