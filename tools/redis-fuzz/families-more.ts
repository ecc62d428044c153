// The families added in session 24: generated scripts and libraries (lua-gen.ts), client tracking
// in all its modes, encoding knobs and eviction policies read back through OBJECT, notification
// classes, and RESTORE of what redis-server itself dumped. They take the data families' generators
// as arguments (families.ts owns those and the key pools).
import { createHash } from 'node:crypto';
import { mulberry32, pick } from '../../test/engines/redis/random.ts';
import { evalScript, library } from './lua-gen.ts';
import { value, type Rnd } from './values.ts';

type Gen = (r: Rnd) => string[];

/** `@xrestore <src> <dest> [opts]`: DUMP src on redis-server, RESTORE its payload on both (compare.ts). */
export const XRESTORE = '@xrestore';
/** Replaced per server by a client's id (session.ts): the peer's, the subscriber's, the main client's. */
export const CLIENT_IDS = { peer: '@id:peer', sub: '@id:sub', main: '@id:main' } as const;

// Replies that depend on a random pick, a clock, or a dict's order: not called from generated scripts.
export const NOT_IN_SCRIPTS = /^(SMEMBERS|SINTER|SUNION|SDIFF|KEYS|SPOP|SRANDMEMBER|HRANDFIELD|ZRANDMEMBER|RANDOMKEY|HGETALL|HKEYS|HVALS|[HSZ]?SCAN|TTL|PTTL|EXPIRETIME|PEXPIRETIME|OBJECT|DUMP|SORT|SORT_RO|XINFO|XPENDING|TIME|LASTSAVE|SELECT|SWAPDB|FLUSHALL|MOVE|ZRANGEBYLEX|ZREVRANGEBYLEX|ZLEXCOUNT|ZREMRANGEBYLEX)$/i;

export interface Deps {
  keyOf: (r: Rnd, family: string) => string;
  anyKey: (r: Rnd) => string;
  /** Generators of the data families (strings, lists, hashes, ...). */
  data: Gen[];
  /** The data generators that read (no writes), for tracking. */
  reads: Gen[];
  peer: string;
}

export function moreFamilies(d: Deps): Record<string, { weight: number; gens: Gen[] }> {
  const scriptCommand = (r: Rnd): string[] => {
    for (;;) {
      const cmd = pick(r, d.data)(r);
      // A lex range over a skiplist of mixed scores is random on redis-server (session.ts).
      if (!NOT_IN_SCRIPTS.test(cmd[0] ?? '') && !cmd.includes('BYLEX')) return cmd;
    }
  };
  // A pool of scripts that recur within and across seeds, so EVALSHA and SCRIPT EXISTS find them.
  const pooled = (k: number): string => evalScript(mulberry32(1_000_000 + k), scriptCommand);
  const sha = (s: string): string => createHash('sha1').update(Buffer.from(s, 'latin1')).digest('hex');
  const keysAndArgs = (r: Rnd): string[] => {
    const n = r() < 0.85 ? pick(r, ['1', '2', '0']) : pick(r, ['-1', 'x', '3', '01']);
    const keys = Array.from({ length: Math.max(0, Math.min(2, Number(n) || 0)) }, () => d.anyKey(r));
    return [n, ...keys, ...Array.from({ length: Math.floor(r() * 3) }, () => value(r))];
  };

  const luagen: Gen[] = [
    (r) => [pick(r, ['EVAL', 'EVAL', 'EVAL_RO']), evalScript(r, scriptCommand), ...keysAndArgs(r)],
    (r) => [pick(r, ['EVAL', 'EVAL_RO']), pooled(Math.floor(r() * 40)), ...keysAndArgs(r)],
    (r) => ['SCRIPT', 'LOAD', pooled(Math.floor(r() * 40))],
    (r) => [pick(r, ['EVALSHA', 'EVALSHA', 'EVALSHA_RO']), sha(pooled(Math.floor(r() * 40))), ...keysAndArgs(r)],
    (r) => ['SCRIPT', 'EXISTS', sha(pooled(Math.floor(r() * 40))), sha(pooled(Math.floor(r() * 40)))],
    (r) => ['FUNCTION', 'LOAD', ...(r() < 0.8 ? ['REPLACE'] : []), library(r, scriptCommand)],
    (r) => [pick(r, ['FCALL', 'FCALL', 'FCALL_RO']), pick(r, ['g1', 'g1', 'g2', 'G1']), ...keysAndArgs(r)],
  ];

  const trackingOptions = (r: Rnd): string[] => {
    const out: string[] = [];
    if (r() < 0.4) out.push('BCAST');
    for (let i = 0; i < Math.floor(r() * 3); i++) out.push('PREFIX', pick(r, ['s', 'h', 'l', 'z', '', 's1', 'x', 'h1x']));
    if (r() < 0.35) out.push(pick(r, ['OPTIN', 'OPTOUT']));
    if (r() < 0.3) out.push('NOLOOP');
    if (r() < 0.35) out.push('REDIRECT', pick(r, [CLIENT_IDS.sub, CLIENT_IDS.sub, CLIENT_IDS.peer, CLIENT_IDS.main, '0', '999999', 'x']));
    return out;
  };
  const tracking: Gen[] = [
    (r) => ['CLIENT', 'TRACKING', pick(r, ['on', 'on', 'ON', 'off', 'x']), ...trackingOptions(r)],
    (r) => ['CLIENT', 'CACHING', pick(r, ['yes', 'no', 'YES', 'x'])],
    (r) => ['CLIENT', pick(r, ['TRACKINGINFO', 'GETREDIR'])],
    (r) => pick(r, d.reads)(r),
    (r) => pick(r, d.reads)(r),
    (r) => pick(r, d.data)(r),
    (r) => [d.peer, ...pick(r, d.data)(r)],
    (r) => [d.peer, ...pick(r, d.data)(r)],
  ];

  const knob = (r: Rnd): string[] =>
    pick(r, [
      () => [pick(r, ['hash-max-listpack-entries', 'hash-max-ziplist-entries', 'set-max-intset-entries', 'zset-max-listpack-entries', 'zset-max-ziplist-entries']), pick(r, ['0', '1', '2', '3', '128', '-1', 'x', '4294967296', '1k'])],
      () => [pick(r, ['hash-max-listpack-value', 'zset-max-listpack-value', 'hash-max-ziplist-value']), pick(r, ['0', '1', '2', '64', '-1', '1gb', 'x'])],
      () => [pick(r, ['list-max-listpack-size', 'list-max-ziplist-size']), pick(r, ['-1', '-2', '-5', '-6', '0', '1', '2', '4', 'x'])],
      () => ['maxmemory-policy', pick(r, ['allkeys-lfu', 'volatile-lfu', 'allkeys-lru', 'volatile-lru', 'noeviction', 'allkeys-random', 'volatile-ttl', 'x', 'LFU'])],
      () => [pick(r, ['lfu-log-factor', 'lfu-decay-time']), pick(r, ['0', '1', '10', '-1', 'x', '255'])],
      () => ['notify-keyspace-events', pick(r, ['', 'KEA', 'Kg', 'E$', 'Kl', 'Eh', 'KEs', 'Ez', 'Kx', 'Ee', 'KEm', 'Kd', 'Et', 'KEn', 'A', 'K', 'Q', 'KEAn', 'gxe', 'KElshz'])],
    ])();
  const grow = (r: Rnd): string[] =>
    pick(r, [
      () => ['HSET', d.keyOf(r, 'hash'), ...Array.from({ length: 2 + Math.floor(r() * 3) }, (_, i) => [`f${i}`, value(r)]).flat()],
      () => ['SADD', d.keyOf(r, 'set'), ...Array.from({ length: 2 + Math.floor(r() * 3) }, () => pick(r, ['1', '2', '3', '-5', '40000', '2147483648', '9223372036854775807', 'a']))],
      () => ['ZADD', d.keyOf(r, 'zset'), ...Array.from({ length: 2 + Math.floor(r() * 3) }, () => [pick(r, ['1', '2', '-1', '1e300']), value(r)]).flat()],
      () => [pick(r, ['RPUSH', 'LPUSH']), d.keyOf(r, 'list'), ...Array.from({ length: 2 + Math.floor(r() * 4) }, () => value(r))],
    ])();
  const knobs: Gen[] = [
    (r) => ['CONFIG', 'SET', ...knob(r), ...(r() < 0.2 ? knob(r) : [])],
    (r) => ['CONFIG', 'GET', pick(r, ['maxmemory-policy', 'lfu-*', 'hash-max-*', 'notify-keyspace-events', 'list-max-*'])],
    (r) => ['OBJECT', pick(r, ['ENCODING', 'ENCODING', 'FREQ', 'IDLETIME', 'REFCOUNT']), d.anyKey(r)],
    grow,
    grow,
    (r) => pick(r, d.data)(r),
  ];

  const xrestore: Gen[] = [
    (r) => [XRESTORE, d.anyKey(r), d.anyKey(r), ...(r() < 0.7 ? ['REPLACE'] : []), ...(r() < 0.2 ? pick(r, [['ABSTTL'], ['IDLETIME', '5'], ['FREQ', '3']]) : [])],
    grow,
    (r) => pick(r, d.data)(r),
  ];

  return {
    luagen: { weight: 6, gens: luagen },
    tracking: { weight: 3, gens: tracking },
    knobs: { weight: 3, gens: knobs },
    xrestore: { weight: 2, gens: xrestore },
  };
}
