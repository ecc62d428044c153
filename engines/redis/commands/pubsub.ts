// Pub/sub commands, including sharded channels and PUBSUB introspection.
import type { Client } from '../client.ts';
import type { Engine } from '../engine.ts';
import { defineGroup } from '../command-table.ts';
import { E, fail } from '../errors.ts';
import { globMatch } from '../glob.ts';
import type { SubKind } from '../pubsub.ts';
import { pushTo } from '../push.ts';
import { PUBSUB_HELP } from './help-texts.ts';
import { writeHelp } from './util.ts';

const VERBS: Record<SubKind, [sub: string, unsub: string]> = {
  channel: ['subscribe', 'unsubscribe'],
  pattern: ['psubscribe', 'punsubscribe'],
  shard: ['ssubscribe', 'sunsubscribe'],
};

/**
 * The other nodes a message published here reaches, each counting only its own subscribers in the
 * reply as Redis does: in cluster mode the cluster bus carries PUBLISH to every node and SPUBLISH to
 * the nodes of the shard; otherwise a primary passes both on to its replicas.
 */
function publishPeers(e: Engine, scope: 'cluster' | 'shard'): Iterable<Engine> {
  return e.cluster !== null ? e.cluster.peersOf(e, scope) : [];
}

/**
 * Outside cluster mode a primary's message goes down the replication link, after the writes before it
 * (replication.ts). One published on a replica stays there: a replica passes on only its primary's stream.
 */
function relay(e: Engine, kind: 'publish' | 'spublish', a: string[]): void {
  if (e.cluster === null && e.replication.primary === null) e.replication.relayPublish(kind, a[1] as string, a[2] as string);
}

function countFor(c: Client, kind: SubKind): number {
  return kind === 'shard' ? c.ssubs.size : c.subs.size + c.psubs.size;
}

/** A (un)subscribe confirmation is a push: Redis sends it even under CLIENT REPLY OFF/SKIP. */
function confirm(c: Client, verb: string, name: string | null, count: number): void {
  pushTo(c, () => {
    c.w.push(3);
    c.w.bulk(verb);
    if (name === null) c.w.nil();
    else c.w.bulk(name);
    c.w.int(count);
  });
}

function subscribe(c: Client, a: string[], kind: SubKind): void {
  // As redis-server 7.0: SUBSCRIBE and PSUBSCRIBE queued in MULTI still run (kept for old clients), SSUBSCRIBE does not.
  if (c.engine.execDepth > 0 && (kind === 'shard' || c.execQueued < 0)) fail(`ERR ${VERBS[kind][0].toUpperCase()} isn't allowed for a DENY BLOCKING client`);
  for (let i = 1; i < a.length; i++) {
    c.engine.pubsub.add(c, kind, a[i] as string);
    confirm(c, VERBS[kind][0], a[i] as string, countFor(c, kind));
  }
}

function unsubscribe(c: Client, a: string[], kind: SubKind): void {
  const own = kind === 'channel' ? c.subs : kind === 'pattern' ? c.psubs : c.ssubs;
  const names = a.length > 1 ? a.slice(1) : [...own];
  if (names.length === 0) return confirm(c, VERBS[kind][1], null, countFor(c, kind));
  for (const n of names) {
    c.engine.pubsub.remove(c, kind, n);
    confirm(c, VERBS[kind][1], n, countFor(c, kind));
  }
}

/** CHANNELS and SHARDCHANNELS take one pattern at most: more is redis-server's subcommand syntax error. */
function atMostPattern(a: string[]): string | undefined {
  if (a.length > 3) fail(E.SUB_SYNTAX(a));
  return a[2];
}

function channelsMatching(reg: Map<string, Set<Client>>, pattern: string | undefined): string[] {
  return [...reg.keys()].filter((ch) => pattern === undefined || globMatch(pattern, ch));
}

export const pubsubCommands = defineGroup('pubsub', [
  { name: 'subscribe', arity: -2, flags: ['pubsub', 'noscript', 'loading', 'stale'], handler: (c, a) => subscribe(c, a, 'channel') },
  { name: 'unsubscribe', arity: -1, flags: ['pubsub', 'noscript', 'loading', 'stale'], handler: (c, a) => unsubscribe(c, a, 'channel') },
  { name: 'psubscribe', arity: -2, flags: ['pubsub', 'noscript', 'loading', 'stale'], handler: (c, a) => subscribe(c, a, 'pattern') },
  { name: 'punsubscribe', arity: -1, flags: ['pubsub', 'noscript', 'loading', 'stale'], handler: (c, a) => unsubscribe(c, a, 'pattern') },
  { name: 'ssubscribe', arity: -2, flags: ['pubsub', 'noscript', 'loading', 'stale'], keys: [1, -1, 1], handler: (c, a) => subscribe(c, a, 'shard') },
  { name: 'sunsubscribe', arity: -1, flags: ['pubsub', 'noscript', 'loading', 'stale'], keys: [1, -1, 1], handler: (c, a) => unsubscribe(c, a, 'shard') },
  {
    name: 'publish',
    arity: 3,
    flags: ['pubsub', 'loading', 'stale', 'fast', 'may_replicate'],
    handler: (c, a) => {
      for (const peer of publishPeers(c.engine, 'cluster')) peer.pubsub.publish(a[1] as string, a[2] as string);
      relay(c.engine, 'publish', a);
      c.w.int(c.engine.pubsub.publish(a[1] as string, a[2] as string));
    },
  },
  {
    name: 'spublish',
    arity: 3,
    flags: ['pubsub', 'loading', 'stale', 'fast', 'may_replicate'],
    keys: [1, 1, 1],
    handler: (c, a) => {
      for (const peer of publishPeers(c.engine, 'shard')) peer.pubsub.spublish(a[1] as string, a[2] as string);
      relay(c.engine, 'spublish', a);
      c.w.int(c.engine.pubsub.spublish(a[1] as string, a[2] as string));
    },
  },
  {
    name: 'pubsub',
    arity: -2,
    flags: [],
    handler: () => undefined,
    subcommands: [
      { name: 'channels', arity: -2, flags: ['pubsub', 'loading', 'stale'], handler: (c, a) => c.w.bulks(channelsMatching(c.engine.pubsub.channels, atMostPattern(a))) },
      { name: 'shardchannels', arity: -2, flags: ['pubsub', 'loading', 'stale'], handler: (c, a) => c.w.bulks(channelsMatching(c.engine.pubsub.shard, atMostPattern(a))) },
      { name: 'numpat', arity: 2, flags: ['pubsub', 'loading', 'stale'], handler: (c) => c.w.int(c.engine.pubsub.patterns.size) },
      ...(['numsub', 'shardnumsub'] as const).map((name) => ({
        name,
        arity: -2,
        flags: ['pubsub', 'loading', 'stale'] as const,
        handler: (c: Client, a: string[]) => {
          const reg = name === 'numsub' ? c.engine.pubsub.channels : c.engine.pubsub.shard;
          c.w.array((a.length - 2) * 2);
          for (let i = 2; i < a.length; i++) {
            c.w.bulk(a[i] as string);
            c.w.int(reg.get(a[i] as string)?.size ?? 0);
          }
        },
      })),
      {
        name: 'help',
        arity: 2,
        flags: ['loading', 'stale'],
        handler: (c) => writeHelp(c, PUBSUB_HELP),
      },
    ],
  },
]);
