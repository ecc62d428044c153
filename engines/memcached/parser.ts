// Streaming request parser: bytes in, requests out, resuming across arbitrary chunk splits.
// It knows framing only (lines, data blocks, binary packets); what a command means lives elsewhere.
import { readsKeyBeforeValue } from './binary-checks.ts';
import { BINARY_HEADER_LENGTH, MAX_MULTIGET_LINE, MAX_UNTERMINATED_LINE } from './limits.ts';
import { ReadWindow } from './read-window.ts';

export const BINARY_REQUEST_MAGIC = 0x80;

export interface TextRequest {
  kind: 'text';
  tokens: string[];
  /** The data block including its expected CRLF terminator, when the command has one. */
  data: Buffer | null;
  /** The block was larger than the parser buffers, so it was skipped. */
  dataDiscarded: boolean;
  /** A long line of a command `ParserHooks.splitLater` names: what follows `tokens`, not split yet. */
  rest: string | undefined;
}

export interface BinaryRequest {
  kind: 'binary';
  header: Buffer;
  /** null when the body exceeded the buffering limit and was skipped. */
  body: Buffer | null;
  /** With a skipped body: its extras and key, read before the rest was skipped. */
  head?: Buffer;
  /** Set by the handler when the command takes fewer or more bytes than the body length (memcached's framing). */
  consumed?: number;
}

export interface CloseRequest {
  kind: 'close';
  reason: string;
}

export type Request = TextRequest | BinaryRequest | CloseRequest;

export interface ParserHooks {
  /** Length of the data block (value + CRLF) that follows this command line, or -1 for none. */
  dataLength(tokens: string[]): number;
  /** Data blocks and binary bodies longer than this are skipped rather than held in memory. */
  maxBuffered: number;
  /** memcached -B ascii|binary: the protocol every connection speaks; unset, the first byte decides. */
  protocol?: 'text' | 'binary';
  /**
   * Commands whose lines past LONG_LINE are handed over split only at their first two tokens (a get of
   * thousands of keys reads the rest as it goes, in turns).
   */
  splitLater?: (command: string) => boolean;
  /**
   * Given, text lines are read as memcached reads them into its 16 KB buffer (read-window.ts), and this is
   * called whenever it would read again: it writes the replies it has queued first, and a new event begins.
   */
  onRead?: () => void;
}

/** Our reads of a socket take at most this much (the shared buffer of direct-read.ts, and a Readable's default). */
const FULL_READ = 64 * 1024;

/** lineEndRead's answer when memcached closes the connection. */
const CLOSED = -2;

/** Lines longer than this may be split later (see ParserHooks.splitLater). */
const LONG_LINE = 8192;

/** Returns false to stop parsing (the connection is closing). */
export type RequestHandler = (request: Request) => boolean;

type Mode = 'unknown' | 'text' | 'binary';

export class RequestParser {
  private mode: Mode = 'unknown';
  private pending: Buffer | null = null;
  /** Chunks gathered while a known-length block is incomplete, to avoid quadratic concatenation. */
  private gathered: Buffer[] = [];
  private gatheredLength = 0;
  private need = 0;
  /** Bytes of an oversized block still to skip (its request was already delivered). */
  private skip = 0;
  /** A text command line waiting for its data block. */
  private waitingTokens: string[] | null = null;
  private waitingLength = 0;
  /** A binary header waiting for its body. */
  private waitingHeader: Buffer | null = null;
  /** The body is too large to hold: only its extras and key are awaited, then the rest is skipped. */
  private headOnly = false;
  private stopped = false;
  /** A request asked the parser to hold what follows it (a streamed reply is still being written). */
  private holding = false;
  /** memcached's read buffer, when the hooks ask for it (onRead). */
  private readonly window: ReadWindow | null;
  /** The last chunk filled a whole read of ours: more bytes are likely waiting that memcached's read would take too. */
  private lastReadFull = false;
  /** A read of memcached's that would go on into bytes not delivered to us yet (see readingOn). */
  private readOpen = false;
  /** No bytes came since the last read ended (endRead): a line cut off now is cut off for memcached too. */
  private settled = false;

  constructor(private readonly hooks: ParserHooks) {
    this.mode = hooks.protocol ?? 'unknown';
    this.window = hooks.onRead !== undefined ? new ReadWindow() : null;
  }

  get protocol(): Mode {
    return this.mode;
  }

  /** A data block, binary body or swallowed value is still arriving (memcached writes nothing new meanwhile). */
  get midValue(): boolean {
    return this.waitingTokens !== null || this.waitingHeader !== null || this.skip > 0;
  }

  /**
   * Bytes the data block, binary body or swallowed value now arriving still lacks (0 when none is).
   * Over UDP memcached reads them straight from the socket, so the next datagram fills them.
   */
  get awaiting(): number {
    if (this.skip > 0) return this.skip;
    const header = this.waitingHeader;
    const toSkip = header !== null && this.headOnly ? header.readUInt32BE(8) - headLength(header) : 0;
    if (this.waitingTokens !== null || header !== null) return this.need - this.gatheredLength + toSkip;
    return 0;
  }

  /** The binary request whose body is still arriving, if one is. */
  get pendingBinaryHeader(): Buffer | null {
    return this.waitingHeader;
  }

  /** What is arriving is skipped, not kept (memcached's conn_swallow). */
  get swallowing(): boolean {
    return this.skip > 0;
  }

  /**
   * memcached's read is still taking bytes: ours stop at 64 KB, while a read of memcached's into a grown
   * buffer takes all the client has sent. Nothing new is written meanwhile, and no cut-off line is judged.
   */
  get readingOn(): boolean {
    return this.readOpen;
  }

  /** No more bytes came after all: memcached's read ended with what it had (parsing goes on at the next push). */
  endRead(): void {
    this.readOpen = false;
    this.lastReadFull = false;
    this.settled = true;
  }

  /** Every byte pushed has been handed out as a request (memcached's read buffer is empty). */
  get drained(): boolean {
    return !this.midValue && (this.pending === null || this.pending.length === 0);
  }

  /** After the current request: keep the rest unparsed until `release` and then the next push. */
  hold(): void {
    this.holding = true;
  }

  /** memcached reads pipelined commands left behind a metadump only once more bytes arrive. */
  release(): void {
    this.holding = false;
  }

  push(chunk: Buffer, handle: RequestHandler): void {
    if (this.stopped) return;
    if (chunk.length > 0) {
      this.lastReadFull = chunk.length >= FULL_READ;
      this.settled = false;
    }
    if (this.holding) {
      this.pending = this.pending === null ? chunk : Buffer.concat([this.pending, chunk]);
      return;
    }
    // Bytes held back while a value was being skipped belong to that value first.
    if (this.skip > 0 && this.pending !== null) {
      chunk = Buffer.concat([this.pending, chunk]);
      this.pending = null;
    }
    if (this.skip > 0) {
      if (chunk.length <= this.skip) {
        this.skip -= chunk.length;
        return;
      }
      chunk = chunk.subarray(this.skip);
      this.skip = 0;
    }
    if (this.need > 0) {
      this.gathered.push(chunk);
      this.gatheredLength += chunk.length;
      if (this.gatheredLength < this.need) return;
      chunk = Buffer.concat(this.gathered, this.gatheredLength);
      this.gathered = [];
      this.gatheredLength = 0;
      this.need = 0;
    } else if (this.pending !== null) {
      chunk = Buffer.concat([this.pending, chunk]);
      this.pending = null;
    }
    this.parse(chunk, handle);
  }

  private parse(buf: Buffer, handle: RequestHandler): void {
    let off = 0;
    const len = buf.length;
    while (off < len && !this.stopped) {
      if (this.mode === 'unknown') this.mode = buf[off] === BINARY_REQUEST_MAGIC ? 'binary' : 'text';
      const next = this.mode === 'text' ? this.parseText(buf, off, handle) : this.parseBinary(buf, off, handle);
      if (next < 0) return; // stopped, skipping, or waiting: state already saved
      off = next;
    }
  }

  /** Keeps the unread tail, and remembers how many bytes must arrive before parsing again. */
  private keep(buf: Buffer, off: number, needTotal: number): number {
    const rest = buf.subarray(off);
    if (needTotal > 0) {
      this.gathered = [rest];
      this.gatheredLength = rest.length;
      this.need = needTotal;
    } else {
      this.pending = rest;
    }
    return -1;
  }

  private emit(request: Request, handle: RequestHandler): boolean {
    const more = handle(request);
    // A command that used up memcached's buffer is followed by a read (replies written first).
    if (request.kind === 'text' && this.window !== null && this.window.held === 0 && !this.stopped && !this.readOpen) this.hooks.onRead!();
    if (!more) {
      if (!this.holding) this.stopped = true;
      return false;
    }
    return true;
  }

  /**
   * Delivers `request`, then skips the `count` bytes of its oversized block from off. memcached answers
   * (and counts) a too-large store as soon as it reads the command line and only then swallows the
   * value, so a client that gives up mid-value has still had its reply and moved the counters.
   */
  private skipThen(buf: Buffer, off: number, count: number, request: Request, handle: RequestHandler): number {
    // memcached swallows the part of the value its buffer holds, then reads the rest past it.
    if (request.kind === 'text') this.window?.consume(count);
    // Held after it, the rest of the value is still skipped (push takes the held bytes for it first).
    if (!this.emit(request, handle) && !this.holding) return -1;
    const available = buf.length - off;
    if (available >= count) return this.holding ? this.keep(buf, off + count, 0) : off + count;
    this.skip = count - available;
    return -1;
  }

  private parseText(buf: Buffer, off: number, handle: RequestHandler): number {
    if (this.waitingTokens !== null) return this.readDataBlock(buf, off, handle);
    const nl = this.window === null ? buf.indexOf(10, off) : this.lineEndRead(buf, off, handle);
    if (nl === CLOSED) return -1;
    if (nl < 0) {
      const pending = buf.length - off;
      // (With memcached's buffer followed, lineEndRead has judged the line; only our own bound is left.)
      const tooLong = this.window === null ? !isMultiget(buf, off) || pending > MAX_MULTIGET_LINE : pending > MAX_MULTIGET_LINE;
      if (pending > MAX_UNTERMINATED_LINE && tooLong) {
        this.emit({ kind: 'close', reason: 'line too long' }, handle);
        this.stopped = true;
        return -1;
      }
      return this.keep(buf, off, 0);
    }
    this.window?.consume(nl + 1 - off);
    const end = nl > off && buf[nl - 1] === 13 ? nl - 1 : nl;
    // memcached tokenizes the line as a C string: it ends at the first NUL byte, whatever follows.
    const whole = buf.latin1Slice(off, end);
    const nul = whole.indexOf('\0');
    const line = nul < 0 ? whole : whole.slice(0, nul);
    let tokens: string[];
    let rest: string | undefined;
    const splitLater = this.hooks.splitLater;
    if (line.length > LONG_LINE && splitLater !== undefined) {
      const head = splitHead(line, 2);
      if (head.tokens.length > 0 && splitLater(head.tokens[0]!)) {
        tokens = head.tokens;
        rest = line.slice(head.restAt);
      } else tokens = tokenize(line);
    } else tokens = tokenize(line);
    const next = nl + 1;
    const dataLength = tokens.length > 0 && rest === undefined ? this.hooks.dataLength(tokens) : -1;
    if (dataLength < 0) {
      if (this.emit({ kind: 'text', tokens, data: null, dataDiscarded: false, rest }, handle)) return next;
      return this.holding ? this.keep(buf, next, 0) : -1;
    }
    if (dataLength > this.hooks.maxBuffered) {
      return this.skipThen(buf, next, dataLength, { kind: 'text', tokens, data: null, dataDiscarded: true, rest: undefined }, handle);
    }
    this.waitingTokens = tokens;
    this.waitingLength = dataLength;
    return this.readDataBlock(buf, next, handle);
  }

  /**
   * The end of the line at `off` as memcached finds it, reading into its buffer as it would: -1 to wait
   * for more bytes, CLOSED when memcached hangs up on it.
   */
  private lineEndRead(buf: Buffer, off: number, handle: RequestHandler): number {
    const window = this.window!;
    const nl = buf.indexOf(10, off);
    // A read cut short by ours goes on into the bytes that came since, with no parse in between.
    if (this.readOpen && !(nl >= 0 && nl < off + window.held)) this.readFurther(buf, off);
    for (;;) {
      if (nl >= 0 && nl < off + window.held) return nl;
      // Bytes memcached's read would have taken are not here yet: nothing is judged before they are.
      if (this.readOpen) return -1;
      if (window.held > MAX_UNTERMINATED_LINE) {
        if (!isMultiget(buf, off)) {
          // Cut off by the end of what has arrived rather than of the buffer: memcached, reading in its own
          // time, may have more of the line by then. Judged once the buffer is full or the client is quiet.
          if (!window.full && !this.settled) {
            this.readOpen = true;
            return -1;
          }
          this.emit({ kind: 'close', reason: 'line too long' }, handle);
          this.stopped = true;
          return CLOSED;
        }
        window.grow();
      }
      this.hooks.onRead!();
      if (this.readFurther(buf, off) === 0 && !(nl >= 0 && nl < off + window.held)) return -1;
    }
  }

  /** memcached's read from `off` on, of what has come: how many bytes it took (readOpen: it would take more). */
  private readFurther(buf: Buffer, off: number): number {
    const window = this.window!;
    const received = buf.length - off - window.held;
    const taken = window.read(received);
    this.readOpen = taken === received && window.wantsMore && this.lastReadFull;
    return taken;
  }

  private readDataBlock(buf: Buffer, off: number, handle: RequestHandler): number {
    const length = this.waitingLength;
    if (buf.length - off < length) return this.keep(buf, off, length);
    const tokens = this.waitingTokens!;
    this.waitingTokens = null;
    // memcached takes what its buffer holds of the value and reads the rest straight from the socket.
    this.window?.consume(length);
    const data = buf.subarray(off, off + length);
    if (this.emit({ kind: 'text', tokens, data, dataDiscarded: false, rest: undefined }, handle)) return off + length;
    return this.holding ? this.keep(buf, off + length, 0) : -1;
  }

  private parseBinary(buf: Buffer, off: number, handle: RequestHandler): number {
    if (this.waitingHeader !== null) return this.readBinaryBody(buf, off, handle);
    // memcached reads a whole header before it looks at the magic byte.
    if (buf.length - off < BINARY_HEADER_LENGTH) return this.keep(buf, off, BINARY_HEADER_LENGTH);
    if (buf[off] !== BINARY_REQUEST_MAGIC) {
      this.emit({ kind: 'close', reason: 'invalid magic' }, handle);
      this.stopped = true;
      return -1;
    }
    const header = buf.subarray(off, off + BINARY_HEADER_LENGTH);
    const bodyLength = header.readUInt32BE(8);
    const next = off + BINARY_HEADER_LENGTH;
    if (bodyLength > this.hooks.maxBuffered && !readsKeyBeforeValue(header)) {
      return this.skipThen(buf, next, bodyLength, { kind: 'binary', header: Buffer.from(header), body: null }, handle);
    }
    this.waitingHeader = header;
    // A value too large to hold is skipped once its extras and key are read, as memcached swallows it.
    this.headOnly = bodyLength > this.hooks.maxBuffered;
    return this.readBinaryBody(buf, next, handle);
  }

  private readBinaryBody(buf: Buffer, off: number, handle: RequestHandler): number {
    const header = this.waitingHeader!;
    const bodyLength = header.readUInt32BE(8);
    const length = this.headOnly ? headLength(header) : bodyLength;
    if (buf.length - off < length) {
      // The header may point into a buffer we are about to drop: keep our own copy.
      this.waitingHeader = Buffer.from(header);
      return this.keep(buf, off, length);
    }
    this.waitingHeader = null;
    if (this.headOnly) {
      this.headOnly = false;
      const head = Buffer.from(buf.subarray(off, off + length));
      return this.skipThen(buf, off + length, bodyLength - length, { kind: 'binary', header: Buffer.from(header), body: null, head }, handle);
    }
    const request: BinaryRequest = { kind: 'binary', header, body: buf.subarray(off, off + bodyLength) };
    const more = this.emit(request, handle);
    if (!more && !this.holding) return -1;
    const next = off + (request.consumed ?? bodyLength);
    if (next <= buf.length) return more ? next : this.keep(buf, next, 0);
    this.skip = next - buf.length;
    return -1;
  }
}

/** Extras plus key: the part of a binary body read before its value. */
function headLength(header: Buffer): number {
  return header[4]! + header.readUInt16BE(2);
}

/** memcached splits on single spaces and drops empty tokens. A scan, not split(): split is a runtime call, one per command line. */
export function tokenize(line: string): string[] {
  const tokens: string[] = [];
  const n = line.length;
  for (let start = 0; start < n; ) {
    let space = line.indexOf(' ', start);
    if (space < 0) space = n;
    if (space > start) tokens.push(line.substring(start, space));
    start = space + 1;
  }
  return tokens;
}

/** The first `count` tokens of `line` (split as tokenize does), and where the rest of it starts. */
function splitHead(line: string, count: number): { tokens: string[]; restAt: number } {
  const tokens: string[] = [];
  const n = line.length;
  let start = 0;
  while (start < n && tokens.length < count) {
    let space = line.indexOf(' ', start);
    if (space < 0) space = n;
    if (space > start) tokens.push(line.substring(start, space));
    start = space + 1;
  }
  return { tokens, restAt: Math.min(start, n) };
}

/** Only get/gets lines may grow past the unterminated-line limit (after at most 100 leading spaces). */
function isMultiget(buf: Buffer, off: number): boolean {
  let i = off;
  while (i < buf.length && buf[i] === 0x20) i++;
  if (i - off > 100) return false;
  const head = buf.latin1Slice(i, Math.min(buf.length, i + 5));
  return head.startsWith('get ') || head.startsWith('gets ');
}
