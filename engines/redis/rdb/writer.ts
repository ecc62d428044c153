// Writes RDB files the way Redis 7.x does: same opcodes, same choice of compact or plain encoding by
// the default size thresholds, LZF for long strings, CRC64 trailer. The streaming form yields chunks
// so a large keyspace never has to exist as one array or one buffer.
import { Crc64 } from './crc64.ts';
import { compareIds, isEmptyCollection, ZERO_ID, type RdbEntryToWrite, type RdbFile, type RdbListNode, type RdbStream, type RdbStreamEntry, type RdbStreamNode, type RdbValue, type StreamId } from './entries.ts';
import { RdbError } from './errors.ts';
import { OP, QL_PACKED, QL_PLAIN, STREAM_FLAG_DELETED, STREAM_FLAG_SAMEFIELDS, T, WRITE_VERSIONS, type RdbWriteVersion } from './format.ts';
import { encodeIntset } from './intset.ts';
import { ListpackBuilder, encodeListpack, type LpValue } from './listpack.ts';
import { quicklistAllowInsert } from './quicklist-fill.ts';
import { LZF_STEP, lzfCompress, lzfCompressSteps } from './lzf.ts';
import { formatScore, parseCanonicalInt } from './num.ts';
import { encodeZiplist } from './ziplist.ts';
import { appendedNodeCounts } from '../types/stream.ts';
import { eachInSteps, PER_STEP, runSteps, type Steps } from '../../slices.ts';

/** Redis's built-in defaults (CONFIG GET on a bare 7.0 server; note hash is 512, zset 128) for when a collection leaves its compact encoding. */
export interface EncodingThresholds {
  hashMaxListpackEntries: number; // hash-max-listpack-entries
  hashMaxListpackValue: number; // hash-max-listpack-value
  zsetMaxListpackEntries: number; // zset-max-listpack-entries
  zsetMaxListpackValue: number; // zset-max-listpack-value
  setMaxIntsetEntries: number; // set-max-intset-entries
  setMaxListpackEntries: number; // set-max-listpack-entries (7.2+)
  setMaxListpackValue: number; // set-max-listpack-value (7.2+)
  listNodeMaxBytes: number; // list-max-listpack-size -2, as ziplist bytes (RDB 9)
  listFill: number; // list-max-listpack-size: quicklist nodes of RDB 10+
  listCompressDepth: number; // list-compress-depth: nodes kept LZF-compressed in memory
  streamNodeMaxBytes: number; // stream-node-max-bytes
  streamNodeMaxEntries: number; // stream-node-max-entries
}

export const DEFAULT_THRESHOLDS: EncodingThresholds = {
  hashMaxListpackEntries: 512,
  hashMaxListpackValue: 64,
  zsetMaxListpackEntries: 128,
  zsetMaxListpackValue: 64,
  setMaxIntsetEntries: 512,
  setMaxListpackEntries: 128,
  setMaxListpackValue: 64,
  listNodeMaxBytes: 8192,
  listFill: -2,
  listCompressDepth: 0,
  streamNodeMaxBytes: 4096,
  streamNodeMaxEntries: 100,
};

export interface RdbWriteOptions {
  /** 11 (Redis 7.2+, default), 10 (Redis 7.0) or 9 (Redis 5.0-6.2). */
  version?: RdbWriteVersion;
  /** LZF-compress strings longer than 20 bytes when it saves space (rdbcompression), default true. */
  compress?: boolean;
  /** Write the CRC64 trailer (rdbchecksum); false writes zeros, which readers take as "not computed". */
  checksum?: boolean;
  thresholds?: Partial<EncodingThresholds>;
  /** Approximate size of the chunks the streaming writer yields. */
  chunkSize?: number;
}

export interface RdbHeader {
  aux: Map<string, Buffer>;
  functions?: Buffer[];
}

/** Per-database counts for RESIZEDB; a hint only, so a streaming writer may omit it. */
export interface DbSizeHint {
  keys: number;
  expires: number;
}

const MAX_DB = 0xffffffff;

/** A growable output buffer with the RDB primitive encoders. */
class Sink {
  buf = Buffer.allocUnsafe(1 << 16);
  pos = 0;

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  u8(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  raw(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** raw() a piece a step. */
  *rawSteps(b: Uint8Array): Steps<void> {
    // Grown once: doubling as the pieces come would copy what came before, the last time in one step.
    this.ensure(b.length);
    for (let i = 0; i < b.length; i += LZF_STEP) {
      this.raw(b.subarray(i, Math.min(b.length, i + LZF_STEP)));
      yield;
    }
  }

  /** A latin1 string's bytes, one per char. */
  latin1(t: string): void {
    this.ensure(t.length);
    this.pos += this.buf.latin1Write(t, this.pos);
  }

  len(n: number | bigint): void {
    this.ensure(9);
    // The shortest form whatever the type: stream IDs and counters arrive as bigints.
    if (typeof n === 'bigint' && n <= 0xffffffffn) n = Number(n);
    if (typeof n === 'number' && n < 64) this.buf[this.pos++] = n;
    else if (typeof n === 'number' && n < 16384) {
      this.buf[this.pos++] = 0x40 | (n >>> 8);
      this.buf[this.pos++] = n & 0xff;
    } else if (n <= 0xffffffff) {
      this.buf[this.pos++] = 0x80;
      this.buf.writeUInt32BE(Number(n), this.pos);
      this.pos += 4;
    } else {
      this.buf[this.pos++] = 0x81;
      this.buf.writeBigUInt64BE(BigInt(n), this.pos);
      this.pos += 8;
    }
  }

  i32le(n: number): void {
    this.ensure(4);
    this.buf.writeInt32LE(n, this.pos);
    this.pos += 4;
  }

  u64le(n: number): void {
    this.ensure(8);
    this.buf.writeBigInt64LE(BigInt(Math.trunc(n)), this.pos);
    this.pos += 8;
  }

  i64le(n: bigint): void {
    this.ensure(8);
    this.buf.writeBigInt64LE(n, this.pos);
    this.pos += 8;
  }

  f64le(n: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(n, this.pos);
    this.pos += 8;
  }

  take(): Buffer {
    const out = Buffer.from(this.buf.subarray(0, this.pos));
    this.pos = 0;
    return out;
  }

  /**
   * What was written, without a copy: for a sink that is not written to again. A DUMP of a 200 MB string
   * that does not compress is that big, and take()'s copy of it held every node 300-450 ms in one turn.
   */
  done(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

const byteAt = (b: Uint8Array | string, i: number): number => (typeof b === 'string' ? b.charCodeAt(i) : (b[i] as number));

/**
 * parseCanonicalInt for the int32 range only, with no BigInt or Buffer made: a snapshot asks this of
 * every key and string value, most of which are not numbers at all.
 */
function canonicalInt32(b: Uint8Array | string): number | null {
  const n = b.length;
  const neg = byteAt(b, 0) === 0x2d;
  let i = neg ? 1 : 0;
  if (i === n) return null;
  if (byteAt(b, i) === 0x30) return n === 1 ? 0 : null;
  let v = 0;
  for (; i < n; i++) {
    const d = byteAt(b, i) - 0x30;
    if (d < 0 || d > 9) return null;
    v = v * 10 + d;
  }
  if (neg) v = -v;
  return v >= -2147483648 && v <= 2147483647 ? v : null;
}

function checkVersion(v: number): RdbWriteVersion {
  if (!(WRITE_VERSIONS as readonly number[]).includes(v)) throw new RdbError('VERSION', `cannot write RDB version ${v} (supported: ${WRITE_VERSIONS.join(', ')})`);
  return v as RdbWriteVersion;
}

interface ValuePlan {
  type: number;
  body: () => Steps<void>;
}

/** A body too small to need steps. */
function* whole(write: () => void): Steps<void> {
  write();
}

class ValueWriter {
  constructor(
    private readonly s: Sink,
    private readonly version: RdbWriteVersion,
    private readonly compress: boolean,
    private readonly th: EncodingThresholds,
  ) {}

  /** Reused for a latin1 string LZF reads: bytes, not chars. */
  private scratch = Buffer.allocUnsafe(0);

  /**
   * A string as rdbSaveRawString does: small canonical int32s as ints, long ones LZF when smaller. A
   * latin1 string (the engine's own form) is written without a Buffer made for it.
   */
  str(b: Uint8Array | string): void {
    const s = this.s;
    const n = b.length;
    if (typeof b === 'string' && !(this.compress && n > 20)) {
      if (n > 11 || n === 0 || !this.int32(b)) {
        s.len(n);
        s.latin1(b);
      }
      return;
    }
    if (typeof b === 'string') {
      if (this.scratch.length < n) this.scratch = Buffer.allocUnsafe(Math.max(n, 2 * this.scratch.length));
      this.scratch.latin1Write(b, 0);
      b = this.scratch.subarray(0, n);
    }
    if (n <= 11 && n > 0 && this.int32(b)) return;
    if (this.compress && n > 20) {
      const c = lzfCompress(b, n - 4);
      if (c !== null) return this.lzfBlob(c, n);
    }
    s.len(n);
    s.raw(b);
  }

  /**
   * str() in steps for a string of LZF_STEP bytes or more (shorter ones at once): its latin1 copy, its
   * compression and its copy into the output each took ~50-300 ms per 100 MB in one call. The bytes are
   * the same: the same choices are made, a piece at a time.
   */
  *strSteps(b: Uint8Array | string): Steps<void> {
    const n = b.length;
    if (n < LZF_STEP) return this.str(b);
    const s = this.s;
    if (typeof b === 'string') {
      if (this.scratch.length < n) this.scratch = Buffer.allocUnsafe(Math.max(n, 2 * this.scratch.length));
      for (let i = 0; i < n; i += LZF_STEP) {
        this.scratch.latin1Write(b.slice(i, i + LZF_STEP), i);
        yield;
      }
      b = this.scratch.subarray(0, n);
    }
    if (this.compress) {
      const c = yield* lzfCompressSteps(b, n - 4);
      if (c !== null) return this.lzfBlob(c, n);
    }
    s.len(n);
    yield* s.rawSteps(b);
  }

  /** Writes `b` as an integer encoding if it is a canonical int32; false if it is not one. */
  private int32(b: Uint8Array | string): boolean {
    const s = this.s;
    const x = canonicalInt32(b);
    if (x === null) return false;
    if (x >= -128 && x <= 127) {
      s.u8(0xc0);
      s.u8(x & 0xff);
    } else if (x >= -32768 && x <= 32767) {
      s.u8(0xc1);
      s.u8(x & 0xff);
      s.u8((x >> 8) & 0xff);
    } else {
      s.u8(0xc2);
      s.i32le(x);
    }
    return true;
  }

  private lzfBlob(compressed: Buffer, rawLength: number): void {
    this.s.u8(0xc3);
    this.s.len(compressed.length);
    this.s.len(rawLength);
    this.s.raw(compressed);
  }

  /**
   * A quicklist node list-compress-depth nodes or more from both ends is LZF-compressed in redis-server's
   * memory (quicklist.c: 48 bytes or more, and only if that saves more than 8) and saved as that blob
   * whatever rdbcompression says; with rdbcompression on the blob is the one str() would write anyway.
   */
  private quicklistNode(node: Buffer, middle: boolean): void {
    if (middle && !this.compress && node.length >= 48) {
      const c = lzfCompress(node, node.length - 9);
      if (c !== null) return this.lzfBlob(c, node.length);
    }
    this.str(node);
  }

  /**
   * Picks the encoding for a value. The type byte precedes the key in the file and the body follows
   * it, so the choice is returned as the byte plus a function that writes the body. Both run in steps
   * (a million elements take seconds), which a caller may spread over slices.
   */
  *plan(v: RdbValue): Steps<ValuePlan> {
    switch (v.type) {
      case 'string':
        return { type: T.STRING, body: () => this.strSteps(v.value) };
      case 'list':
        return yield* this.list(v.items, v.fill ?? this.th.listFill, v.compressDepth ?? this.th.listCompressDepth, v.nodes);
      case 'set':
        return this.set(v.members, v.hashtable);
      case 'zset':
        return yield* this.zset(v.entries, v.skiplist);
      case 'hash':
        return this.hash(v.fields, v.hashtable);
      case 'stream':
        return { type: this.version >= 11 ? T.STREAM_LISTPACKS_3 : this.version >= 10 ? T.STREAM_LISTPACKS_2 : T.STREAM_LISTPACKS, body: () => this.streamBody(v) };
    }
  }

  private *list(items: Buffer[], fill: number, depth: number, shape: RdbListNode[] | undefined): Steps<ValuePlan> {
    const max = this.th.listNodeMaxBytes;
    const nodes: Buffer[] = [];
    if (this.version >= 10) {
      const plain: boolean[] = [];
      if (shape !== undefined) {
        // The list's own nodes, as its history made them.
        let at = 0;
        yield* eachInSteps(
          shape,
          (n) => {
            if (n.plain) nodes.push(items[at] as Buffer);
            else {
              const lp = new ListpackBuilder();
              for (let i = at; i < at + n.count; i++) lp.add(items[i] as Buffer);
              nodes.push(lp.finish());
            }
            plain.push(n.plain);
            at += n.count;
          },
          1,
        );
      } else {
        // Quicklist nodes are listpacks filled as redis-server fills them by pushes to the tail (list-max-listpack-size).
        let lp = new ListpackBuilder();
        yield* eachInSteps(items, (it) => {
          if (lp.count > 0 && !quicklistAllowInsert(fill, lp.byteSize, lp.count, it.length)) {
            nodes.push(lp.finish());
            plain.push(false);
            lp = new ListpackBuilder();
          }
          lp.add(it);
        });
        if (lp.count > 0) {
          nodes.push(lp.finish());
          plain.push(false);
        }
      }
      return {
        type: T.LIST_QUICKLIST_2,
        body: () => {
          this.s.len(nodes.length);
          let i = 0;
          return eachInSteps(
            nodes,
            (n) => {
              this.s.len(plain[i] === true ? QL_PLAIN : QL_PACKED);
              this.quicklistNode(n, depth > 0 && i >= depth && i < nodes.length - depth);
              i++;
            },
            1,
          );
        },
      };
    }
    let cur: Buffer[] = [];
    let size = 0;
    yield* eachInSteps(items, (it) => {
      // 11 bytes bounds a ziplist entry's prevlen + header, so nodes stay under the cap.
      if (cur.length > 0 && size + it.length + 11 > max) {
        nodes.push(encodeZiplist(cur));
        cur = [];
        size = 0;
      }
      cur.push(it);
      size += it.length + 11;
    });
    if (cur.length > 0) nodes.push(encodeZiplist(cur));
    return {
      type: T.LIST_QUICKLIST,
      body: () => {
        this.s.len(nodes.length);
        // A node is up to 8 KiB to compress: one a step.
        return eachInSteps(nodes, (n) => this.str(n), 1);
      },
    };
  }

  /** `hashtable` as for hash(): a known intset stays one (seed 47721's kin). */
  private set(members: Buffer[], hashtable: boolean | undefined): ValuePlan {
    const th = this.th;
    if (hashtable === undefined ? members.length <= th.setMaxIntsetEntries : !hashtable) {
      const ints: bigint[] = [];
      for (const m of members) {
        const v = parseCanonicalInt(m);
        if (v === null) break;
        ints.push(v);
      }
      if (ints.length === members.length) return { type: T.SET_INTSET, body: () => whole(() => this.str(encodeIntset(ints))) };
    }
    if (this.version >= 11 && (hashtable === undefined ? members.length <= th.setMaxListpackEntries && members.every((m) => m.length <= th.setMaxListpackValue) : !hashtable)) {
      return { type: T.SET_LISTPACK, body: () => whole(() => this.str(encodeListpack(members))) };
    }
    return {
      type: T.SET,
      body: () => {
        this.s.len(members.length);
        return eachInSteps(members, (m) => this.str(m));
      },
    };
  }

  /** `skiplist` as hash()'s `hashtable`: a known listpack stays one. */
  private *zset(entries: { member: Buffer; score: number }[], skiplist: boolean | undefined): Steps<ValuePlan> {
    const th = this.th;
    yield* eachInSteps(entries, (e) => {
      if (Number.isNaN(e.score)) throw new RdbError('INVALID_INPUT', 'sorted set score is NaN');
    });
    if (skiplist === undefined ? entries.length <= th.zsetMaxListpackEntries && entries.every((e) => e.member.length <= th.zsetMaxListpackValue) : !skiplist) {
      // Compact zsets are ordered by (score, member) and Redis's range commands rely on it.
      const sorted = [...entries].sort((a, b) => (a.score < b.score ? -1 : a.score > b.score ? 1 : Buffer.compare(a.member, b.member)));
      const flat: LpValue[] = [];
      for (const e of sorted) flat.push(e.member, formatScore(e.score));
      if (this.version >= 10) return { type: T.ZSET_LISTPACK, body: () => whole(() => this.str(encodeListpack(flat))) };
      return { type: T.ZSET_ZIPLIST, body: () => whole(() => this.str(encodeZiplist(flat))) };
    }
    return {
      type: T.ZSET_2,
      body: () => {
        this.s.len(entries.length);
        return eachInSteps(entries, (e) => {
          this.str(e.member);
          this.s.f64le(e.score);
        });
      },
    };
  }

  /**
   * `hashtable` is the value's own encoding when known: a listpack stays one whatever the limits are
   * now, as redis-server saves an object as it is encoded (CONFIG SET hash-max-listpack-entries 0
   * converts nothing: seed 47721); unknown, the limits decide.
   */
  private hash(fields: [Buffer, Buffer][], hashtable: boolean | undefined): ValuePlan {
    const th = this.th;
    const compact = hashtable === undefined ? fields.length <= th.hashMaxListpackEntries && fields.every(([f, v]) => f.length <= th.hashMaxListpackValue && v.length <= th.hashMaxListpackValue) : !hashtable;
    if (compact) {
      const flat: LpValue[] = [];
      for (const [f, v] of fields) flat.push(f, v);
      if (this.version >= 10) return { type: T.HASH_LISTPACK, body: () => whole(() => this.str(encodeListpack(flat))) };
      return { type: T.HASH_ZIPLIST, body: () => whole(() => this.str(encodeZiplist(flat))) };
    }
    return {
      type: T.HASH,
      body: () => {
        this.s.len(fields.length);
        return eachInSteps(fields, ([f, v]) => {
          this.str(f);
          this.str(v);
        });
      },
    };
  }

  /** Entries grouped into nodes the way XADD fills them: capped by entry count and listpack bytes. */
  private *layOut(entries: readonly RdbStreamEntry[]): Steps<RdbStreamNode[]> {
    const th = this.th;
    const asText: { id: StreamId; fields: string[] }[] = [];
    yield* eachInSteps(entries, (e) => asText.push({ id: e.id, fields: e.fields.flatMap(([f, v]) => [f.toString('latin1'), v.toString('latin1')]) }));
    const counts = appendedNodeCounts(asText, { maxBytes: th.streamNodeMaxBytes, maxEntries: th.streamNodeMaxEntries });
    const nodes: RdbStreamNode[] = [];
    let i = 0;
    for (const count of counts) {
      yield;
      const first = entries[i] as RdbStreamEntry;
      const node: RdbStreamNode = { master: first.id, masterFields: first.fields.map(([f]) => f), entries: [] };
      for (const end = i + count; i < end; i++) node.entries.push({ ...(entries[i] as RdbStreamEntry), deleted: false });
      nodes.push(node);
    }
    return nodes;
  }

  private *streamBody(st: RdbStream): Steps<void> {
    const s = this.s;
    let entries = st.entries;
    if (!(yield* isSorted(entries))) {
      entries = [...entries].sort((a, b) => compareIds(a.id, b.id));
      if (!(yield* isSorted(entries))) throw new RdbError('INVALID_INPUT', 'duplicate stream ID');
    }
    const last = entries[entries.length - 1];
    if (last !== undefined && compareIds(st.lastId, last.id) < 0) throw new RdbError('INVALID_INPUT', 'stream lastId is below its last entry');

    const laid = st.nodes ?? (yield* this.layOut(entries));
    // The node count comes first: every node is made before any is written.
    const nodes: { master: StreamId; blob: Buffer }[] = [];
    yield* eachInSteps(laid, (n) => nodes.push({ master: n.master, blob: streamNodeListpack(n) }), 1);
    s.len(nodes.length);
    yield* eachInSteps(
      nodes,
      (n) => {
        this.str(idBytes(n.master));
        this.str(n.blob);
      },
      1,
    );
    s.len(entries.length);
    s.len(st.lastId.ms);
    s.len(st.lastId.seq);
    if (this.version >= 10) {
      const firstId = st.firstId ?? entries[0]?.id ?? ZERO_ID;
      const maxDel = st.maxDeletedId ?? ZERO_ID;
      s.len(firstId.ms);
      s.len(firstId.seq);
      s.len(maxDel.ms);
      s.len(maxDel.seq);
      s.len(st.entriesAdded ?? BigInt(entries.length));
    }
    s.len(st.groups.length);
    for (const g of st.groups) {
      this.str(g.name);
      s.len(g.lastId.ms);
      s.len(g.lastId.seq);
      // -1 ("unknown") is stored as its unsigned 64-bit two's complement, as Redis does.
      if (this.version >= 10) s.len(BigInt.asUintN(64, g.entriesRead));
      s.len(g.pending.length);
      const byConsumer = new Map<string, StreamId[]>();
      for (const c of g.consumers) byConsumer.set(c.name.toString('latin1'), []);
      yield* eachInSteps(g.pending, (p) => {
        s.raw(idBytes(p.id));
        s.u64le(p.deliveryTimeMs);
        s.len(p.deliveryCount);
        const list = byConsumer.get(p.consumer.toString('latin1'));
        if (list === undefined) throw new RdbError('INVALID_INPUT', `pending entry owned by unknown consumer ${p.consumer.toString('latin1')}`);
        list.push(p.id);
      });
      s.len(g.consumers.length);
      for (const c of g.consumers) {
        this.str(c.name);
        s.u64le(c.seenTimeMs);
        if (this.version >= 11) s.u64le(c.activeTimeMs ?? c.seenTimeMs);
        const ids = byConsumer.get(c.name.toString('latin1')) as StreamId[];
        s.len(ids.length);
        yield* eachInSteps(ids, (id) => s.raw(idBytes(id)));
      }
    }
  }
}

/** Strictly ascending IDs (so also free of duplicates). */
function* isSorted(entries: readonly RdbStreamEntry[]): Steps<boolean> {
  for (let i = 1; i < entries.length; i++) {
    if (compareIds((entries[i - 1] as RdbStreamEntry).id, (entries[i] as RdbStreamEntry).id) >= 0) return false;
    if (i % PER_STEP === 0) yield;
  }
  return true;
}

/** A stream ID as a 128-bit big-endian value (the rax key / raw PEL form). */
export function idBytes(id: StreamId): Buffer {
  const b = Buffer.allocUnsafe(16);
  b.writeBigUInt64BE(BigInt.asUintN(64, id.ms), 0);
  b.writeBigUInt64BE(BigInt.asUintN(64, id.seq), 8);
  return b;
}

/** A step point in a stream of entries: the entry being made is a big value (see snapshotEntries). */
export type EntrySteps = Iterable<RdbEntryToWrite | undefined>;

const NOTHING_YET = Buffer.alloc(0);

/**
 * Small entries written between two step points: a chunk holds thousands of small keys (2.5-15 ms of
 * work), too long for a slice to wait for, while a step per entry would cost a resumption per key.
 */
const ENTRIES_PER_STEP = 16;

/**
 * Streams an RDB file as chunks. Entries of one database should be contiguous (a change of db emits
 * SELECTDB; coming back to a db is legal, just less tidy). Empty collections are skipped, since
 * Redis never holds them and refuses or drops them on load. A big value is written in steps, and small
 * ones a few at a time: between two, the chunk yielded may be empty, so a consumer in slices can stop there.
 */
export function* encodeRdb(header: RdbHeader, entries: EntrySteps, opts: RdbWriteOptions & { dbSizes?: Map<number, DbSizeHint> } = {}): Generator<Buffer, void, undefined> {
  const version = checkVersion(opts.version ?? 11);
  const th = { ...DEFAULT_THRESHOLDS, ...opts.thresholds };
  const chunk = opts.chunkSize ?? 1 << 16;
  const crc = new Crc64();
  const s = new Sink();
  const w = new ValueWriter(s, version, opts.compress ?? true, th);
  const flush = (): Buffer => {
    const out = s.take();
    crc.update(out);
    return out;
  };

  s.raw(Buffer.from(`REDIS${String(version).padStart(4, '0')}`, 'latin1'));
  for (const [k, v] of header.aux) {
    s.u8(OP.AUX);
    w.str(Buffer.from(k, 'latin1'));
    w.str(v);
  }
  if (header.functions !== undefined && header.functions.length > 0) {
    if (version < 10) throw new RdbError('INVALID_INPUT', 'functions need RDB version 10 or later');
    for (const f of header.functions) {
      s.u8(OP.FUNCTION2);
      w.str(f);
      // FUNCTION DUMP of thousands of libraries compresses each: a step apiece lets it run in slices.
      yield NOTHING_YET;
    }
  }

  const step = (): Buffer => (s.pos >= chunk ? flush() : NOTHING_YET);
  /** Runs `work`, yielding a chunk (or nothing yet) at each of its steps. */
  function* stepped<T>(work: Steps<T>): Generator<Buffer, T, undefined> {
    for (;;) {
      const r = work.next();
      if (r.done === true) return r.value;
      yield step();
    }
  }
  let db = -1;
  let sinceStep = 0;
  for (const e of entries) {
    if (e === undefined) {
      yield NOTHING_YET;
      continue;
    }
    if (isEmptyCollection(e.value)) continue;
    if (e.db !== db) {
      if (!Number.isInteger(e.db) || e.db < 0 || e.db > MAX_DB) throw new RdbError('INVALID_INPUT', `bad db index ${e.db}`);
      db = e.db;
      s.u8(OP.SELECTDB);
      s.len(db);
      const hint = opts.dbSizes?.get(db);
      if (hint !== undefined) {
        s.u8(OP.RESIZEDB);
        s.len(hint.keys);
        s.len(hint.expires);
      }
    }
    if (e.expireAtMs !== undefined) {
      s.u8(OP.EXPIRETIME_MS);
      if (e.expireExact !== undefined) s.i64le(e.expireExact);
      else s.u64le(e.expireAtMs);
    }
    if (e.lru !== undefined) {
      s.u8(OP.IDLE);
      s.len(Math.max(0, Math.trunc(e.lru)));
    } else if (e.lfu !== undefined) {
      s.u8(OP.FREQ);
      s.u8(Math.max(0, Math.min(255, Math.trunc(e.lfu))));
    }
    const v = e.value;
    if (v.type === 'string') {
      // Most keys of a big keyspace: written here, without the plan's generators a bigger value needs.
      s.u8(T.STRING);
      w.str(e.key);
      if (v.value.length < LZF_STEP) w.str(v.value);
      else yield* stepped(w.strSteps(v.value));
    } else {
      const plan = yield* stepped(w.plan(v));
      s.u8(plan.type);
      w.str(e.key);
      yield* stepped(plan.body());
    }
    if (s.pos >= chunk) {
      sinceStep = 0;
      yield flush();
    } else if (++sinceStep === ENTRIES_PER_STEP) {
      sinceStep = 0;
      yield NOTHING_YET;
    }
  }
  s.u8(OP.EOF);
  const tail = flush();
  if (opts.checksum === false) yield Buffer.concat([tail, Buffer.alloc(8)]);
  else yield Buffer.concat([tail, crc.bytes()]);
}

/** Writes a whole file into one buffer; version defaults to the option, else the file's own. */
export function writeRdb(file: RdbFile, opts: RdbWriteOptions = {}): Buffer {
  const version = checkVersion(opts.version ?? file.version);
  const dbSizes = new Map<number, DbSizeHint>();
  for (const e of file.entries) {
    if (isEmptyCollection(e.value)) continue;
    const h = dbSizes.get(e.db) ?? { keys: 0, expires: 0 };
    h.keys++;
    if (e.expireAtMs !== undefined) h.expires++;
    dbSizes.set(e.db, h);
  }
  // Group by db so each gets one SELECTDB/RESIZEDB, keeping the order within a db.
  const sorted = [...file.entries].sort((a, b) => a.db - b.db);
  return Buffer.concat([...encodeRdb({ aux: file.aux, functions: file.functions }, sorted, { ...opts, version, dbSizes })]);
}

/** One value as the type byte followed by its body: the core of a DUMP payload. */
export function encodeValue(v: RdbValue, opts: Omit<RdbWriteOptions, 'chunkSize' | 'checksum'> = {}): Buffer {
  return runSteps(encodeValueSteps(v, opts));
}

/** encodeValue in steps. */
export function* encodeValueSteps(v: RdbValue, opts: Omit<RdbWriteOptions, 'chunkSize' | 'checksum'> = {}): Steps<Buffer> {
  const version = checkVersion(opts.version ?? 11);
  const s = new Sink();
  const w = new ValueWriter(s, version, opts.compress ?? true, { ...DEFAULT_THRESHOLDS, ...opts.thresholds });
  const plan = yield* w.plan(v);
  s.u8(plan.type);
  yield* plan.body();
  return s.done();
}

function sameFields(e: RdbStreamEntry, masterFields: readonly Buffer[]): boolean {
  return e.fields.length === masterFields.length && e.fields.every(([f], k) => f.equals(masterFields[k] as Buffer));
}

/** A node's listpack: the master entry (live and deleted counts, master fields), then every entry with its flags. */
function streamNodeListpack(n: RdbStreamNode): Buffer {
  const lp = new ListpackBuilder();
  let live = 0;
  for (const e of n.entries) if (!e.deleted) live++;
  lp.add(BigInt(live)).add(BigInt(n.entries.length - live)).add(BigInt(n.masterFields.length));
  for (const f of n.masterFields) lp.add(f);
  lp.add(0n);
  for (const e of n.entries) {
    const same = sameFields(e, n.masterFields);
    const flags = (same ? STREAM_FLAG_SAMEFIELDS : 0) | (e.deleted ? STREAM_FLAG_DELETED : 0);
    const parts: LpValue[] = [BigInt(flags), BigInt.asIntN(64, e.id.ms - n.master.ms), BigInt.asIntN(64, e.id.seq - n.master.seq)];
    if (same) for (const [, v] of e.fields) parts.push(v);
    else {
      parts.push(BigInt(e.fields.length));
      for (const [f, v] of e.fields) parts.push(f, v);
    }
    // lp-count lets Redis walk entries backwards: the number of pieces before it.
    parts.push(BigInt(parts.length));
    for (const p of parts) lp.add(p);
  }
  return lp.finish();
}
