// Consumer groups: XGROUP, XACK, XPENDING, XCLAIM, XAUTOCLAIM, in t_stream.c's order of checks.
import type { Client } from '../client.ts';
import type { CommandSpec } from '../command-table.ts';
import { E, fail } from '../errors.ts';
import { errnoAccepted, parseI64Arg } from '../num.ts';
import { cmpId, idText, INVALID_ENTRIES_READ, ZERO_ID, type Consumer, type ConsumerGroup, type PendingEntry, type Stream, type StreamEntry, type StreamId } from '../types/stream.ts';
import { createStream, getStream, parseBound, parseId, parseLL, subcommandSyntax, writeEntry } from './stream-args.ts';
import { writeHelp, keyword } from './util.ts';
import { replySliced, runSliced } from '../sliced.ts';
import { pelInOrderSteps } from './pel-steps.ts';
import { sortInSteps } from '../sort-in-steps.ts';
import { eachInSteps } from '../../slices.ts';
import { PelEdit } from './pel-edit.ts';
import { notify } from '../notify.ts';
import { asCString, cEquals } from '../c-string.ts';

const KEY_REQUIRED = 'ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.';

/** Ids that strtoull reads whole and cannot overflow (at most 19 digits each side). */
const PLAIN_ID = /^[0-9]{1,19}(-[0-9]{1,19})?$/;

function nogroup(key: string, group: string): never {
  fail(`NOGROUP No such key '${asCString(key)}' or consumer group '${asCString(group)}'`);
}

/** XGROUP's and XINFO CONSUMERS' refusal of a group the stream lacks (names end at a NUL, as %s prints them). */
export function failNoSuchGroup(key: string, group: string): never {
  fail(`NOGROUP No such consumer group '${asCString(group)}' for key name '${asCString(key)}'`);
}

const nameOrder = <T extends { name: string }>(x: T, y: T) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0);

/** Groups, consumers and PEL entries are kept in rax order: bytewise. */
export function byName<T extends { name: string }>(m: Map<string, T>): T[] {
  return [...m.values()].sort(nameOrder);
}

/** byName into `out` in steps (a million consumers), only those `keep` accepts. */
export function* byNameSteps<T extends { name: string }>(m: Map<string, T>, out: T[], keep: (x: T) => boolean = () => true): Generator<void> {
  yield* eachInSteps(m.values(), (x) => keep(x) && out.push(x), 256);
  yield* sortInSteps(out, nameOrder);
}

function lookupConsumer(g: ConsumerGroup, name: string, now: number, refresh = true): Consumer | null {
  const cons = g.consumers.get(name);
  if (cons !== undefined && refresh) cons.seenAt = now;
  return cons ?? null;
}

/** Consumers made implicitly (XREADGROUP, XCLAIM, XAUTOCLAIM) announce themselves as XGROUP CREATECONSUMER does. */
function createConsumer(c: Client, key: string, g: ConsumerGroup, name: string, now: number): Consumer | null {
  if (g.consumers.has(name)) return null;
  const cons: Consumer = { name, seenAt: now, activeAt: now, pending: new Map() };
  g.consumers.set(name, cons);
  notify(c.engine, 't', 'xgroup-createconsumer', c.dbIndex, key);
  return cons;
}

/** The named consumer, seen now; created (with its event) if the group lacks it. */
export function consumerFor(c: Client, key: string, g: ConsumerGroup, name: string, now: number): Consumer {
  return lookupConsumer(g, name, now) ?? (createConsumer(c, key, g, name, now) as Consumer);
}

function parseEntriesRead(s: string): bigint {
  const n = parseI64Arg(s);
  if (n < 0n && n !== INVALID_ENTRIES_READ) fail('ERR value for ENTRIESREAD must be positive or -1');
  return n;
}

/** What every XGROUP subcommand but HELP checks first: its options, the key, the group. */
function xgroupPrelude(c: Client, a: string[], sub: string): { s: Stream | null; g: ConsumerGroup | null; mkstream: boolean; entriesRead: bigint } {
  let mkstream = false;
  let entriesRead = INVALID_ENTRIES_READ;
  // SETID reads its options as CREATE does, one at a time, so a bad ENTRIESREAD value is reported
  // before a stray word after it (7.0.15: 'value is not an integer' for `ENTRIESREAD 1.0 x`).
  if (sub === 'create' || sub === 'setid') {
    for (let i = 5; i < a.length; i++) {
      const o = keyword(a[i] as string);
      if (o === 'mkstream' && sub === 'create') mkstream = true;
      else if (o === 'entriesread' && i + 1 < a.length) entriesRead = parseEntriesRead(a[++i] as string);
      else subcommandSyntax(c, a);
    }
  }
  const s = getStream(c, a[2] as string, false);
  let g: ConsumerGroup | null = null;
  if (s === null) {
    if (!mkstream) fail(KEY_REQUIRED);
  } else {
    g = s.groups.get(a[3] as string) ?? null;
    if (g === null && (sub === 'setid' || sub === 'createconsumer' || sub === 'delconsumer')) failNoSuchGroup(a[2] as string, a[3] as string);
  }
  // The argument counts are checked last, where 7.0 dispatches the subcommand (after the key and group).
  if ((sub === 'create' && a.length > 8) || (sub === 'setid' && a.length !== 5 && a.length !== 7)) subcommandSyntax(c, a);
  return { s, g, mkstream, entriesRead };
}

// Consumer groups are no change to the key for redis-server 7.0: its group commands (and XSETID)
// count as writes but signal no modified key, so WATCH holds and tracking clients hear nothing.
function xgroupCreate(c: Client, a: string[]): void {
  const { s: existing, entriesRead } = xgroupPrelude(c, a, 'create');
  const key = a[2] as string;
  const name = a[3] as string;
  const id = cEquals(a[4], '$') ? (existing?.lastId ?? ZERO_ID) : parseId(a[4] as string);
  const s = existing ?? createStream(c, key);
  if (s.groups.has(name)) {
    if (existing === null) c.db.modified(key);
    fail('BUSYGROUP Consumer Group name already exists');
  }
  s.groups.set(name, { name, lastId: id, entriesRead, pending: new Map(), consumers: new Map() });
  s.groupsTree = true;
  c.db.modified(key, true);
  c.w.ok();
}

function xgroupSetId(c: Client, a: string[]): void {
  const { s, g, entriesRead } = xgroupPrelude(c, a, 'setid');
  const id = cEquals(a[4], '$') ? (s as Stream).lastId : parseId(a[4] as string, 0n, false);
  const group = g as ConsumerGroup;
  group.lastId = id;
  group.entriesRead = entriesRead;
  c.db.modified(a[2] as string, true);
  c.w.ok();
}

function xgroupDestroy(c: Client, a: string[]): void {
  const { s, g } = xgroupPrelude(c, a, 'destroy');
  if (g === null) return c.w.int(0);
  (s as Stream).groups.delete(g.name);
  // Readers blocked on the group are woken to get -NOGROUP.
  c.db.modified(a[2] as string, true);
  c.db.wakeBlocked(a[2] as string);
  c.w.int(1);
}

function xgroupCreateConsumer(c: Client, a: string[]): void {
  const { g } = xgroupPrelude(c, a, 'createconsumer');
  const created = createConsumer(c, a[2] as string, g as ConsumerGroup, a[4] as string, c.engine.clock.now());
  if (created !== null) c.db.modified(a[2] as string, true);
  c.w.int(created ? 1 : 0);
}

function xgroupDelConsumer(c: Client, a: string[]): void {
  const { g } = xgroupPrelude(c, a, 'delconsumer');
  const group = g as ConsumerGroup;
  const cons = group.consumers.get(a[4] as string);
  if (cons === undefined) return c.w.int(0);
  // streamDelConsumer walks the consumer's PEL to its end (raxNext sets errno to 0).
  errnoAccepted(c.engine);
  const pending = cons.pending.size;
  for (const k of cons.pending.keys()) group.pending.delete(k);
  group.consumers.delete(cons.name);
  c.db.modified(a[2] as string, true);
  c.w.int(pending);
}

export const xgroupCommands: CommandSpec[] = [
  { name: 'create', arity: -5, flags: ['write', 'denyoom'], keys: [2, 2, 1], handler: xgroupCreate },
  { name: 'setid', arity: -5, flags: ['write'], keys: [2, 2, 1], handler: xgroupSetId },
  { name: 'destroy', arity: 4, flags: ['write'], keys: [2, 2, 1], handler: xgroupDestroy },
  { name: 'createconsumer', arity: 5, flags: ['write', 'denyoom'], keys: [2, 2, 1], handler: xgroupCreateConsumer },
  { name: 'delconsumer', arity: 5, flags: ['write'], keys: [2, 2, 1], handler: xgroupDelConsumer },
  {
    name: 'help',
    arity: 2,
    flags: ['loading', 'stale'],
    handler: (c) =>
      writeHelp(c, [
        'XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
        'CREATE <key> <groupname> <id|$> [option]',
        '    Create a new consumer group. Options are:',
        '    * MKSTREAM',
        '      Create the empty stream if it does not exist.',
        '    * ENTRIESREAD entries_read',
        "      Set the group's entries_read counter (internal use).",
        'CREATECONSUMER <key> <groupname> <consumer>',
        '    Create a new consumer in the specified group.',
        'DELCONSUMER <key> <groupname> <consumer>',
        '    Remove the specified consumer.',
        'DESTROY <key> <groupname>',
        '    Remove the specified group.',
        'SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]',
        '    Set the current group ID and entries_read counter.',
        'HELP',
        '    Prints this help.',
      ]),
  },
];

function groupOrNull(c: Client, key: string, name: string, read = true): [Stream, ConsumerGroup] | null {
  const s = getStream(c, key, read);
  const g = s?.groups.get(name);
  return s === null || g === undefined ? null : [s, g];
}

export function xack(c: Client, a: string[]): void {
  const found = groupOrNull(c, a[1] as string, a[2] as string);
  if (found === null) return c.w.int(0);
  const [, g] = found;
  // Every id is checked before any is acknowledged (parsed for real in the slices, see XCLAIM).
  for (let k = 3; k < a.length; k++) if (!PLAIN_ID.test(a[k] as string)) parseId(a[k] as string);
  const edit = new PelEdit(g, '');
  let n = 0;
  let commit: ((target: () => Consumer) => void) | null = null;
  function* steps(): Generator<void> {
    for (let k = 3; k < a.length; k++) {
      const key = idText(parseId(a[k] as string));
      if (edit.get(key) !== undefined) {
        edit.drop(key);
        n++;
      }
      yield;
    }
    commit = yield* edit.prepare();
  }
  runSliced(c, steps(), () => {
    // XACK gives no entry to anyone: the target is never asked for.
    commit?.(() => fail('ERR internal error'));
    if (n > 0) c.db.modified(a[1] as string, true);
    c.w.int(n);
  }, a);
}

/** Whether an entry at or after start lies past end (the walk stops there). */
function pelPast(entries: Iterable<PendingEntry>, start: StreamId, end: StreamId): boolean {
  for (const p of entries) if (cmpId(p.id, start) >= 0 && cmpId(p.id, end) > 0) return true;
  return false;
}

export function xpending(c: Client, a: string[]): void {
  if (a.length !== 3 && (a.length < 6 || a.length > 9)) fail(E.SYNTAX);
  let minIdle = 0;
  let count = 0;
  let start: StreamId = ZERO_ID;
  let end: StreamId = ZERO_ID;
  let consumerName: string | null = null;
  if (a.length >= 6) {
    let i = 3;
    if (keyword(a[3] as string) === 'idle') {
      minIdle = parseLL(a[4] as string);
      if (a.length < 8) fail(E.SYNTAX);
      i += 2;
    }
    count = Math.max(0, parseLL(a[i + 2] as string));
    start = parseBound(a[i] as string, true);
    end = parseBound(a[i + 1] as string, false);
    if (i + 3 < a.length) consumerName = a[i + 3] as string;
  }
  const found = groupOrNull(c, a[1] as string, a[2] as string);
  if (found === null) nogroup(a[1] as string, a[2] as string);
  const [, g] = found;
  if (a.length === 3) {
    c.w.array(4);
    c.w.int(g.pending.size);
    if (g.pending.size === 0) {
      c.w.nil();
      c.w.nil();
      c.w.nilArray();
      return;
    }
    // redis-server walks the consumers' radix tree to its end, where raxNext sets errno to 0.
    errnoAccepted(c.engine);
    // Only the ends are needed: a scan, not a sort of the whole PEL; a million of them and of consumers
    // are scanned and sorted in slices.
    const withPending: Consumer[] = [];
    function* summary(): Generator<void> {
      const ends: { lo: StreamId | null; hi: StreamId | null } = { lo: null, hi: null };
      yield* eachInSteps(g.pending.values(), (p) => {
        if (ends.lo === null || cmpId(p.id, ends.lo) < 0) ends.lo = p.id;
        if (ends.hi === null || cmpId(p.id, ends.hi) > 0) ends.hi = p.id;
      }, 256);
      yield* byNameSteps(g.consumers, withPending, (x) => x.pending.size > 0);
      c.w.bulk(idText(ends.lo as StreamId));
      c.w.bulk(idText(ends.hi as StreamId));
      c.w.array(withPending.length);
      for (const cons of withPending) {
        c.w.array(2);
        c.w.bulk(cons.name);
        c.w.bulk(String(cons.pending.size));
        yield;
      }
    }
    return replySliced(c, summary());
  }
  let pel = g.pending;
  if (consumerName !== null) {
    const cons = g.consumers.get(consumerName);
    if (cons === undefined) return c.w.array(0);
    pel = cons.pending;
  }
  const now = c.engine.clock.now();
  const rows: PendingEntry[] = [];
  const keep = (p: PendingEntry) => cmpId(p.id, start) >= 0 && cmpId(p.id, end) <= 0 && (minIdle === 0 || now - p.deliveredAt >= minIdle);
  const limit = count;
  function* steps(): Generator<void> {
    yield* pelInOrderSteps(pel.values(), keep, rows);
    const n = Math.min(limit, rows.length);
    // The PEL's walk from start reaches the radix tree's end (raxNext sets errno to 0) unless the
    // count ran out first or an entry past end stopped it.
    if (limit > rows.length && !pelPast(pel.values(), start, end)) errnoAccepted(c.engine);
    c.w.array(n);
    for (let k = 0; k < n; k++) {
      const p = rows[k] as PendingEntry;
      c.w.array(4);
      c.w.bulk(idText(p.id));
      c.w.bulk(p.consumer);
      c.w.int(Math.max(0, now - p.deliveredAt));
      c.w.int(p.deliveries);
      yield;
    }
  }
  replySliced(c, steps());
}

/** PEL entries XAUTOCLAIM checks per step. */
const CHECKED_PER_STEP = 128;

function tryStrictId(s: string): StreamId | null {
  try {
    return parseId(s);
  } catch {
    return null;
  }
}

export function xclaim(c: Client, a: string[]): void {
  const key = a[1] as string;
  const found = groupOrNull(c, key, a[2] as string);
  if (found === null) nogroup(key, a[2] as string);
  const [s, g] = found;
  const minIdle = Math.max(0, parseLL(a[4] as string, 'ERR Invalid min-idle-time argument for XCLAIM'));
  // The ids end at the first argument that is not one. Parsing 100k of them takes ~100 ms, so here they
  // are only told apart (plain digits surely are ids), and parsed in the slices below.
  const ids: string[] = [];
  let j = 5;
  for (; j < a.length; j++) {
    const x = a[j] as string;
    if (!PLAIN_ID.test(x) && tryStrictId(x) === null) break;
    ids.push(x);
  }
  const now = c.engine.clock.now();
  let force = false;
  let justId = false;
  let retry = -1;
  let deliveryTime = -1;
  let lastId: StreamId = ZERO_ID;
  for (; j < a.length; j++) {
    const more = a.length - 1 - j;
    const opt = keyword(a[j] as string);
    if (opt === 'force') force = true;
    else if (opt === 'justid') justId = true;
    else if (opt === 'idle' && more > 0) deliveryTime = now - parseLL(a[++j] as string, 'ERR Invalid IDLE option argument for XCLAIM');
    else if (opt === 'time' && more > 0) deliveryTime = parseLL(a[++j] as string, 'ERR Invalid TIME option argument for XCLAIM');
    else if (opt === 'retrycount' && more > 0) retry = parseLL(a[++j] as string, 'ERR Invalid RETRYCOUNT option argument for XCLAIM');
    else if (opt === 'lastid' && more > 0) lastId = parseId(a[++j] as string);
    else fail(`ERR Unrecognized XCLAIM option '${asCString(a[j] as string)}'`);
  }
  const name = a[3] as string;
  const edit = new PelEdit(g, name);
  let changed = false;
  if (cmpId(lastId, g.lastId) > 0) {
    edit.lastId = lastId;
    changed = true;
  }
  if (deliveryTime !== -1) {
    if (deliveryTime < 0 || deliveryTime > now) deliveryTime = now;
  } else deliveryTime = now;
  const at = deliveryTime;
  const claimed: (StreamEntry | string)[] = [];
  let commit: ((target: () => Consumer) => void) | null = null;
  // 100k ids are looked up and claimed in slices, the claims staged (PelEdit) and put in place at the end.
  function* steps(): Generator<void> {
    for (const text of ids) {
      yield;
      const id = parseId(text);
      const pkey = idText(id);
      let p = edit.get(pkey);
      const entry = (s as Stream).find(id);
      if (entry === null) {
        if (p !== undefined) {
          edit.drop(pkey);
          changed = true;
        }
        continue;
      }
      let forced = false;
      if (force && p === undefined) {
        p = { id, consumer: '', deliveredAt: 0, deliveries: 0 };
        forced = true;
      }
      if (p === undefined) continue;
      if (!forced && minIdle !== 0 && now - p.deliveredAt < minIdle) continue;
      edit.give(id, pkey, at, retry >= 0 ? retry : justId ? p.deliveries : p.deliveries + 1);
      changed = true;
      claimed.push(justId ? pkey : entry);
    }
    // Made ready before the reply is written: a client that has its whole reply may leave, which ends
    // the command's slices.
    commit = yield* edit.prepare();
    c.w.array(claimed.length);
    for (const x of claimed) {
      if (typeof x === 'string') c.w.bulk(x);
      else writeEntry(c, x);
      yield;
    }
  }
  runSliced(c, steps(), () => {
    commit?.(() => consumerFor(c, key, g, name, now));
    if (changed) c.db.modified(key, true);
  }, a);
}

export function xautoclaim(c: Client, a: string[]): void {
  const key = a[1] as string;
  // As redis-server: the key is read (a keyspace hit or miss, keymiss) before the arguments are
  // parsed, its type checked after them.
  c.db.slotOf(key);
  const minIdle = Math.max(0, parseLL(a[4] as string, 'ERR Invalid min-idle-time argument for XAUTOCLAIM'));
  const start = parseBound(a[5] as string, true);
  let count = 100;
  let justId = false;
  for (let j = 6; j < a.length; j++) {
    const more = a.length - 1 - j;
    const opt = keyword(a[j] as string);
    if (opt === 'count' && more > 0) {
      // LONG_MAX / max(sizeof(streamID), 10): the largest COUNT Redis can allocate for.
      const n = parseLL(a[j + 1] as string, 'ERR COUNT must be > 0');
      if (n < 1 || n > 576460752303423487) fail('ERR COUNT must be > 0');
      count = n;
      j++;
    } else if (opt === 'justid') justId = true;
    else fail(E.SYNTAX);
  }
  const found = groupOrNull(c, key, a[2] as string, false);
  if (found === null) nogroup(key, a[2] as string);
  const [s, g] = found;
  let attempts = count * 10;
  const now = c.engine.clock.now();
  const name = a[3] as string;
  const pel: PendingEntry[] = [];
  const claimed: StreamEntry[] = [];
  const deleted: PendingEntry[] = [];
  const edit = new PelEdit(g, name);
  let commit: ((target: () => Consumer) => void) | null = null;
  // Entries are chosen and the reply written in slices; the claims are staged (PelEdit) and the PEL
  // changes in one turn at the end, so a replica sharing the stream never sees it half claimed.
  function* steps(): Generator<void> {
    yield* pelInOrderSteps(g.pending.values(), (p) => cmpId(p.id, start) >= 0, pel);
    let i = 0;
    for (; attempts > 0 && count > 0 && i < pel.length; i++) {
      attempts--;
      const p = pel[i] as PendingEntry;
      const entry = s.find(p.id);
      if (entry === null) {
        deleted.push(p);
        edit.drop(idText(p.id));
        count--;
      } else if (minIdle === 0 || now - p.deliveredAt >= minIdle) {
        claimed.push(entry);
        edit.give(p.id, idText(p.id), now, justId ? p.deliveries : p.deliveries + 1);
        count--;
      }
      if (i % CHECKED_PER_STEP === CHECKED_PER_STEP - 1) yield;
    }
    // Made ready before the reply is written (see XCLAIM).
    commit = yield* edit.prepare();
    const next = pel[i];
    // The cursor is read with one more raxNext: 0-0 when it ran off the PEL (errno set to 0).
    if (next === undefined) errnoAccepted(c.engine);
    c.w.array(3);
    c.w.bulk(next === undefined ? '0-0' : idText(next.id));
    c.w.array(claimed.length);
    for (const entry of claimed) {
      if (justId) c.w.bulk(idText(entry.id));
      else writeEntry(c, entry);
      yield;
    }
    c.w.array(deleted.length);
    for (const d of deleted) {
      c.w.bulk(idText(d.id));
      yield;
    }
  }
  runSliced(c, steps(), () => {
    commit?.(() => consumerFor(c, key, g, name, now));
    if (claimed.length + deleted.length !== 0) c.db.modified(key, true);
  }, a);
}
