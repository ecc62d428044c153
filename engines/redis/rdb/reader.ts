// Reads RDB files written by Redis 2.x through 7.2 (versions 1-11, and 12 where it shares encodings).
// Input is untrusted: every length is checked against the bytes that remain before anything is
// allocated, so damaged or hostile input ends in an RdbError, never a crash, a hang or a huge buffer.
import { Crc64 } from './crc64.ts';
import { compareIds, type RdbEntry, type RdbFile, type RdbListNode, type RdbStream, type RdbStreamConsumer, type RdbStreamEntry, type RdbStreamGroup, type RdbStreamPending, type RdbValue, type StreamId } from './entries.ts';
import { RdbError } from './errors.ts';
import { MAX_READ_VERSION, MIN_READ_VERSION, MOD, OP, QL_PACKED, QL_PLAIN, STREAM_FLAG_DELETED, STREAM_FLAG_SAMEFIELDS, T } from './format.ts';
import { decodeIntset } from './intset.ts';
import { decodeListpack, lpBuffer, lpInt, type LpValue } from './listpack.ts';
import { LZF_STEP, lzfDecompress, lzfDecompressSteps, lzfMaxExpansion } from './lzf.ts';
import { intToBuffer, parseScore } from './num.ts';
import { decodeZiplist, decodeZipmap } from './ziplist.ts';
import { PER_STEP, runSteps, type Steps } from '../../slices.ts';

const MODULE_CHARSET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** The 9-character module name and encoding version packed into a 64-bit module type ID. */
export function moduleTypeName(id: bigint): string {
  let name = '';
  for (let i = 0; i < 9; i++) name += MODULE_CHARSET[Number((id >> BigInt(64 - 6 * (i + 1))) & 63n)];
  return `${name} (encoding version ${Number(id & 1023n)})`;
}

/** Bounds-checked view over the input, with the RDB primitive decoders. */
/**
 * Counts the packed containers a load passes to redis-server 7.0's deep integrity check: each intset,
 * hash or sorted-set listpack, packed quicklist node and stream node, once its bytes are read and
 * before they are checked (so a payload refused there is counted up to the container that failed).
 * The ziplist, zipmap and quicklist-of-ziplists types are always checked whole when converted and
 * never counted. A server adds the count to INFO's dump_payload_sanitizations when sanitize-dump-payload
 * asks for the deep check.
 */
export interface SanitizeTally {
  containers: number;
  /** The deep check runs (sanitize-dump-payload): a listpack hash or sorted set naming a field twice is refused. */
  deep?: boolean;
}

class Cursor {
  constructor(
    readonly buf: Buffer,
    public pos: number,
    readonly tally?: SanitizeTally,
  ) {}

  /** A container's bytes as they reach the deep check, counted. */
  checked(b: Buffer): Buffer {
    if (this.tally !== undefined) this.tally.containers++;
    return b;
  }

  need(n: number): void {
    if (this.pos + n > this.buf.length) throw new RdbError('TRUNCATED', `input ends inside a record (need ${n} more bytes)`, this.pos, this.pos + n);
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++] as number;
  }

  raw(n: number): Buffer {
    this.need(n);
    const out = Buffer.from(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
    return out;
  }

  /** A length, or the special-encoding marker (0xC0-0xC3 low bits) when `encoded` is set. */
  private lenOrEnc(): { n: bigint; encoded: boolean } {
    const b = this.u8();
    const kind = b >>> 6;
    if (kind === 0) return { n: BigInt(b & 0x3f), encoded: false };
    if (kind === 1) return { n: BigInt(((b & 0x3f) << 8) | this.u8()), encoded: false };
    if (kind === 3) return { n: BigInt(b & 0x3f), encoded: true };
    if (b === 0x80) {
      this.need(4);
      const n = this.buf.readUInt32BE(this.pos);
      this.pos += 4;
      return { n: BigInt(n), encoded: false };
    }
    if (b === 0x81) {
      this.need(8);
      const n = this.buf.readBigUInt64BE(this.pos);
      this.pos += 8;
      return { n, encoded: false };
    }
    throw new RdbError('CORRUPT', `bad length byte 0x${b.toString(16)}`, this.pos - 1);
  }

  lenBig(): bigint {
    const at = this.pos;
    const { n, encoded } = this.lenOrEnc();
    if (encoded) throw new RdbError('CORRUPT', 'encoded value where a length was expected', at);
    return n;
  }

  len(): number {
    const at = this.pos;
    const n = this.lenBig();
    if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw new RdbError('CORRUPT', `length ${n} out of range`, at);
    return Number(n);
  }

  /** A count of items that each take at least `minBytes`: cheap protection against absurd counts. */
  count(minBytes = 1): number {
    const n = this.len();
    this.need(n * minBytes);
    return n;
  }

  str(): Buffer {
    const at = this.pos;
    const { n, encoded } = this.lenOrEnc();
    if (!encoded) return this.raw(Number(n));
    switch (Number(n)) {
      case 0:
        return intToBuffer((this.u8() << 24) >> 24);
      case 1: {
        this.need(2);
        const v = this.buf.readInt16LE(this.pos);
        this.pos += 2;
        return intToBuffer(v);
      }
      case 2: {
        this.need(4);
        const v = this.buf.readInt32LE(this.pos);
        this.pos += 4;
        return intToBuffer(v);
      }
      case 3: {
        const clen = this.len();
        const ulen = this.len();
        this.need(clen);
        if (ulen > lzfMaxExpansion(clen)) throw new RdbError('CORRUPT', `LZF string claims ${ulen} bytes from ${clen}`, at);
        const out = lzfDecompress(this.buf.subarray(this.pos, this.pos + clen), ulen);
        this.pos += clen;
        return out;
      }
      default:
        throw new RdbError('CORRUPT', `unknown string encoding ${n}`, at);
    }
  }

  /**
   * str() for a value that may be a big string: an LZF one of LZF_STEP bytes or more is decompressed in
   * steps (a 100 MB one took ~100 ms in one), the rest as str() reads them.
   */
  *strSteps(): Steps<Buffer> {
    const at = this.pos;
    const { n, encoded } = this.lenOrEnc();
    if (encoded && n === 3n) {
      const clen = this.len();
      const ulen = this.len();
      if (ulen >= LZF_STEP) {
        this.need(clen);
        if (ulen > lzfMaxExpansion(clen)) throw new RdbError('CORRUPT', `LZF string claims ${ulen} bytes from ${clen}`, at);
        const from = this.pos;
        // Past the input before the steps, as str() leaves it: nothing else reads this cursor meanwhile.
        this.pos += clen;
        return yield* lzfDecompressSteps(this.buf.subarray(from, from + clen), ulen);
      }
    } else if (!encoded && n >= BigInt(LZF_STEP)) {
      // Uncompressed (rdbcompression no, or random bytes): copied a piece a step, as raw() copies it.
      const len = Number(n);
      this.need(len);
      const from = this.pos;
      this.pos += len;
      const out = Buffer.allocUnsafe(len);
      for (let i = 0; i < len; i += LZF_STEP) {
        this.buf.copy(out, i, from + i, from + Math.min(len, i + LZF_STEP));
        yield;
      }
      return out;
    }
    this.pos = at;
    return this.str();
  }

  i64le(): number {
    this.need(8);
    const v = this.buf.readBigInt64LE(this.pos);
    this.pos += 8;
    return Number(v);
  }

  f64le(): number {
    this.need(8);
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  /** The pre-ZSET_2 score format: a length byte (253 NaN, 254 +inf, 255 -inf) then ASCII. */
  oldDouble(): number {
    const at = this.pos;
    const n = this.u8();
    if (n === 253) throw new RdbError('CORRUPT', 'sorted set score is NaN', at);
    if (n === 254) return Infinity;
    if (n === 255) return -Infinity;
    return parseScore(this.raw(n));
  }

  /** A stream ID stored raw as 128 big-endian bits (PEL entries, rax keys). */
  rawId(): StreamId {
    this.need(16);
    const id = { ms: this.buf.readBigUInt64BE(this.pos), seq: this.buf.readBigUInt64BE(this.pos + 8) };
    this.pos += 16;
    return id;
  }
}

export type RdbRecord =
  | { kind: 'header'; version: number }
  | { kind: 'aux'; key: string; value: Buffer }
  | { kind: 'selectdb'; db: number }
  | { kind: 'resizedb'; keys: number; expires: number }
  | { kind: 'function'; payload: Buffer }
  | { kind: 'module-aux'; module: string }
  | { kind: 'slot-info' }
  /** rdbType is the value's type byte (see T in format.ts): which encoding the writer chose. */
  | { kind: 'entry'; entry: RdbEntry; rdbType: number }
  | { kind: 'eof'; checksum: bigint };

function pairs(values: LpValue[], what: string): [Buffer, Buffer][] {
  if (values.length % 2 !== 0) throw new RdbError('CORRUPT', `${what} has an odd number of elements`);
  const out: [Buffer, Buffer][] = [];
  for (let i = 0; i < values.length; i += 2) out.push([lpBuffer(values[i] as LpValue), lpBuffer(values[i + 1] as LpValue)]);
  return out;
}

/** Adds `name` (bytes as latin1) to `seen`; false when it was there already. */
function unique(seen: Set<string>, name: Buffer): boolean {
  const k = name.toString('latin1');
  if (seen.has(k)) return false;
  seen.add(k);
  return true;
}

/**
 * A ziplist hash or sorted set is converted under 7.0's deep check (hashZiplistConvertAndValidateIntegrity,
 * zsetZiplistValidateIntegrity), which refuses a field or member found twice.
 */
function* distinct<T>(items: T[], nameOf: (item: T) => Buffer, what: string): Steps<T[]> {
  const seen = new Set<string>();
  for (let i = 0; i < items.length; i++) {
    if (!unique(seen, nameOf(items[i] as T))) throw new RdbError('CORRUPT', `${what} holds a name twice`);
    if (i % PER_STEP === PER_STEP - 1) yield;
  }
  return items;
}

/** distinct() under the deep check only: without it redis-server 7.0 keeps such a value as it came. */
function* deepDistinct<T>(c: Cursor, items: T[], nameOf: (item: T) => Buffer, what: string): Steps<T[]> {
  return c.tally?.deep === true ? yield* distinct(items, nameOf, what) : items;
}

function zsetPairs(values: LpValue[]): { member: Buffer; score: number }[] {
  return pairs(values, 'sorted set').map(([member], i) => ({ member, score: parseScore(values[2 * i + 1] as LpValue) }));
}

/**
 * Parses one top-level record at `c.pos`. Key-prefix opcodes (expiry, LRU, LFU) are consumed as part
 * of the entry they precede, so a record is all-or-nothing: on TRUNCATED the caller can rewind.
 */
function parseRecord(c: Cursor, version: number, db: number): RdbRecord {
  return runSteps(parseRecordSteps(c, version, db));
}

/** parseRecord in steps: a value of a million elements is read a few at a time. */
function* parseRecordSteps(c: Cursor, version: number, db: number): Steps<RdbRecord> {
  let expireAtMs: number | undefined;
  let expireExact: bigint | undefined;
  let lru: number | undefined;
  let lfu: number | undefined;
  for (;;) {
    const at = c.pos;
    const op = c.u8();
    switch (op) {
      case OP.EOF:
        if (expireAtMs !== undefined || lru !== undefined || lfu !== undefined) throw new RdbError('CORRUPT', 'key metadata without a key', at);
        return { kind: 'eof', checksum: 0n };
      case OP.EXPIRETIME_MS:
        expireAtMs = c.i64le();
        expireExact = c.buf.readBigInt64LE(c.pos - 8);
        continue;
      case OP.EXPIRETIME: {
        c.need(4);
        expireAtMs = c.buf.readInt32LE(c.pos) * 1000;
        c.pos += 4;
        continue;
      }
      case OP.IDLE:
        lru = c.len();
        continue;
      case OP.FREQ:
        lfu = c.u8();
        continue;
    }
    if (expireAtMs !== undefined || lru !== undefined || lfu !== undefined) {
      if (op >= 0xf4) throw new RdbError('CORRUPT', 'key metadata without a key', at);
    }
    switch (op) {
      case OP.SELECTDB:
        return { kind: 'selectdb', db: c.len() };
      case OP.RESIZEDB:
        return { kind: 'resizedb', keys: c.len(), expires: c.len() };
      case OP.AUX: {
        const key = c.str().toString('latin1');
        return { kind: 'aux', key, value: c.str() };
      }
      case OP.FUNCTION2:
        return { kind: 'function', payload: c.str() };
      case OP.FUNCTION_PRE_GA:
        throw new RdbError('UNSUPPORTED', 'pre-GA Redis 7.0 function format (written only by 7.0 release candidates)', at);
      case OP.MODULE_AUX:
        return { kind: 'module-aux', module: skipModuleAux(c) };
      case OP.SLOT_INFO:
        c.len();
        c.len();
        c.len();
        return { kind: 'slot-info' };
    }
    const key = c.str();
    const value = yield* parseValue(c, op, at, version);
    const entry: RdbEntry = { db, key, value };
    if (expireAtMs !== undefined) entry.expireAtMs = expireAtMs;
    if (expireExact !== undefined && !Number.isSafeInteger(expireAtMs)) entry.expireExact = expireExact;
    if (lru !== undefined) entry.lru = lru;
    if (lfu !== undefined) entry.lfu = lfu;
    return { kind: 'entry', entry, rdbType: op };
  }
}

function skipModuleAux(c: Cursor): string {
  const at = c.pos;
  const name = moduleTypeName(c.lenBig());
  const whenOp = c.len();
  if (whenOp !== MOD.UINT) throw new RdbError('CORRUPT', `module aux of ${name}: bad "when" opcode`, at);
  c.len();
  skipModuleValue(c, name);
  return name;
}

/** Module payloads are self-describing (opcode-tagged), so they can be skipped without the module. */
function skipModuleValue(c: Cursor, name: string): void {
  for (;;) {
    const at = c.pos;
    const op = c.len();
    switch (op) {
      case MOD.EOF:
        return;
      case MOD.SINT:
      case MOD.UINT:
        c.lenBig();
        break;
      case MOD.FLOAT:
        c.need(4);
        c.pos += 4;
        break;
      case MOD.DOUBLE:
        c.need(8);
        c.pos += 8;
        break;
      case MOD.STRING:
        c.str();
        break;
      default:
        throw new RdbError('CORRUPT', `module data of ${name}: unknown opcode ${op}`, at);
    }
  }
}

/** `n` values made by `make`, PER_STEP of them a step (`per` for heavier ones). */
function* times<T>(n: number, make: () => T, per = PER_STEP): Steps<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i++) {
    out.push(make());
    if (i % per === per - 1) yield;
  }
  return out;
}

/** A value's body, in steps: a million elements take seconds to decode. */
function* parseValue(c: Cursor, type: number, at: number, version: number): Steps<RdbValue> {
  switch (type) {
    case T.STRING:
      return { type: 'string', value: yield* c.strSteps() };
    case T.LIST:
      return { type: 'list', items: yield* times(c.count(), () => c.str()) };
    case T.SET:
      // A member named twice fails the load (7.0 adds each as it reads it): found as the set is built (keyspace-adapter).
      return { type: 'set', members: yield* times(c.count(), () => c.str()) };
    case T.ZSET:
    case T.ZSET_2: {
      const entries = yield* times(c.count(2), () => {
        const member = c.str();
        const score = type === T.ZSET ? c.oldDouble() : c.f64le();
        if (Number.isNaN(score)) throw new RdbError('CORRUPT', 'sorted set score is NaN', at);
        return { member, score };
      });
      // As a set's: a member named twice is found as the sorted set is built (keyspace-adapter).
      return { type: 'zset', entries };
    }
    case T.HASH:
      // Left: past hash-max-listpack-entries 7.0 reads into a dict and refuses a field twice without the deep check too.
      return { type: 'hash', fields: yield* deepDistinct(c, yield* times(c.count(2), (): [Buffer, Buffer] => [c.str(), c.str()]), (f) => f[0], 'hash') };
    case T.MODULE_PRE_GA:
    case T.MODULE_2: {
      const id = c.lenBig();
      throw new RdbError('MODULE', `value of module type ${moduleTypeName(id)}: module values cannot be loaded`, at);
    }
    case T.HASH_ZIPMAP:
      return { type: 'hash', fields: decodeZipmap(c.str()) };
    case T.LIST_ZIPLIST:
      return { type: 'list', items: decodeZiplist(c.str()).map(lpBuffer) };
    case T.SET_INTSET:
      return { type: 'set', members: decodeIntset(c.checked(c.str())).map(intToBuffer), compact: true };
    case T.SET_LISTPACK:
      return { type: 'set', members: decodeListpack(c.str()).map(lpBuffer) };
    case T.ZSET_ZIPLIST:
      return { type: 'zset', entries: yield* distinct(zsetPairs(decodeZiplist(c.str())), (e) => e.member, 'sorted set ziplist'), compact: true };
    case T.ZSET_LISTPACK:
      return { type: 'zset', entries: yield* deepDistinct(c, zsetPairs(decodeListpack(c.checked(c.str()))), (e) => e.member, 'sorted set listpack'), compact: true };
    case T.HASH_ZIPLIST:
      return { type: 'hash', fields: yield* distinct(pairs(decodeZiplist(c.str()), 'hash'), (f) => f[0], 'hash ziplist'), compact: true };
    case T.HASH_LISTPACK:
      return { type: 'hash', fields: yield* deepDistinct(c, pairs(decodeListpack(c.checked(c.str())), 'hash'), (f) => f[0], 'hash listpack'), compact: true };
    case T.LIST_QUICKLIST: {
      const n = c.count();
      const items: Buffer[] = [];
      const nodes: RdbListNode[] = [];
      // A node holds up to 8 KiB of elements: one a step. Each ziplist becomes a node of its own (an empty one none).
      for (let i = 0; i < n; i++) {
        const before = items.length;
        for (const v of decodeZiplist(c.str())) items.push(lpBuffer(v));
        if (items.length > before) nodes.push({ count: items.length - before, plain: false });
        yield;
      }
      return { type: 'list', items, nodes };
    }
    case T.LIST_QUICKLIST_2: {
      const n = c.count(2);
      const items: Buffer[] = [];
      const nodes: RdbListNode[] = [];
      for (let i = 0; i < n; i++) {
        const cat = c.pos;
        const container = c.len();
        const before = items.length;
        if (container !== QL_PLAIN && container !== QL_PACKED) throw new RdbError('CORRUPT', `bad quicklist container ${container}`, cat);
        // rdbLoadObject refuses a node whose string is empty before it looks at the container.
        const body = c.str();
        if (body.length === 0) throw new RdbError('CORRUPT', 'empty quicklist node', cat);
        if (container === QL_PLAIN) items.push(body);
        else for (const v of decodeListpack(c.checked(body))) items.push(lpBuffer(v));
        if (items.length > before) nodes.push({ count: items.length - before, plain: container === QL_PLAIN });
        yield;
      }
      return { type: 'list', items, nodes };
    }
    case T.STREAM_LISTPACKS:
    case T.STREAM_LISTPACKS_2:
    case T.STREAM_LISTPACKS_3:
      return yield* parseStream(c, type === T.STREAM_LISTPACKS ? 1 : type === T.STREAM_LISTPACKS_2 ? 2 : 3, at);
    default:
      if (type >= 22 && type <= 25 && version >= 12) throw new RdbError('UNSUPPORTED', `hash with field expiry (type ${type}, Redis 7.4+)`, at);
      throw new RdbError('CORRUPT', `unknown value type ${type}`, at);
  }
}

function idKey(id: StreamId): string {
  return `${id.ms}-${id.seq}`;
}

function parseStreamNode(master: StreamId, lp: LpValue[], out: RdbStreamEntry[], at: number): void {
  const bad = (msg: string): RdbError => new RdbError('CORRUPT', `stream node: ${msg}`, at);
  let i = 0;
  const next = (): LpValue => {
    if (i >= lp.length) throw bad('ends inside an entry');
    return lp[i++] as LpValue;
  };
  const int = (): bigint => lpInt(next());
  const small = (what: string): number => {
    const v = int();
    if (v < 0n || v > BigInt(lp.length)) throw bad(`bad ${what} ${v}`);
    return Number(v);
  };
  if (lp.length === 0) throw bad('empty listpack');
  const count = small('count');
  const deleted = small('deleted count');
  const nMaster = small('master field count');
  const masterFields: Buffer[] = [];
  for (let k = 0; k < nMaster; k++) masterFields.push(lpBuffer(next()));
  if (int() !== 0n) throw bad('master entry not terminated');
  let live = 0;
  let dead = 0;
  while (i < lp.length) {
    const start = i;
    const flags = Number(int());
    const id = { ms: BigInt.asUintN(64, master.ms + int()), seq: BigInt.asUintN(64, master.seq + int()) };
    const fields: [Buffer, Buffer][] = [];
    if (flags & STREAM_FLAG_SAMEFIELDS) {
      for (const f of masterFields) fields.push([f, lpBuffer(next())]);
    } else {
      const n = small('field count');
      for (let k = 0; k < n; k++) fields.push([lpBuffer(next()), lpBuffer(next())]);
    }
    const pieces = i - start;
    if (int() !== BigInt(pieces)) throw bad('lp-count does not match the entry');
    if (flags & STREAM_FLAG_DELETED) dead++;
    else {
      live++;
      out.push({ id, fields });
    }
  }
  if (live !== count || dead !== deleted) throw bad(`header says ${count} live / ${deleted} deleted, found ${live} / ${dead}`);
}

function* parseStream(c: Cursor, v: 1 | 2 | 3, at: number): Steps<RdbStream> {
  const nodes = c.count(2);
  const entries: RdbStreamEntry[] = [];
  for (let i = 0; i < nodes; i++) {
    const nat = c.pos;
    const key = c.str();
    if (key.length !== 16) throw new RdbError('CORRUPT', 'stream node key is not a 128-bit ID', nat);
    const master = { ms: key.readBigUInt64BE(0), seq: key.readBigUInt64BE(8) };
    parseStreamNode(master, decodeListpack(c.checked(c.str())), entries, nat);
    yield;
  }
  for (let i = 1; i < entries.length; i++) {
    if (compareIds((entries[i - 1] as RdbStreamEntry).id, (entries[i] as RdbStreamEntry).id) >= 0) throw new RdbError('CORRUPT', 'stream entries out of order', at);
    if (i % PER_STEP === 0) yield;
  }
  const length = c.len();
  if (length !== entries.length) throw new RdbError('CORRUPT', `stream length ${length} but ${entries.length} live entries`, at);
  const lastId = { ms: c.lenBig(), seq: c.lenBig() };
  const st: RdbStream = { type: 'stream', entries, lastId, groups: [] };
  if (v >= 2) {
    st.firstId = { ms: c.lenBig(), seq: c.lenBig() };
    st.maxDeletedId = { ms: c.lenBig(), seq: c.lenBig() };
    st.entriesAdded = c.lenBig();
  }
  const ngroups = c.count(3);
  // 7.0's streamCreateCG / streamCreateConsumer refuse a name already there: the load fails, whatever
  // sanitize-dump-payload says.
  const groupNames = new Set<string>();
  for (let g = 0; g < ngroups; g++) {
    const name = c.str();
    if (!unique(groupNames, name)) throw new RdbError('CORRUPT', 'duplicated consumer group name', c.pos);
    const gLast = { ms: c.lenBig(), seq: c.lenBig() };
    const entriesRead = v >= 2 ? BigInt.asIntN(64, c.lenBig()) : -1n;
    const npel = c.count(18);
    yield;
    const pel = new Map<string, { id: StreamId; deliveryTimeMs: number; deliveryCount: number; consumer: Buffer | null }>();
    const order: string[] = [];
    for (let i = 0; i < npel; i++) {
      const id = c.rawId();
      const deliveryTimeMs = c.i64le();
      const deliveryCount = c.len();
      const k = idKey(id);
      if (pel.has(k)) throw new RdbError('CORRUPT', 'duplicate ID in consumer group PEL', c.pos);
      pel.set(k, { id, deliveryTimeMs, deliveryCount, consumer: null });
      order.push(k);
      if (i % PER_STEP === PER_STEP - 1) yield;
    }
    const nconsumers = c.count(10);
    const consumers: RdbStreamConsumer[] = [];
    const consumerNames = new Set<string>();
    for (let i = 0; i < nconsumers; i++) {
      const cname = c.str();
      if (!unique(consumerNames, cname)) throw new RdbError('CORRUPT', 'duplicated consumer name', c.pos);
      const consumer: RdbStreamConsumer = { name: cname, seenTimeMs: c.i64le() };
      if (v >= 3) consumer.activeTimeMs = c.i64le();
      const n = c.count(16);
      for (let k = 0; k < n; k++) {
        const id = c.rawId();
        const nack = pel.get(idKey(id));
        if (nack === undefined) throw new RdbError('CORRUPT', `consumer PEL entry ${idKey(id)} missing from the group PEL`, c.pos);
        if (nack.consumer !== null) throw new RdbError('CORRUPT', `pending entry ${idKey(id)} owned by two consumers`, c.pos);
        nack.consumer = cname;
        if (k % PER_STEP === PER_STEP - 1) yield;
      }
      consumers.push(consumer);
    }
    const pending: RdbStreamPending[] = [];
    for (const k of order) {
      const p = pel.get(k) as { id: StreamId; deliveryTimeMs: number; deliveryCount: number; consumer: Buffer | null };
      if (p.consumer === null) throw new RdbError('CORRUPT', `pending entry ${k} has no consumer`, at);
      pending.push({ id: p.id, deliveryTimeMs: p.deliveryTimeMs, deliveryCount: p.deliveryCount, consumer: p.consumer });
    }
    const group: RdbStreamGroup = { name, lastId: gLast, entriesRead, pending, consumers };
    st.groups.push(group);
  }
  return st;
}

/**
 * One value written as type byte + body (a DUMP payload without its footer). The whole buffer must
 * be consumed: trailing bytes mean the payload is not what it claims to be.
 */
export function decodeValue(buf: Buffer, version: number): { value: RdbValue; rdbType: number } {
  return runSteps(decodeValueSteps(buf, version));
}

/** decodeValue in steps. */
export function* decodeValueSteps(buf: Buffer, version: number, tally?: SanitizeTally, whole = true): Steps<{ value: RdbValue; rdbType: number }> {
  const c = new Cursor(buf, 0, tally);
  const type = c.u8();
  if (type >= 0xf4) throw new RdbError('CORRUPT', `opcode 0x${type.toString(16)} where a value type was expected`, 0);
  const value = yield* parseValue(c, type, 0, version);
  if (whole && c.pos !== buf.length) throw new RdbError('CORRUPT', `${buf.length - c.pos} bytes after the value`, c.pos);
  return { value, rdbType: type };
}

export interface RdbReadOptions {
  /** Check the CRC64 trailer (default true). A zero trailer means "not computed" and always passes. */
  verifyChecksum?: boolean;
  /** Counts the containers the deep integrity check would see (SanitizeTally). */
  tally?: SanitizeTally;
}

function parseHeader(buf: Buffer): number {
  if (buf.length < 9) throw new RdbError('TRUNCATED', 'input shorter than the RDB header', 0, 9);
  if (buf.toString('latin1', 0, 5) !== 'REDIS') throw new RdbError('VERSION', 'not an RDB file (no REDIS magic)', 0);
  const digits = buf.toString('latin1', 5, 9);
  if (!/^[0-9]{4}$/.test(digits)) throw new RdbError('VERSION', `bad RDB version ${JSON.stringify(digits)}`, 5);
  const version = Number(digits);
  if (version < MIN_READ_VERSION || version > MAX_READ_VERSION) throw new RdbError('VERSION', `unsupported RDB version ${version}`, 5);
  return version;
}

/**
 * Incremental reader: push() bytes as they arrive (a replication stream, a file read in chunks), take
 * records as they complete. A record split across chunks is re-parsed from its start once at least
 * the bytes it was found to need have arrived; chunks are only joined then, so a large value arriving
 * in many small chunks is not copied over and over.
 */
export class RdbStreamReader {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private version = -1;
  private db = 0;
  private done = false;
  /** Bytes (counted from `pos`) needed before another parse attempt can succeed. */
  private retryAt = 0;
  private readonly crc = new Crc64();
  private readonly verify: boolean;

  constructor(opts: RdbReadOptions = {}) {
    this.verify = opts.verifyChecksum ?? true;
  }

  get finished(): boolean {
    return this.done;
  }

  get rdbVersion(): number {
    return this.version;
  }

  /** Bytes pushed after the end of the file (e.g. the replication stream that follows the RDB). */
  get rest(): Buffer {
    return this.done ? Buffer.concat([this.buf.subarray(this.pos), ...this.pending]) : Buffer.alloc(0);
  }

  push(chunk: Buffer): RdbRecord[] {
    const out: RdbRecord[] = [];
    if (chunk.length > 0) {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
    }
    if (this.done || this.buf.length - this.pos + this.pendingBytes < Math.max(this.retryAt, 1)) return out;
    this.buf = Buffer.concat([this.buf.subarray(this.pos), ...this.pending]);
    this.pos = 0;
    this.pending = [];
    this.pendingBytes = 0;
    this.retryAt = 0;
    if (this.version < 0) {
      if (this.buf.length < 9) {
        this.retryAt = 9;
        return out;
      }
      this.version = parseHeader(this.buf);
      this.crc.update(this.buf.subarray(0, 9));
      this.pos = 9;
      out.push({ kind: 'header', version: this.version });
    }
    while (!this.done) {
      const c = new Cursor(this.buf, this.pos);
      let rec: RdbRecord;
      try {
        rec = parseRecord(c, this.version, this.db);
      } catch (e) {
        if (e instanceof RdbError && e.code === 'TRUNCATED') {
          this.retryAt = (e.needBytes ?? this.buf.length + 1) - this.pos;
          break;
        }
        throw e;
      }
      if (rec.kind === 'eof' && this.version >= 5) {
        // The trailer belongs to the EOF record: wait for it before committing anything.
        if (this.buf.length - c.pos < 8) {
          this.retryAt = c.pos + 8 - this.pos;
          break;
        }
      }
      this.crc.update(this.buf.subarray(this.pos, c.pos));
      this.pos = c.pos;
      if (rec.kind === 'selectdb') this.db = rec.db;
      if (rec.kind === 'eof') {
        if (this.version >= 5) {
          rec.checksum = this.buf.readBigUInt64LE(this.pos);
          this.pos += 8;
          if (this.verify && rec.checksum !== 0n && rec.checksum !== this.crc.value) {
            throw new RdbError('CHECKSUM', `CRC64 mismatch: file says ${rec.checksum.toString(16)}, content is ${this.crc.value.toString(16)}`, this.pos - 8);
          }
        }
        this.done = true;
      }
      out.push(rec);
    }
    return out;
  }

  /** Call at end of input: throws TRUNCATED if the file stopped before its EOF opcode and checksum. */
  end(): void {
    if (this.done) return;
    if (this.version < 0) throw new RdbError('TRUNCATED', 'input shorter than the RDB header', 0, 9);
    throw new RdbError('TRUNCATED', 'input ended before the RDB EOF marker', this.pos);
  }
}

/** Reads a whole RDB file held in memory. */
export function readRdb(buf: Buffer, opts: RdbReadOptions = {}): RdbFile {
  const file: RdbFile = { version: 0, aux: new Map(), entries: [] };
  for (const rec of iterateRdb(buf, opts)) {
    switch (rec.kind) {
      case 'header':
        file.version = rec.version;
        break;
      case 'aux':
        file.aux.set(rec.key, rec.value);
        break;
      case 'function':
        (file.functions ??= []).push(rec.payload);
        break;
      case 'entry':
        file.entries.push(rec.entry);
        break;
      default:
        break;
    }
  }
  return file;
}

/** Yields records one at a time, so a caller can load a big file without holding every entry. */
export function* iterateRdb(buf: Buffer, opts: RdbReadOptions = {}): Generator<RdbRecord, void, undefined> {
  for (const rec of iterateRdbSteps(buf, opts)) if (rec !== undefined) yield rec;
}

/**
 * iterateRdb in steps: `undefined` inside a big value, so a caller that yields to the event loop there
 * (DEBUG RELOAD of a hash of a million fields) never parses a whole value at once.
 */
export function* iterateRdbSteps(buf: Buffer, opts: RdbReadOptions = {}): Generator<RdbRecord | undefined, void, undefined> {
  const version = parseHeader(buf);
  yield { kind: 'header', version };
  const c = new Cursor(buf, 9, opts.tally);
  let db = 0;
  for (;;) {
    const steps = parseRecordSteps(c, version, db);
    let r = steps.next();
    for (; r.done !== true; r = steps.next()) yield undefined;
    const rec = r.value;
    if (rec.kind === 'selectdb') db = rec.db;
    if (rec.kind === 'eof') {
      if (version >= 5) {
        c.need(8);
        rec.checksum = buf.readBigUInt64LE(c.pos);
        if ((opts.verifyChecksum ?? true) && rec.checksum !== 0n) {
          const actual = new Crc64().update(buf.subarray(0, c.pos)).value;
          if (actual !== rec.checksum) throw new RdbError('CHECKSUM', `CRC64 mismatch: file says ${rec.checksum.toString(16)}, content is ${actual.toString(16)}`, c.pos);
        }
      }
      yield rec;
      return;
    }
    yield rec;
  }
}
