// What stream commands share: ID parsing as t_stream.c reads IDs, entry replies, the node limits.
import type { Client } from '../client.ts';
import type { StreamObj } from '../db/objects.ts';
import { E, fail } from '../errors.ts';
import { toI64, toU64 } from '../num.ts';
import { eachWritten, replySliced } from '../sliced.ts';
import { Stream, decrId, idText, incrId, MAX_ID, ZERO_ID, type NodeLimits, type StreamEntry, type StreamId } from '../types/stream.ts';

export const INVALID_ID = 'ERR Invalid stream ID specified as stream command argument';

/** streamGenericParseIDOrReply: <ms>[-<seq>] with string2ull parts; '-' and '+' unless strict. */
export function parseId(s: string, missingSeq = 0n, strict = true): StreamId {
  return parseIdSeq(s, missingSeq, strict, false).id;
}

/** The same, where XADD also accepts <ms>-* (seqGiven false then). */
export function parseIdSeq(s: string, missingSeq: bigint, strict: boolean, allowStar: boolean): { id: StreamId; seqGiven: boolean } {
  if (s.length > 127) fail(INVALID_ID);
  // The ID is read from a C buffer: '-\0x' is '-', and strtoull stops at the first NUL.
  const nul = s.indexOf('\0');
  if (nul >= 0) s = s.slice(0, nul);
  if (s === '-' || s === '+') {
    if (strict) fail(INVALID_ID);
    return { id: s === '-' ? ZERO_ID : MAX_ID, seqGiven: true };
  }
  const dash = s.indexOf('-');
  const ms = toU64(dash < 0 ? s : s.slice(0, dash));
  if (ms === null) fail(INVALID_ID);
  if (dash < 0) return { id: { ms, seq: missingSeq }, seqGiven: true };
  const rest = s.slice(dash + 1);
  if (allowStar && rest === '*') return { id: { ms, seq: 0n }, seqGiven: false };
  const seq = toU64(rest);
  if (seq === null) fail(INVALID_ID);
  return { id: { ms, seq }, seqGiven: true };
}

/** streamParseIntervalIDOrReply plus the increment/decrement an exclusive '(' bound asks for. */
export function parseBound(s: string, isStart: boolean): StreamId {
  const exclusive = s.length > 1 && s.startsWith('(');
  const id = exclusive ? parseId(s.slice(1), isStart ? 0n : MAX_ID.seq, true) : parseId(s, isStart ? 0n : MAX_ID.seq, false);
  if (!exclusive) return id;
  const moved = isStart ? incrId(id) : decrId(id);
  if (moved === null) fail(isStart ? 'ERR invalid start ID for the interval' : 'ERR invalid end ID for the interval');
  return moved;
}

/** getLongLongFromObjectOrReply as a JS number (values past 2^53 only matter as "big"). */
export function parseLL(s: string, err: string = E.NOT_INT): number {
  const v = toI64(s);
  if (v === null) fail(err);
  return Number(v);
}

export function getStream(c: Client, key: string, read = true): Stream | null {
  return c.db.get(key, 'stream', read)?.v ?? null;
}

export function createStream(c: Client, key: string): Stream {
  const o: StreamObj = { type: 'stream', v: new Stream(), mem: 0 };
  c.db.set(key, o);
  return o.v;
}

export function nodeLimits(c: Client): NodeLimits {
  const cfg = c.engine.config;
  return { maxBytes: Number(cfg.get('stream-node-max-bytes') ?? 4096), maxEntries: Number(cfg.get('stream-node-max-entries') ?? 100) };
}

export function writeEntry(c: Client, e: StreamEntry): void {
  c.w.array(2);
  c.w.bulk(idText(e.id));
  c.w.bulks(e.fields);
}

export function writeEntries(c: Client, entries: readonly StreamEntry[]): void {
  c.w.array(entries.length);
  for (const e of entries) writeEntry(c, e);
}

/** writeEntries for XRANGE/XREVRANGE, whose reply may hold a million entries: written in slices. */
export function writeEntriesSliced(c: Client, entries: EntryRange): void {
  c.w.array(entries.length);
  replySliced(c, eachWritten(entries, (e) => writeEntry(c, e)));
}

export function subcommandSyntax(c: Client, a: string[]): never {
  void c;
  fail(`ERR unknown subcommand or wrong number of arguments for '${a[1]}'. Try ${(a[0] as string).toUpperCase()} HELP.`);
}

/**
 * The entries of a range, as positions in the stream's array: found by two binary searches and read as
 * they are written (copying a million entries out first held the loop ~50 ms). Read it before the
 * stream changes: a command writing it in slices holds the node's writers meanwhile.
 */
export class EntryRange implements Iterable<StreamEntry> {
  constructor(
    private readonly list: readonly StreamEntry[],
    private readonly first: number,
    readonly length: number,
    private readonly rev: boolean,
  ) {}

  *[Symbol.iterator](): Iterator<StreamEntry> {
    const step = this.rev ? -1 : 1;
    for (let k = 0, i = this.first; k < this.length; k++, i += step) yield this.list[i] as StreamEntry;
  }
}

/** Entries from `start` to `end` (both included), the first `count` of them (0: all), highest first if `rev`. */
export function entriesInRange(s: Stream, start: StreamId, end: StreamId, count: number, rev: boolean): EntryRange {
  const from = s.lowerBound(start);
  const to = s.upperBound(end);
  const n = Math.max(0, to - from);
  const length = count > 0 ? Math.min(count, n) : n;
  return new EntryRange(s.entries, rev ? to - 1 : from, length, rev);
}

