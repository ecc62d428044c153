// Streaming RESP request parser. Arguments are decoded as latin1 strings: one char per byte, so
// every value stays binary-safe while the rest of the engine works with cheap JS strings.
import { limits } from '../limits.ts';

const CR = 13;
const LF = 10;
const STAR = 42;
const DOLLAR = 36;

export class ProtocolError extends Error {}

/** Per-call knobs the parser needs from its client (auth state tightens limits like Redis). */
export interface ParseLimits {
  maxBulkLen: number;
  authenticated: boolean;
}

/** Unauthenticated clients may only send tiny commands, so a stranger cannot make us buffer much. */
const UNAUTH_MAX_MULTIBULK = 10;
const UNAUTH_MAX_BULK = 16384;

export class RespParser {
  private pending: Buffer | null = null;
  /** Arguments of the multibulk command being assembled; null between commands. */
  private args: string[] | null = null;
  private argsLeft = 0;
  /** How many arguments of the command being assembled are in `args`. */
  private argsHave = 0;
  /** Declared length of the bulk whose body we wait for, -1 while expecting a `$` line. */
  private bulkLen = -1;
  /**
   * Body of a large bulk, copied in as each chunk arrives into a buffer of its declared size: gathered as
   * parts and concatenated at the end, a 100 MB value was copied twice in its last turn (~200 ms of CPU
   * every node waited for), now once (its decoding into a string).
   */
  private big: Buffer | null = null;
  private bigHave = 0;

  /**
   * The last short argument parsed at each of the first REUSE_ARGS positions, kept across reads: an
   * argument with the same bytes at the same position is that string again, not a new one. Pipelines
   * repeat the command name and often the key and value, so this spares their decode and the garbage
   * (each LPUSH of one value allocated a string that a growing list kept).
   */
  private readonly recent: string[] = new Array<string>(REUSE_ARGS).fill('');

  /** Bytes held for an incomplete command: what client-query-buffer-limit measures. */
  get buffered(): number {
    return (this.pending ? this.pending.length : 0) + this.bigHave + this.partialBytes;
  }

  /** Declared length of a large bulk still arriving, else -1: Redis sizes the query buffer for it up front. */
  get bigBulkLen(): number {
    return this.big !== null ? this.bulkLen : -1;
  }

  /** Bytes of arguments already parsed for the command still being assembled (counted like Redis's querybuf). */
  private partialBytes = 0;

  /**
   * Redis hands a big bulk's buffer to the command and gives the client a fresh query buffer of the
   * same size, which stays until the clients cron trims it: its size, 0 once trimmed.
   */
  bigArgRoom = 0;
  /** Whether a big bulk arrived since the clients cron last looked (the buffer's recent peak is big). */
  bigArgRecent = false;

  /**
   * Appends every complete command in `chunk` to `out`. Throws ProtocolError on malformed input
   * after the commands before it were appended, so the caller can run those, then reply and close.
   * `chunk` may be a buffer the caller reuses for its next read: whatever is kept of it is copied.
   */
  feed(chunk: Buffer, out: string[][], lim: ParseLimits): void {
    let buf: Buffer;
    if (this.big !== null) {
      const need = this.bulkLen + 2 - this.bigHave;
      if (chunk.length < need) {
        chunk.copy(this.big, this.bigHave);
        this.bigHave += chunk.length;
        return;
      }
      chunk.copy(this.big, this.bigHave, 0, need);
      const whole = this.big;
      this.big = null;
      this.bigHave = 0;
      if (whole[this.bulkLen] !== CR || whole[this.bulkLen + 1] !== LF) {
        // Redis trusts the length and drops the two bytes that should be CRLF; do the same.
      }
      this.pushArg(toText(whole, 0, this.bulkLen), out);
      this.bigArgRoom = this.bulkLen + 2;
      this.bigArgRecent = true;
      this.bulkLen = -1;
      buf = chunk.subarray(need);
    } else if (this.pending !== null) {
      buf = Buffer.concat([this.pending, chunk]);
      this.pending = null;
    } else {
      buf = chunk;
    }
    const len = buf.length;
    let pos = 0;
    // The chunk as one string, made on the first short argument: cutting short arguments out of it
    // costs no native call each (one per chunk instead of one per argument).
    let text: string | null = null;
    while (pos < len) {
      if (this.args === null) {
        if (buf[pos] !== STAR) {
          const next = this.parseInline(buf, pos, out);
          if (next < 0) break;
          pos = next;
          continue;
        }
        // Scan "*<digits>\r" inline; anything unusual (or incomplete) takes the general path.
        let cr = pos + 1;
        let c = buf[cr];
        while (c !== undefined && c >= 48 && c <= 57 && cr - pos < 12) c = buf[++cr];
        if (c !== CR) cr = buf.indexOf(CR, pos);
        if (cr < 0 || cr + 1 >= len) {
          if (len - pos > limits.PROTO_INLINE_MAX_SIZE) throw new ProtocolError('too big mbulk count string');
          break;
        }
        const n = parseLength(buf, pos + 1, cr);
        if (n === null || n > limits.PROTO_MAX_MULTIBULK_LEN) throw new ProtocolError('invalid multibulk length');
        if (!lim.authenticated && n > UNAUTH_MAX_MULTIBULK) throw new ProtocolError('unauthenticated multibulk length');
        pos = cr + 2;
        if (n <= 0) continue;
        // Sized up front when small: an empty array's first push reserves 17 slots, most of a
        // pipelined INCR's garbage. Like redis-server's argv, a huge declared count is not trusted.
        this.args = n <= PREALLOC_ARGS ? new Array<string>(n) : [];
        this.argsHave = 0;
        this.argsLeft = n;
        this.bulkLen = -1;
      }
      if (this.bulkLen < 0) {
        // Fast path for the common "$<digits>\r\n" header: scan it inline instead of indexOf.
        if (buf[pos] === DOLLAR) {
          let i = pos + 1;
          let n = 0;
          let c = buf[i];
          while (c !== undefined && c >= 48 && c <= 57 && i - pos < 12) {
            n = n * 10 + (c - 48);
            c = buf[++i];
          }
          if (c === CR && i > pos + 1 && i + 1 < len && (buf[pos + 1] !== 48 || i === pos + 2) && n <= lim.maxBulkLen && (lim.authenticated || n <= UNAUTH_MAX_BULK)) {
            this.bulkLen = n;
            pos = i + 2;
          }
        }
      }
      if (this.bulkLen < 0) {
        const cr = buf.indexOf(CR, pos);
        if (cr < 0 || cr + 1 >= len) {
          if (len - pos > limits.PROTO_INLINE_MAX_SIZE) throw new ProtocolError('too big bulk count string');
          break;
        }
        if (buf[pos] !== DOLLAR) {
          throw new ProtocolError(`expected '$', got '${String.fromCharCode(buf[pos] ?? 0)}'`);
        }
        const n = parseLength(buf, pos + 1, cr);
        if (n === null || n < 0 || n > lim.maxBulkLen) throw new ProtocolError('invalid bulk length');
        if (!lim.authenticated && n > UNAUTH_MAX_BULK) throw new ProtocolError('unauthenticated bulk length');
        this.bulkLen = n;
        pos = cr + 2;
      }
      const end = pos + this.bulkLen;
      if (end + 2 > len) {
        if (this.bulkLen >= BIG_BULK) {
          this.big = Buffer.allocUnsafe(this.bulkLen + 2);
          buf.copy(this.big, 0, pos);
          this.bigHave = len - pos;
          return;
        }
        break;
      }
      const j = this.argsHave;
      let arg: string | undefined;
      const reusable = j < REUSE_ARGS && this.bulkLen <= REUSE_MAX_LEN;
      if (reusable) {
        const same = this.recent[j] as string;
        if (same.length === this.bulkLen && sameText(buf, pos, same)) arg = same;
      }
      if (arg === undefined) {
        if (this.bulkLen < SHORT_ARG) {
          if (text === null) text = buf.latin1Slice(0, len);
          arg = text.substring(pos, end);
        } else {
          arg = buf.latin1Slice(pos, end);
        }
      }
      if (reusable) this.recent[j] = arg;
      pos = end + 2;
      this.bulkLen = -1;
      this.pushArg(arg, out);
    }
    if (pos < len) {
      // Copy so a retained tail never pins the (possibly large) socket chunk it came from.
      this.pending = Buffer.from(buf.subarray(pos));
    }
  }

  private pushArg(arg: string, out: string[][]): void {
    const args = this.args as string[];
    // Into the sized array's next slot, or appended to a growing one.
    args[this.argsHave++] = arg;
    if (--this.argsLeft === 0) {
      out.push(args);
      this.args = null;
      this.partialBytes = 0;
    } else {
      this.partialBytes += arg.length + 16;
    }
  }

  /** Returns the position after the inline command, or -1 when its newline has not arrived yet. */
  private parseInline(buf: Buffer, pos: number, out: string[][]): number {
    const lf = buf.indexOf(LF, pos);
    if (lf < 0) {
      if (buf.length - pos > limits.PROTO_INLINE_MAX_SIZE) throw new ProtocolError('too big inline request');
      return -1;
    }
    let end = lf;
    if (end > pos && buf[end - 1] === CR) end--;
    const words = splitInline(buf.latin1Slice(pos, end));
    if (words === null) throw new ProtocolError('unbalanced quotes in request');
    if (words.length > 0) out.push(words);
    return lf + 1;
  }
}

/** Decodes a large bulk; beyond V8's maximum string length it is refused like an oversized bulk. */
function toText(buf: Buffer, start: number, end: number): string {
  try {
    return buf.latin1Slice(start, end);
  } catch {
    throw new ProtocolError('invalid bulk length');
  }
}

/**
 * Below V8's shortest sliced string a substring is a copy; longer ones would be views that keep the
 * whole chunk alive for as long as a stored value made from them lives, so those are decoded alone.
 */
const SHORT_ARG = 13;

/** Arguments compared with the previous command's (feed): the first few, up to 64 bytes each. */
const REUSE_ARGS = 8;
/** Commands of up to this many arguments get an array of their size at once (redis-server preallocates up to 1024). */
const PREALLOC_ARGS = 1024;
const REUSE_MAX_LEN = 64;

/** Whether buf holds the latin1 bytes of `s` at `at` (compared from the end: keys differ there). */
function sameText(buf: Buffer, at: number, s: string): boolean {
  for (let i = s.length - 1; i >= 0; i--) if (buf[at + i] !== s.charCodeAt(i)) return false;
  return true;
}

/** Bulks at least this large are gathered in parts instead of being re-parsed on every chunk. */
const BIG_BULK = 32 * 1024;

/** Strict decimal parse of buf[from, to); null when not a valid integer (like Redis's string2ll). */
function parseLength(buf: Buffer, from: number, to: number): number | null {
  if (from >= to || to - from > 18) {
    if (to - from > 18) {
      // Very long numbers: fall back to BigInt-free string parsing, still strict.
      const s = buf.latin1Slice(from, to);
      if (!/^-?[0-9]+$/.test(s)) return null;
      const v = Number(s);
      return Number.isFinite(v) ? v : null;
    }
    return null;
  }
  let i = from;
  let neg = false;
  if (buf[i] === 45) {
    neg = true;
    i++;
    if (i === to) return null;
  }
  let v = 0;
  for (; i < to; i++) {
    const c = buf[i] as number;
    if (c < 48 || c > 57) return null;
    v = v * 10 + (c - 48);
  }
  return neg ? -v : v;
}

function hexVal(c: string): number {
  const n = parseInt(c, 16);
  return Number.isNaN(n) ? -1 : n;
}

/**
 * Splits an inline command the way redis-cli users expect (sdssplitargs semantics): spaces separate,
 * "double quotes" understand \n \r \t \b \a \\ \" \xHH, 'single quotes' understand \'. Returns null
 * on unbalanced quotes or a closing quote not followed by a space.
 */
export function splitInline(line: string): string[] | null {
  const out: string[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    while (i < n && isSpace(line.charCodeAt(i))) i++;
    if (i >= n) return out;
    let cur = '';
    let inDq = false;
    let inSq = false;
    let done = false;
    while (!done) {
      if (inDq) {
        if (i >= n) return null;
        const ch = line[i] as string;
        if (ch === '\\' && line[i + 1] === 'x' && i + 3 < n && hexVal(line[i + 2] as string) >= 0 && hexVal(line[i + 3] as string) >= 0) {
          cur += String.fromCharCode(hexVal(line[i + 2] as string) * 16 + hexVal(line[i + 3] as string));
          i += 3;
        } else if (ch === '\\' && i + 1 < n) {
          i++;
          const e = line[i] as string;
          cur += e === 'n' ? '\n' : e === 'r' ? '\r' : e === 't' ? '\t' : e === 'b' ? '\b' : e === 'a' ? '\x07' : e;
        } else if (ch === '"') {
          if (i + 1 < n && !isSpace(line.charCodeAt(i + 1))) return null;
          done = true;
        } else {
          cur += ch;
        }
      } else if (inSq) {
        if (i >= n) return null;
        const ch = line[i] as string;
        if (ch === '\\' && line[i + 1] === "'") {
          i++;
          cur += "'";
        } else if (ch === "'") {
          if (i + 1 < n && !isSpace(line.charCodeAt(i + 1))) return null;
          done = true;
        } else {
          cur += ch;
        }
      } else {
        if (i >= n) {
          done = true;
          break;
        }
        const ch = line[i] as string;
        const code = line.charCodeAt(i);
        if (isSpace(code)) {
          done = true;
          break;
        } else if (ch === '"') inDq = true;
        else if (ch === "'") inSq = true;
        else cur += ch;
      }
      i++;
    }
    out.push(cur);
  }
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 11 || c === 12;
}
