// Stream commands: XADD XLEN XRANGE XREVRANGE XDEL XTRIM XSETID here; reads, groups and XINFO in
// stream-read.ts, stream-groups.ts and stream-info.ts. Argument order and error texts follow t_stream.c.
import { cEquals } from '../c-string.ts';
import { keyword } from './util.ts';
import type { Client } from '../client.ts';
import { defineGroup } from '../command-table.ts';
import { E, fail } from '../errors.ts';
import { notify } from '../notify.ts';
import { errnoAccepted, parseI64Arg, toI64 } from '../num.ts';
import { cmpId, idText, incrId, isZeroId, U64_MAX, ZERO_ID, type Stream, type StreamId } from '../types/stream.ts';
import { runSliced } from '../sliced.ts';
import { createStream, entriesInRange, getStream, nodeLimits, parseBound, parseId, parseIdSeq, parseLL, writeEntriesSliced } from './stream-args.ts';
import { xack, xautoclaim, xclaim, xgroupCommands, xpending } from './stream-groups.ts';
import { xinfoCommands } from './stream-info.ts';
import { streamKeys, xread, xreadgroup } from './stream-read.ts';

interface TrimArgs {
  strategy: 'maxlen' | 'minid' | null;
  maxlen: bigint;
  minId: StreamId;
  approx: boolean;
  limit: number;
  noMkStream: boolean;
  id: StreamId | null;
  seqGiven: boolean;
  /** Index of the ID argument (XADD). */
  idPos: number;
}

/** streamParseAddOrTrimArgsOrReply. */
function parseAddOrTrim(c: Client, a: string[], xadd: boolean): TrimArgs {
  const r: TrimArgs = { strategy: null, maxlen: 0n, minId: ZERO_ID, approx: false, limit: 0, noMkStream: false, id: null, seqGiven: true, idPos: a.length };
  let limitGiven = false;
  let i = 2;
  for (; i < a.length; i++) {
    const more = a.length - 1 - i;
    const opt = a[i] as string;
    const lower = keyword(opt);
    if (xadd && cEquals(opt, '*')) break;
    if ((lower === 'maxlen' || lower === 'minid') && more > 0) {
      if (r.strategy !== null) fail('ERR syntax error, MAXLEN and MINID options at the same time are not compatible');
      r.approx = false;
      const next = a[i + 1] as string;
      if (more >= 2 && (cEquals(next, '~') || cEquals(next, '='))) {
        r.approx = cEquals(next, '~');
        i++;
      }
      const arg = a[i + 1] as string;
      if (lower === 'maxlen') {
        const n = toI64(arg);
        if (n === null) fail(E.NOT_INT);
        if (n < 0n) fail('ERR The MAXLEN argument must be >= 0.');
        r.maxlen = n;
      } else r.minId = parseId(arg, 0n, true);
      i++;
      r.strategy = lower as 'maxlen' | 'minid';
    } else if (lower === 'limit' && more > 0) {
      const n = parseLL(a[i + 1] as string);
      if (n < 0) fail('ERR The LIMIT argument must be >= 0.');
      r.limit = n;
      limitGiven = true;
      i++;
    } else if (xadd && lower === 'nomkstream') {
      r.noMkStream = true;
    } else if (xadd) {
      const p = parseIdSeq(opt, 0n, true, true);
      r.id = p.id;
      r.seqGiven = p.seqGiven;
      break;
    } else fail(E.SYNTAX);
  }
  r.idPos = i;
  if (r.limit !== 0 && r.strategy === null) fail('ERR syntax error, LIMIT cannot be used without specifying a trimming strategy');
  if (!xadd && r.strategy === null) fail('ERR syntax error, XTRIM must be called with a trimming strategy');
  if (limitGiven) {
    if (!r.approx) fail('ERR syntax error, LIMIT cannot be used without the special ~ option');
  } else r.limit = r.approx ? 100 * nodeLimits(c).maxEntries : 0;
  return r;
}

function trimStream(c: Client, key: string, r: TrimArgs): number {
  const s = getStream(c, key, false);
  if (s === null || r.strategy === null) return 0;
  const n = s.trim({ maxlen: r.strategy === 'maxlen' ? r.maxlen : null, minId: r.minId, approx: r.approx, limit: r.limit }, nodeLimits(c));
  if (s.errnoCleared) errnoAccepted(c.engine);
  return n;
}

function xadd(c: Client, a: string[]): void {
  const key = a[1] as string;
  const r = parseAddOrTrim(c, a, true);
  const fieldPos = r.idPos + 1;
  const n = a.length - fieldPos;
  if (n < 2 || n % 2 === 1) fail("ERR wrong number of arguments for 'xadd' command");
  if (r.id !== null && r.seqGiven && isZeroId(r.id)) fail('ERR The ID specified in XADD must be greater than 0-0');
  let s = getStream(c, key, false);
  if (s === null && r.noMkStream) return c.w.nil();
  const last = s?.lastId ?? ZERO_ID;
  if (last.ms === U64_MAX && last.seq === U64_MAX) fail('ERR The stream has exhausted the last possible ID, unable to add more items');
  let id: StreamId;
  if (r.id === null) {
    const now = BigInt(c.engine.clock.now());
    id = now > last.ms ? { ms: now, seq: 0n } : (incrId(last) as StreamId);
  } else if (r.seqGiven) id = r.id;
  else if (r.id.ms === last.ms) {
    // redis-server 7.0 reports this sequence overflow with its generic append failure text.
    if (last.seq === U64_MAX) fail('ERR Elements are too large to be stored');
    id = { ms: last.ms, seq: last.seq + 1n };
  } else id = r.id;
  if (cmpId(id, last) <= 0) fail('ERR The ID specified in XADD is equal or smaller than the target stream top item');
  if (s === null) s = createStream(c, key);
  s.append(id, a.slice(fieldPos), nodeLimits(c));
  if (s.errnoCleared) errnoAccepted(c.engine);
  c.w.bulk(idText(id));
  // Redis announces the add before the trim it causes: both are sent here rather than after the command.
  notify(c.engine, 't', 'xadd', c.dbIndex, key);
  if (trimStream(c, key, r) > 0) notify(c.engine, 't', 'xtrim', c.dbIndex, key);
  c.db.modified(key);
}

function xtrim(c: Client, a: string[]): void {
  const r = parseAddOrTrim(c, a, false);
  if (getStream(c, a[1] as string, false) === null) return c.w.int(0);
  const n = trimStream(c, a[1] as string, r);
  if (n > 0) c.db.modified(a[1] as string);
  c.w.int(n);
}

/**
 * Whether redis-server's stream iterator runs off the radix tree's end (raxNext/raxPrev then set
 * errno to 0): unless COUNT ran out, or a live entry past the far bound stopped it (entries past the
 * near bound are never met: the walk starts at the node holding that bound).
 */
function readsToTheEnd(c: Client, s: Stream, start: StreamId, end: StreamId, count: number, rev: boolean): void {
  const from = s.lowerBound(start);
  const to = s.upperBound(end);
  if (count > 0 && count <= to - from) return;
  const stopped = rev ? Math.min(from, to) > 0 : s.entries.length > Math.max(from, to);
  if (!stopped) errnoAccepted(c.engine);
}

function range(c: Client, a: string[], rev: boolean): void {
  const start = parseBound((rev ? a[3] : a[2]) as string, true);
  const end = parseBound((rev ? a[2] : a[3]) as string, false);
  let count = -1;
  for (let j = 4; j < a.length; j++) {
    if (keyword(a[j] as string) === 'count' && j + 1 < a.length) {
      count = parseLL(a[++j] as string);
      if (count < 0) count = 0;
    } else fail(E.SYNTAX);
  }
  const s = getStream(c, a[1] as string);
  if (s === null) return c.w.array(0);
  if (count === 0) return c.w.nilArray();
  readsToTheEnd(c, s, start, end, count, rev);
  if (cmpId(start, end) > 0) return c.w.array(0);
  writeEntriesSliced(c, entriesInRange(s, start, end, count < 0 ? 0 : count, rev));
}

function xdel(c: Client, a: string[]): void {
  const key = a[1] as string;
  const s = getStream(c, key, false);
  if (s === null) return c.w.int(0);
  const found = new Set<number>();
  let maxDeleted = s.maxDeletedId;
  // 100k ids take ~150 ms to parse and look up: done in slices (a bad id fails the command before any change),
  // the entries cut out in one pass at the end.
  function* lookups(): Generator<void> {
    for (let k = 2; k < a.length; k++) {
      const id = parseId(a[k] as string);
      const i = (s as Stream).lowerBound(id);
      const e = (s as Stream).entries[i];
      if (e !== undefined && cmpId(e.id, id) === 0 && !found.has(i)) {
        found.add(i);
        if (cmpId(id, maxDeleted) > 0) maxDeleted = id;
      }
      yield;
    }
  }
  runSliced(c, lookups(), () => {
    s.maxDeletedId = maxDeleted;
    s.deleteAll([...found].sort((x, y) => x - y), nodeLimits(c));
    if (found.size > 0) c.db.modified(key);
    c.w.int(found.size);
  }, a);
}

function xsetid(c: Client, a: string[]): void {
  const id = parseId(a[2] as string);
  let entriesAdded: bigint | null = null;
  let maxDel: StreamId = ZERO_ID;
  for (let i = 3; i < a.length; i += 2) {
    const opt = keyword(a[i] as string);
    const more = a.length - 1 - i;
    if (opt === 'entriesadded' && more > 0) {
      entriesAdded = parseI64Arg(a[i + 1] as string);
      if (entriesAdded < 0n) fail('ERR entries_added must be positive');
    } else if (opt === 'maxdeletedid' && more > 0) {
      maxDel = parseId(a[i + 1] as string);
      if (cmpId(id, maxDel) < 0) fail('ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id');
    } else fail(E.SYNTAX);
  }
  const s = getStream(c, a[1] as string, false);
  if (s === null) fail(E.NO_KEY);
  const last = s.entries[s.entries.length - 1];
  if (last !== undefined) {
    if (cmpId(id, last.id) < 0) fail('ERR The ID specified in XSETID is smaller than the target stream top item');
    if (entriesAdded !== null && BigInt(s.length) > entriesAdded) fail('ERR The entries_added specified in XSETID is smaller than the target stream length');
  }
  s.lastId = id;
  if (entriesAdded !== null) s.entriesAdded = entriesAdded;
  if (!isZeroId(maxDel)) s.maxDeletedId = maxDel;
  // As redis-server 7.0's XSETID: a write that signals no modified key (WATCH holds).
  c.db.modified(a[1] as string, true);
  c.w.ok();
}

export const streamCommands = defineGroup('stream', [
  { name: 'xadd', arity: -5, flags: ['write', 'denyoom', 'fast'], keys: [1, 1, 1], handler: xadd },
  { name: 'xlen', arity: 2, flags: ['readonly', 'fast'], keys: [1, 1, 1], handler: (c, a) => c.w.int(getStream(c, a[1] as string)?.length ?? 0) },
  { name: 'xrange', arity: -4, flags: ['readonly'], keys: [1, 1, 1], handler: (c, a) => range(c, a, false) },
  { name: 'xrevrange', arity: -4, flags: ['readonly'], keys: [1, 1, 1], handler: (c, a) => range(c, a, true) },
  { name: 'xdel', arity: -3, flags: ['write', 'fast'], keys: [1, 1, 1], handler: xdel },
  { name: 'xtrim', arity: -4, flags: ['write'], keys: [1, 1, 1], handler: xtrim },
  { name: 'xread', arity: -4, flags: ['readonly', 'blocking'], keysOf: (a) => streamKeys(a), handler: xread },
  { name: 'xreadgroup', arity: -7, flags: ['write', 'blocking'], keysOf: (a) => streamKeys(a), handler: xreadgroup },
  { name: 'xack', arity: -4, flags: ['write', 'fast'], keys: [1, 1, 1], handler: xack },
  { name: 'xpending', arity: -3, flags: ['readonly'], keys: [1, 1, 1], handler: xpending },
  { name: 'xclaim', arity: -6, flags: ['write', 'fast'], keys: [1, 1, 1], handler: xclaim },
  { name: 'xautoclaim', arity: -6, flags: ['write', 'fast'], keys: [1, 1, 1], handler: xautoclaim },
  { name: 'xsetid', arity: -3, flags: ['write', 'denyoom', 'fast'], keys: [1, 1, 1], handler: xsetid },
  { name: 'xgroup', arity: -2, flags: [], handler: () => undefined, subcommands: xgroupCommands },
  { name: 'xinfo', arity: -2, flags: [], handler: () => undefined, subcommands: xinfoCommands },
]);
