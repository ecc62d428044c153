// Stream commands: XADD XLEN XRANGE XREVRANGE XDEL XTRIM XREAD XGROUP XREADGROUP XACK XPENDING
// XCLAIM XAUTOCLAIM XINFO XSETID.
import type { Client } from '../client.ts';
import { defineGroup } from '../command-table.ts';
import type { StreamObj } from '../db/objects.ts';
import { E, fail } from '../errors.ts';
import { parseI64Arg, parseIntArg, toU64 } from '../num.ts';
import { cmpId, idText, Stream, type ConsumerGroup, type PendingEntry, type StreamEntry, type StreamId } from '../types/stream.ts';
import { is, writeHelp } from './util.ts';

const MAX_SEQ = (1n << 64n) - 1n;
const NODE_ENTRIES = 100;
const INVALID_ID = 'ERR Invalid stream ID specified as stream command argument';
const ZERO: StreamId = { ms: 0n, seq: 0n };
const MAX_ID: StreamId = { ms: MAX_SEQ, seq: MAX_SEQ };

function getStream(c: Client, key: string, read = true): Stream | null {
  return c.db.get(key, 'stream', read)?.v ?? null;
}

function newStreamObj(): StreamObj {
  return { type: 'stream', v: new Stream(), mem: 0 };
}

/** Parses "ms-seq" or "ms"; a missing seq becomes `missingSeq`. */
/** <ms>[-<seq>] with each part read by Redis's string2ull (so "+1" and " 1" are ids too). */
function parseId(s: string, missingSeq: bigint = 0n): StreamId {
  if (s.length > 43) fail(INVALID_ID);
  const dash = s.indexOf('-');
  const ms = toU64(dash < 0 ? s : s.slice(0, dash));
  const seq = dash < 0 ? missingSeq : toU64(s.slice(dash + 1));
  if (ms === null || seq === null) fail(INVALID_ID);
  return { ms, seq };
}

function incrId(id: StreamId): StreamId | null {
  if (id.seq < MAX_SEQ) return { ms: id.ms, seq: id.seq + 1n };
  if (id.ms < MAX_SEQ) return { ms: id.ms + 1n, seq: 0n };
  return null;
}

function decrId(id: StreamId): StreamId | null {
  if (id.seq > 0n) return { ms: id.ms, seq: id.seq - 1n };
  if (id.ms > 0n) return { ms: id.ms - 1n, seq: MAX_SEQ };
  return null;
}

/** Range bounds: '-', '+', incomplete ids, and '(' for exclusive. Null means an empty range. */
function parseRangeBound(s: string, isStart: boolean): StreamId | null {
  if (s === '-') return ZERO;
  if (s === '+') return MAX_ID;
  const exclusive = s.startsWith('(');
  const id = parseId(exclusive ? s.slice(1) : s, isStart ? 0n : MAX_SEQ);
  if (!exclusive) return id;
  return isStart ? incrId(id) : decrId(id);
}

function writeEntry(c: Client, e: StreamEntry): void {
  c.w.array(2);
  c.w.bulk(idText(e.id));
  c.w.bulks(e.fields);
}

function writeEntries(c: Client, entries: StreamEntry[]): void {
  c.w.array(entries.length);
  for (const e of entries) writeEntry(c, e);
}

interface TrimSpec {
  strategy: 'maxlen' | 'minid';
  threshold: bigint;
  minId: StreamId;
  approx: boolean;
  limit: number;
}

/** Parses MAXLEN|MINID [=|~] threshold [LIMIT n] at args[i]; returns the spec and the next index. */
function parseTrim(a: string[], i: number): [TrimSpec, number] {
  const strategy = (a[i] as string).toLowerCase() as 'maxlen' | 'minid';
  i++;
  let approx = false;
  if (a[i] === '~' || a[i] === '=') {
    approx = a[i] === '~';
    i++;
  }
  const t = a[i];
  if (t === undefined) fail(E.SYNTAX);
  let threshold = 0n;
  let minId = ZERO;
  if (strategy === 'maxlen') {
    const n = parseI64Arg(t);
    if (n < 0n) fail('ERR The MAXLEN argument must be >= 0.');
    threshold = n;
  } else {
    minId = parseId(t);
  }
  i++;
  let limit = -1;
  if (is(a[i], 'limit') && a[i + 1] !== undefined) {
    limit = parseIntArg(a[i + 1] as string);
    if (limit < 0) fail('ERR The LIMIT argument must be >= 0.');
    if (!approx) fail('ERR syntax error, LIMIT cannot be used without the special ~ option');
    i += 2;
  }
  return [{ strategy, threshold, minId, approx, limit }, i];
}

function trim(s: Stream, t: TrimSpec): number {
  let remove = 0;
  if (t.strategy === 'maxlen') {
    remove = Math.max(0, s.entries.length - Number(t.threshold));
  } else {
    remove = s.lowerBound(t.minId);
  }
  // Redis trims '~' requests only by whole macro nodes (stream-node-max-entries, 100), and never
  // more than LIMIT (default 100 nodes' worth); exact trims remove everything asked for.
  if (t.approx) {
    remove = Math.min(remove, t.limit >= 0 ? t.limit : NODE_ENTRIES * 100);
    remove -= remove % NODE_ENTRIES;
  }
  if (remove <= 0) return 0;
  s.entries.splice(0, remove);
  return remove;
}

function xadd(c: Client, a: string[]): void {
  const key = a[1] as string;
  let i = 2;
  let noMk = false;
  let trimSpec: TrimSpec | null = null;
  for (;;) {
    const w = (a[i] ?? '').toLowerCase();
    if (w === 'nomkstream') {
      noMk = true;
      i++;
    } else if (w === 'maxlen' || w === 'minid') {
      [trimSpec, i] = parseTrim(a, i);
    } else break;
  }
  const idArg = a[i];
  const fieldCount = a.length - i - 1;
  if (idArg === undefined || fieldCount <= 0 || fieldCount % 2 !== 0) fail("ERR wrong number of arguments for 'xadd' command");
  let explicit: StreamId | null = null;
  let partialMs: bigint | null = null;
  if (idArg !== '*') {
    const m = /^([0-9]+)-\*$/.exec(idArg);
    if (m) {
      partialMs = BigInt(m[1] as string);
      if (partialMs > MAX_SEQ) fail(INVALID_ID);
    } else {
      explicit = parseId(idArg);
      if (explicit.ms === 0n && explicit.seq === 0n) fail('ERR The ID specified in XADD must be greater than 0-0');
    }
  }
  let s = getStream(c, key, false);
  if (s === null) {
    if (noMk) return c.w.nil();
  }
  const last = s?.lastId ?? ZERO;
  let id: StreamId;
  if (explicit !== null) {
    if (cmpId(explicit, last) <= 0) fail('ERR The ID specified in XADD is equal or smaller than the target stream top item');
    id = explicit;
  } else if (partialMs !== null) {
    if (partialMs < last.ms) fail('ERR The ID specified in XADD is equal or smaller than the target stream top item');
    if (partialMs === last.ms) {
      if (last.seq === MAX_SEQ) fail('ERR The ID specified in XADD is equal or smaller than the target stream top item');
      id = { ms: partialMs, seq: last.seq + 1n };
    } else id = { ms: partialMs, seq: 0n };
  } else {
    const now = BigInt(c.engine.clock.now());
    if (now > last.ms) id = { ms: now, seq: 0n };
    else {
      const next = incrId(last);
      if (next === null) fail('ERR The stream has exhausted the last possible ID, unable to add more items');
      id = next;
    }
  }
  if (s === null) {
    const o = newStreamObj();
    c.db.set(key, o);
    s = o.v;
  }
  s.entries.push({ id, fields: a.slice(i + 1) });
  s.lastId = id;
  s.entriesAdded++;
  if (trimSpec !== null) trim(s, trimSpec);
  c.db.modified(key);
  c.w.bulk(idText(id));
}

function range(c: Client, a: string[], rev: boolean): void {
  const startArg = (rev ? a[3] : a[2]) as string;
  const endArg = (rev ? a[2] : a[3]) as string;
  const start = parseRangeBound(startArg, true);
  const end = parseRangeBound(endArg, false);
  let count = -1;
  if (a.length === 6 && is(a[4], 'count')) {
    count = parseIntArg(a[5] as string);
  } else if (a.length !== 4) fail(E.SYNTAX);
  const s = getStream(c, a[1] as string);
  if (s === null || start === null || end === null || count === 0 || cmpId(start, end) > 0) return c.w.array(0);
  const from = s.lowerBound(start);
  const out: StreamEntry[] = [];
  let to = from;
  while (to < s.entries.length && cmpId((s.entries[to] as StreamEntry).id, end) <= 0) to++;
  if (rev) {
    for (let i = to - 1; i >= from && (count < 0 || out.length < count); i--) out.push(s.entries[i] as StreamEntry);
  } else {
    for (let i = from; i < to && (count < 0 || out.length < count); i++) out.push(s.entries[i] as StreamEntry);
  }
  writeEntries(c, out);
}

interface ReadArgs {
  count: number;
  block: number | null;
  noAck: boolean;
  keys: string[];
  ids: string[];
  group: string | null;
  consumer: string | null;
}

function parseRead(a: string[], group: boolean): ReadArgs {
  const r: ReadArgs = { count: -1, block: null, noAck: false, keys: [], ids: [], group: null, consumer: null };
  let i = 1;
  for (; i < a.length; i++) {
    const w = (a[i] as string).toLowerCase();
    if (w === 'count' && i + 1 < a.length) {
      r.count = parseIntArg(a[++i] as string);
      if (r.count <= 0) r.count = -1;
    } else if (w === 'block' && i + 1 < a.length) {
      const b = parseIntArg(a[++i] as string, 'ERR timeout is not an integer or out of range');
      if (b < 0) fail('ERR timeout is negative');
      r.block = b;
    } else if (group && w === 'group' && i + 2 < a.length) {
      r.group = a[++i] as string;
      r.consumer = a[++i] as string;
    } else if (group && w === 'noack') {
      r.noAck = true;
    } else if (w === 'streams') {
      const rest = a.slice(i + 1);
      if (rest.length === 0 || rest.length % 2 !== 0) fail("ERR Unbalanced 'xread' list of streams: for each stream key an ID or '$' must be specified.".replace('xread', group ? 'xreadgroup' : 'xread'));
      r.keys = rest.slice(0, rest.length / 2);
      r.ids = rest.slice(rest.length / 2);
      break;
    } else fail(E.SYNTAX);
  }
  if (r.keys.length === 0) fail(E.SYNTAX);
  if (group && r.group === null) fail("ERR Missing GROUP option for XREADGROUP");
  return r;
}

function writeReadReply(c: Client, results: [string, StreamEntry[]][]): void {
  if (c.w.proto === 3) {
    c.w.map(results.length);
    for (const [k, entries] of results) {
      c.w.bulk(k);
      writeEntries(c, entries);
    }
    return;
  }
  c.w.array(results.length);
  for (const [k, entries] of results) {
    c.w.array(2);
    c.w.bulk(k);
    writeEntries(c, entries);
  }
}

function entriesAfter(s: Stream, after: StreamId, count: number): StreamEntry[] {
  const next = incrId(after);
  if (next === null) return [];
  const from = s.lowerBound(next);
  const end = count < 0 ? s.entries.length : Math.min(s.entries.length, from + count);
  return s.entries.slice(from, end);
}

function canBlock(c: Client): boolean {
  return c.engine.execDepth === 0 && c.multi === null;
}

function xread(c: Client, a: string[]): void {
  const r = parseRead(a, false);
  const after: StreamId[] = r.keys.map((k, i) => {
    const idArg = r.ids[i] as string;
    if (idArg === '$') return getStream(c, k, false)?.lastId ?? ZERO;
    if (idArg === '+') {
      const s = getStream(c, k, false);
      const lastEntry = s?.entries[s.entries.length - 1];
      return lastEntry ? (decrId(lastEntry.id) ?? ZERO) : (s?.lastId ?? ZERO);
    }
    return parseId(idArg);
  });
  const collect = (): [string, StreamEntry[]][] => {
    const out: [string, StreamEntry[]][] = [];
    r.keys.forEach((k, i) => {
      const s = getStream(c, k);
      if (s === null) return;
      const entries = entriesAfter(s, after[i] as StreamId, r.count);
      if (entries.length > 0) out.push([k, entries]);
    });
    return out;
  };
  const now = collect();
  if (now.length > 0) return writeReadReply(c, now);
  if (r.block === null || !canBlock(c)) return c.w.nilArray();
  const dbIndex = c.dbIndex;
  c.engine.block(c, r.keys, r.block, {
    tryServe: () => {
      const saved = c.dbIndex;
      c.dbIndex = dbIndex;
      try {
        const res = collect();
        if (res.length === 0) return false;
        writeReadReply(c, res);
        return true;
      } catch {
        return false;
      } finally {
        c.dbIndex = saved;
      }
    },
    onTimeout: () => c.w.nilArray(),
  });
}

function groupOf(c: Client, key: string, name: string, cmd: string): [Stream, ConsumerGroup] {
  const s = getStream(c, key, false);
  const g = s?.groups.get(name);
  if (s === null || g === undefined) {
    fail(cmd === 'XREADGROUP' ? `NOGROUP No such key '${key}' or consumer group '${name}' in XREADGROUP with GROUP option` : `NOGROUP No such key '${key}' or consumer group '${name}'`);
  }
  return [s, g];
}

function consumerOf(g: ConsumerGroup, name: string, now: number): { created: boolean; consumer: NonNullable<ReturnType<ConsumerGroup['consumers']['get']>> } {
  let cons = g.consumers.get(name);
  let created = false;
  if (cons === undefined) {
    cons = { name, seenAt: now, activeAt: -1, pending: new Map() };
    g.consumers.set(name, cons);
    created = true;
  }
  return { created, consumer: cons };
}

function xreadgroup(c: Client, a: string[]): void {
  const r = parseRead(a, true);
  const group = r.group as string;
  const consumerName = r.consumer as string;
  for (let i = 0; i < r.keys.length; i++) {
    const k = r.keys[i] as string;
    groupOf(c, k, group, 'XREADGROUP');
    const idArg = r.ids[i] as string;
    if (idArg !== '>') parseId(idArg);
  }
  const serve = (): [string, StreamEntry[]][] | null => {
    const out: [string, StreamEntry[]][] = [];
    let anyNew = false;
    const now = c.engine.clock.now();
    r.keys.forEach((k, i) => {
      const [s, g] = groupOf(c, k, group, 'XREADGROUP');
      const { consumer } = consumerOf(g, consumerName, now);
      consumer.seenAt = now;
      const idArg = r.ids[i] as string;
      if (idArg === '>') {
        const entries = entriesAfter(s, g.lastId, r.count);
        if (entries.length === 0) return;
        anyNew = true;
        consumer.activeAt = now;
        for (const e of entries) {
          g.lastId = e.id;
          g.entriesRead++;
          if (r.noAck) continue;
          const key = idText(e.id);
          const prev = g.pending.get(key);
          if (prev) g.consumers.get(prev.consumer)?.pending.delete(key);
          const pe: PendingEntry = { id: e.id, consumer: consumerName, deliveredAt: now, deliveries: 1 };
          g.pending.set(key, pe);
          consumer.pending.set(key, pe);
        }
        out.push([k, entries]);
      } else {
        // History: this consumer's pending entries after the given id (deleted ones show as nil fields).
        const after = parseId(idArg);
        const pend = [...consumer.pending.values()].filter((p) => cmpId(p.id, after) > 0).sort((x, y) => cmpId(x.id, y.id));
        const limited = r.count < 0 ? pend : pend.slice(0, r.count);
        const entries: StreamEntry[] = limited.map((p) => {
          p.deliveries++;
          p.deliveredAt = now;
          return s.find(p.id) ?? { id: p.id, fields: [] };
        });
        out.push([k, entries]);
        anyNew = true;
      }
    });
    if (!anyNew) return null;
    c.db.modified(r.keys[0] as string);
    return out;
  };
  const res = serve();
  if (res !== null) return writeReadReply(c, res);
  if (r.block === null || !canBlock(c)) return c.w.nilArray();
  const dbIndex = c.dbIndex;
  c.engine.block(c, r.keys, r.block, {
    tryServe: () => {
      const saved = c.dbIndex;
      c.dbIndex = dbIndex;
      try {
        const out = serve();
        if (out === null) return false;
        writeReadReply(c, out);
        return true;
      } catch {
        return false;
      } finally {
        c.dbIndex = saved;
      }
    },
    onTimeout: () => c.w.nilArray(),
  });
}

function xpending(c: Client, a: string[]): void {
  const [, g] = groupOf(c, a[1] as string, a[2] as string, 'XPENDING');
  if (a.length === 3) {
    const all = [...g.pending.values()].sort((x, y) => cmpId(x.id, y.id));
    c.w.array(4);
    c.w.int(all.length);
    if (all.length === 0) {
      c.w.nil();
      c.w.nil();
      c.w.nilArray();
      return;
    }
    c.w.bulk(idText((all[0] as PendingEntry).id));
    c.w.bulk(idText((all[all.length - 1] as PendingEntry).id));
    const byConsumer = new Map<string, number>();
    for (const p of all) byConsumer.set(p.consumer, (byConsumer.get(p.consumer) ?? 0) + 1);
    const names = [...byConsumer.keys()].sort();
    c.w.array(names.length);
    for (const n of names) {
      c.w.array(2);
      c.w.bulk(n);
      c.w.bulk(String(byConsumer.get(n)));
    }
    return;
  }
  let i = 3;
  let minIdle = 0;
  if (is(a[i], 'idle')) {
    minIdle = parseIntArg(a[i + 1] as string);
    i += 2;
  }
  if (a.length - i < 3 || a.length - i > 4) fail(E.SYNTAX);
  const start = parseRangeBound(a[i] as string, true);
  const end = parseRangeBound(a[i + 1] as string, false);
  const count = parseIntArg(a[i + 2] as string);
  const consumer = a[i + 3];
  const now = c.engine.clock.now();
  const rows = [...g.pending.values()]
    .filter((p) => start !== null && end !== null && cmpId(p.id, start) >= 0 && cmpId(p.id, end) <= 0)
    .filter((p) => consumer === undefined || p.consumer === consumer)
    .filter((p) => now - p.deliveredAt >= minIdle)
    .sort((x, y) => cmpId(x.id, y.id))
    .slice(0, Math.max(0, count));
  c.w.array(rows.length);
  for (const p of rows) {
    c.w.array(4);
    c.w.bulk(idText(p.id));
    c.w.bulk(p.consumer);
    c.w.int(now - p.deliveredAt);
    c.w.int(p.deliveries);
  }
}

function claim(c: Client, s: Stream, g: ConsumerGroup, consumerName: string, ids: StreamId[], minIdle: number, opts: { force: boolean; retry: number | null; time: number | null }): { claimed: StreamEntry[]; deleted: StreamId[] } {
  const now = c.engine.clock.now();
  const { consumer } = consumerOf(g, consumerName, now);
  consumer.seenAt = now;
  const claimed: StreamEntry[] = [];
  const deleted: StreamId[] = [];
  for (const id of ids) {
    const key = idText(id);
    let p = g.pending.get(key);
    const entry = s.find(id);
    if (p === undefined) {
      if (!opts.force || entry === null) continue;
      p = { id, consumer: consumerName, deliveredAt: now, deliveries: 0 };
      g.pending.set(key, p);
    }
    if (entry === null) {
      g.pending.delete(key);
      g.consumers.get(p.consumer)?.pending.delete(key);
      deleted.push(id);
      continue;
    }
    if (now - p.deliveredAt < minIdle) continue;
    g.consumers.get(p.consumer)?.pending.delete(key);
    p.consumer = consumerName;
    p.deliveredAt = opts.time ?? now;
    p.deliveries = opts.retry ?? p.deliveries + 1;
    consumer.pending.set(key, p);
    consumer.activeAt = now;
    claimed.push(entry);
  }
  return { claimed, deleted };
}

function xclaim(c: Client, a: string[]): void {
  const [s, g] = groupOf(c, a[1] as string, a[2] as string, 'XCLAIM');
  const minIdle = parseIntArg(a[4] as string, 'ERR Invalid min-idle-time argument for XCLAIM');
  const ids: StreamId[] = [];
  let i = 5;
  for (; i < a.length && /^[0-9]/.test(a[i] as string); i++) ids.push(parseId(a[i] as string));
  let justId = false;
  const opts = { force: false, retry: null as number | null, time: null as number | null };
  for (; i < a.length; i++) {
    const w = (a[i] as string).toLowerCase();
    if (w === 'justid') justId = true;
    else if (w === 'force') opts.force = true;
    else if (w === 'idle' && i + 1 < a.length) opts.time = c.engine.clock.now() - parseIntArg(a[++i] as string);
    else if (w === 'time' && i + 1 < a.length) opts.time = parseIntArg(a[++i] as string);
    else if (w === 'retrycount' && i + 1 < a.length) opts.retry = parseIntArg(a[++i] as string);
    else if (w === 'lastid' && i + 1 < a.length) parseId(a[++i] as string);
    else fail(`ERR Unrecognized XCLAIM option '${a[i]}'`);
  }
  const { claimed } = claim(c, s, g, a[3] as string, ids, minIdle, opts);
  c.db.modified(a[1] as string);
  if (justId) return c.w.bulks(claimed.map((e) => idText(e.id)));
  writeEntries(c, claimed);
}

function xautoclaim(c: Client, a: string[]): void {
  const [s, g] = groupOf(c, a[1] as string, a[2] as string, 'XAUTOCLAIM');
  const minIdle = parseIntArg(a[4] as string, 'ERR Invalid min-idle-time argument for XAUTOCLAIM');
  const start = parseRangeBound(a[5] as string, true) ?? MAX_ID;
  let count = 100;
  let justId = false;
  for (let i = 6; i < a.length; i++) {
    if (is(a[i], 'count') && i + 1 < a.length) {
      count = parseIntArg(a[++i] as string);
      if (count < 1) fail('ERR COUNT must be > 0');
    } else if (is(a[i], 'justid')) justId = true;
    else fail(E.SYNTAX);
  }
  const candidates = [...g.pending.values()].filter((p) => cmpId(p.id, start) >= 0).sort((x, y) => cmpId(x.id, y.id));
  const batch = candidates.slice(0, count);
  const next = candidates[count];
  const { claimed, deleted } = claim(c, s, g, a[3] as string, batch.map((p) => p.id), minIdle, { force: false, retry: null, time: null });
  c.db.modified(a[1] as string);
  c.w.array(3);
  c.w.bulk(next ? idText(next.id) : '0-0');
  if (justId) c.w.bulks(claimed.map((e) => idText(e.id)));
  else writeEntries(c, claimed);
  c.w.bulks(deleted.map(idText));
}

function xgroupCreate(c: Client, a: string[]): void {
  const key = a[2] as string;
  const name = a[3] as string;
  let mk = false;
  let entriesRead = -1;
  for (let i = 5; i < a.length; i++) {
    if (is(a[i], 'mkstream')) mk = true;
    else if (is(a[i], 'entriesread') && i + 1 < a.length) entriesRead = parseIntArg(a[++i] as string);
    else fail(E.SYNTAX);
  }
  let s = getStream(c, key, false);
  if (s === null) {
    if (!mk) fail('ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.');
  }
  const id = a[4] === '$' ? (s?.lastId ?? ZERO) : parseId(a[4] as string);
  if (s === null) {
    const o = newStreamObj();
    c.db.set(key, o);
    s = o.v;
  }
  if (s.groups.has(name)) fail('BUSYGROUP Consumer Group name already exists');
  s.groups.set(name, { name, lastId: id, entriesRead, pending: new Map(), consumers: new Map() });
  c.db.modified(key);
  c.w.ok();
}

function xinfo(c: Client, a: string[]): void {
  const sub = (a[1] as string).toLowerCase();
  const key = a[2] as string;
  const s = getStream(c, key);
  if (s === null) fail(E.NO_KEY);
  if (sub === 'stream') {
    const first = s.entries[0];
    const last = s.entries[s.entries.length - 1];
    c.w.map(10);
    c.w.bulk('length');
    c.w.int(s.length);
    c.w.bulk('radix-tree-keys');
    c.w.int(Math.ceil(s.length / 100));
    c.w.bulk('radix-tree-nodes');
    c.w.int(Math.ceil(s.length / 100) + 1);
    c.w.bulk('last-generated-id');
    c.w.bulk(idText(s.lastId));
    c.w.bulk('max-deleted-entry-id');
    c.w.bulk(idText(s.maxDeletedId));
    c.w.bulk('entries-added');
    c.w.int(s.entriesAdded);
    c.w.bulk('recorded-first-entry-id');
    c.w.bulk(first ? idText(first.id) : '0-0');
    c.w.bulk('groups');
    c.w.int(s.groups.size);
    c.w.bulk('first-entry');
    if (first) writeEntry(c, first);
    else c.w.nil();
    c.w.bulk('last-entry');
    if (last) writeEntry(c, last);
    else c.w.nil();
    return;
  }
  if (sub === 'groups') {
    c.w.array(s.groups.size);
    for (const g of s.groups.values()) {
      c.w.map(6);
      c.w.bulk('name');
      c.w.bulk(g.name);
      c.w.bulk('consumers');
      c.w.int(g.consumers.size);
      c.w.bulk('pending');
      c.w.int(g.pending.size);
      c.w.bulk('last-delivered-id');
      c.w.bulk(idText(g.lastId));
      c.w.bulk('entries-read');
      if (g.entriesRead < 0) c.w.nil();
      else c.w.int(g.entriesRead);
      c.w.bulk('lag');
      const lag = g.entriesRead < 0 ? null : s.entriesAdded - g.entriesRead;
      if (lag === null) c.w.nil();
      else c.w.int(Math.max(0, lag));
    }
    return;
  }
  // CONSUMERS key group
  const g = s.groups.get(a[3] as string);
  if (g === undefined) fail(`NOGROUP No such consumer group '${a[3]}' for key name '${key}'`);
  const now = c.engine.clock.now();
  c.w.array(g.consumers.size);
  for (const cons of g.consumers.values()) {
    c.w.map(4);
    c.w.bulk('name');
    c.w.bulk(cons.name);
    c.w.bulk('pending');
    c.w.int(cons.pending.size);
    c.w.bulk('idle');
    c.w.int(now - cons.seenAt);
    c.w.bulk('inactive');
    c.w.int(cons.activeAt < 0 ? -1 : now - cons.activeAt);
  }
}

export const streamCommands = defineGroup('stream', [
  { name: 'xadd', arity: -5, flags: ['write', 'denyoom', 'fast'], keys: [1, 1, 1], handler: xadd },
  { name: 'xlen', arity: 2, flags: ['readonly', 'fast'], keys: [1, 1, 1], handler: (c, a) => c.w.int(getStream(c, a[1] as string)?.length ?? 0) },
  { name: 'xrange', arity: -4, flags: ['readonly'], keys: [1, 1, 1], handler: (c, a) => range(c, a, false) },
  { name: 'xrevrange', arity: -4, flags: ['readonly'], keys: [1, 1, 1], handler: (c, a) => range(c, a, true) },
  {
    name: 'xdel',
    arity: -3,
    flags: ['write', 'fast'],
    keys: [1, 1, 1],
    handler: (c, a) => {
      const s = getStream(c, a[1] as string, false);
      if (s === null) return c.w.int(0);
      const ids = a.slice(2).map((x) => parseId(x));
      let n = 0;
      for (const id of ids) {
        const i = s.lowerBound(id);
        const e = s.entries[i];
        if (e !== undefined && cmpId(e.id, id) === 0) {
          s.entries.splice(i, 1);
          if (cmpId(id, s.maxDeletedId) > 0) s.maxDeletedId = id;
          n++;
        }
      }
      if (n > 0) c.db.modified(a[1] as string);
      c.w.int(n);
    },
  },
  {
    name: 'xtrim',
    arity: -4,
    flags: ['write'],
    keys: [1, 1, 1],
    handler: (c, a) => {
      const w = (a[2] as string).toLowerCase();
      if (w !== 'maxlen' && w !== 'minid') fail(E.SYNTAX);
      const [spec, next] = parseTrim(a, 2);
      if (next !== a.length) fail(E.SYNTAX);
      const s = getStream(c, a[1] as string, false);
      if (s === null) return c.w.int(0);
      const n = trim(s, spec);
      if (n > 0) c.db.modified(a[1] as string);
      c.w.int(n);
    },
  },
  { name: 'xread', arity: -4, flags: ['readonly', 'blocking'], keysOf: (a) => streamKeys(a), handler: xread },
  { name: 'xreadgroup', arity: -7, flags: ['write', 'blocking'], keysOf: (a) => streamKeys(a), handler: xreadgroup },
  {
    name: 'xack',
    arity: -4,
    flags: ['write', 'fast'],
    keys: [1, 1, 1],
    handler: (c, a) => {
      const ids = a.slice(3).map((x) => parseId(x));
      const s = getStream(c, a[1] as string, false);
      const g = s?.groups.get(a[2] as string);
      if (g === undefined) return c.w.int(0);
      let n = 0;
      for (const id of ids) {
        const key = idText(id);
        const p = g.pending.get(key);
        if (p === undefined) continue;
        g.pending.delete(key);
        g.consumers.get(p.consumer)?.pending.delete(key);
        n++;
      }
      if (n > 0) c.db.modified(a[1] as string);
      c.w.int(n);
    },
  },
  { name: 'xpending', arity: -3, flags: ['readonly'], keys: [1, 1, 1], handler: xpending },
  { name: 'xclaim', arity: -6, flags: ['write', 'fast'], keys: [1, 1, 1], handler: xclaim },
  { name: 'xautoclaim', arity: -6, flags: ['write', 'fast'], keys: [1, 1, 1], handler: xautoclaim },
  {
    name: 'xsetid',
    arity: -3,
    flags: ['write', 'denyoom', 'fast'],
    keys: [1, 1, 1],
    handler: (c, a) => {
      const id = parseId(a[2] as string);
      const s = getStream(c, a[1] as string, false);
      if (s === null) fail(E.NO_KEY);
      const last = s.entries[s.entries.length - 1];
      if (last && cmpId(id, last.id) < 0) fail('ERR The ID specified in XSETID is smaller than the target stream top item');
      s.lastId = id;
      c.db.modified(a[1] as string);
      c.w.ok();
    },
  },
  {
    name: 'xgroup',
    arity: -2,
    flags: [],
    handler: () => undefined,
    subcommands: [
      { name: 'create', arity: -5, flags: ['write', 'denyoom'], keys: [2, 2, 1], handler: xgroupCreate },
      {
        name: 'setid',
        arity: -5,
        flags: ['write'],
        keys: [2, 2, 1],
        handler: (c, a) => {
          const s = getStream(c, a[2] as string, false);
          if (s === null) fail('ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.');
          const g = s.groups.get(a[3] as string);
          if (g === undefined) fail(`NOGROUP No such consumer group '${a[3]}' for key name '${a[2]}'`);
          g.lastId = a[4] === '$' ? s.lastId : parseId(a[4] as string);
          if (is(a[5], 'entriesread') && a[6] !== undefined) g.entriesRead = parseIntArg(a[6]);
          c.db.modified(a[2] as string);
          c.w.ok();
        },
      },
      {
        name: 'destroy',
        arity: 4,
        flags: ['write'],
        keys: [2, 2, 1],
        handler: (c, a) => {
          const s = getStream(c, a[2] as string, false);
          if (s === null) fail('ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.');
          const existed = s.groups.delete(a[3] as string);
          if (existed) c.db.modified(a[2] as string);
          c.w.int(existed ? 1 : 0);
        },
      },
      {
        name: 'createconsumer',
        arity: 5,
        flags: ['write', 'denyoom'],
        keys: [2, 2, 1],
        handler: (c, a) => {
          const [, g] = groupOf(c, a[2] as string, a[3] as string, 'XGROUP');
          const { created } = consumerOf(g, a[4] as string, c.engine.clock.now());
          c.w.int(created ? 1 : 0);
        },
      },
      {
        name: 'delconsumer',
        arity: 5,
        flags: ['write'],
        keys: [2, 2, 1],
        handler: (c, a) => {
          const [, g] = groupOf(c, a[2] as string, a[3] as string, 'XGROUP');
          const cons = g.consumers.get(a[4] as string);
          if (cons === undefined) return c.w.int(0);
          for (const k of cons.pending.keys()) g.pending.delete(k);
          g.consumers.delete(a[4] as string);
          c.w.int(cons.pending.size);
        },
      },
      {
        name: 'help',
        arity: 2,
        flags: [],
        handler: (c) => writeHelp(c, ['XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:', 'CREATE <key> <groupname> <id|$> [option]', 'CREATECONSUMER <key> <groupname> <consumer>', 'DELCONSUMER <key> <groupname> <consumer>', 'DESTROY <key> <groupname>', 'SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]', 'HELP']),
      },
    ],
  },
  {
    name: 'xinfo',
    arity: -2,
    flags: [],
    handler: () => undefined,
    subcommands: [
      { name: 'stream', arity: -3, flags: ['readonly'], keys: [2, 2, 1], handler: xinfo },
      { name: 'groups', arity: 3, flags: ['readonly'], keys: [2, 2, 1], handler: xinfo },
      { name: 'consumers', arity: 4, flags: ['readonly'], keys: [2, 2, 1], handler: xinfo },
      { name: 'help', arity: 2, flags: [], handler: (c) => writeHelp(c, ['XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:', 'CONSUMERS <key> <groupname>', 'GROUPS <key>', 'STREAM <key> [FULL [COUNT <count>]]', 'HELP']) },
    ],
  },
]);

function streamKeys(a: string[]): number[] {
  const i = a.findIndex((x) => x.toLowerCase() === 'streams');
  if (i < 0) return [];
  const n = Math.floor((a.length - i - 1) / 2);
  return Array.from({ length: n }, (_, j) => i + 1 + j);
}
