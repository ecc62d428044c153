// XREAD and XREADGROUP, served at once or when a blocked reader's stream gets new entries
// (xreadCommand and serveClientsBlockedOnStreamKey of redis 7.0).
import { keyword } from './util.ts';
import type { Client } from '../client.ts';
import { errnoAccepted } from '../num.ts';
import { E, fail } from '../errors.ts';
import { cmpId, idText, incrId, INVALID_ENTRIES_READ, MAX_ID, ZERO_ID, type ConsumerGroup, type Consumer, type PendingEntry, type Stream, type StreamEntry, type StreamId } from '../types/stream.ts';
import { entriesInRange, getStream, parseId, parseLL, writeEntry } from './stream-args.ts';
import { consumerFor } from './stream-groups.ts';
import { failBlocked } from './blocked-error.ts';
import { asCString, cEquals } from '../c-string.ts';
import { runSliced } from '../sliced.ts';
import { PER_STEP, runSteps } from '../../slices.ts';
import { PelEdit } from './pel-edit.ts';
import { pelInOrderSteps } from './pel-steps.ts';

interface ReadArgs {
  count: number;
  /** ms; -1 = no BLOCK. */
  timeout: number;
  noAck: boolean;
  group: string | null;
  consumer: string | null;
  keys: string[];
  ids: string[];
}

function parseRead(a: string[], xreadgroup: boolean, fromScript: boolean): ReadArgs {
  const r: ReadArgs = { count: 0, timeout: -1, noAck: false, group: null, consumer: null, keys: [], ids: [] };
  let streamsArg = 0;
  for (let i = 1; i < a.length; i++) {
    const more = a.length - i - 1;
    const o = keyword(a[i] as string);
    if (o === 'block' && more > 0) {
      // redis-server names the command as the script spelled it (argv[0]).
      if (fromScript) fail(`ERR ${a[0] as string} command is not allowed with BLOCK option from scripts`);
      const t = parseLL(a[++i] as string, 'ERR timeout is not an integer or out of range');
      if (t < 0) fail('ERR timeout is negative');
      r.timeout = t;
    } else if (o === 'count' && more > 0) {
      r.count = Math.max(0, parseLL(a[++i] as string));
    } else if (o === 'streams' && more > 0) {
      streamsArg = i + 1;
      const n = a.length - streamsArg;
      if (n % 2 !== 0) fail("ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified."); // XREADGROUP's too, in 7.0
      r.keys = a.slice(streamsArg, streamsArg + n / 2);
      r.ids = a.slice(streamsArg + n / 2);
      break;
    } else if (o === 'group' && more >= 2) {
      if (!xreadgroup) fail('ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.');
      r.group = a[i + 1] as string;
      r.consumer = a[i + 2] as string;
      i += 2;
    } else if (o === 'noack') {
      if (!xreadgroup) fail('ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.');
      r.noAck = true;
    } else fail(E.SYNTAX);
  }
  if (streamsArg === 0) fail(E.SYNTAX);
  if (xreadgroup && r.group === null) fail('ERR Missing GROUP option for XREADGROUP');
  return r;
}

function nogroupOnRead(key: string, group: string): string {
  return `NOGROUP No such key '${asCString(key)}' or consumer group '${asCString(group)}' in XREADGROUP with GROUP option`;
}

/** The entries a group's read of new entries gets: those after `after` (its last id), up to `count` (0: all). */
function newEntries(s: Stream, after: StreamId, count: number): StreamEntry[] {
  const start = incrId(after);
  if (start === null) return [];
  const from = s.lowerBound(start);
  return s.entries.slice(from, count > 0 ? from + count : undefined);
}

/** streamReplyWithRange for a group reading new entries `out`: the group's counter and last id, and each pending for the reader (unless NOACK). */
function* deliverSteps(s: Stream, edit: PelEdit, out: readonly StreamEntry[], noAck: boolean, now: number): Generator<void> {
  for (let i = 0; i < out.length; i++) {
    const e = out[i] as StreamEntry;
    if (cmpId(e.id, edit.lastId) > 0) {
      if (edit.entriesRead !== INVALID_ENTRIES_READ && !s.hasTombstonesFrom(e.id)) edit.entriesRead = BigInt.asIntN(64, edit.entriesRead + 1n);
      else if (s.entriesAdded > 0n) edit.entriesRead = s.estimateEntriesRead(e.id);
      edit.lastId = e.id;
    }
    if (!noAck) edit.give(e.id, idText(e.id), now, 1);
    if (i % PER_STEP === PER_STEP - 1) yield;
  }
}

/**
 * streamReplyWithRangeFromConsumerPEL: the reader's own pending entries after `after`, in id order, each
 * delivered again now (a deleted entry shows as its id and a null), into `rows`.
 */
function* redeliverSteps(engine: object, s: Stream, edit: PelEdit, after: StreamId, count: number, now: number, rows: [StreamId, StreamEntry | null][]): Generator<void> {
  const start = incrId(after);
  const pel: PendingEntry[] = [];
  if (start !== null) yield* pelInOrderSteps(edit.targetEntries(), (p) => cmpId(p.id, start) >= 0, pel);
  // The PEL's walk asks raxNext for one more entry before it checks the count, so it runs off the
  // radix tree (raxNext sets errno to 0) unless more entries were left than COUNT took.
  if (count === 0 || pel.length <= count) errnoAccepted(engine);
  if (count > 0 && pel.length > count) pel.length = count;
  for (const p of pel) {
    const e = s.find(p.id);
    // Each entry is read by a stream iterator from its id to its id: for a deleted one it steps past
    // it, off the tree when no live entry follows (node boundaries not modelled).
    if (e === null && s.lowerBound(p.id) === s.entries.length) errnoAccepted(engine);
    if (e !== null) edit.give(p.id, idText(p.id), now, p.deliveries + 1);
    rows.push([p.id, e]);
    yield;
  }
}

/** Rows of a reply: an array, or a range of a stream's entries (EntryRange). */
type Rows<T> = Iterable<T> & { readonly length: number };

/** One stream's part of a read reply, an entry per step (a million entries are written in slices). */
function* streamPart(c: Client, key: string, rows: Rows<StreamEntry | [StreamId, StreamEntry | null]>): Generator<void> {
  writeKeyHeader(c, key);
  c.w.array(rows.length);
  for (const row of rows) {
    if (!Array.isArray(row)) writeEntry(c, row);
    else if (row[1] !== null) writeEntry(c, row[1]);
    else {
      c.w.array(2);
      c.w.bulk(idText(row[0]));
      c.w.nilArray();
    }
    yield;
  }
}

function writeKeyHeader(c: Client, key: string): void {
  if (c.w.proto === 2) c.w.array(2);
  c.w.bulk(key);
}

function canBlock(c: Client): boolean {
  return c.engine.execDepth === 0 && c.multi === null && c.engine.scripting.running === null;
}

export function xread(c: Client, a: string[]): void {
  readCommand(c, a, false);
}

export function xreadgroup(c: Client, a: string[]): void {
  readCommand(c, a, true);
}

function readCommand(c: Client, a: string[], xreadgroup: boolean): void {
  const r = parseRead(a, xreadgroup, c.engine.scripting.isScriptClient(c));
  const n = r.keys.length;
  const gt: StreamId[] = [];
  const groups: (ConsumerGroup | null)[] = [];
  for (let i = 0; i < n; i++) {
    const key = r.keys[i] as string;
    const idArg = r.ids[i] as string;
    const s = getStream(c, key);
    let g: ConsumerGroup | null = null;
    if (r.group !== null) {
      g = s?.groups.get(r.group) ?? null;
      if (g === null) fail(nogroupOnRead(key, r.group));
    }
    groups.push(g);
    if (cEquals(idArg, '$')) {
      if (xreadgroup) fail('ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.');
      gt.push(s?.lastId ?? ZERO_ID);
    } else if (cEquals(idArg, '>')) {
      if (!xreadgroup) fail('ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.');
      gt.push(MAX_ID);
    } else gt.push(parseId(idArg));
  }
  const now = c.engine.clock.now();
  // The reply header needs the number of streams served, known here: a group read of new entries takes
  // those after the group's last id, which a read of the same key earlier in the command moved. What the
  // reads change in the groups is staged (PelEdit) while the reply is written in slices, and put in place
  // at the end in one turn (a replica shares the streams).
  // Each part is staged first, then written once every change is ready: a client that has its whole
  // reply may leave, which ends the command's slices.
  const stages: Generator<void>[] = [];
  const parts: Generator<void>[] = [];
  const edits = new Map<ConsumerGroup, { edit: PelEdit; cons: Consumer; upTo: StreamId }>();
  for (let i = 0; i < n; i++) {
    const key = r.keys[i] as string;
    const s = getStream(c, key);
    if (s === null) continue;
    const g = groups[i] as ConsumerGroup | null;
    const want = gt[i] as StreamId;
    if (g === null) {
      const last = s.entries[s.entries.length - 1];
      if (last === undefined || cmpId(last.id, want) <= 0) continue;
      const start = incrId(want);
      // streamReplyWithRange to the stream's end: the iterator runs off the radix tree (raxNext sets
      // errno to 0) unless COUNT ran out first.
      if (start !== null && (r.count === 0 || r.count > s.entries.length - s.lowerBound(start))) errnoAccepted(c.engine);
      parts.push(streamPart(c, key, start === null ? [] : entriesInRange(s, start, MAX_ID, r.count, false)));
      continue;
    }
    const history = cmpId(want, MAX_ID) !== 0;
    let staged = edits.get(g);
    if (!history) {
      const last = s.entries[s.entries.length - 1];
      if (last === undefined || cmpId(last.id, staged?.upTo ?? g.lastId) <= 0) continue;
    }
    const cons = consumerFor(c, key, g, r.consumer as string, now);
    if (staged === undefined) {
      staged = { edit: new PelEdit(g, cons.name), cons, upTo: g.lastId };
      edits.set(g, staged);
    }
    const edit = staged.edit;
    if (history) {
      const rows: [StreamId, StreamEntry | null][] = [];
      stages.push(redeliverSteps(c.engine, s, edit, want, r.count, now, rows));
      parts.push(streamPart(c, key, rows));
      continue;
    }
    const out = newEntries(s, staged.upTo, r.count);
    // As XREAD's walk: off the radix tree (raxNext sets errno to 0) unless COUNT ran out first.
    if (r.count === 0 || out.length < r.count) errnoAccepted(c.engine);
    if (out.length > 0) staged.upTo = (out[out.length - 1] as StreamEntry).id;
    stages.push(deliverSteps(s, edit, out, r.noAck, now));
    parts.push(streamPart(c, key, out));
  }
  if (parts.length > 0) {
    if (c.w.proto === 3) c.w.map(parts.length);
    else c.w.array(parts.length);
    const commits: [(target: () => Consumer) => void, Consumer][] = [];
    const work = (function* () {
      for (const st of stages) yield* st;
      for (const { edit, cons } of edits.values()) commits.push([yield* edit.prepare(), cons]);
      for (const p of parts) yield* p;
    })();
    runSliced(c, work, () => {
      for (const [commit, cons] of commits) commit(() => cons);
    }, a);
    return;
  }
  if (r.timeout < 0 || !canBlock(c)) return c.w.nilArray();
  blockRead(c, r, gt);
}

function blockRead(c: Client, r: ReadArgs, gt: StreamId[]): void {
  const dbIndex = c.dbIndex;
  c.engine.block(c, r.keys, r.timeout, {
    tryServe: (key) => {
      const saved = c.dbIndex;
      c.dbIndex = dbIndex;
      try {
        return serveBlocked(c, r, gt, key);
      } finally {
        c.dbIndex = saved;
      }
    },
    onTimeout: () => c.w.nilArray(),
  });
}

/**
 * A blocked reader gets the one stream that changed. A group reader whose stream was deleted or
 * replaced gets -UNBLOCKED (redis 7.0.15 signals deleted keys), one whose group went away -NOGROUP.
 */
function serveBlocked(c: Client, r: ReadArgs, gt: StreamId[], key: string): boolean {
  const i = r.keys.indexOf(key);
  if (i < 0) return false;
  const o = c.db.peek(key);
  if (o === null || o.type !== 'stream') {
    if (r.group === null) return false;
    failBlocked(c, 'xreadgroup', 'UNBLOCKED the stream key no longer exists');
    return true;
  }
  const s = o.v;
  let want = gt[i] as StreamId;
  let g: ConsumerGroup | null = null;
  if (r.group !== null) {
    g = s.groups.get(r.group) ?? null;
    if (g === null) {
      failBlocked(c, 'xreadgroup', 'NOGROUP the consumer group this client was blocked on no longer exists');
      return true;
    }
    want = g.lastId;
  }
  if (cmpId(s.lastId, want) <= 0) return false;
  const now = c.engine.clock.now();
  if (c.w.proto === 3) c.w.map(1);
  else c.w.array(1);
  writeKeyHeader(c, key);
  let out: Rows<StreamEntry>;
  if (g !== null) {
    const cons = consumerFor(c, key, g, r.consumer as string, now);
    const read = newEntries(s, want, r.count);
    out = read;
    const edit = new PelEdit(g, cons.name);
    runSteps(deliverSteps(s, edit, read, r.noAck, now));
    runSteps(edit.prepare())(() => cons);
  } else {
    const start = incrId(want);
    out = start === null ? [] : entriesInRange(s, start, MAX_ID, r.count, false);
  }
  c.w.array(out.length);
  for (const e of out) writeEntry(c, e);
  return true;
}

export function streamKeys(a: string[]): number[] {
  const i = a.findIndex((x) => keyword(x) === 'streams');
  if (i < 0) return [];
  const n = Math.floor((a.length - i - 1) / 2);
  return Array.from({ length: n }, (_, j) => i + 1 + j);
}
