// Meta commands (mg, ms, md, ma, me, mn) with memcached 1.6's flag grammar and reply codes.
import type { Session } from './context.ts';
import { slabClassOf, type Item } from './item.ts';
import { CLOCK_START_OFFSET, KEY_MAX_LENGTH, MAX_META_LINE_TOKENS, MAX_OPAQUE_TOKEN } from './limits.ts';
import { parseFlags, parseI32Wrapped, parseU64 } from './numbers.ts';
import type { TextRequest } from './parser.ts';
import type { StoreMode } from './store.ts';

const INT_MAX = 0x7fffffff;
const BAD_FORMAT = 'CLIENT_ERROR bad command line format\r\n';
const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

interface MetaFlags {
  key: string;
  base64: boolean;
  value: boolean;
  noreply: boolean;
  noBump: boolean;
  vivify: number | undefined;
  ttl: number | undefined;
  recache: number | undefined;
  clientFlags: number | undefined;
  cas: bigint | undefined;
  explicitCas: bigint | undefined;
  mode: string | undefined;
  initial: bigint | undefined;
  delta: bigint | undefined;
  invalidate: boolean;
}

/** ms data block length, or -1 when memcached rejects the line before reading the value. */
export function metaDataLength(tokens: string[]): number {
  if (tokens.length < 3 || tokens[1]!.length > KEY_MAX_LENGTH || tokens.length >= MAX_META_LINE_TOKENS) return -1;
  const length = parseI32Wrapped(tokens[2]!);
  if (length === null || length < 0 || length > INT_MAX - 2) return -1;
  return length + 2;
}

function decodeKey(token: string): string | null {
  if (token.length === 0 || !BASE64_RE.test(token)) return null;
  const raw = Buffer.from(token, 'base64');
  return raw.length === 0 ? null : raw.toString('latin1');
}

function encodeKey(key: string): string {
  return Buffer.from(key, 'latin1').toString('base64');
}

/** The k return flag; binary keys go back in base64 followed by a b marker. */
function keyFlag(key: string, binary: boolean): string {
  return binary ? ` k${encodeKey(key)} b` : ` k${key}`;
}

/** First pass over the flags, as memcached's preparse: returns the parsed flags or an error line. */
/** The meta E flag (explicit CAS) exists from memcached 1.6.21: a node reporting an older version refuses it. */
function knowsExplicitCas(version: string): boolean {
  const [major = 0, minor = 0, patch = 0] = version.split('.').map((n) => Number.parseInt(n, 10) || 0);
  return major > 1 || (major === 1 && (minor > 6 || (minor === 6 && patch >= 21)));
}

function preparse(tokens: string[], start: number, explicitCas: boolean): MetaFlags | string {
  const f: MetaFlags = {
    key: tokens[1]!,
    base64: false,
    value: false,
    noreply: false,
    noBump: false,
    vivify: undefined,
    ttl: undefined,
    recache: undefined,
    clientFlags: undefined,
    cas: undefined,
    explicitCas: undefined,
    mode: undefined,
    initial: undefined,
    delta: undefined,
    invalidate: false,
  };
  const seen = new Set<number>();
  let error: string | undefined;
  for (let i = start; i < tokens.length; i++) {
    const t = tokens[i]!;
    const c = t.charCodeAt(0);
    if (seen.has(c)) return 'CLIENT_ERROR duplicate flag\r\n';
    seen.add(c);
    const arg = t.slice(1);
    switch (t[0]) {
      case 'b': {
        const decoded = decodeKey(f.key);
        if (decoded === null) error = 'CLIENT_ERROR error decoding key\r\n';
        else {
          f.key = decoded;
          f.base64 = true;
        }
        break;
      }
      case 'N':
      case 'T':
      case 'R': {
        const v = parseI32Wrapped(arg);
        if (v === null) error = 'CLIENT_ERROR bad token in command line format\r\n';
        else if (t[0] === 'N') f.vivify = v;
        else if (t[0] === 'T') f.ttl = v;
        else f.recache = v;
        break;
      }
      case 'O':
      case 'P':
      case 'L':
      case 'k':
      case 's':
      case 't':
      case 'c':
      case 'f':
      case 'l':
      case 'h':
        break;
      case 'v':
        f.value = true;
        break;
      case 'u':
        f.noBump = true;
        break;
      case 'q':
        f.noreply = true;
        break;
      case 'F': {
        const v = parseFlags(arg);
        // memcached flags a bad F without a message of its own, so an earlier message wins.
        if (v === null) error ??= BAD_FORMAT;
        else f.clientFlags = v;
        break;
      }
      case 'C':
      case 'E': {
        if (t[0] === 'E' && !explicitCas) return 'CLIENT_ERROR invalid flag\r\n';
        const v = parseU64(arg);
        if (v === null) error = 'CLIENT_ERROR bad token in command line format\r\n';
        else if (t[0] === 'C') f.cas = v;
        else f.explicitCas = v;
        break;
      }
      case 'M':
        if (t.length !== 2) error = 'CLIENT_ERROR incorrect length for M token\r\n';
        else f.mode = t[1];
        break;
      case 'J': {
        const v = parseU64(arg);
        if (v === null) error = 'CLIENT_ERROR invalid numeric initial value\r\n';
        else f.initial = v;
        break;
      }
      case 'D': {
        const v = parseU64(arg);
        if (v === null) error = 'CLIENT_ERROR invalid numeric delta value\r\n';
        else f.delta = v;
        break;
      }
      case 'I':
        f.invalidate = true;
        break;
      default:
        return 'CLIENT_ERROR invalid flag\r\n';
    }
  }
  return error ?? f;
}

/** Echoes O and k (and the b marker) the way ms/md/ma do on every reply. */
function echoFlags(tokens: string[], start: number, f: MetaFlags, extra?: (t: string) => string): string {
  let s = '';
  for (let i = start; i < tokens.length; i++) {
    const t = tokens[i]!;
    switch (t[0]) {
      case 'O':
        s += ' ' + t;
        break;
      case 'k':
        s += keyFlag(f.key, f.base64);
        break;
      default:
        if (extra !== undefined) s += extra(t);
    }
  }
  return s;
}

function opaqueTooLong(tokens: string[], start: number): boolean {
  for (let i = start; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.charCodeAt(0) === 79 /* O */ && t.length > MAX_OPAQUE_TOKEN) return true;
  }
  return false;
}

/** memcached's clock starts this far past zero at process start (ITEM_UPDATE_INTERVAL + 2). */

/**
 * Remaining TTL for the t flag. An item already expired within this command (T-1) holds memcached's
 * "long ago" time 1, and memcached prints 1 - current_time as an unsigned 32-bit number.
 */
function ttlOf(item: Item, now: number, startedAt: number): number {
  if (item.exptime === 0) return -1;
  const left = item.exptime - now;
  if (left >= 0) return left;
  return (1 - (now - startedAt + CLOCK_START_OFFSET)) >>> 0;
}

export function executeMeta(s: Session, tokens: string[], req: TextRequest): void {
  const cmd = tokens[0]!;
  const out = s.out;
  if (cmd === 'mn') {
    out.text('MN\r\n');
    out.markSent();
    return;
  }
  if (cmd === 'me') return metaDebug(s, tokens);
  if (tokens.length < 2) {
    out.text('ERROR\r\n');
    return;
  }
  switch (cmd) {
    case 'mg':
      return metaGet(s, tokens);
    case 'ms':
      return metaSet(s, tokens, req);
    case 'md':
      return metaDelete(s, tokens);
    case 'ma':
      return metaArithmetic(s, tokens);
  }
}

function metaGet(s: Session, tokens: string[]): void {
  const out = s.out;
  if (tokens[1]!.length > KEY_MAX_LENGTH) return out.text(BAD_FORMAT);
  if (tokens.length >= MAX_META_LINE_TOKENS) return out.text('CLIENT_ERROR options flags are too long\r\n');
  const f = preparse(tokens, 2, knowsExplicitCas(s.ctx.settings.version));
  if (typeof f === 'string') return out.text(f);
  if (opaqueTooLong(tokens, 2)) return out.text('CLIENT_ERROR opaque token too long\r\n');
  const store = s.ctx.store;
  const c = store.counters;
  const now = store.now();
  let item = store.find(f.key);
  let win = false;
  let vivified = false;
  if (item === undefined) {
    if (f.vivify === undefined) {
      // A miss is booked as a get even with T (1.6.18).
      c.cmd_get++;
      c.get_misses++;
      if (f.noreply) return;
      let line = 'EN';
      for (let i = 2; i < tokens.length; i++) {
        const t = tokens[i]!;
        if (t[0] === 'O') line += ' ' + t;
        else if (t[0] === 'k') line += keyFlag(f.key, f.base64);
      }
      return out.text(line + '\r\n');
    }
    // Vivify: an empty placeholder whose creator is told it won the right to fill it.
    // Created without a TTL: the N flag sets it when its turn comes among the flags.
    const created = store.store('add', f.key, Buffer.alloc(0), 0, 0);
    item = created.item;
    if (item === undefined) return out.text('SERVER_ERROR out of memory storing object\r\n');
    win = true;
    vivified = true;
    item.tokenSent = true;
  }
  const hadToken = item.tokenSent;
  const wasFetched = item.fetched;
  const lastAccess = now - item.time;
  let line = f.value ? `VA ${item.value.length}` : 'HD';
  for (let i = 2; i < tokens.length; i++) {
    const t = tokens[i]!;
    switch (t[0]) {
      // Flags act in order: a t before T reports the old TTL, and of N and T the later one wins.
      case 'T':
        item.exptime = store.expiryFromWire(f.ttl!);
        break;
      case 'N':
        if (vivified) item.exptime = store.expiryFromWire(f.vivify!);
        break;
      // R sees the TTL as flags before it left it (a T-1 earlier on the line makes it win).
      case 'R':
        if (!hadToken && !vivified && item.exptime !== 0 && item.exptime - now < f.recache!) win = true;
        break;
      case 's':
        line += ' s' + item.value.length;
        break;
      case 't':
        line += ' t' + ttlOf(item, now, store.startedAt);
        break;
      case 'c':
        line += ' c' + item.cas;
        break;
      case 'f':
        line += ' f' + item.flags;
        break;
      case 'l':
        line += ' l' + lastAccess;
        break;
      case 'h':
        line += wasFetched ? ' h1' : ' h0';
        break;
      case 'O':
        line += ' ' + t;
        break;
      case 'k':
        line += keyFlag(f.key, item.binaryKey);
        break;
    }
  }
  // A hit, vivified or not, is booked as a touch when T changed the TTL, else as a get.
  if (f.ttl !== undefined) {
    c.cmd_touch++;
    store.count('touch_hits', item.size);
  } else {
    c.cmd_get++;
    store.count('get_hits', item.size, item);
  }
  if (item.stale && !hadToken) win = true;
  if (win) item.tokenSent = true;
  if (item.tokenSent && !win) line += ' Z';
  if (item.stale) line += ' X';
  if (win) line += ' W';
  out.text(line + '\r\n');
  // memcached's reply keeps a reference to the item until it is written, value or not.
  out.pinned.add(item);
  if (f.value) {
    out.bytes(item.value);
    out.text('\r\n');
  }
  store.touchRead(item, !f.noBump);
}

const MS_MODES: Record<string, StoreMode | undefined> = { E: 'add', A: 'append', P: 'prepend', R: 'replace', S: 'set' };

function metaSet(s: Session, tokens: string[], req: TextRequest): void {
  const out = s.out;
  if (tokens.length < 3 || tokens[1]!.length > KEY_MAX_LENGTH) return out.text(BAD_FORMAT);
  if (tokens.length >= MAX_META_LINE_TOKENS) return out.text('CLIENT_ERROR options flags too long\r\n');
  if (req.data === null && !req.dataDiscarded) return out.text(BAD_FORMAT);
  // From here on the value has been read (or skipped), so errors no longer desynchronise the stream.
  const f = preparse(tokens, 3, knowsExplicitCas(s.ctx.settings.version));
  if (typeof f === 'string') return out.text(f);
  let mode: StoreMode = 'set';
  if (f.mode !== undefined) {
    const m = MS_MODES[f.mode];
    if (m === undefined) return out.text('CLIENT_ERROR invalid mode for ms M token\r\n');
    mode = m;
  }
  if (opaqueTooLong(tokens, 3)) return out.text('CLIENT_ERROR opaque token too long\r\n');
  const store = s.ctx.store;
  // Already validated by metaDataLength when the block was framed.
  const length = parseI32Wrapped(tokens[2]!)!;
  const flags = f.clientFlags ?? 0;
  if (req.dataDiscarded || !store.itemFits(f.key.length, length, flags)) {
    store.counters.store_too_large++;
    // memcached's mset drops the old value whatever the mode (and with a CAS) when it cannot allocate.
    store.delete(f.key);
    return out.text('SERVER_ERROR object too large for cache\r\n');
  }
  const data = req.data!;
  if (data[length] !== 13 || data[length + 1] !== 10) return out.text('CLIENT_ERROR bad data chunk\r\n');
  const exptime = store.expiryFromWire(f.ttl ?? 0);
  const value = Buffer.from(data.subarray(0, length));
  let result;
  let item: Item | undefined;
  ({ result, item } = store.store(mode, f.key, value, flags, exptime, f.cas, f.invalidate));
  if (result === 'NO_MEMORY') store.delete(f.key);
  // memcached counts a set once its value has been read into its item.
  if (result !== 'NO_MEMORY' && result !== 'NO_MEMORY_READ') store.count('cmd_set', store.itemSize(f.key.length, length, flags));
  if (item !== undefined) {
    // Only a value stored as sent keeps the mark; append/prepend build a fresh combined item.
    item.binaryKey = f.base64 && mode !== 'append' && mode !== 'prepend';
    if (f.explicitCas !== undefined) item.cas = Number(f.explicitCas);
  }
  let code: string;
  switch (result) {
    case 'STORED':
      code = 'HD';
      break;
    case 'NOT_STORED':
      code = 'NS';
      break;
    case 'EXISTS':
      code = 'EX';
      break;
    case 'NOT_FOUND':
      code = 'NF';
      break;
    case 'TOO_LARGE':
      return out.text('SERVER_ERROR object too large for cache\r\n');
    case 'NO_MEMORY_READ':
      // Written as memcached's out_string, which q (noreply) silences, unlike the errors above.
      if (f.noreply) return;
      return out.text('SERVER_ERROR Out of memory during read\r\n');
    default:
      return out.text('SERVER_ERROR out of memory storing object\r\n');
  }
  if (code === 'HD' && f.noreply) return;
  const flagsOut = echoFlags(tokens, 3, f, (t) => (t[0] === 'c' ? ' c' + (item?.cas ?? 0) : ''));
  out.text(code + flagsOut + '\r\n');
}

function metaDelete(s: Session, tokens: string[]): void {
  const out = s.out;
  if (tokens[1]!.length > KEY_MAX_LENGTH) return out.text(BAD_FORMAT);
  if (tokens.length >= MAX_META_LINE_TOKENS) return out.text('CLIENT_ERROR options flags too long\r\n');
  const f = preparse(tokens, 2, knowsExplicitCas(s.ctx.settings.version));
  if (typeof f === 'string') return out.text('CLIENT_ERROR invalid or duplicate flag\r\n');
  const store = s.ctx.store;
  const item = store.find(f.key);
  let code: string;
  if (item === undefined) {
    store.counters.delete_misses++;
    code = 'NF';
  } else if (f.cas !== undefined && BigInt(item.cas) !== f.cas) {
    store.counters.delete_misses++;
    code = 'EX';
  } else if (f.invalidate) {
    // Keep the value but make readers recache it: new CAS, stale, and the win token up for grabs.
    item.stale = true;
    item.tokenSent = false;
    item.cas = f.explicitCas !== undefined ? Number(f.explicitCas) : store.newCas();
    if (f.ttl !== undefined) item.exptime = store.expiryFromWire(f.ttl);
    code = 'HD';
  } else {
    store.unlink(item);
    store.count('delete_hits', item.size);
    code = 'HD';
  }
  if (code === 'HD' && f.noreply) return;
  out.text(code + echoFlags(tokens, 2, f) + '\r\n');
}

function metaArithmetic(s: Session, tokens: string[]): void {
  const out = s.out;
  if (tokens[1]!.length > KEY_MAX_LENGTH) return out.text(BAD_FORMAT);
  if (tokens.length >= MAX_META_LINE_TOKENS) return out.text('CLIENT_ERROR options flags too long\r\n');
  const f = preparse(tokens, 2, knowsExplicitCas(s.ctx.settings.version));
  if (typeof f === 'string') return out.text('CLIENT_ERROR invalid or duplicate flag\r\n');
  let incr = true;
  switch (f.mode) {
    case undefined:
    case 'I':
    case '+':
      break;
    case 'D':
    case '-':
      incr = false;
      break;
    default:
      return out.text('CLIENT_ERROR invalid mode for ma M token\r\n');
  }
  const store = s.ctx.store;
  const c = store.counters;
  const r = store.delta(f.key, incr, f.delta ?? 1n, f.cas, s.out.pinned);
  let item: Item | undefined;
  let value: bigint;
  let quiet = f.noreply;
  switch (r.kind) {
    case 'ok':
      store.count(incr ? 'incr_hits' : 'decr_hits', r.item.size);
      item = r.item;
      value = r.value;
      if (f.explicitCas !== undefined) item.cas = Number(f.explicitCas);
      break;
    case 'NON_NUMERIC':
      return out.text('CLIENT_ERROR cannot increment or decrement non-numeric value\r\n');
    case 'EXISTS':
      return out.text('EX' + echoFlags(tokens, 2, f) + '\r\n');
    case 'NO_MEMORY':
      return out.text('SERVER_ERROR out of memory\r\n');
    case 'NOT_FOUND': {
      if (f.vivify === undefined) {
        if (incr) c.incr_misses++;
        else c.decr_misses++;
        return out.text('NF' + echoFlags(tokens, 2, f) + '\r\n');
      }
      value = f.initial ?? 0n;
      // Created without a TTL: the N flag sets it where it stands among the flags.
      const added = store.store('add', f.key, Buffer.from(value.toString(), 'latin1'), 0, 0);
      if (added.item === undefined) return out.text('NS' + echoFlags(tokens, 2, f) + '\r\n');
      item = added.item;
      // memcached answers an auto-created counter even under q.
      quiet = false;
      break;
    }
  }
  const now = store.now();
  const it = item;
  const created = r.kind === 'NOT_FOUND';
  // memcached walks the flags in order, quiet or not: t reports the TTL as it stands there, and T (or
  // N, on a counter it has just created) changes it there.
  const flags = echoFlags(tokens, 2, f, (t) => {
    switch (t[0]) {
      case 't':
        return ' t' + ttlOf(it, now, store.startedAt);
      case 'c':
        return ' c' + it.cas;
      case 'T':
        it.exptime = store.expiryFromWire(f.ttl!);
        return '';
      case 'N':
        if (created) it.exptime = store.expiryFromWire(f.vivify!);
        return '';
      default:
        return '';
    }
  });
  if (quiet) return;
  if (f.value) {
    const text = value.toString();
    out.text(`VA ${text.length}${flags}\r\n${text}\r\n`);
  } else {
    out.text('HD' + flags + '\r\n');
  }
}

function metaDebug(s: Session, tokens: string[]): void {
  const out = s.out;
  if (tokens.length < 2 || tokens[1]!.length > KEY_MAX_LENGTH) return out.text(BAD_FORMAT);
  let key = tokens[1]!;
  if (tokens[2] === 'b') {
    const decoded = decodeKey(key);
    if (decoded === null) return out.text(BAD_FORMAT);
    key = decoded;
  }
  const store = s.ctx.store;
  const item = store.find(key);
  // In 1.6.18 only me counts in cmd_meta (mg, ms, md and ma do not), found or not.
  store.counters.cmd_meta++;
  if (item === undefined) return out.text('EN\r\n');
  const now = store.now();
  // memcached 1.6 prints the negated remaining time here (now - exptime); match it.
  const exp = item.exptime === 0 ? -1 : now - item.exptime;
  const cls = slabClassOf(store.slabSizes, item.size);
  out.text(
    `ME ${item.binaryKey ? encodeKey(key) : key} exp=${exp} la=${now - item.time} cas=${item.cas} fetch=${item.fetched ? 'yes' : 'no'} cls=${cls} size=${item.size}\r\n`,
  );
}
