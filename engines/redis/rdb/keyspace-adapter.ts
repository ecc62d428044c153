// The only file that knows both the codec's neutral entries and the engine's keyspace. Engine values
// are latin1 strings (one char per byte), so conversion is a lossless Buffer <-> latin1 mapping.
import { readConverted } from '../commands/zset-score-reads.ts';
import type { Engine } from '../engine.ts';
import { DB_COUNT } from '../db/keyspace.ts';
import { DEFAULT_ENCODING_THRESHOLDS, newHash, newList, newSet, newString, newZSet, updateEncoding, type EncodingThresholds as LiveThresholds, type RObj } from '../db/objects.ts';
import { Stream, cmpId, idText, type Consumer, type ConsumerGroup, type PendingEntry, type StreamEntry, type StreamId } from '../types/stream.ts';
import type { Latin1, RdbEntry, RdbEntryToWrite, RdbStream, RdbStreamEntry, RdbValue } from './entries.ts';
import { RdbError } from './errors.ts';
import { quicklistFill } from './quicklist-fill.ts';
import { listOptionsOf } from '../db/list-options.ts';
import { DEFAULT_QUICKLIST, type QuicklistOptions } from '../types/quicklist.ts';
import { defaultAux, isEmptyCollection } from './entries.ts';
import { iterateRdbFile, writeRdbFile } from './files.ts';
import { encodeRdb, type DbSizeHint, type EncodingThresholds } from './writer.ts';
import type { RdbWriteVersion } from './format.ts';
import { holdWrites, withPrimaries } from '../hold-writes.ts';
import { eachInSteps, mapInSteps, runSteps, type Steps } from '../../slices.ts';
import { byName } from '../commands/stream-groups.ts';
import { sortInSteps } from '../sort-in-steps.ts';

const buf = (s: string): Buffer => Buffer.from(s, 'latin1');
// IDs are copied so a materialised snapshot shares nothing mutable with the live keyspace.
const id = (i: StreamId): StreamId => ({ ms: i.ms, seq: i.seq });
const text = (b: Buffer): string => b.toString('latin1');

/** Bytes past which a string's copy is made a piece a step: a 100 MB one took ~50 ms of CPU in one. */
const BIG_COPY = 1 << 16;

/** A latin1 string's bytes, a piece of BIG_COPY a step. */
export function* bufSteps(s: string): Steps<Buffer> {
  const out = Buffer.allocUnsafe(s.length);
  for (let i = 0; i < s.length; i += BIG_COPY) {
    out.latin1Write(s.slice(i, i + BIG_COPY), i);
    yield;
  }
  return out;
}

function entryToRdb(e: StreamEntry): RdbStreamEntry {
  const fields: [Buffer, Buffer][] = [];
  for (let i = 0; i + 1 < e.fields.length; i += 2) fields.push([buf(e.fields[i] as string), buf(e.fields[i + 1] as string)]);
  return { id: id(e.id), fields };
}

function* streamToRdb(s: Stream): Steps<RdbStream> {
  const layout = s.layout;
  // The nodes hold every live entry: each is converted once, for its node and for the entry list.
  let entries: RdbStreamEntry[] = [];
  const nodes =
    layout === null
      ? undefined
      : yield* mapInSteps(
          layout,
          (n) => ({
            master: id(n.master),
            masterFields: n.masterFields.map(buf),
            entries: n.items.map((e) => {
              const r = entryToRdb(e);
              if (e.deleted !== true) entries.push(r);
              return { ...r, deleted: e.deleted === true };
            }),
          }),
          1,
        );
  if (entries.length !== s.entries.length) entries = yield* mapInSteps(s.entries, entryToRdb);
  // Groups, consumers and pending entries are radix trees in redis-server, saved in key order: names
  // by their bytes, pending entries by id.
  const groups: RdbStream['groups'] = [];
  for (const g of byName(s.groups)) {
    const pel = [...g.pending.values()];
    yield* sortInSteps(pel, (x, y) => cmpId(x.id, y.id));
    groups.push({
      name: buf(g.name),
      lastId: id(g.lastId),
      entriesRead: g.entriesRead,
      pending: yield* mapInSteps(pel, (p) => ({ id: id(p.id), deliveryTimeMs: p.deliveredAt, deliveryCount: p.deliveries, consumer: buf(p.consumer) })),
      consumers: yield* mapInSteps(byName(g.consumers), (c) => ({ name: buf(c.name), seenTimeMs: c.seenAt, activeTimeMs: c.activeAt })),
    });
  }
  return {
    type: 'stream',
    entries,
    nodes,
    lastId: id(s.lastId),
    firstId: id(s.entries[0]?.id ?? { ms: 0n, seq: 0n }),
    maxDeletedId: id(s.maxDeletedId),
    entriesAdded: s.entriesAdded,
    groups,
  };
}

export function valueToRdb(o: RObj): RdbValue {
  return runSteps(valueToRdbSteps(o));
}

/** valueToRdb in steps; the value must not change until the last one ran. */
export function* valueToRdbSteps(o: RObj): Steps<RdbValue> {
  switch (o.type) {
    case 'string':
      return { type: 'string', value: o.v.length < BIG_COPY ? buf(o.v) : yield* bufSteps(o.v) };
    case 'list':
      return { type: 'list', items: yield* mapInSteps(o.v, buf), fill: o.v.fill, compressDepth: o.v.depth, nodes: o.v.nodes.map(({ count, plain }) => ({ count, plain })) };
    case 'set':
      return { type: 'set', hashtable: o.big, members: yield* mapInSteps(o.v, buf) };
    case 'hash':
      return { type: 'hash', hashtable: o.big, fields: yield* mapInSteps(o.v, ([f, v]): [Buffer, Buffer] => [buf(f), buf(v)]) };
    case 'zset':
      // A skiplist is saved from its tail, as redis-server does (loading it back then inserts at the head).
      return { type: 'zset', skiplist: o.big, entries: yield* mapInSteps(o.v.walk(0, o.v.size, true), ([member, score]) => ({ member: buf(member), score })) };
    case 'stream':
      return yield* streamToRdb(o.v);
  }
}

/**
 * The engine's configured encoding thresholds, so a snapshot encodes values as Redis with the same
 * CONFIG would (Redis saves each object in the encoding it currently has, which follows the config).
 */
export function thresholdsOf(engine: Engine): Partial<EncodingThresholds> {
  const out: Partial<EncodingThresholds> = {};
  const num = (name: string, key: keyof EncodingThresholds): void => {
    const v = Number(engine.config.get(name));
    if (Number.isInteger(v) && v >= 0) out[key] = v;
  };
  num('hash-max-listpack-entries', 'hashMaxListpackEntries');
  num('hash-max-listpack-value', 'hashMaxListpackValue');
  num('zset-max-listpack-entries', 'zsetMaxListpackEntries');
  num('zset-max-listpack-value', 'zsetMaxListpackValue');
  num('set-max-intset-entries', 'setMaxIntsetEntries');
  num('set-max-listpack-entries', 'setMaxListpackEntries');
  num('set-max-listpack-value', 'setMaxListpackValue');
  num('stream-node-max-bytes', 'streamNodeMaxBytes');
  num('stream-node-max-entries', 'streamNodeMaxEntries');
  num('list-compress-depth', 'listCompressDepth');
  // list-max-listpack-size: negative values select a byte cap of 4 KiB * 2^(-n-1), positive ones count entries (RDB 10+ nodes).
  const list = Number(engine.config.get('list-max-listpack-size'));
  if (Number.isInteger(list) && list <= -1 && list >= -5) out.listNodeMaxBytes = 4096 * 2 ** (-list - 1);
  if (Number.isInteger(list)) out.listFill = quicklistFill(list);
  return out;
}

/** How this engine writes values into DUMP payloads and snapshots: its encoding thresholds and rdbcompression. */
export function rdbWriteOptionsOf(engine: Engine): { thresholds: Partial<EncodingThresholds>; compress: boolean } {
  return { thresholds: thresholdsOf(engine), compress: engine.config.get('rdbcompression') === 'yes' };
}

/** Key and TTL counts per non-empty database, for the writer's RESIZEDB hints. */
export function dbSizes(engine: Engine): Map<number, DbSizeHint> {
  const out = new Map<number, DbSizeHint>();
  for (const db of engine.ks.dbs) if (db.size > 0) out.set(db.id, { keys: db.size, expires: db.expires.size });
  return out;
}

/**
 * Every live key of every database, lazily: values are converted one at a time as the writer pulls
 * them. Keys whose TTL has passed are left out, as Redis would never serve them. LRU idle time or
 * the LFU counter is included under the matching maxmemory-policy, as Redis does.
 *
 * Point-in-time only if consumed without returning to the event loop (SAVE semantics); a
 * non-blocking save should first materialise it (`[...snapshotEntries(e)]` copies every value into
 * Buffers that share nothing with the keyspace) and then encode/write at leisure.
 */
export function* snapshotEntries(engine: Engine): Generator<RdbEntry, void, undefined> {
  for (const e of snapshotEntrySteps(engine)) if (e !== undefined) yield e;
}

/**
 * snapshotEntries with a step point (undefined) every few elements of a big value, for a writer in slices.
 * While a value spans steps the writes of the node and of the primaries it follows wait, so the copy is
 * of one instant.
 */
export function snapshotEntrySteps(engine: Engine): Generator<RdbEntry | undefined, void, undefined> {
  return liveEntrySteps(engine, buf, false, false);
}

/**
 * snapshotEntrySteps for the writer, with no garbage per small key (a million-key dump made 2.1 KB of it per
 * key): keys and string values are the engine's latin1 text, and a string key's entry is one object
 * rewritten for each, valid until the next is pulled. Keys whose TTL passed but which are still held are
 * written too, as rdbSaveDb writes every key of the dict: a primary that loads the file counts them as
 * expired (INFO rdb_last_load_keys_expired) and leaves them out.
 */
export function snapshotTextSteps(engine: Engine): Generator<RdbEntryToWrite | undefined, void, undefined> {
  return liveEntrySteps(engine, (s) => s, true, true);
}

function* liveEntrySteps<K extends Buffer | Latin1>(engine: Engine, bytes: (s: string) => K, reuse: boolean, withExpired: boolean): Generator<RdbEntryToWrite<K> | undefined, void, undefined> {
  const now = engine.clock.now();
  const policy = engine.config.maxmemoryPolicy;
  const lru = policy.endsWith('lru');
  const lfu = policy.endsWith('lfu');
  const stringValue = { type: 'string' as const, value: bytes('') };
  const text: RdbEntryToWrite<K> = { db: 0, key: stringValue.value, value: stringValue, expireAtMs: undefined, lru: undefined, lfu: undefined };
  for (const db of engine.ks.dbs) {
    for (const [key, o, i] of db.dict.entries()) {
      const at = db.expires.get(key);
      if (at !== undefined && at <= now && !withExpired) continue;
      let e: RdbEntryToWrite<K>;
      if (reuse && o.type === 'string') {
        text.key = bytes(key);
        text.db = db.id;
        stringValue.value = bytes(o.v);
        text.expireAtMs = undefined;
        text.expireExact = undefined;
        e = text;
      } else {
        const value = o.type === 'string' ? { type: 'string' as const, value: bytes(o.v) } : yield* convertHoldingWrites(engine, o);
        e = { db: db.id, key: bytes(key), value };
      }
      if (at !== undefined) e.expireAtMs = at;
      const exact = at === undefined || db.preciseExpires.size === 0 ? undefined : db.preciseExpires.get(key);
      if (exact !== undefined) e.expireExact = exact;
      if (lru) e.lru = Math.max(0, Math.floor((engine.ks.accessNow - db.dict.lruAt(i)) / 1000));
      else if (lfu) e.lfu = db.dict.lfuAt(i);
      yield e;
    }
  }
}

/** A value converted in steps; while it spans several, the node's writes wait so the copy is of one instant. */
function* convertHoldingWrites(engine: Engine, o: RObj): Generator<undefined, RdbValue, undefined> {
  const converting = valueToRdbSteps(o);
  let r = converting.next();
  if (r.done === true) return r.value;
  // The primary's writes change a replica's value too (replication-share.ts).
  const release = holdWrites(withPrimaries(engine));
  try {
    while (r.done !== true) {
      yield undefined;
      r = converting.next();
    }
  } finally {
    release();
  }
  return r.value;
}

function* streamFromRdb(v: RdbStream): Steps<Stream> {
  const s = new Stream();
  s.entries = yield* mapInSteps(v.entries, (e) => ({ id: e.id, fields: e.fields.flatMap(([f, x]) => [text(f), text(x)]) }));
  s.lastId = v.lastId;
  s.maxDeletedId = v.maxDeletedId ?? { ms: 0n, seq: 0n };
  s.entriesAdded = v.entriesAdded ?? BigInt(v.entries.length);
  // A stream from before RDB 10 carries no read counters: Redis estimates each group's at load.
  const legacy = v.entriesAdded === undefined;
  for (const g of v.groups) {
    const entriesRead = legacy ? s.estimateEntriesRead(g.lastId) : g.entriesRead;
    const group: ConsumerGroup = { name: text(g.name), lastId: g.lastId, entriesRead, pending: new Map(), consumers: new Map() };
    for (const c of g.consumers) {
      // Files before RDB 11 have no active-time; Redis then takes the seen-time for both.
      const consumer: Consumer = { name: text(c.name), seenAt: c.seenTimeMs, activeAt: c.activeTimeMs ?? c.seenTimeMs, pending: new Map() };
      group.consumers.set(consumer.name, consumer);
    }
    yield* eachInSteps(g.pending, (p) => {
      const pe: PendingEntry = { id: p.id, consumer: text(p.consumer), deliveredAt: p.deliveryTimeMs, deliveries: p.deliveryCount };
      const key = idText(p.id);
      group.pending.set(key, pe);
      group.consumers.get(pe.consumer)?.pending.set(key, pe);
    });
    s.groups.set(group.name, group);
    s.groupsTree = true;
  }
  return s;
}

/**
 * `t`: the loading server's encoding limits; Redis converts what it loads by its own config. `list`: the
 * settings a loaded list takes (the loading server's, as rdbLoadObject gives them).
 */
export function valueFromRdb(v: RdbValue, t: Readonly<LiveThresholds> = DEFAULT_ENCODING_THRESHOLDS, list: Readonly<QuicklistOptions> = DEFAULT_QUICKLIST): RObj {
  return runSteps(valueFromRdbSteps(v, t, list));
}

/** valueFromRdb in steps. */
export function* valueFromRdbSteps(v: RdbValue, t: Readonly<LiveThresholds> = DEFAULT_ENCODING_THRESHOLDS, list: Readonly<QuicklistOptions> = DEFAULT_QUICKLIST): Steps<RObj> {
  switch (v.type) {
    case 'string':
      return newString(text(v.value));
    case 'list': {
      const o = newList(list);
      const nodes = v.nodes;
      if (nodes === undefined) {
        // A list of single elements (RDB_TYPE_LIST) or one ziplist: pushed to the tail one by one.
        yield* eachInSteps(v.items, (it) => o.v.pushBack(text(it)));
        return o;
      }
      // Quicklist nodes stay as the file has them (quicklistAppendListpack).
      let at = 0;
      yield* eachInSteps(
        nodes,
        (n) => {
          o.v.appendNode(v.items.slice(at, at + n.count).map(text), n.plain);
          at += n.count;
        },
        1,
      );
      return o;
    }
    case 'set': {
      const o = newSet();
      const members = yield* mapInSteps(v.members, text);
      yield* eachInSteps(members, (m) => o.v.add(m));
      // 7.0 adds each member of a file's plain set to an intset or a dict as it reads it: one already there fails
      // the load (a packed set's duplicates are the deep check's, in the reader).
      if (v.compact !== true && o.v.size !== members.length) throw new RdbError('CORRUPT', 'set names a member twice');
      updateEncoding(o, members, t, v.compact !== true);
      return o;
    }
    case 'hash': {
      const o = newHash();
      const added: string[] = [];
      yield* eachInSteps(v.fields, ([f, x]) => {
        const ft = text(f);
        const xt = text(x);
        o.v.set(ft, xt);
        added.push(ft, xt);
      });
      updateEncoding(o, added, t, v.compact !== true);
      return o;
    }
    case 'zset': {
      const o = newZSet();
      const members = yield* mapInSteps(v.entries, (e) => text(e.member));
      let i = 0;
      yield* eachInSteps(v.entries, (e) => o.v.add(members[i++] as string, e.score));
      // Read into a skiplist and its dict whatever the size: a member already there fails the load.
      if (v.compact !== true && o.v.size !== members.length) throw new RdbError('CORRUPT', 'sorted set names a member twice');
      updateEncoding(o, members, t, v.compact !== true);
      // A file's listpack past the entry limit is converted with zsetConvert, which reads every score back.
      if (v.compact === true && o.big) readConverted(o.v);
      return o;
    }
    case 'stream':
      return { type: 'stream', v: yield* streamFromRdb(v), mem: 0 };
  }
}

export interface LoadResult {
  loaded: number;
  /** Keys skipped because their TTL had already passed (Redis drops them on load too). */
  expired: number;
}

/**
 * Stores entries into the engine's databases, replacing keys of the same name; it does not flush
 * first (the caller decides whether a load replaces the dataset, as on a replica's full sync).
 */
export function loadEntries(engine: Engine, entries: Iterable<RdbEntry>): LoadResult {
  // A key that comes from a file (DEBUG RELOAD, a full sync, a snapshot) is no `new` event in
  // redis-server: loading adds keys without notifying anyone (seed 70670).
  const onNewKey = engine.ks.onNewKey;
  engine.ks.onNewKey = null;
  try {
    return loadInto(engine, entries);
  } finally {
    engine.ks.onNewKey = onNewKey;
  }
}

function loadInto(engine: Engine, entries: Iterable<RdbEntry>): LoadResult {
  const now = engine.clock.now();
  const result: LoadResult = { loaded: 0, expired: 0 };
  for (const e of entries) {
    const admitted = admit(e, now);
    if (admitted === 'expired') result.expired++;
    if (admitted !== 'load') continue;
    place(engine, e, valueFromRdb(e.value, engine.config.encoding, listOptionsOf(engine)));
    result.loaded++;
  }
  return result;
}

/** loadEntries of one entry whose value is converted in steps (DEBUG RELOAD of a hash of a million fields). */
export function* loadEntrySteps(engine: Engine, e: RdbEntry): Steps<void> {
  if (admit(e, engine.clock.now()) !== 'load') return;
  const o = yield* valueFromRdbSteps(e.value, engine.config.encoding, listOptionsOf(engine));
  const onNewKey = engine.ks.onNewKey;
  engine.ks.onNewKey = null;
  try {
    place(engine, e, o);
  } finally {
    engine.ks.onNewKey = onNewKey;
  }
}

/** Whether an entry of a file is loaded: one whose TTL has passed is not, nor an empty collection. */
function admit(e: RdbEntry, now: number): 'load' | 'expired' | 'empty' {
  if (e.db < 0 || e.db >= DB_COUNT) throw new RdbError('INVALID_INPUT', `database ${e.db} is out of range (0-${DB_COUNT - 1})`);
  if (e.expireAtMs !== undefined && e.expireAtMs <= now) return 'expired';
  return isEmptyCollection(e.value) ? 'empty' : 'load';
}

function place(engine: Engine, e: RdbEntry, o: RObj): void {
  const db = engine.ks.db(e.db);
  const key = text(e.key);
  // Unseen: loading touches no watched or tracked key, as rdbLoad's dbAdd does not (seed 72751).
  db.set(key, o, false, undefined, true);
  // After set(), which stamps the access time: the file's idle time / counter win.
  db.setAccess(key, e.lru === undefined ? undefined : engine.ks.accessNow - e.lru * 1000, e.lfu);
  // Its TTL too: a key loaded with one invalidated BCAST trackers after the flush's null (seed 103737).
  if (e.expireAtMs !== undefined) db.setExpire(key, e.expireAtMs, e.expireExact, true);
}

/**
 * SAVE: a point-in-time copy of every database written atomically to `file`. The copy is taken
 * synchronously, so commands that run while the file is being written do not leak into it.
 */
export async function saveSnapshot(engine: Engine, file: string, opts: { version?: RdbWriteVersion } = {}): Promise<{ bytes: number; keys: number }> {
  const version = opts.version ?? 11;
  engine.ks.settleMemory();
  const entries = [...snapshotEntries(engine)];
  const aux = defaultAux({ rdbVersion: version, redisVersion: engine.version, usedMem: engine.ks.usedMemory, ctimeSec: Math.floor(engine.clock.now() / 1000) });
  const bytes = await writeRdbFile(file, encodeRdb({ aux }, entries, { version, dbSizes: dbSizes(engine), ...rdbWriteOptionsOf(engine) }));
  return { bytes, keys: entries.length };
}

/**
 * Loads an RDB file into the engine, streaming it record by record. With `flush` (the default, as
 * when Redis starts from a dump or a replica takes a full sync) every database is emptied first.
 */
export async function loadSnapshot(engine: Engine, file: string, opts: { flush?: boolean } = {}): Promise<LoadResult> {
  // Parse everything before touching the keyspace, so a damaged file leaves the data as it was.
  const entries: RdbEntry[] = [];
  for await (const rec of iterateRdbFile(file)) if (rec.kind === 'entry') entries.push(rec.entry);
  if (opts.flush ?? true) for (const db of engine.ks.dbs) db.flush();
  return loadEntries(engine, entries);
}
