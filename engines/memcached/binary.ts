// The binary protocol (memcached 1.6 semantics; also what memjs speaks), including SASL PLAIN.
import type { Session } from './context.ts';
import { BINARY_HEADER_LENGTH, KEY_MAX_LENGTH } from './limits.ts';
import type { BinaryRequest } from './parser.ts';
import { bytesConsumed, checkFrame } from './binary-checks.ts';
import { clusterPayload } from './discovery.ts';
import { collectStats } from './stats.ts';
import type { StoreMode, StoreResult } from './store.ts';

export const Op = {
  GET: 0x00, SET: 0x01, ADD: 0x02, REPLACE: 0x03, DELETE: 0x04, INCREMENT: 0x05, DECREMENT: 0x06,
  QUIT: 0x07, FLUSH: 0x08, GETQ: 0x09, NOOP: 0x0a, VERSION: 0x0b, GETK: 0x0c, GETKQ: 0x0d,
  APPEND: 0x0e, PREPEND: 0x0f, STAT: 0x10, SETQ: 0x11, ADDQ: 0x12, REPLACEQ: 0x13, DELETEQ: 0x14,
  INCREMENTQ: 0x15, DECREMENTQ: 0x16, QUITQ: 0x17, FLUSHQ: 0x18, APPENDQ: 0x19, PREPENDQ: 0x1a,
  VERBOSITY: 0x1b, TOUCH: 0x1c, GAT: 0x1d, GATQ: 0x1e, SASL_LIST_MECHS: 0x20, SASL_AUTH: 0x21,
  SASL_STEP: 0x22, GATK: 0x23, GATKQ: 0x24, CONFIG_GET: 0x60,
} as const;

export const Status = {
  OK: 0x00, KEY_ENOENT: 0x01, KEY_EEXISTS: 0x02, E2BIG: 0x03, EINVAL: 0x04, NOT_STORED: 0x05,
  DELTA_BADVAL: 0x06, AUTH_ERROR: 0x20, AUTH_CONTINUE: 0x21, UNKNOWN_COMMAND: 0x81, ENOMEM: 0x82,
} as const;

const ERROR_TEXT: Record<number, string> = {
  [Status.KEY_ENOENT]: 'Not found',
  [Status.KEY_EEXISTS]: 'Data exists for key.',
  [Status.E2BIG]: 'Too large.',
  [Status.EINVAL]: 'Invalid arguments',
  [Status.NOT_STORED]: 'Not stored.',
  [Status.DELTA_BADVAL]: 'Non-numeric server-side value for incr or decr',
  [Status.AUTH_ERROR]: 'Auth failure.',
  [Status.UNKNOWN_COMMAND]: 'Unknown command',
  [Status.ENOMEM]: 'Out of memory',
};

const SASL_MECHANISMS = 'PLAIN';

interface Parsed {
  opcode: number;
  opaque: number;
  cas: bigint;
  extras: Buffer;
  key: string;
  keyBytes: Buffer;
  value: Buffer;
}

function respond(s: Session, p: Parsed, status: number, extras: Buffer | null, key: Buffer | null, value: Buffer | string | null, cas = 0n): void {
  const extLen = extras?.length ?? 0;
  const keyLen = key?.length ?? 0;
  const valueBuf = typeof value === 'string' ? Buffer.from(value, 'latin1') : value;
  const valueLen = valueBuf?.length ?? 0;
  const header = Buffer.alloc(BINARY_HEADER_LENGTH);
  header[0] = 0x81;
  header[1] = p.opcode;
  header.writeUInt16BE(keyLen, 2);
  header[4] = extLen;
  header.writeUInt16BE(status, 6);
  header.writeUInt32BE(extLen + keyLen + valueLen, 8);
  header.writeUInt32BE(p.opaque, 12);
  header.writeBigUInt64BE(cas, 16);
  s.out.bytes(header);
  if (extras) s.out.bytes(extras);
  if (key) s.out.bytes(key);
  if (valueBuf) s.out.bytes(valueBuf);
}

/** `text` replaces the status's usual message where memcached writes its own (out_of_memory's texts). */
function error(s: Session, p: Parsed, status: number, swallowing = false, text = ERROR_TEXT[status] ?? 'Unknown error'): void {
  respond(s, p, status, null, null, text);
  // memcached writes out at once after an error, unless it goes on to swallow a body.
  if (!swallowing) s.out.markSent();
}

function flagsExtras(flags: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(flags >>> 0, 0);
  return b;
}

/** Returns false when the connection must close after the queued output. */
export function executeBinary(s: Session, req: BinaryRequest): boolean {
  const h = req.header;
  const keyLen = h.readUInt16BE(2);
  const extLen = h[4]!;
  const bodyLen = h.readUInt32BE(8);
  const body = req.body;
  const head = body ?? req.head;
  const p: Parsed = {
    opcode: h[1]!,
    opaque: h.readUInt32BE(12),
    cas: h.readBigUInt64BE(16),
    extras: head ? head.subarray(0, extLen) : Buffer.alloc(0),
    keyBytes: head ? head.subarray(extLen, extLen + keyLen) : Buffer.alloc(0),
    key: '',
    value: body ? body.subarray(extLen + keyLen) : Buffer.alloc(0),
  };
  // A body too short for its declared key and extras cannot be framed: memcached drops the client.
  if (keyLen + extLen > bodyLen) {
    error(s, p, Status.UNKNOWN_COMMAND);
    return false;
  }
  p.key = p.keyBytes.toString('latin1');
  const ctx = s.ctx;
  if (ctx.sasl !== undefined && !s.authenticated && !isAuthFree(p.opcode)) {
    error(s, p, Status.AUTH_ERROR);
    return false;
  }
  if (keyLen > KEY_MAX_LENGTH) return invalid(s, p);
  const extension = p.opcode === Op.CONFIG_GET && ctx.clusterConfig !== undefined;
  const check = extension ? 'ok' : checkFrame(p.opcode, keyLen, extLen, bodyLen);
  if (check === 'invalid') return invalid(s, p);
  if (!extension) req.consumed = bytesConsumed(p.opcode, keyLen, extLen, bodyLen, check);
  if (check === 'unknown') {
    error(s, p, Status.UNKNOWN_COMMAND, bodyLen > 0);
    return true;
  }
  if (req.consumed !== undefined && req.consumed < bodyLen) p.value = Buffer.alloc(0);
  if (body === null) {
    // Only a storage body can be large enough to be skipped.
    ctx.store.counters.store_too_large++;
    if (p.opcode === Op.SET || p.opcode === Op.SETQ) ctx.store.delete(p.key);
    error(s, p, Status.E2BIG, true);
    return true;
  }
  switch (p.opcode) {
    case Op.GET: case Op.GETQ: case Op.GETK: case Op.GETKQ:
      return get(s, p, false);
    case Op.GAT: case Op.GATQ: case Op.GATK: case Op.GATKQ:
      return get(s, p, true);
    case Op.SET: case Op.SETQ: return store(s, p, 'set');
    case Op.ADD: case Op.ADDQ: return store(s, p, 'add');
    case Op.REPLACE: case Op.REPLACEQ: return store(s, p, 'replace');
    case Op.APPEND: case Op.APPENDQ: return store(s, p, 'append');
    case Op.PREPEND: case Op.PREPENDQ: return store(s, p, 'prepend');
    case Op.DELETE: case Op.DELETEQ: return del(s, p);
    case Op.INCREMENT: case Op.INCREMENTQ: case Op.DECREMENT: case Op.DECREMENTQ:
      return arithmetic(s, p);
    case Op.QUIT:
      respond(s, p, Status.OK, null, null, null);
      s.closeReason = 'normal';
      return false;
    case Op.QUITQ:
      s.closeReason = 'normal';
      return false;
    case Op.FLUSH: case Op.FLUSHQ: {
      // memcached refuses it, quiet or not, before counting it.
      if (!ctx.settings.flushEnabled) {
        error(s, p, Status.AUTH_ERROR);
        return true;
      }
      // Unsigned, as memcached reads it: 0x80000000 and up is an absolute time, not a negative delay.
      const delay = extLen === 4 ? p.extras.readUInt32BE(0) : 0;
      ctx.store.counters.cmd_flush++;
      ctx.store.flush(delay);
      if (p.opcode === Op.FLUSH) respond(s, p, Status.OK, null, null, null);
      return true;
    }
    case Op.NOOP:
      respond(s, p, Status.OK, null, null, null);
      s.out.markSent();
      return true;
    case Op.VERSION:
      respond(s, p, Status.OK, null, null, ctx.settings.version);
      return true;
    case Op.TOUCH:
      return touch(s, p);
    case Op.STAT:
      return stat(s, p);
    case Op.SASL_LIST_MECHS:
      if (ctx.sasl === undefined) break;
      respond(s, p, Status.OK, null, null, SASL_MECHANISMS);
      return true;
    case Op.SASL_AUTH:
    case Op.SASL_STEP:
      if (ctx.sasl === undefined) break;
      return saslAuth(s, p);
    case Op.CONFIG_GET:
      if (ctx.clusterConfig === undefined || p.key !== 'cluster') {
        error(s, p, Status.UNKNOWN_COMMAND);
        return true;
      }
      respond(s, p, Status.OK, flagsExtras(0), null, clusterPayload(ctx.clusterConfig()));
      return true;
  }
  // Includes VERBOSITY, which memcached 1.6 does not implement over binary either.
  error(s, p, Status.UNKNOWN_COMMAND);
  return true;
}

function isAuthFree(opcode: number): boolean {
  return opcode === Op.SASL_LIST_MECHS || opcode === Op.SASL_AUTH || opcode === Op.SASL_STEP || opcode === Op.VERSION;
}

/** Malformed extras/key/value for the opcode: memcached answers EINVAL and drops the client. */
function invalid(s: Session, p: Parsed): boolean {
  error(s, p, Status.EINVAL);
  return false;
}

function isQuiet(opcode: number): boolean {
  switch (opcode) {
    case Op.GETQ: case Op.GETKQ: case Op.GATQ: case Op.GATKQ: case Op.SETQ: case Op.ADDQ:
    case Op.REPLACEQ: case Op.DELETEQ: case Op.INCREMENTQ: case Op.DECREMENTQ: case Op.APPENDQ:
    case Op.PREPENDQ: case Op.FLUSHQ: case Op.QUITQ:
      return true;
    default:
      return false;
  }
}

function withKey(opcode: number): boolean {
  return opcode === Op.GETK || opcode === Op.GETKQ || opcode === Op.GATK || opcode === Op.GATKQ;
}

function get(s: Session, p: Parsed, touch: boolean): boolean {
  const store = s.ctx.store;
  const c = store.counters;
  const item = store.find(p.key);
  s.ctx.prefixes.recordGet(p.key, item !== undefined);
  // As in the text protocol, GAT is booked as a touch only.
  if (touch) c.cmd_touch++;
  else c.cmd_get++;
  if (item === undefined) {
    if (touch) c.touch_misses++;
    else c.get_misses++;
    if (isQuiet(p.opcode)) return true;
    if (withKey(p.opcode)) respond(s, p, Status.KEY_ENOENT, null, p.keyBytes, null);
    else error(s, p, Status.KEY_ENOENT);
    return true;
  }
  if (touch) {
    item.exptime = store.expiryFromWire(p.extras.readUInt32BE(0));
    store.count('touch_hits', item.size);
  } else {
    store.count('get_hits', item.size, item);
  }
  store.touchRead(item, true);
  respond(s, p, Status.OK, flagsExtras(item.flags), withKey(p.opcode) ? p.keyBytes : null, item.value, BigInt(item.cas));
  return true;
}

function store(s: Session, p: Parsed, mode: StoreMode): boolean {
  const concat = mode === 'append' || mode === 'prepend';
  const flags = concat ? 0 : p.extras.readUInt32BE(0);
  // Binary exptimes are unsigned: -1 is a far-future absolute time, not "expired".
  const exptime = concat ? 0 : p.extras.readUInt32BE(4);
  const st = s.ctx.store;
  s.ctx.prefixes.recordSet(p.key);
  if (!st.itemFits(p.key.length, p.value.length, flags)) {
    st.counters.store_too_large++;
    if (mode === 'set') st.delete(p.key);
    error(s, p, Status.E2BIG, p.value.length > 0);
    return true;
  }
  const size = st.itemSize(p.key.length, p.value.length, flags);
  // Only a SET (CAS or not) that finds no memory drops the old value, as memcached's c->cmd == SET.
  const dropsOld = mode === 'set';
  const cas = p.cas === 0n ? undefined : p.cas;
  // Over binary any CAS turns an add into a compare-and-swap (a missing item is "not found").
  if (cas !== undefined && mode === 'add') mode = 'set';
  const { result, item } = st.store(mode, p.key, Buffer.from(p.value), flags, st.expiryFromWire(exptime), cas);
  if (result === 'NO_MEMORY' && dropsOld) st.delete(p.key);
  // memcached counts a set once its value has been read into its item.
  if (result !== 'NO_MEMORY' && result !== 'NO_MEMORY_READ') st.count('cmd_set', size);
  if (result === 'STORED') {
    if (!isQuiet(p.opcode)) respond(s, p, Status.OK, null, null, null, BigInt(item!.cas));
    return true;
  }
  if (result === 'NO_MEMORY_READ') {
    respond(s, p, Status.ENOMEM, null, null, 'Out of memory during read');
    s.out.markSent();
    return true;
  }
  error(s, p, storeStatus(result, mode), false, result === 'NO_MEMORY' ? 'Out of memory allocating item' : undefined);
  return true;
}

function storeStatus(result: StoreResult, mode: StoreMode): number {
  switch (result) {
    case 'EXISTS': return Status.KEY_EEXISTS;
    case 'NOT_FOUND': return Status.KEY_ENOENT;
    // An append that would outgrow the item limit is simply not stored.
    case 'TOO_LARGE': return mode === 'append' || mode === 'prepend' ? Status.NOT_STORED : Status.E2BIG;
    case 'NO_MEMORY': return Status.ENOMEM;
    default:
      // Binary add reports "exists", replace "not found"; append/prepend say "not stored".
      if (mode === 'add') return Status.KEY_EEXISTS;
      if (mode === 'replace') return Status.KEY_ENOENT;
      return Status.NOT_STORED;
  }
}

function del(s: Session, p: Parsed): boolean {
  const store = s.ctx.store;
  s.ctx.prefixes.recordDelete(p.key);
  const item = store.find(p.key);
  if (item === undefined) {
    store.counters.delete_misses++;
    error(s, p, Status.KEY_ENOENT);
    return true;
  }
  if (p.cas !== 0n && BigInt(item.cas) !== p.cas) {
    error(s, p, Status.KEY_EEXISTS);
    return true;
  }
  store.unlink(item);
  store.count('delete_hits', item.size);
  if (!isQuiet(p.opcode)) respond(s, p, Status.OK, null, null, null);
  return true;
}

function arithmetic(s: Session, p: Parsed): boolean {
  const incr = p.opcode === Op.INCREMENT || p.opcode === Op.INCREMENTQ;
  const delta = p.extras.readBigUInt64BE(0);
  const initial = p.extras.readBigUInt64BE(8);
  const expiration = p.extras.readUInt32BE(16);
  const store = s.ctx.store;
  const c = store.counters;
  const cas = p.cas === 0n ? undefined : p.cas;
  const r = store.delta(p.key, incr, delta, cas, s.out.pinned);
  const counter = Buffer.allocUnsafe(8);
  switch (r.kind) {
    case 'ok':
      store.count(incr ? 'incr_hits' : 'decr_hits', r.item.size);
      if (isQuiet(p.opcode)) return true;
      counter.writeBigUInt64BE(r.value, 0);
      respond(s, p, Status.OK, null, null, counter, BigInt(r.item.cas));
      return true;
    case 'NON_NUMERIC':
      error(s, p, Status.DELTA_BADVAL);
      return true;
    case 'EXISTS':
      error(s, p, Status.KEY_EEXISTS);
      return true;
    case 'NO_MEMORY':
      error(s, p, Status.ENOMEM, false, 'Out of memory incrementing value');
      return true;
    case 'NOT_FOUND': {
      if (incr) c.incr_misses++;
      else c.decr_misses++;
      // An expiration of all ones means "do not create".
      if (expiration === 0xffffffff) {
        error(s, p, Status.KEY_ENOENT);
        return true;
      }
      const created = store.store('add', p.key, Buffer.from(initial.toString(), 'latin1'), 0, store.expiryFromWire(expiration));
      if (created.item === undefined) {
        error(s, p, Status.ENOMEM, false, 'Out of memory allocating new item');
        return true;
      }
      if (isQuiet(p.opcode)) return true;
      counter.writeBigUInt64BE(initial, 0);
      respond(s, p, Status.OK, null, null, counter, BigInt(created.item.cas));
      return true;
    }
  }
}

function touch(s: Session, p: Parsed): boolean {
  const store = s.ctx.store;
  store.counters.cmd_touch++;
  const item = store.touch(p.key, store.expiryFromWire(p.extras.readUInt32BE(0)));
  if (item === undefined) {
    store.counters.touch_misses++;
    error(s, p, Status.KEY_ENOENT);
    return true;
  }
  store.count('touch_hits', item.size);
  respond(s, p, Status.OK, flagsExtras(item.flags), null, null, BigInt(item.cas));
  return true;
}

/** What memcached's get_stats answers over binary besides the general stats: exact names only (no conns). */
const BINARY_STAT_GROUPS = new Set(['items', 'slabs', 'sizes', 'sizes_enable', 'sizes_disable']);

function stat(s: Session, p: Parsed): boolean {
  const key = p.key;
  // memcached compares reset, settings and detail by prefix: "detail on", "resetting", "settingsX" all match.
  if (key.startsWith('detail')) return statDetail(s, p);
  const group = key === '' ? [] : key.startsWith('reset') ? ['reset'] : key.startsWith('settings') ? ['settings'] : BINARY_STAT_GROUPS.has(key) ? [key] : null;
  const rows = group && collectStats(s, group);
  if (!rows) {
    error(s, p, Status.KEY_ENOENT);
    return true;
  }
  for (const [k, v] of rows) respond(s, p, Status.OK, null, Buffer.from(k, 'latin1'), String(v));
  // memcached's sizes_enable/sizes_disable append no terminating packet: a client waits for one in vain.
  if (key !== 'sizes_enable' && key !== 'sizes_disable') respond(s, p, Status.OK, null, null, null);
  return true;
}

function statDetail(s: Session, p: Parsed): boolean {
  const sub = p.key.slice('detail'.length);
  const prefixes = s.ctx.prefixes;
  if (sub.startsWith(' dump')) {
    respond(s, p, Status.OK, null, Buffer.from('detailed'), prefixes.dump());
  } else if (sub.startsWith(' on') || sub.startsWith(' off')) {
    prefixes.enabled = sub.startsWith(' on');
  } else {
    error(s, p, Status.KEY_ENOENT);
    return true;
  }
  respond(s, p, Status.OK, null, null, null);
  return true;
}

/** SASL PLAIN: "[authzid]\0authcid\0password" checked against the configured credentials. */
function saslAuth(s: Session, p: Parsed): boolean {
  const sasl = s.ctx.sasl;
  const c = s.ctx.store.counters;
  c.auth_cmds++;
  if (sasl === undefined || p.opcode === Op.SASL_STEP || p.key !== 'PLAIN') {
    c.auth_errors++;
    error(s, p, Status.AUTH_ERROR);
    return true;
  }
  const parts = p.value.toString('utf8').split('\0');
  const ok = parts.length === 3 && parts[1] === sasl.username && parts[2] === sasl.password;
  if (!ok) {
    c.auth_errors++;
    error(s, p, Status.AUTH_ERROR);
    return true;
  }
  s.authenticated = true;
  respond(s, p, Status.OK, null, null, 'Authenticated');
  return true;
}
