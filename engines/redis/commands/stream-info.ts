// XINFO STREAM [FULL [COUNT n]], GROUPS, CONSUMERS with redis 7.0's fields.
import type { Client } from '../client.ts';
import type { CommandSpec } from '../command-table.ts';
import { E, fail } from '../errors.ts';
import { errnoAccepted } from '../num.ts';
import { idText, INVALID_ENTRIES_READ, MAX_ID, ZERO_ID, type Consumer, type ConsumerGroup, type PendingEntry, type Stream } from '../types/stream.ts';
import { entriesInRange, getStream, nodeLimits, parseLL, subcommandSyntax, writeEntry } from './stream-args.ts';
import { byName, byNameSteps, failNoSuchGroup } from './stream-groups.ts';
import { pelInOrderSteps } from './pel-steps.ts';
import { replySliced } from '../sliced.ts';
import { writeHelp, keyword } from './util.ts';

function streamOf(c: Client, key: string): Stream {
  const s = getStream(c, key);
  if (s === null) fail(E.NO_KEY);
  return s;
}

function writeLag(c: Client, s: Stream, g: ConsumerGroup): void {
  const lag = s.lagOf(g);
  if (lag === null) c.w.nil();
  else c.w.bigint(lag);
}

function writeEntriesRead(c: Client, g: ConsumerGroup): void {
  if (g.entriesRead === INVALID_ENTRIES_READ) c.w.nil();
  else c.w.bigint(g.entriesRead);
}

function xinfoStream(c: Client, a: string[]): void {
  const s = streamOf(c, a[2] as string);
  let full = false;
  let count = 10;
  if (a.length > 3) {
    if (keyword(a[3] as string) !== 'full') subcommandSyntax(c, a);
    full = true;
    if (a.length === 6) {
      if (keyword(a[4] as string) !== 'count') subcommandSyntax(c, a);
      count = parseLL(a[5] as string);
      if (count < 0) count = 10;
    } else if (a.length !== 4) subcommandSyntax(c, a);
  }
  const limits = nodeLimits(c);
  c.w.map(full ? 9 : 10);
  c.w.bulk('length');
  c.w.int(s.length);
  c.w.bulk('radix-tree-keys');
  c.w.int(s.nodes(limits).length);
  c.w.bulk('radix-tree-nodes');
  c.w.int(s.raxNodeCount(limits));
  c.w.bulk('last-generated-id');
  c.w.bulk(idText(s.lastId));
  c.w.bulk('max-deleted-entry-id');
  c.w.bulk(idText(s.maxDeletedId));
  c.w.bulk('entries-added');
  c.w.bigint(BigInt.asIntN(64, s.entriesAdded));
  c.w.bulk('recorded-first-entry-id');
  c.w.bulk(idText(s.firstId));
  if (!full) {
    c.w.bulk('groups');
    c.w.int(s.groups.size);
    const first = s.entries[0];
    const last = s.entries[s.entries.length - 1];
    c.w.bulk('first-entry');
    if (first) writeEntry(c, first);
    else c.w.nil();
    c.w.bulk('last-entry');
    if (last) writeEntry(c, last);
    else c.w.nil();
    return;
  }
  // The entries' iterator runs off the radix tree unless COUNT ran out; the groups' tree is walked to
  // its end whenever it exists (raxNext sets errno to 0 there).
  if (s.groupsTree || count === 0 || count > s.length) errnoAccepted(c.engine);
  replySliced(c, fullSteps(c, s, count));
}

/** XINFO STREAM FULL past its header: with COUNT 0 a million entries and PEL rows, written in steps. */
function* fullSteps(c: Client, s: Stream, count: number): Generator<void> {
  c.w.bulk('entries');
  const entries = entriesInRange(s, ZERO_ID, MAX_ID, count, false);
  c.w.array(entries.length);
  for (const e of entries) {
    writeEntry(c, e);
    yield;
  }
  c.w.bulk('groups');
  const groups = byName(s.groups);
  c.w.array(groups.length);
  for (const g of groups) {
    c.w.map(7);
    c.w.bulk('name');
    c.w.bulk(g.name);
    c.w.bulk('last-delivered-id');
    c.w.bulk(idText(g.lastId));
    c.w.bulk('entries-read');
    writeEntriesRead(c, g);
    c.w.bulk('lag');
    writeLag(c, s, g);
    c.w.bulk('pel-count');
    c.w.int(g.pending.size);
    c.w.bulk('pending');
    yield* pendingSteps(c, g.pending, count, true);
    c.w.bulk('consumers');
    const consumers = byName(g.consumers);
    c.w.array(consumers.length);
    for (const cons of consumers) {
      c.w.map(4);
      c.w.bulk('name');
      c.w.bulk(cons.name);
      c.w.bulk('seen-time');
      c.w.int(cons.seenAt);
      c.w.bulk('pel-count');
      c.w.int(cons.pending.size);
      c.w.bulk('pending');
      yield* pendingSteps(c, cons.pending, count, false);
    }
  }
}

/** A pending entries list in id order, at most `count` (0: all); a group's names each entry's consumer. */
function* pendingSteps(c: Client, pending: Map<string, PendingEntry>, count: number, withConsumer: boolean): Generator<void> {
  const pel: PendingEntry[] = [];
  yield* pelInOrderSteps(pending.values(), () => true, pel);
  if (count > 0 && pel.length > count) pel.length = count;
  c.w.array(pel.length);
  for (const p of pel) {
    c.w.array(withConsumer ? 4 : 3);
    c.w.bulk(idText(p.id));
    if (withConsumer) c.w.bulk(p.consumer);
    c.w.int(p.deliveredAt);
    c.w.int(p.deliveries);
    yield;
  }
}

function xinfoGroups(c: Client, a: string[]): void {
  const s = streamOf(c, a[2] as string);
  const groups = byName(s.groups);
  // redis-server walks the groups' radix tree to its end, where raxNext sets errno to 0; the tree
  // stays once made, also when every group was destroyed.
  if (s.groupsTree) errnoAccepted(c.engine);
  c.w.array(groups.length);
  for (const g of groups) {
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
    writeEntriesRead(c, g);
    c.w.bulk('lag');
    writeLag(c, s, g);
  }
}

function xinfoConsumers(c: Client, a: string[]): void {
  const s = streamOf(c, a[2] as string);
  const g = s.groups.get(a[3] as string);
  if (g === undefined) failNoSuchGroup(a[2] as string, a[3] as string);
  errnoAccepted(c.engine); // the consumers' radix tree walked to its end (raxNext)
  const now = c.engine.clock.now();
  const consumers: Consumer[] = [];
  // A million consumers are sorted and written in slices.
  replySliced(
    c,
    (function* () {
      yield* byNameSteps(g.consumers, consumers);
      c.w.array(consumers.length);
      for (const cons of consumers) {
        c.w.map(3);
        c.w.bulk('name');
        c.w.bulk(cons.name);
        c.w.bulk('pending');
        c.w.int(cons.pending.size);
        c.w.bulk('idle');
        c.w.int(Math.max(0, now - cons.seenAt));
        yield;
      }
    })(),
  );
}

export const xinfoCommands: CommandSpec[] = [
  { name: 'stream', arity: -3, flags: ['readonly'], keys: [2, 2, 1], handler: xinfoStream },
  { name: 'groups', arity: 3, flags: ['readonly'], keys: [2, 2, 1], handler: xinfoGroups },
  { name: 'consumers', arity: 4, flags: ['readonly'], keys: [2, 2, 1], handler: xinfoConsumers },
  {
    name: 'help',
    arity: 2,
    flags: ['loading', 'stale'],
    handler: (c) =>
      writeHelp(c, [
        'XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
        'CONSUMERS <key> <groupname>',
        '    Show consumers of <groupname>.',
        'GROUPS <key>',
        '    Show the stream consumer groups.',
        'STREAM <key> [FULL [COUNT <count>]',
        '    Show information about the stream.',
        'HELP',
        '    Prints this help.',
      ]),
  },
];
