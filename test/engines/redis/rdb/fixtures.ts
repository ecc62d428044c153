// Sample data covering every type in its compact and plain encodings, plus a canonical form for
// comparing what two sides hold regardless of encoding order (sets, hashes, zsets are unordered).
import { formatId, type RdbEntry, type RdbFile, type RdbValue, type StreamId } from '../../../../engines/redis/rdb/entries.ts';

export const b = (s: string): Buffer => Buffer.from(s, 'latin1');
const id = (ms: number, seq: number): StreamId => ({ ms: BigInt(ms), seq: BigInt(seq) });

/** Deterministic PRNG so failures reproduce. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** Every type and encoding, with TTLs a minute or more after `now` so none expires mid-test. */
export function sampleEntries(opts: { now?: number } = {}): RdbEntry[] {
  const now = opts.now ?? Date.now();
  const binary = Buffer.from(range(256).map((i) => i));
  const e: RdbEntry[] = [];
  const add = (db: number, key: string, value: RdbValue, extra: Partial<RdbEntry> = {}): void => {
    e.push({ db, key: b(key), value, ...extra });
  };
  // Strings: every integer width, non-canonical integers, LZF-compressible and incompressible, binary.
  for (const v of ['0', '-1', '127', '-128', '128', '32767', '-32768', '32768', '2147483647', '-2147483648', '2147483648', '9223372036854775807', '-9223372036854775808', '007', '-0', '+1', '1.5', '']) {
    add(0, `str:${v}`, { type: 'string', value: b(v) });
  }
  add(0, 'str:long', { type: 'string', value: b('abc'.repeat(500)) });
  add(0, 'str:random', { type: 'string', value: Buffer.from(range(300).map((i) => (i * 7919 + 13) & 0xff)) });
  add(0, 'str:binary', { type: 'string', value: binary });
  add(0, b('key\x00with\xffbinary').toString('latin1'), { type: 'string', value: b('v') });
  add(0, 'str:ttl', { type: 'string', value: b('expiring') }, { expireAtMs: now + 3_600_000 });
  add(0, 'str:big', { type: 'string', value: Buffer.alloc(100_000, 'q') });

  // Lists: one small node, several nodes, big elements, integers of every listpack width.
  add(0, 'list:small', { type: 'list', items: [b('a'), b('b'), b('1'), b('-5'), b('')] });
  add(0, 'list:ints', { type: 'list', items: ['0', '127', '128', '-4096', '4095', '-4097', '32767', '-32769', '8388607', '8388608', '2147483647', '2147483648', '-9223372036854775808', '9223372036854775807'].map(b) });
  add(0, 'list:big', { type: 'list', items: range(3000).map((i) => b(`item-${i}`)) }, { expireAtMs: now + 7_200_000 });
  add(0, 'list:fat', { type: 'list', items: [b('x'.repeat(20_000)), b('y'), b('z'.repeat(5000)), binary] });

  // Hashes: listpack (small) and hashtable (many fields, or one long value).
  add(1, 'hash:small', { type: 'hash', fields: [[b('f1'), b('v1')], [b('n'), b('42')], [b('empty'), b('')]] });
  add(1, 'hash:many', { type: 'hash', fields: range(600).map((i): [Buffer, Buffer] => [b(`field:${i}`), b(`value:${i}`)]) });
  add(1, 'hash:longval', { type: 'hash', fields: [[b('f'), b('v'.repeat(100))], [b('g'), b('1')]] }, { expireAtMs: now + 60_000 });

  // Sets: intset (16/32/64-bit), listpack (7.2), hashtable.
  add(1, 'set:int16', { type: 'set', members: ['1', '2', '3', '-100'].map(b) });
  add(1, 'set:int32', { type: 'set', members: ['1', '70000', '-70000'].map(b) });
  add(1, 'set:int64', { type: 'set', members: ['1', '9223372036854775807', '-9223372036854775808'].map(b) });
  add(1, 'set:small', { type: 'set', members: ['a', 'b', '12', 'ccc'].map(b) });
  add(1, 'set:bigint', { type: 'set', members: range(600).map((i) => b(String(i * 3))) });
  add(1, 'set:many', { type: 'set', members: range(200).map((i) => b(`m${i}`)) });
  add(1, 'set:longmember', { type: 'set', members: [b('x'.repeat(80)), b('y')] });

  // Sorted sets: listpack and skiplist, with awkward scores.
  add(2, 'zset:small', {
    type: 'zset',
    entries: [
      { member: b('a'), score: 1 },
      { member: b('b'), score: 1.5 },
      { member: b('c'), score: -2.25 },
      { member: b('d'), score: Infinity },
      { member: b('e'), score: -Infinity },
      { member: b('f'), score: 0.1 },
      { member: b('g'), score: 1e300 },
      { member: b('h'), score: 123456789012 },
      { member: b('i'), score: -0 },
      { member: b('j'), score: 5e-324 },
    ],
  });
  add(2, 'zset:many', { type: 'zset', entries: range(400).map((i) => ({ member: b(`member:${i}`), score: i / 7 })) });
  add(2, 'zset:longmember', { type: 'zset', entries: [{ member: b('m'.repeat(100)), score: 2 }, { member: b('n'), score: Infinity }] }, { expireAtMs: now + 90_000 });

  // Streams: empty, small with groups and PEL, many nodes, deleted history.
  add(3, 'stream:empty', { type: 'stream', entries: [], lastId: id(5, 1), groups: [{ name: b('g'), lastId: id(0, 0), entriesRead: 0n, pending: [], consumers: [] }] });
  add(3, 'stream:small', {
    type: 'stream',
    entries: [
      { id: id(1000, 0), fields: [[b('temp'), b('20')], [b('unit'), b('c')]] },
      { id: id(1000, 1), fields: [[b('temp'), b('21')], [b('unit'), b('c')]] },
      { id: id(1001, 0), fields: [[b('other'), b('x')]] },
      { id: id(2000, 7), fields: [[b('temp'), b('-3')], [b('unit'), b('f')]] },
    ],
    lastId: id(2000, 7),
    firstId: id(1000, 0),
    maxDeletedId: id(0, 0),
    entriesAdded: 4n,
    groups: [
      {
        name: b('readers'),
        lastId: id(1001, 0),
        entriesRead: 3n,
        pending: [
          { id: id(1000, 0), deliveryTimeMs: now - 5000, deliveryCount: 1, consumer: b('alice') },
          { id: id(1000, 1), deliveryTimeMs: now - 4000, deliveryCount: 3, consumer: b('bob') },
          { id: id(1001, 0), deliveryTimeMs: now - 3000, deliveryCount: 1, consumer: b('alice') },
        ],
        consumers: [
          { name: b('alice'), seenTimeMs: now - 3000, activeTimeMs: now - 3000 },
          { name: b('bob'), seenTimeMs: now - 4000, activeTimeMs: now - 4000 },
          { name: b('idle'), seenTimeMs: now - 9000, activeTimeMs: now - 9000 },
        ],
      },
      { name: b('fresh'), lastId: id(0, 0), entriesRead: 0n, pending: [], consumers: [] },
    ],
  });
  add(3, 'stream:big', {
    type: 'stream',
    entries: range(350).map((i) => ({ id: id(1_700_000_000_000 + Math.floor(i / 3), i % 3), fields: [[b('n'), b(String(i))], [b('payload'), b('p'.repeat(i % 50))]] as [Buffer, Buffer][] })),
    lastId: id(1_700_000_000_500, 0),
    firstId: id(1_700_000_000_000, 0),
    maxDeletedId: id(1_699_999_999_999, 4),
    entriesAdded: 360n,
    groups: [],
  }, { expireAtMs: now + 500_000 });

  // A database far from 0.
  add(15, 'last-db', { type: 'string', value: b('15') });
  return e;
}

type Canon = unknown;

function idStr(i: StreamId | undefined): string | undefined {
  return i === undefined ? undefined : formatId(i);
}

const cmp = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);
const s = (x: Buffer): string => x.toString('latin1');

/** An order-insensitive, JSON-comparable view of a value; stream fields older formats lack get their defaults. */
export interface CanonOptions {
  /** Which consumer timestamps to compare: both (RDB 11), seen-time only (RDB 9/10), or none (set by the server's clock). */
  consumerTimes?: 'all' | 'seen' | 'none';
  withTtl?: boolean;
}

export function canonValue(v: RdbValue, opts: CanonOptions = {}): Canon {
  switch (v.type) {
    case 'string':
      return { string: s(v.value) };
    case 'list':
      return { list: v.items.map(s) };
    case 'set':
      return { set: v.members.map(s).sort(cmp) };
    case 'hash':
      return { hash: v.fields.map(([f, x]) => [s(f), s(x)]).sort((p, q) => cmp(p[0] as string, q[0] as string)) };
    case 'zset':
      return { zset: v.entries.map((e) => [s(e.member), Object.is(e.score, -0) ? 0 : e.score]).sort((p, q) => cmp(p[0] as string, q[0] as string)) };
    case 'stream':
      return {
        stream: v.entries.map((e) => [formatId(e.id), e.fields.map(([f, x]) => [s(f), s(x)])]),
        lastId: formatId(v.lastId),
        firstId: idStr(v.firstId ?? v.entries[0]?.id ?? { ms: 0n, seq: 0n }),
        maxDeletedId: idStr(v.maxDeletedId ?? { ms: 0n, seq: 0n }),
        entriesAdded: v.entriesAdded ?? BigInt(v.entries.length),
        groups: v.groups
          .map((g) => ({
            name: s(g.name),
            lastId: formatId(g.lastId),
            entriesRead: g.entriesRead,
            pending: g.pending.map((p) => [formatId(p.id), p.deliveryTimeMs, p.deliveryCount, s(p.consumer)]).sort((p, q) => cmp(p[0] as string, q[0] as string)),
            consumers: g.consumers.map((c) => (opts.consumerTimes === 'none' ? [s(c.name)] : opts.consumerTimes === 'seen' ? [s(c.name), c.seenTimeMs] : [s(c.name), c.seenTimeMs, c.activeTimeMs ?? c.seenTimeMs])).sort((p, q) => cmp(p[0] as string, q[0] as string)),
          }))
          .sort((p, q) => cmp(p.name, q.name)),
      };
  }
}

/** Entries keyed by "db/key", so two snapshots compare as maps. */
export function canonEntries(entries: readonly RdbEntry[], opts: CanonOptions = {}): Record<string, Canon> {
  const out: Record<string, Canon> = {};
  const sorted = [...entries].sort((x, y) => x.db - y.db || Buffer.compare(x.key, y.key));
  for (const e of sorted) {
    out[`${e.db}/${s(e.key)}`] = { value: canonValue(e.value, opts), ...(opts.withTtl !== false && e.expireAtMs !== undefined ? { expireAtMs: e.expireAtMs } : {}) };
  }
  return out;
}

export function canonFile(f: RdbFile, opts: CanonOptions = {}): Record<string, Canon> {
  return canonEntries(f.entries, opts);
}

/** Values on both sides of every compact-encoding threshold (Redis defaults), for encoding-choice checks. */
export function thresholdEntries(): RdbEntry[] {
  const e: RdbEntry[] = [];
  const pad = (s: string, n: number): string => s + 'x'.repeat(Math.max(0, n - s.length));
  const add = (key: string, value: RdbValue): void => {
    e.push({ db: 0, key: b(key), value });
  };
  for (const n of [512, 513]) add(`hash:${n}`, { type: 'hash', fields: range(n).map((i): [Buffer, Buffer] => [b(`f${i}`), b(`v${i}`)]) });
  for (const n of [128, 129]) {
    add(`zset:${n}`, { type: 'zset', entries: range(n).map((i) => ({ member: b(`m${i}`), score: i })) });
    add(`set:str:${n}`, { type: 'set', members: range(n).map((i) => b(`s${i}`)) });
  }
  for (const n of [64, 65]) {
    add(`hash:val${n}`, { type: 'hash', fields: [[b('f'), b(pad('v', n))]] });
    add(`hash:field${n}`, { type: 'hash', fields: [[b(pad('f', n)), b('v')]] });
    add(`zset:member${n}`, { type: 'zset', entries: [{ member: b(pad('m', n)), score: 1 }] });
    add(`set:member${n}`, { type: 'set', members: [b(pad('m', n)), b('a')] });
  }
  for (const n of [512, 513]) add(`set:int:${n}`, { type: 'set', members: range(n).map((i) => b(String(i * 1000 - 100_000))) });
  add('set:int64', { type: 'set', members: ['9223372036854775807', '-9223372036854775808', '0'].map(b) });
  for (const v of ['2147483647', '-2147483648', '2147483648', '12345678901', '01', pad('', 20), pad('', 21), pad('', 400)]) add(`str:${v.slice(0, 24)}`, { type: 'string', value: b(v) });
  add('list:1', { type: 'list', items: [b('a')] });
  add('list:many', { type: 'list', items: range(5000).map((i) => b(`i${i}`)) });
  return e;
}

/** Seeded random keyspace: binary keys and values, sizes straddling thresholds, TTLs, several dbs. */
export function randomEntries(seed: number, count: number, now = Date.now()): RdbEntry[] {
  const r = rng(seed);
  const int = (n: number): number => Math.floor(r() * n);
  const bytes = (): Buffer => {
    const kind = int(4);
    if (kind === 0) return b(String(int(2) ? int(1000) - 500 : Math.floor((r() - 0.5) * 2 ** 40)));
    const len = [int(8), int(70), int(300), int(3000)][int(8) === 0 ? 3 : int(3)] as number;
    const out = Buffer.allocUnsafe(len);
    for (let i = 0; i < len; i++) out[i] = kind === 1 ? 97 + int(4) : int(256);
    return out;
  };
  const many = (): number => [1 + int(5), 120 + int(20), 500 + int(30), 1 + int(700)][int(4)] as number;
  const uniq = (n: number): Buffer[] => {
    const m = new Map<string, Buffer>();
    for (let i = 0; i < n; i++) {
      const x = bytes();
      m.set(x.toString('latin1'), x);
    }
    if (m.size === 0) m.set('z', b('z'));
    return [...m.values()];
  };
  const out: RdbEntry[] = [];
  const keys = new Set<string>();
  while (out.length < count) {
    const key = Buffer.concat([b(`k${out.length}:`), bytes().subarray(0, 20)]);
    const db = int(3) === 0 ? int(16) : 0;
    if (keys.has(`${db}/${key.toString('latin1')}`)) continue;
    keys.add(`${db}/${key.toString('latin1')}`);
    let value: RdbValue;
    switch (int(5)) {
      case 0:
        value = { type: 'string', value: bytes() };
        break;
      case 1:
        value = { type: 'list', items: Array.from({ length: many() }, bytes) };
        break;
      case 2:
        value = { type: 'set', members: uniq(many()) };
        break;
      case 3:
        value = { type: 'hash', fields: uniq(many()).map((f): [Buffer, Buffer] => [f, bytes()]) };
        break;
      default:
        value = { type: 'zset', entries: uniq(many()).map((member) => ({ member, score: int(3) === 0 ? int(100) : (r() - 0.5) * 10 ** int(30) })) };
    }
    const e: RdbEntry = { db, key, value };
    if (int(4) === 0) e.expireAtMs = now + 60_000 + int(1e9);
    out.push(e);
  }
  return out;
}
