// Server commands: INFO DBSIZE FLUSHDB FLUSHALL SWAPDB TIME CONFIG COMMAND SLOWLOG MEMORY LATENCY
// WAIT ROLE DEBUG LASTSAVE SAVE BGSAVE and the replication/persistence verbs we only acknowledge.
import { memoryUsage as redisMemoryUsage } from '../db/memory-usage.ts';
import { nodeLimits } from './stream-args.ts';
import { runSliced } from '../sliced.ts';
import type { Client } from '../client.ts';
import { defineGroup } from '../command-table.ts';
import { HIDDEN_PARAMS } from '../config-table.ts';
import { commandCommand } from './command.ts';
import { moveListener } from '../config-listen.ts';
import { bgrewriteaof, bgsave, flushAllSaves, refuseSaveDuringBgsave } from '../background-save.ts';
import { saveSteps } from '../dump-file.ts';
import { configRewrite } from '../config-rewrite.ts';
import { abortShutdown, flagsOf, prepareShutdown, ShutdownFailed } from '../shutdown.ts';
import { debugSpec } from './debug.ts';
import { countLazyFlush, flushIsAsync } from '../db/lazyfree.ts';
import { latencySubcommands } from './latency.ts';
import { memoryStats } from './memory-stats.ts';
import { wallMicros } from '../clock.ts';
import { E, fail } from '../errors.ts';
import { globMatch } from '../glob.ts';
import { resetSanitizations } from '../payload-sanitize.ts';
import { infoText } from '../info.ts';
import { findEngine } from '../registry.ts';
import type { Engine } from '../engine.ts';
import { followAddress, followsAddress, promoteFromAddress } from '../network-replica.ts';
import { streamOffsetOf } from '../repl-backlog.ts';
import { replconfCommand, syncCommand } from '../repl-feed.ts';
import { errnoAccepted, parseInt32Arg, parseIntArg } from '../num.ts';
import { CONFIG_HELP, MEMORY_HELP, SLOWLOG_HELP } from './help-texts.ts';
import { is, writeHelp, keyword } from './util.ts';

function flushOption(a: string[], from: number): void {
  if (a.length > from + 1) fail(E.SYNTAX);
  if (a.length === from + 1 && !is(a[from], 'async') && !is(a[from], 'sync')) fail(E.SYNTAX);
}

/** MIGRATE's key: its third argument, or with an empty one, everything after KEYS. */
function migrateKeys(a: string[]): number[] {
  if (a[3] === '') {
    for (let i = 6; i < a.length; i++) {
      const w = keyword(a[i] as string);
      if (w === 'auth') i++;
      else if (w === 'auth2') i += 2;
      else if (w === 'keys') return Array.from({ length: a.length - i - 1 }, (_, j) => i + 1 + j);
    }
    return [];
  }
  return [3];
}

/**
 * MIGRATE checks its options, numbers and keys as redis-server does and answers NOKEY when none of
 * the keys exists; moving keys to another server is not supported.
 */
function migrateCommand(c: Client, a: string[]): void {
  let keys = [a[3] as string];
  for (let j = 6; j < a.length; j++) {
    const w = keyword(a[j] as string);
    const more = a.length - 1 - j;
    if (w === 'copy' || w === 'replace') continue;
    if (w === 'auth' && more >= 1) j++;
    else if (w === 'auth2' && more >= 2) j += 2;
    else if (w === 'keys') {
      if (a[3] !== '') fail('ERR When using MIGRATE KEYS option, the key argument must be set to the empty string');
      keys = a.slice(j + 1);
      break;
    } else fail(E.SYNTAX);
  }
  parseIntArg(a[5] as string);
  parseIntArg(a[4] as string);
  if (!keys.some((k) => c.db.exists(k))) return c.w.simple('NOKEY');
  fail('ERR MIGRATE is not supported by this server');
}

/** SAVE's work; a save that could not be written answers shared.err, the reason being in the log. */
function* saveOrErr(e: Engine): Generator<void> {
  try {
    yield* saveSteps(e);
  } catch {
    fail('ERR');
  }
}

/** SHUTDOWN's option rules as 7.0 checks them, so a malformed call is a syntax error as there. */
function shutdownOptions(a: string[]): void {
  const seen = new Set<string>();
  for (const opt of a.slice(1)) {
    const o = keyword(opt);
    if (!['nosave', 'save', 'now', 'force', 'abort'].includes(o)) fail(E.SYNTAX);
    seen.add(o);
  }
  if ((seen.has('abort') && seen.size > 1) || (seen.has('save') && seen.has('nosave'))) fail(E.SYNTAX);
}

/** REPLICAOF host port follows another server (of this process in-process, else over the network); REPLICAOF NO ONE promotes. */
function replicaOfCommand(c: Client, a: string[]): void {
  const e = c.engine;
  if (is(a[1], 'no') && is(a[2], 'one')) {
    promoteFromAddress(e);
    return c.w.ok();
  }
  const port = parseIntArg(a[2] as string, 'ERR Invalid master port');
  if (port < 0 || port > 65535) fail('ERR Invalid master port');
  const primary = findEngine(port);
  if (primary === e) fail('ERR cannot replicate from myself');
  if (primary === undefined ? followsAddress(e, a[1] as string, port) : e.replication.primary === primary) return c.w.simple('OK Already connected to specified master');
  unblockAll(e, c);
  if (primary === undefined) followAddress(e, a[1] as string, port);
  else e.replicaOf(primary);
  c.w.ok();
}

/**
 * 7.0's disconnectAllBlockedClients, as a server becomes a replica: a client blocked on keys (or in WAIT) is
 * answered -UNBLOCKED and closed, so a pop it waited for cannot take what the new primary's stream brings.
 * Work in progress (a command in slices, DEBUG SLEEP) is not a blocking operation and goes on.
 */
function unblockAll(e: Engine, caller: Client): void {
  for (const x of [...e.clients.values()]) {
    const b = x.blocked;
    if (b === null || b.busy === true || x === caller) continue;
    e.unblock(x, false);
    x.w.error('UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)');
    e.closeClient(x);
  }
}

function memoryUsage(c: Client, a: string[]): void {
  // SAMPLES may repeat, each count read (and a negative one refused) in turn, as 7.0 reads them.
  let samples = 5;
  for (let j = 3; j < a.length; j += 2) {
    if (!is(a[j], 'samples') || j + 1 >= a.length) fail(E.SYNTAX);
    samples = parseIntArg(a[j + 1] as string);
    if (samples < 0) fail(E.SYNTAX);
  }
  // Collections changed in place keep a stale estimate until settled (see Keyspace.markMemoryDirty).
  c.engine.ks.settleMemory();
  const key = a[2] as string;
  const o = c.db.peekAsIs(key);
  if (o === null) return c.w.nil();
  // objectComputeSize samples a stream's nodes with raxNext, off the tree when fewer than SAMPLES
  // (0: all), and walks the groups' tree to its end: raxNext sets errno to 0 there.
  if (o.type === 'stream' && (o.v.groupsTree || samples === 0 || o.v.nodes(nodeLimits(c)).length < samples)) errnoAccepted(c.engine);
  // SAMPLES 0 walks every element of the value: in slices, the node held meanwhile (sliced.ts).
  const work = redisMemoryUsage(key, o, samples, c.engine.cluster !== null, nodeLimits(c));
  let size = 0;
  const steps = (function* () {
    size = yield* work;
  })();
  runSliced(c, steps, () => c.w.int(size));
}

/** MEMORY DOCTOR as redis-server 7.0 words it; below 5 MB allocated it declines to judge. */
function memoryDoctor(used: number): string {
  if (used < 5 * 1024 * 1024) {
    return "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n";
  }
  return "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n";
}

export const serverCommands = defineGroup('server', [
  {
    name: 'info',
    arity: -1,
    flags: ['loading', 'stale', 'sentinel'],
    acl: ['@dangerous'],
    handler: (c, a) => c.w.verbatim(infoText(c.engine, a.slice(1).map((s) => s.toLowerCase()))),
  },
  { name: 'dbsize', arity: 1, flags: ['readonly', 'fast'], acl: ['@keyspace'], handler: (c) => c.w.int(c.db.size) },
  {
    name: 'flushdb',
    arity: -1,
    flags: ['write'],
    acl: ['@keyspace', '@dangerous'],
    handler: (c, a) => {
      flushOption(a, 1);
      if (flushIsAsync(c, a[1])) countLazyFlush(c, c.db.size);
      c.db.flush();
      c.w.ok();
    },
  },
  {
    name: 'flushall',
    arity: -1,
    flags: ['write'],
    acl: ['@keyspace', '@dangerous'],
    handler: (c, a) => {
      flushOption(a, 1);
      const lazy = flushIsAsync(c, a[1]);
      for (const d of c.engine.ks.dbs) {
        if (lazy) countLazyFlush(c, d.size);
        d.flush();
      }
      flushAllSaves(c.engine);
      c.w.ok();
    },
  },
  {
    name: 'swapdb',
    arity: 3,
    flags: ['write', 'fast'],
    acl: ['@keyspace', '@dangerous'],
    handler: (c, a) => {
      if (c.engine.cluster !== null) fail('ERR SWAPDB is not allowed in cluster mode');
      const x = parseInt32Arg(a[1] as string, 'ERR invalid first DB index');
      const y = parseInt32Arg(a[2] as string, 'ERR invalid second DB index');
      if (x < 0 || x >= 16 || y < 0 || y >= 16) fail(E.DB_INDEX);
      if (x !== y) c.engine.ks.swap(x, y);
      c.w.ok();
    },
  },
  {
    name: 'time',
    arity: 1,
    flags: ['loading', 'stale', 'fast'],
    handler: (c) => {
      const us = wallMicros();
      c.w.array(2);
      c.w.bulk(String(Math.floor(us / 1e6)));
      c.w.bulk(String(us % 1e6));
    },
  },
  { name: 'lastsave', arity: 1, flags: ['loading', 'stale', 'fast'], acl: ['@admin', '@dangerous'], handler: (c) => c.w.int(Math.floor(c.engine.lastSave / 1000)) },
  {
    name: 'save',
    arity: 1,
    flags: ['admin', 'no_multi'],
    handler: (c) => {
      refuseSaveDuringBgsave(c.engine);
      runSliced(c, saveOrErr(c.engine), () => c.w.ok());
    },
  },
  {
    name: 'bgsave',
    arity: -1,
    flags: ['admin'],
    handler: (c, a) => {
      // 7.0 takes SCHEDULE alone; anything else is a syntax error before any save starts.
      if (a.length > 2 || (a.length === 2 && !is(a[1], 'schedule'))) fail(E.SYNTAX);
      bgsave(c, a.length === 2);
    },
  },
  { name: 'bgrewriteaof', arity: 1, flags: ['admin', 'no_multi'], handler: bgrewriteaof },
  {
    name: 'shutdown',
    arity: -1,
    flags: ['admin', 'no_multi', 'allow_busy'],
    handler: (c, a) => {
      shutdownOptions(a);
      const e = c.engine;
      const stop = e.shutdown;
      if (stop === null) fail('ERR SHUTDOWN is disabled in this server; stop it through its owner');
      if (a.some((w) => is(w, 'abort'))) {
        if (!abortShutdown(e)) fail('ERR No shutdown in progress.');
        return c.w.ok();
      }
      e.notice('User requested shutdown...', '#');
      // The client sees its connection close as the server exits, or waits while replicas catch up.
      try {
        prepareShutdown(e, flagsOf(a.slice(1)), () => stop(), c);
      } catch (err) {
        if (err instanceof ShutdownFailed) fail('ERR Errors trying to SHUTDOWN. Check logs.');
        throw err;
      }
    },
  },
  ...(['replicaof', 'slaveof'] as const).map((name) => ({ name, arity: 3, flags: ['admin', 'noscript', 'stale'] as const, handler: replicaOfCommand })),
  { name: 'sync', arity: 1, flags: ['admin', 'no_multi'], handler: syncCommand },
  { name: 'psync', arity: -3, flags: ['admin', 'no_multi'], handler: syncCommand },
  { name: 'replconf', arity: -1, flags: ['admin', 'noscript', 'loading', 'stale', 'allow_busy'], handler: replconfCommand },
  { name: 'migrate', arity: -6, flags: ['write'], acl: ['@keyspace', '@dangerous'], keysOf: migrateKeys, handler: migrateCommand },
  {
    name: 'monitor',
    arity: 1,
    flags: ['admin', 'no_multi'],
    handler: (c) => {
      // Queued in MULTI (7.0 does not flag it no_multi), EXEC refuses it as Redis does.
      if (c.engine.execDepth > 0) fail("ERR MONITOR isn't allowed for DENY BLOCKING client");
      c.monitoring = true;
      c.engine.monitors.add(c);
      c.w.ok();
    },
  },
  {
    name: 'lolwut',
    arity: -1,
    flags: ['readonly', 'fast'],
    handler: (c) => c.w.verbatim(`Redis ver. ${c.engine.version}\n`),
  },
  {
    name: 'role',
    arity: 1,
    flags: ['loading', 'stale', 'fast'],
    acl: ['@admin', '@dangerous'],
    handler: (c) => {
      const r = c.engine.replication;
      if (r.primary !== null) {
        const addr = r.primary.address;
        const i = addr.lastIndexOf(':');
        c.w.array(5);
        c.w.bulk('slave');
        c.w.bulk(addr.slice(0, i));
        c.w.int(Number(addr.slice(i + 1)));
        c.w.bulk(r.linkView().up ? 'connected' : 'connect');
        // Redis reads the offset off its link to the primary: none while it is down.
        c.w.int(r.linkUp ? r.offset : -1);
        return;
      }
      c.w.array(3);
      c.w.bulk('master');
      const feed = c.engine.feed;
      c.w.int(r.offset + streamOffsetOf(c.engine));
      const acks = r.acks();
      // SYNC clients too, with the port they gave (REPLCONF listening-port) and the offset they acknowledged.
      const fed = feed?.replicas() ?? [];
      c.w.array(acks.length + fed.length);
      for (const [s, ack] of acks) {
        const i = s.address.lastIndexOf(':');
        c.w.array(3);
        c.w.bulk(s.address.slice(0, i));
        c.w.bulk(s.address.slice(i + 1));
        c.w.bulk(String(ack.offset));
      }
      for (const [ip, port, ack] of fed) {
        c.w.array(3);
        c.w.bulk(ip);
        c.w.bulk(String(port));
        c.w.bulk(String(ack));
      }
    },
  },
  {
    name: 'wait',
    arity: 3,
    flags: [],
    acl: ['@connection'],
    handler: (c, a) => {
      const wanted = parseIntArg(a[1] as string);
      const t = parseIntArg(a[2] as string, 'ERR timeout is not an integer or out of range');
      if (t < 0) fail('ERR timeout is negative');
      if (c.engine.replication.primary !== null) fail('ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.');
      // Replication is in-process: once pending changes are shipped, a replica with an intact link has
      // acknowledged them; one whose link the fault API cut or delays counts once it got this client's writes.
      const r = c.engine.replication;
      r.flushNow();
      const acked = r.ackedReplicas(c.woff, c.replOff);
      // A blocked WAIT keeps the count in an int: redis-server compares later acks with its low 32
      // bits, so WAIT 4294967296 0 answers at once.
      const blockedWants = Number(BigInt.asIntN(32, BigInt(a[1] as string)));
      if (acked >= wanted || acked >= blockedWants || c.multi !== null || c.engine.execDepth !== 0) return c.w.int(acked);
      r.waitForAcks(c, blockedWants, t);
    },
  },
  {
    name: 'config',
    arity: -2,
    flags: [],
    handler: () => undefined,
    subcommands: [
      {
        name: 'get',
        arity: -3,
        flags: ['admin', 'loading', 'stale'],
        handler: (c, a) => {
          const cfg = c.engine.config;
          // Keyed case-insensitively, as Redis's reply dictionary: the first spelling asked for stays.
          const found = new Map<string, [string, string]>();
          for (const pattern of a.slice(2)) {
            const p = pattern.toLowerCase();
            // A plain name is looked up directly (hidden knobs too) and answered as it was spelt.
            if (!/[*?[]/.test(p)) {
              const v = cfg.get(p);
              if (v !== undefined && !found.has(p)) found.set(p, [pattern, v]);
              continue;
            }
            for (const name of cfg.names()) if (!HIDDEN_PARAMS.has(name) && !found.has(name) && globMatch(p, name)) found.set(name, [name, cfg.get(name) ?? '']);
          }
          c.w.map(found.size);
          for (const [k, v] of found.values()) {
            c.w.bulk(k);
            c.w.bulk(v);
          }
        },
      },
      {
        name: 'set',
        arity: -4,
        flags: ['admin', 'loading', 'stale'],
        handler: (c, a) => {
          if (a.length % 2 !== 0) fail(E.SYNTAX); // an odd count of name/value words, as redis-server 7.0
          const pairs: [string, string][] = [];
          for (let i = 2; i < a.length; i += 2) pairs.push([a[i] as string, a[i + 1] as string]);
          const before = pairs.flatMap(([name]) => (/^(port|bind)$/i.test(name) ? [] : [[name, c.engine.config.get(name) ?? ''] as const]));
          try {
            c.engine.config.setMany(pairs);
          } finally {
            // Re-read even when it failed: a failed CONFIG SET can change notify-keyspace-events (config.ts).
            void c.engine.notifyFlags;
          }
          c.engine.ks.setPolicy(c.engine.config.maxmemoryPolicy, c.engine.config.maxmemory);
          c.engine.ks.lfuLogFactor = c.engine.config.lfuLogFactor;
          c.engine.ks.lfuDecayTime = c.engine.config.lfuDecayTime;
          // Re-reads notify-keyspace-events now, so the new/keymiss hooks take effect at once.
          if (!c.engine.notifying) c.engine.emptied = [];
          // Inside EXEC redis-server 7.0 evicts only once the transaction ended (before the next command).
          if (c.engine.config.maxmemory > 0 && c.engine.execDepth === 0) c.engine.freeMemory();
          if (!moveListener(c, pairs, before)) c.w.ok();
        },
      },
      {
        name: 'resetstat',
        arity: 2,
        flags: ['admin', 'loading', 'stale'],
        handler: (c) => {
          c.engine.resetStats();
          c.engine.ks.stats.lazyfreed = 0;
          resetSanitizations(c.engine);
          // The slow log stays: redis-server's CONFIG RESETSTAT resets counters only (SLOWLOG RESET empties it).
          c.w.ok();
        },
      },
      { name: 'rewrite', arity: 2, flags: ['admin'], handler: (c) => configRewrite(c.engine, false, 'ERR Rewriting config file: ', () => c.w.ok()) },
      { name: 'help', arity: 2, flags: ['loading', 'stale'], handler: (c) => writeHelp(c, CONFIG_HELP) },
    ],
  },
  commandCommand,
  {
    name: 'slowlog',
    arity: -2,
    flags: [],
    handler: () => undefined,
    subcommands: [
      {
        name: 'get',
        arity: -2,
        flags: ['admin', 'loading', 'stale'],
        handler: (c, a) => {
          let n = 10;
          if (a.length === 3) {
            n = parseIntArg(a[2] as string, 'ERR count should be greater than or equal to -1');
            if (n < -1) fail('ERR count should be greater than or equal to -1');
            if (n === -1) n = Infinity;
          } else if (a.length > 3) fail(E.SYNTAX);
          const list = c.engine.slowlog.slice(0, n);
          c.w.array(list.length);
          for (const s of list) {
            c.w.array(6);
            c.w.int(s.id);
            c.w.int(s.time);
            c.w.int(s.usec);
            c.w.bulks(s.args);
            c.w.bulk(s.addr);
            c.w.bulk(s.name);
          }
        },
      },
      { name: 'len', arity: 2, flags: ['admin', 'loading', 'stale'], handler: (c) => c.w.int(c.engine.slowlog.length) },
      {
        name: 'reset',
        arity: 2,
        flags: ['admin', 'loading', 'stale'],
        handler: (c) => {
          c.engine.slowlog = [];
          c.w.ok();
        },
      },
      { name: 'help', arity: 2, flags: ['loading', 'stale'], handler: (c) => writeHelp(c, SLOWLOG_HELP) },
    ],
  },
  {
    name: 'memory',
    arity: -2,
    flags: [],
    handler: () => undefined,
    subcommands: [
      { name: 'usage', arity: -3, flags: ['readonly'], keys: [2, 2, 1], handler: memoryUsage },
      { name: 'stats', arity: 2, flags: [], handler: memoryStats },
      { name: 'doctor', arity: 2, flags: [], handler: (c) => c.w.verbatim(memoryDoctor(c.engine.usedMemory())) },
      { name: 'malloc-stats', arity: 2, flags: [], handler: (c) => c.w.verbatim('Stats not supported for the current allocator') },
      { name: 'purge', arity: 2, flags: [], handler: (c) => c.w.ok() },
      { name: 'help', arity: 2, flags: [], handler: (c) => writeHelp(c, MEMORY_HELP) },
    ],
  },
  {
    name: 'latency',
    arity: -2,
    flags: [],
    handler: () => undefined,
    subcommands: [
      ...latencySubcommands,
      {
        name: 'histogram',
        arity: -2,
        flags: ['admin', 'loading', 'stale'],
        handler: (c, a) => {
          // Commands with a histogram, and its count as their calls (7.0's fillCommandCDF): a blocking
          // command that only timed out has none.
          const all = c.engine.cmdStats.filter(([, s]) => s.histogram.some((n) => n > 0));
          // In the order asked; a container (CLIENT) stands for each of its subcommands, as in Redis.
          const rows = a.length <= 2 ? all : a.slice(2).flatMap((n) => {
            const name = n.toLowerCase();
            return all.filter(([full]) => full === name || full.startsWith(`${name}|`));
          });
          c.w.map(rows.length);
          for (const [name, s] of rows) {
            c.w.bulk(name);
            c.w.map(2);
            c.w.bulk('calls');
            c.w.int(s.histogram.reduce((sum, n) => sum + (n ?? 0), 0));
            c.w.bulk('histogram_usec');
            // Cumulative counts at each power-of-two bound where the count grows, as Redis reports them.
            const points: [number, number][] = [];
            let total = 0;
            s.histogram.forEach((n, k) => {
              if (!n) return;
              total += n;
              points.push([2 ** k, total]);
            });
            c.w.map(points.length);
            for (const [bound, cum] of points) {
              c.w.int(bound);
              c.w.int(cum);
            }
          }
        },
      },
    ],
  },
  debugSpec,
]);

