// The neutral model the codec reads into and writes from. It says nothing about how Redis encoded a
// value (listpack or hashtable, intset or set): the writer picks encodings, the reader forgets them.

/** A stream ID: two unsigned 64-bit halves. */
export interface StreamId {
  ms: bigint;
  seq: bigint;
}

export interface RdbStreamEntry {
  id: StreamId;
  fields: [Buffer, Buffer][];
}

export interface RdbStreamPending {
  id: StreamId;
  /** Unix ms of the last delivery. */
  deliveryTimeMs: number;
  deliveryCount: number;
  /** The consumer that owns the entry; every pending entry has one in Redis. */
  consumer: Buffer;
}

export interface RdbStreamConsumer {
  name: Buffer;
  seenTimeMs: number;
  /** Redis 7.2+ (RDB 11); absent when read from older files. */
  activeTimeMs?: number;
}

export interface RdbStreamGroup {
  name: Buffer;
  lastId: StreamId;
  /** Entries read by the group (an int64), or -1 when unknown (Redis's "invalid" marker). */
  entriesRead: bigint;
  pending: RdbStreamPending[];
  consumers: RdbStreamConsumer[];
}

/** One listpack node as Redis holds it: entries flagged deleted stay in it until it empties. */
export interface RdbStreamNode {
  master: StreamId;
  masterFields: Buffer[];
  entries: (RdbStreamEntry & { deleted: boolean })[];
}

export interface RdbStream {
  type: 'stream';
  /** Live entries in ID order (deleted entries are not represented). */
  entries: RdbStreamEntry[];
  /** The node layout to write, when the source knows it; otherwise the writer lays entries out as XADD would. */
  nodes?: RdbStreamNode[];
  lastId: StreamId;
  /** Defaults to the first entry's ID (0-0 when empty). */
  firstId?: StreamId;
  /** Defaults to 0-0. */
  maxDeletedId?: StreamId;
  /** Entries ever added (a uint64); defaults to entries.length. */
  entriesAdded?: bigint;
  groups: RdbStreamGroup[];
}

/** A quicklist node: how many of the list's items it holds, and whether it is a plain (one large element) node. */
export interface RdbListNode {
  count: number;
  plain: boolean;
}

export type RdbValue =
  | { type: 'string'; value: Buffer }
  // `fill`, `compressDepth`: the list's own list-max-listpack-size and list-compress-depth, when it has them;
  // `nodes`: its quicklist nodes, head first (without them, nodes are filled as pushes to the tail fill them).
  | { type: 'list'; items: Buffer[]; fill?: number; compressDepth?: number; nodes?: RdbListNode[] }
  // `skiplist`, `hashtable`: saved in that encoding whatever the size, as Redis keeps a converted value converted.
  // `compact`: read from an intset, listpack or ziplist, which 7.0's rdbLoadObject converts by its entry count only.
  | { type: 'set'; members: Buffer[]; hashtable?: boolean; compact?: boolean }
  | { type: 'zset'; entries: { member: Buffer; score: number }[]; skiplist?: boolean; compact?: boolean }
  | { type: 'hash'; fields: [Buffer, Buffer][]; hashtable?: boolean; compact?: boolean }
  | RdbStream;

export type RdbType = RdbValue['type'];

export interface RdbEntry {
  db: number;
  key: Buffer;
  value: RdbValue;
  /** Absolute Unix time in ms. */
  expireAtMs?: number;
  /** The same time when a double cannot hold it exactly (PEXPIREAT near 2^63): what is written and read. */
  expireExact?: bigint;
  /** Idle time in seconds (written by Redis under an LRU maxmemory-policy). */
  lru?: number;
  /** LFU logarithmic access counter 0..255 (written under an LFU policy). */
  lfu?: number;
}

/**
 * Bytes as the engine holds them: a latin1 string, one char per byte. The writer takes them where it
 * takes a key or a string value, so a snapshot of a million keys makes no Buffer per key.
 */
export type Latin1 = string;

/** An entry as the writer takes it: its key and a string value may be latin1 text. */
export type RdbEntryToWrite<K extends Buffer | Latin1 = Buffer | Latin1> = Omit<RdbEntry, 'key' | 'value'> & {
  key: K;
  value: RdbValue | { type: 'string'; value: K };
};

/**
 * A list, set, zset or hash with no elements: neither written nor loaded, as redis-server never keeps
 * an empty collection under a key.
 */
export function isEmptyCollection(v: RdbEntryToWrite['value']): boolean {
  switch (v.type) {
    case 'list':
      return v.items.length === 0;
    case 'set':
      return v.members.length === 0;
    case 'zset':
      return v.entries.length === 0;
    case 'hash':
      return v.fields.length === 0;
    default:
      return false;
  }
}

export interface RdbFile {
  version: number;
  /** AUX fields in file order (redis-ver, redis-bits, ctime, used-mem, aof-base, repl-*, ...). */
  aux: Map<string, Buffer>;
  entries: RdbEntry[];
  /** FUNCTION2 payloads (Redis 7 function libraries' source code), kept verbatim. */
  functions?: Buffer[];
}

export const ZERO_ID: StreamId = { ms: 0n, seq: 0n };

export function compareIds(a: StreamId, b: StreamId): number {
  return a.ms < b.ms ? -1 : a.ms > b.ms ? 1 : a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0;
}

export function formatId(id: StreamId): string {
  return `${id.ms}-${id.seq}`;
}

/** The Redis release whose own dumps carry each RDB version, for redis-ver. */
const REDIS_VERSION_FOR_RDB: Record<number, string> = { 9: '6.2.14', 10: '7.0.15', 11: '7.2.4' };

/** The AUX fields Redis itself writes at the top of a dump (Redis 6.2 said aof-preamble for aof-base). */
export function defaultAux(opts: { rdbVersion?: number; redisVersion?: string; ctimeSec?: number; usedMem?: number; aofBase?: boolean } = {}): Map<string, Buffer> {
  const rdbVersion = opts.rdbVersion ?? 11;
  return new Map([
    ['redis-ver', Buffer.from(opts.redisVersion ?? REDIS_VERSION_FOR_RDB[rdbVersion] ?? '7.2.4')],
    ['redis-bits', Buffer.from('64')],
    ['ctime', Buffer.from(String(opts.ctimeSec ?? Math.floor(Date.now() / 1000)))],
    ['used-mem', Buffer.from(String(opts.usedMem ?? 0))],
    [rdbVersion >= 10 ? 'aof-base' : 'aof-preamble', Buffer.from(opts.aofBase ? '1' : '0')],
  ]);
}
