// The families added in session 25, where the earlier ones never looked: collections grown past
// their encoding limits and shrunk back (OBJECT ENCODING, DEBUG OBJECT/RELOAD/DIGEST, MEMORY USAGE),
// introspection (INFO sections, CONFIG GET patterns, LATENCY, ACL LOG/GENPASS, HELLO's options, DEBUG
// PROTOCOL), several clients at once (pipelines, CLIENT REPLY OFF/SKIP, PUBLISH heard by a
// subscribed main client, CLIENT PAUSE held writes), and short expiries read after they passed
// (active expiry is off in every sequence, so a key expires only when a command looks it up).
import { pick } from '../../test/engines/redis/random.ts';
import { value, type Rnd } from './values.ts';

type Gen = (r: Rnd) => string[];

/** `@batch A @; B @; C`: the main client sends all of them at once, then a PING (session.ts). */
export const BATCH = '@batch';
export const SEP = '@;';
/** `@deliver <PUBLISH ...>`: the peer publishes, then the main client reads what reached it up to a PING. */
export const DELIVER = '@deliver';
/** `@paused <WRITE|ALL> <command>`: the main client pauses clients, the peer's command waits, CLIENT UNPAUSE lets it run. */
export const PAUSED = '@paused';

export interface WideDeps {
  keyOf: (r: Rnd, family: string) => string;
  anyKey: (r: Rnd) => string;
  /** Data commands whose replies are deterministic (no random picks, clocks or dict order). */
  plain: Gen;
  data: Gen[];
  peer: string;
}

const batch = (cmds: string[][]): string[] => [BATCH, ...cmds.flatMap((c, i) => (i === 0 ? c : [SEP, ...c]))];
const n = (r: Rnd, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));

export function wideFamilies(d: WideDeps): Record<string, { weight: number; gens: Gen[] }> {
  // Sizes around the defaults' limits (128 entries, 64 bytes, 512 intset entries, 8 kB list nodes).
  const many = (r: Rnd): number => pick(r, [n(r, 1, 5), 127, 128, 129, 130, 200, 511, 512, 513, 600]);
  const bigValue = (r: Rnd): string => pick(r, ['z'.repeat(63), 'z'.repeat(64), 'z'.repeat(65), 'w'.repeat(300), 'q'.repeat(8200), value(r)]);
  const grow: Gen[] = [
    (r) => ['HSET', d.keyOf(r, 'hash'), ...Array.from({ length: many(r) }, (_, i) => [`f${i}`, r() < 0.05 ? bigValue(r) : String(i)]).flat()],
    (r) => ['HSET', d.keyOf(r, 'hash'), pick(r, ['f1', 'f2', 'big']), bigValue(r)],
    (r) => ['SADD', d.keyOf(r, 'set'), ...Array.from({ length: many(r) }, (_, i) => (r() < 0.03 ? pick(r, ['a', '-0', '01', '9223372036854775808', ' 1']) : String(i - 3)))],
    (r) => ['ZADD', d.keyOf(r, 'zset'), ...Array.from({ length: many(r) }, (_, i) => [String(i % 7), r() < 0.03 ? bigValue(r) : `m${i}`]).flat()],
    (r) => [pick(r, ['RPUSH', 'LPUSH']), d.keyOf(r, 'list'), ...Array.from({ length: many(r) }, (_, i) => (r() < 0.05 ? bigValue(r) : `e${i}`))],
    (r) => ['XADD', d.keyOf(r, 'stream'), '*', 'f', bigValue(r)].map((a) => (a === '*' ? `${n(r, 1, 9)}-*` : a)),
    (r) => ['SET', d.keyOf(r, 'str'), pick(r, ['12345', '-1', '9223372036854775807', '1e3', 'x'.repeat(44), 'x'.repeat(45), bigValue(r)])],
    (r) => ['APPEND', d.keyOf(r, 'str'), pick(r, ['1', 'x'.repeat(40)])],
  ];
  const shrink: Gen[] = [
    (r) => ['HDEL', d.keyOf(r, 'hash'), ...Array.from({ length: n(r, 1, 130) }, (_, i) => `f${i}`)],
    (r) => ['SREM', d.keyOf(r, 'set'), ...Array.from({ length: n(r, 1, 520) }, (_, i) => String(i - 3)), 'a'],
    (r) => ['ZREMRANGEBYRANK', d.keyOf(r, 'zset'), '0', pick(r, ['0', '10', '120', '-3', '-130'])],
    (r) => ['LTRIM', d.keyOf(r, 'list'), pick(r, ['0', '1', '5', '100', '-3']), pick(r, ['0', '2', '-1', '-100', '200'])],
    (r) => [pick(r, ['LPOP', 'RPOP']), d.keyOf(r, 'list'), pick(r, ['1', '50', '127', '200'])],
    (r) => ['ZPOPMIN', d.keyOf(r, 'zset'), pick(r, ['1', '50', '127'])],
    (r) => ['LREM', d.keyOf(r, 'list'), pick(r, ['0', '2', '-3']), pick(r, ['e1', 'e2', 'e100'])],
    (r) => ['LINSERT', d.keyOf(r, 'list'), pick(r, ['BEFORE', 'AFTER']), pick(r, ['e0', 'e5', 'e128']), bigValue(r)],
    (r) => ['LSET', d.keyOf(r, 'list'), pick(r, ['0', '-1', '64', '130']), bigValue(r)],
  ];
  const look: Gen[] = [
    (r) => ['OBJECT', 'ENCODING', d.anyKey(r)],
    (r) => ['DEBUG', 'OBJECT', d.anyKey(r)],
    (r) => ['DEBUG', 'DIGEST-VALUE', d.anyKey(r), ...(r() < 0.3 ? [d.anyKey(r)] : [])],
    () => ['DEBUG', 'DIGEST'],
    (r) => ['MEMORY', 'USAGE', d.anyKey(r), ...(r() < 0.3 ? ['SAMPLES', pick(r, ['0', '1', '5'])] : [])],
    (r) => ['DUMP', d.anyKey(r)],
    (r) => ['DEBUG', ...pick(r, [['RELOAD'], ['RELOAD'], ['RELOAD', 'NOSAVE'], ['JMAP'], ['CHANGE-REPL-ID'], ['SLEEP', '0'], ['QUICKLIST-PACKED-THRESHOLD', pick(r, ['100', '1k', '0', 'x', '1073741824'])], ['STRINGMATCH-LEN', 'x'], ['HTSTATS-KEY', d.anyKey(r)]])],
    (r) => ['CONFIG', 'SET', pick(r, ['hash-max-listpack-entries', 'set-max-intset-entries', 'zset-max-listpack-entries', 'hash-max-listpack-value', 'zset-max-listpack-value', 'list-max-listpack-size', 'list-compress-depth']), pick(r, ['0', '1', '2', '64', '128', '512', '-1', '-2', '4'])],
    (r) => [pick(r, ['LRANGE', 'ZRANGE']), d.anyKey(r), pick(r, ['0', '60', '-3']), pick(r, ['-1', '3', '130'])],
    (r) => [pick(r, ['HGET', 'HSTRLEN']), d.keyOf(r, 'hash'), pick(r, ['f1', 'f127', 'f128', 'big'])],
    (r) => [pick(r, ['SISMEMBER', 'SMISMEMBER']), d.keyOf(r, 'set'), pick(r, ['1', '508', 'a', '-3'])],
    (r) => [pick(r, ['LLEN', 'HLEN', 'SCARD', 'ZCARD', 'STRLEN', 'XLEN']), d.anyKey(r)],
    (r) => [pick(r, ['LINDEX', 'ZRANK', 'ZSCORE']), d.anyKey(r), pick(r, ['0', '-1', '128', 'm5', 'm200'])],
  ];

  const infoSection = (r: Rnd): string[] => (r() < 0.2 ? [] : [pick(r, ['keyspace', 'stats', 'commandstats', 'errorstats', 'clients', 'memory', 'persistence', 'replication', 'cpu', 'modules', 'cluster', 'server', 'latencystats', 'all', 'everything', 'default', 'x', 'KEYSPACE'])]);
  const introspection: Gen[] = [
    (r) => ['INFO', ...infoSection(r), ...(r() < 0.2 ? infoSection(r) : [])],
    (r) => ['INFO', pick(r, ['keyspace', 'stats', 'commandstats', 'errorstats'])],
    (r) => ['CONFIG', 'GET', pick(r, ['*', '*max*', 'maxmemory*', '*-max-*', 'list-*', 'l*', '?ave', 'appendonly', 'no*', '*policy*', 'notify-keyspace-events', '*lua*', '*port*', 'client-output-buffer-limit', 'save', 'slowlog-*', 'latency*', 'ACL*', 'bind', 'oom-score-adj-values', 'busy-reply-threshold', 'lfu*'])],
    (r) => ['CONFIG', 'GET', pick(r, ['maxmemory', 'hz', 'timeout']), pick(r, ['databases', 'maxmemory', 'tcp-keepalive'])],
    (r) => ['CONFIG', 'SET', pick(r, ['slowlog-max-len', 'latency-tracking', 'maxmemory-samples', 'hz', 'busy-reply-threshold', 'lua-time-limit', 'active-expire-effort']), pick(r, ['0', '1', '10', '128', 'yes', 'no', '-1', 'x', '1k'])],
    () => ['CONFIG', 'RESETSTAT'],
    (r) => ['LATENCY', pick(r, ['HISTOGRAM', 'HISTOGRAM', 'LATEST', 'RESET', 'HISTORY', 'DOCTOR']), ...(r() < 0.5 ? [pick(r, ['set', 'get', 'command', 'x', 'client|id', 'CONFIG|GET'])] : [])],
    (r) => ['ACL', 'LOG', ...(r() < 0.5 ? [pick(r, ['RESET', '1', '0', '-1', 'x', '10'])] : [])],
    (r) => ['ACL', 'GENPASS', ...(r() < 0.6 ? [pick(r, ['1', '4', '5', '64', '0', '-1', '4097', 'x', '255'])] : [])],
    (r) => ['ACL', 'SETUSER', 'u1', 'on', 'nopass', ...pick(r, [['+@all', '~*'], ['+get', '~s*'], ['+@read', '%R~h*', '%W~s*'], ['-@all', '+set', 'resetchannels', '&ch1'], ['(+get ~z*)', '(+set ~s*)'], ['+@all', 'allkeys', 'allchannels'], ['+@hash', '~h1']])],
    (r) => ['ACL', 'DRYRUN', 'u1', ...pick(r, [['GET', 's1'], ['SET', 's1', 'v'], ['HSET', 'h1', 'f', 'v'], ['PUBLISH', 'ch1', 'x'], ['SUBSCRIBE', 'ch2'], ['ZADD', 'z1', '1', 'a'], ['LMOVE', 'l1', 's1', 'LEFT', 'RIGHT'], ['EVAL', 'return 1', '1', 's1'], ['SORT', 'l1', 'BY', 'h*->f', 'STORE', 's2']])],
    (r) => ['AUTH', 'u1', pick(r, ['x', 'pw'])],
    (r) => ['HELLO', pick(r, ['2', '3']), ...pick(r, [['AUTH', 'default', 'x'], ['AUTH', 'u1', 'x'], ['SETNAME', pick(r, ['n1', '', 'a b'])], ['AUTH', 'default', 'nopass', 'SETNAME', 'n2'], ['AUTH'], ['SETNAME'], ['x']])],
    (r) => ['DEBUG', 'PROTOCOL', pick(r, ['string', 'integer', 'double', 'bignum', 'null', 'array', 'set', 'map', 'push', 'verbatim', 'true', 'false', 'x'])],
    (r) => ['MEMORY', pick(r, ['DOCTOR', 'PURGE', 'STATS', 'HELP', 'x'])],
    (r) => ['MODULE', pick(r, ['LIST', 'HELP', 'LOAD', 'UNLOAD', 'LOADEX', 'x']), ...(r() < 0.5 ? [pick(r, ['/nonexistent.so', 'x'])] : [])],
    (r) => ['CLUSTER', pick(r, ['NODES', 'SLOTS', 'SHARDS', 'COUNTKEYSINSLOT', 'GETKEYSINSLOT', 'LINKS', 'HELP', 'RESET', 'REPLICAS', 'ADDSLOTS', 'COUNT-FAILURE-REPORTS']), ...(r() < 0.5 ? [pick(r, ['0', '1', 'x', '16384'])] : [])],
    (r) => ['FAILOVER', ...(r() < 0.6 ? pick(r, [['ABORT'], ['TO', '127.0.0.1', '1'], ['TIMEOUT', '10'], ['FORCE'], ['x']]) : [])],
    (r) => ['XINFO', 'STREAM', d.keyOf(r, 'stream'), 'FULL', ...(r() < 0.4 ? ['COUNT', pick(r, ['0', '1', '2', 'x', '-1'])] : [])],
    (r) => ['XGROUP', pick(r, ['HELP', 'CREATECONSUMER']), ...(r() < 0.5 ? [d.keyOf(r, 'stream'), 'g1', 'c3'] : [])],
    (r) => ['OBJECT', pick(r, ['FREQ', 'IDLETIME', 'ENCODING']), d.anyKey(r)],
    (r) => ['CONFIG', 'SET', 'maxmemory-policy', pick(r, ['allkeys-lfu', 'noeviction', 'allkeys-lru'])],
    (r) => ['TOUCH', d.anyKey(r)],
    (r) => d.plain(r),
    (r) => d.plain(r),
  ];

  const safeCommands = (r: Rnd): string[][] => Array.from({ length: n(r, 1, 4) }, () => d.plain(r));
  const clients: Gen[] = [
    (r) => batch(safeCommands(r)),
    (r) => batch([['CLIENT', 'REPLY', 'OFF'], ...safeCommands(r), ['CLIENT', 'REPLY', 'ON']]),
    (r) => batch([['CLIENT', 'REPLY', 'SKIP'], ...safeCommands(r)]),
    (r) => batch([['CLIENT', 'REPLY', 'SKIP'], ['CLIENT', 'REPLY', pick(r, ['SKIP', 'ON', 'OFF'])], ['CLIENT', 'REPLY', 'ON'], d.plain(r)]),
    (r) => batch([['MULTI'], ...safeCommands(r), [pick(r, ['EXEC', 'EXEC', 'DISCARD'])]]),
    (r) => [DELIVER, pick(r, ['PUBLISH', 'PUBLISH', 'SPUBLISH']), pick(r, ['ch3', 'sh1', 'q1', 'ch1', 'qx']), value(r)],
    (r) => [pick(r, ['SUBSCRIBE', 'UNSUBSCRIBE']), pick(r, ['ch3', 'ch1'])],
    (r) => [pick(r, ['PSUBSCRIBE', 'PUNSUBSCRIBE']), pick(r, ['q*', 'ch?'])],
    (r) => [pick(r, ['SSUBSCRIBE', 'SUNSUBSCRIBE']), pick(r, ['sh1', 'sh2'])],
    (r) => ['PUBSUB', pick(r, ['NUMSUB', 'SHARDNUMSUB', 'NUMPAT', 'CHANNELS', 'SHARDCHANNELS']), ...(r() < 0.6 ? [pick(r, ['ch3', 'sh1', 'q*', '*'])] : [])],
    (r) => [PAUSED, pick(r, ['WRITE', 'ALL']), ...pick(r, [() => d.plain(r), () => ['PUBLISH', 'ch1', 'x'], () => ['EVAL', "return redis.call('GET', KEYS[1])", '1', 's1'], () => ['EVAL', "return redis.call('SET', KEYS[1], 'p')", '1', 's1'], () => ['INCR', 's1'], () => ['EXPIRE', 's1', '1000']])()],
    (r) => [d.peer, 'CLIENT', 'LIST', 'TYPE', pick(r, ['normal', 'pubsub'])],
    (r) => [d.peer, ...d.plain(r)],
    (r) => ['WATCH', d.anyKey(r)],
    (r) => d.plain(r),
  ];

  // PEXPIRE and RESTORE ask checkAlreadyExpired(now + ttl) with a second clock reading: at 1 ms
  // redis-server alone sometimes crossed a millisecond between the two and deleted the key at once
  // (`del`, no `expire`/`restore`, seeds 73171, 73447), so those take 2 ms.
  // A key with a short expiry is only ever read after it passed: each write is followed, in the same
  // batch, by a DEBUG SLEEP longer than it (active expiry is off: the key waits for a lookup).
  const shortTtl = (r: Rnd): string[] =>
    pick(r, [
      () => ['SET', d.keyOf(r, 'str'), value(r), 'PX', pick(r, ['1', '2'])],
      () => ['PSETEX', d.keyOf(r, 'str'), '1', value(r)],
      () => ['PEXPIRE', d.anyKey(r), pick(r, ['2', '2']), ...(r() < 0.3 ? [pick(r, ['NX', 'XX', 'GT', 'LT'])] : [])],
      () => ['GETEX', d.anyKey(r), 'PX', '1'],
      () => ['RESTORE', d.anyKey(r), '2', '\x00\x05hello\x0a\x00cr\xdfve4 \x0a', 'REPLACE'],
    ])();
  const expiry: Gen[] = [
    // One short expiry per batch: a second one on the same key may find it expired or not (seed 3083).
    (r) => batch([shortTtl(r), ['DEBUG', 'SLEEP', '0.004']]),
    (r) => batch([['MULTI'], shortTtl(r), ['DEBUG', 'SLEEP', '0.004'], ...safeCommands(r), ['EXEC']]),
    // A script sees the time it started at: the key it gave 1 ms is there until it returns.
    (r) => batch([...(r() < 0.5 ? [['MULTI']] : []), ['EVAL', pick(r, ["redis.call('SET', KEYS[1], 'v', 'PX', 1) return redis.call('EXISTS', KEYS[1])", "redis.call('PSETEX', KEYS[1], 1, 'v') return {redis.call('GET', KEYS[1]), redis.call('EXISTS', KEYS[1])}", "return redis.call('EXISTS', KEYS[1])"]), '1', d.keyOf(r, 'str')], ['DEBUG', 'SLEEP', '0.004'], ['EXISTS', 's1'], ['EXEC']]),
    (r) => {
      const k = d.anyKey(r);
      return pick(r, [['GET', k], ['EXISTS', k], ['TYPE', k], ['TTL', k], ['PTTL', k], ['OBJECT', 'ENCODING', k], ['TOUCH', k], ['DEBUG', 'OBJECT', k], ['DUMP', k], ['STRLEN', k], ['LLEN', k], ['RENAME', k, d.anyKey(r)], ['COPY', k, d.anyKey(r)], ['MOVE', k, '1'], ['PERSIST', k], ['EXPIRETIME', k]]);
    },
    (r) => ['SCAN', '0', ...(r() < 0.5 ? ['TYPE', pick(r, ['string', 'hash'])] : [])],
    () => ['DBSIZE'],
    () => ['KEYS', '*'],
    (r) => ['INFO', pick(r, ['keyspace', 'stats'])],
    (r) => [d.peer, pick(r, ['GET', 'EXISTS', 'TTL']), d.anyKey(r)],
    (r) => d.plain(r),
  ];

  return {
    encodings: { weight: 4, gens: [...grow, ...grow, ...shrink, ...look, ...look] },
    introspection: { weight: 3, gens: introspection },
    clients: { weight: 3, gens: clients },
    expiry: { weight: 3, gens: expiry },
  };
}
