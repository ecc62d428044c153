// Command generators, one table per command family. Each draws keys mostly from its own family's
// pool so the commands reach deep states, and sometimes from another's so wrong types are exercised.
import { pick } from '../../test/engines/redis/random.ts';
import { docsCommand } from './families-docs.ts';
import { moreFamilies, NOT_IN_SCRIPTS, XRESTORE } from './families-more.ts';
import { optionFamilies } from './families-options.ts';
import { BATCH, DELIVER, PAUSED, wideFamilies } from './families-wide.ts';
import { bound, count, expiryOption, float, int, lexBound, ttl, ttlMs, unixTime, value, type Rnd } from './values.ts';

const POOLS: Record<string, string[]> = {
  str: ['s1', 's2'],
  list: ['l1', 'l2'],
  hash: ['h1', 'h2'],
  set: ['S1', 'S2', 'S3'],
  zset: ['z1', 'z2'],
  stream: ['x1', 'x2'],
  geo: ['g1', 'g2'],
  hll: ['p1', 'p2'],
};
// Binary names too: redis-server prints them with %s in some texts, so a NUL ends them there.
const ALL_KEYS = Object.values(POOLS).flat().concat(['k', '', 'a\x00b', '\xff\r\n']);

export function keyOf(r: Rnd, family: string): string {
  return r() < 0.85 ? pick(r, POOLS[family] ?? ALL_KEYS) : pick(r, ALL_KEYS);
}

type Gen = (r: Rnd) => string[];
const opt = (r: Rnd, p: number, f: () => string[]): string[] => (r() < p ? f() : []);
const field = (r: Rnd): string => (r() < 0.8 ? pick(r, ['f1', 'f2', 'f3', 'f4', 'n']) : value(r));
const member = (r: Rnd): string => (r() < 0.7 ? pick(r, ['a', 'b', 'c', 'd', 'e', '1', '2', '3']) : value(r));

const strings: Gen[] = [
  (r) => ['SET', keyOf(r, 'str'), value(r), ...opt(r, 0.4, () => [pick(r, ['NX', 'XX', 'GET', 'KEEPTTL', 'GET', 'XX'])]), ...opt(r, 0.3, () => expiryOption(r, false))],
  (r) => ['GET', keyOf(r, 'str')],
  (r) => ['GETSET', keyOf(r, 'str'), value(r)],
  (r) => ['SETNX', keyOf(r, 'str'), value(r)],
  (r) => ['SETEX', keyOf(r, 'str'), ttl(r), value(r)],
  (r) => ['PSETEX', keyOf(r, 'str'), ttlMs(r), value(r)],
  (r) => ['MSET', keyOf(r, 'str'), value(r), keyOf(r, 'str'), value(r)],
  (r) => ['MSETNX', keyOf(r, 'str'), value(r), keyOf(r, 'str'), value(r)],
  (r) => ['MGET', keyOf(r, 'str'), keyOf(r, 'str'), keyOf(r, 'list')],
  (r) => ['APPEND', keyOf(r, 'str'), value(r)],
  (r) => ['STRLEN', keyOf(r, 'str')],
  (r) => [pick(r, ['INCR', 'DECR']), keyOf(r, 'str')],
  (r) => [pick(r, ['INCRBY', 'DECRBY']), keyOf(r, 'str'), int(r)],
  (r) => ['INCRBYFLOAT', keyOf(r, 'str'), float(r)],
  (r) => ['GETRANGE', keyOf(r, 'str'), int(r), int(r)],
  (r) => ['SUBSTR', keyOf(r, 'str'), int(r), int(r)],
  (r) => ['SETRANGE', keyOf(r, 'str'), pick(r, ['0', '1', '3', '-1', 'x', '536870912', '10']), value(r)],
  (r) => ['GETDEL', keyOf(r, 'str')],
  (r) => ['GETEX', keyOf(r, 'str'), ...opt(r, 0.7, () => (r() < 0.2 ? [pick(r, ['PERSIST', 'XX', 'EX'])] : expiryOption(r, true)))],
  (r) => ['LCS', keyOf(r, 'str'), keyOf(r, 'str'), ...opt(r, 0.6, () => [pick(r, ['LEN', 'IDX']), ...opt(r, 0.5, () => ['MINMATCHLEN', int(r)]), ...opt(r, 0.5, () => ['WITHMATCHLEN'])])],
];

const bits: Gen[] = [
  (r) => ['SETBIT', keyOf(r, 'str'), pick(r, ['0', '1', '7', '8', '15', '100', '-1', 'x', '4294967296', '4294967297']), pick(r, ['0', '1', '2', '', 'x'])],
  (r) => ['GETBIT', keyOf(r, 'str'), int(r)],
  (r) => ['BITCOUNT', keyOf(r, 'str'), ...opt(r, 0.6, () => [int(r), int(r), ...opt(r, 0.4, () => [pick(r, ['BIT', 'BYTE', 'bit', 'x'])])])],
  (r) => ['BITPOS', keyOf(r, 'str'), pick(r, ['0', '1', '2', 'x']), ...opt(r, 0.6, () => [int(r), ...opt(r, 0.5, () => [int(r), ...opt(r, 0.5, () => [pick(r, ['BIT', 'BYTE'])])])])],
  (r) => ['BITOP', pick(r, ['AND', 'OR', 'XOR', 'NOT', 'and', 'FOO']), keyOf(r, 'str'), keyOf(r, 'str'), ...opt(r, 0.6, () => [keyOf(r, 'str')])],
  (r) => ['BITFIELD', keyOf(r, 'str'), ...opt(r, 0.3, () => ['OVERFLOW', pick(r, ['WRAP', 'SAT', 'FAIL', 'x'])]), pick(r, ['GET', 'SET', 'INCRBY']), pick(r, ['u8', 'i8', 'u1', 'i64', 'u63', 'u64', 'i65', 'i0', 'u', 'x8']), pick(r, ['0', '#1', '#0', '-1', '7', '100', 'x']), ...opt(r, 0.8, () => [int(r)])],
  (r) => ['BITFIELD_RO', keyOf(r, 'str'), 'GET', pick(r, ['u8', 'i4', 'u2']), pick(r, ['0', '#2', '3'])],
];

const lists: Gen[] = [
  (r) => [pick(r, ['LPUSH', 'RPUSH']), keyOf(r, 'list'), member(r), ...opt(r, 0.6, () => [member(r), member(r)])],
  (r) => [pick(r, ['LPUSHX', 'RPUSHX']), keyOf(r, 'list'), member(r)],
  (r) => [pick(r, ['LPOP', 'RPOP']), keyOf(r, 'list'), ...opt(r, 0.4, () => [count(r)])],
  (r) => ['LRANGE', keyOf(r, 'list'), int(r), int(r)],
  (r) => ['LRANGE', keyOf(r, 'list'), '0', '-1'],
  (r) => ['LLEN', keyOf(r, 'list')],
  (r) => ['LINDEX', keyOf(r, 'list'), int(r)],
  (r) => ['LSET', keyOf(r, 'list'), int(r), member(r)],
  (r) => ['LREM', keyOf(r, 'list'), int(r), member(r)],
  (r) => ['LINSERT', keyOf(r, 'list'), pick(r, ['BEFORE', 'AFTER', 'after', 'MIDDLE']), member(r), member(r)],
  (r) => ['LTRIM', keyOf(r, 'list'), int(r), int(r)],
  (r) => ['LPOS', keyOf(r, 'list'), member(r), ...opt(r, 0.7, () => [pick(r, ['RANK', 'COUNT', 'MAXLEN']), int(r)]), ...opt(r, 0.3, () => [pick(r, ['RANK', 'COUNT', 'MAXLEN']), int(r)])],
  (r) => ['LMOVE', keyOf(r, 'list'), keyOf(r, 'list'), pick(r, ['LEFT', 'RIGHT']), pick(r, ['LEFT', 'RIGHT', 'UP'])],
  (r) => ['RPOPLPUSH', keyOf(r, 'list'), keyOf(r, 'list')],
  (r) => ['LMPOP', pick(r, ['1', '2', '0', '-1', 'x', '3']), keyOf(r, 'list'), keyOf(r, 'list'), pick(r, ['LEFT', 'RIGHT', 'x']), ...opt(r, 0.5, () => ['COUNT', int(r)])],
  (r) => [pick(r, ['BLPOP', 'BRPOP']), keyOf(r, 'list'), keyOf(r, 'list'), pick(r, ['0.01', '-1', 'x', '0.01'])],
  (r) => ['BLMOVE', keyOf(r, 'list'), keyOf(r, 'list'), 'LEFT', 'RIGHT', pick(r, ['0.01', '-1', 'x'])],
  (r) => ['BRPOPLPUSH', keyOf(r, 'list'), keyOf(r, 'list'), pick(r, ['0.01', '-1', 'x', '0.001'])],
  (r) => ['BLMPOP', pick(r, ['0.01', '-1', 'x']), '2', keyOf(r, 'list'), keyOf(r, 'list'), pick(r, ['LEFT', 'RIGHT']), ...opt(r, 0.5, () => ['COUNT', int(r)])],
];

const hashes: Gen[] = [
  (r) => [pick(r, ['HSET', 'HMSET']), keyOf(r, 'hash'), field(r), value(r), ...opt(r, 0.4, () => [field(r), value(r)])],
  (r) => ['HSETNX', keyOf(r, 'hash'), field(r), value(r)],
  (r) => ['HGET', keyOf(r, 'hash'), field(r)],
  (r) => ['HMGET', keyOf(r, 'hash'), field(r), field(r)],
  (r) => ['HDEL', keyOf(r, 'hash'), field(r), ...opt(r, 0.3, () => [field(r)])],
  (r) => [pick(r, ['HGETALL', 'HKEYS', 'HVALS', 'HLEN']), keyOf(r, 'hash')],
  (r) => ['HEXISTS', keyOf(r, 'hash'), field(r)],
  (r) => ['HSTRLEN', keyOf(r, 'hash'), field(r)],
  (r) => ['HINCRBY', keyOf(r, 'hash'), field(r), int(r)],
  (r) => ['HINCRBYFLOAT', keyOf(r, 'hash'), field(r), float(r)],
  (r) => ['HRANDFIELD', keyOf(r, 'hash'), ...opt(r, 0.6, () => [int(r), ...opt(r, 0.5, () => ['WITHVALUES'])])],
];

const sets: Gen[] = [
  (r) => ['SADD', keyOf(r, 'set'), member(r), ...opt(r, 0.6, () => [member(r), member(r)])],
  (r) => ['SADD', keyOf(r, 'set'), ...Array.from({ length: 3 }, () => String(Math.floor(r() * 20) - 5))],
  (r) => ['SREM', keyOf(r, 'set'), member(r), ...opt(r, 0.4, () => [member(r)])],
  (r) => [pick(r, ['SMEMBERS', 'SCARD']), keyOf(r, 'set')],
  (r) => ['SISMEMBER', keyOf(r, 'set'), member(r)],
  (r) => ['SMISMEMBER', keyOf(r, 'set'), member(r), member(r)],
  (r) => [pick(r, ['SINTER', 'SUNION', 'SDIFF']), keyOf(r, 'set'), keyOf(r, 'set'), ...opt(r, 0.3, () => [keyOf(r, 'set')])],
  (r) => [pick(r, ['SINTERSTORE', 'SUNIONSTORE', 'SDIFFSTORE']), keyOf(r, 'set'), keyOf(r, 'set'), keyOf(r, 'set')],
  (r) => ['SINTERCARD', pick(r, ['1', '2', '3', '0', '-1', 'x']), keyOf(r, 'set'), keyOf(r, 'set'), ...opt(r, 0.5, () => ['LIMIT', int(r)])],
  (r) => ['SMOVE', keyOf(r, 'set'), keyOf(r, 'set'), member(r)],
  (r) => ['SRANDMEMBER', keyOf(r, 'set'), ...opt(r, 0.6, () => [int(r)])],
  // A count past any set's size pops everything, which is deterministic (the reply compares as a set).
  (r) => ['SPOP', keyOf(r, 'set'), pick(r, ['1000', '0', '-1', 'x'])],
];

const zsets: Gen[] = [
  (r) => ['ZADD', keyOf(r, 'zset'), ...opt(r, 0.4, () => [pick(r, ['NX', 'XX', 'GT', 'LT', 'CH', 'INCR', 'nx'])]), ...opt(r, 0.2, () => [pick(r, ['CH', 'GT', 'INCR', 'XX'])]), float(r), member(r), ...opt(r, 0.5, () => [float(r), member(r)])],
  (r) => ['ZINCRBY', keyOf(r, 'zset'), float(r), member(r)],
  (r) => ['ZSCORE', keyOf(r, 'zset'), member(r)],
  (r) => ['ZMSCORE', keyOf(r, 'zset'), member(r), member(r)],
  (r) => [pick(r, ['ZRANK', 'ZREVRANK']), keyOf(r, 'zset'), member(r)],
  (r) => ['ZREM', keyOf(r, 'zset'), member(r), ...opt(r, 0.3, () => [member(r)])],
  (r) => ['ZCARD', keyOf(r, 'zset')],
  (r) => ['ZRANGE', keyOf(r, 'zset'), int(r), int(r), ...opt(r, 0.5, () => ['WITHSCORES']), ...opt(r, 0.2, () => ['REV'])],
  (r) => ['ZREVRANGE', keyOf(r, 'zset'), int(r), int(r), ...opt(r, 0.5, () => ['WITHSCORES'])],
  (r) => ['ZRANGE', keyOf(r, 'zset'), bound(r), bound(r), 'BYSCORE', ...opt(r, 0.3, () => ['REV']), ...opt(r, 0.3, () => ['LIMIT', int(r), int(r)]), ...opt(r, 0.4, () => ['WITHSCORES'])],
  (r) => ['ZRANGE', keyOf(r, 'zset'), lexBound(r), lexBound(r), 'BYLEX', ...opt(r, 0.3, () => ['REV']), ...opt(r, 0.3, () => ['LIMIT', int(r), int(r)])],
  (r) => [pick(r, ['ZRANGEBYSCORE', 'ZREVRANGEBYSCORE']), keyOf(r, 'zset'), bound(r), bound(r), ...opt(r, 0.4, () => ['WITHSCORES']), ...opt(r, 0.3, () => ['LIMIT', int(r), int(r)])],
  (r) => [pick(r, ['ZRANGEBYLEX', 'ZREVRANGEBYLEX', 'ZLEXCOUNT', 'ZREMRANGEBYLEX']), keyOf(r, 'zset'), lexBound(r), lexBound(r)],
  (r) => [pick(r, ['ZCOUNT', 'ZREMRANGEBYSCORE']), keyOf(r, 'zset'), bound(r), bound(r)],
  (r) => ['ZREMRANGEBYRANK', keyOf(r, 'zset'), int(r), int(r)],
  (r) => ['ZRANGESTORE', keyOf(r, 'zset'), keyOf(r, 'zset'), int(r), int(r)],
  (r) => [pick(r, ['ZPOPMIN', 'ZPOPMAX']), keyOf(r, 'zset'), ...opt(r, 0.5, () => [count(r)])],
  (r) => [pick(r, ['BZPOPMIN', 'BZPOPMAX']), keyOf(r, 'zset'), pick(r, ['0.01', '-1', 'x'])],
  (r) => [pick(r, ['ZUNIONSTORE', 'ZINTERSTORE', 'ZDIFFSTORE']), keyOf(r, 'zset'), pick(r, ['2', '1', '0', 'x', '3']), keyOf(r, 'zset'), keyOf(r, 'set'), ...opt(r, 0.3, () => ['WEIGHTS', float(r), float(r)]), ...opt(r, 0.3, () => ['AGGREGATE', pick(r, ['SUM', 'MIN', 'MAX', 'AVG'])])],
  (r) => [pick(r, ['ZUNION', 'ZINTER', 'ZDIFF']), pick(r, ['2', '1', '0', 'x']), keyOf(r, 'zset'), keyOf(r, 'zset'), ...opt(r, 0.5, () => ['WITHSCORES'])],
  (r) => ['ZINTERCARD', pick(r, ['1', '2', '0', '-1', 'x', '3']), keyOf(r, 'zset'), keyOf(r, 'zset'), ...opt(r, 0.5, () => ['LIMIT', int(r)])],
  (r) => ['ZMPOP', pick(r, ['1', '2', '0', '-1', 'x']), keyOf(r, 'zset'), keyOf(r, 'zset'), pick(r, ['MIN', 'MAX', 'x']), ...opt(r, 0.5, () => ['COUNT', int(r)])],
  (r) => ['BZMPOP', pick(r, ['0.01', '-1', 'x']), pick(r, ['1', '2', '0', 'x']), keyOf(r, 'zset'), keyOf(r, 'zset'), pick(r, ['MIN', 'MAX']), ...opt(r, 0.5, () => ['COUNT', int(r)])],
  (r) => ['ZRANDMEMBER', keyOf(r, 'zset'), ...opt(r, 0.6, () => [int(r), ...opt(r, 0.5, () => ['WITHSCORES'])])],
];

const streamId = (r: Rnd): string => pick(r, ['1-1', '1-2', '2-0', '3', '5-*', '0-0', '0-1', '18446744073709551615-18446744073709551615', 'x', '-', '+', '1-x', '$', '>', '10-5']);
const streams: Gen[] = [
  (r) => ['XADD', keyOf(r, 'stream'), ...opt(r, 0.2, () => ['NOMKSTREAM']), ...opt(r, 0.3, () => [pick(r, ['MAXLEN', 'MINID']), pick(r, ['~', '=', '']), pick(r, ['0', '1', '2', '2-0', 'x', '-1'])].filter((a) => a !== '')), streamId(r), 'f', value(r), ...opt(r, 0.3, () => ['g', value(r)])],
  (r) => [pick(r, ['XRANGE', 'XREVRANGE']), keyOf(r, 'stream'), pick(r, ['-', '+', '(1-1', '1', '0-1', '2-0', 'x', '(']), pick(r, ['+', '-', '(5', '2-0', '10', 'x']), ...opt(r, 0.4, () => ['COUNT', int(r)])],
  (r) => ['XLEN', keyOf(r, 'stream')],
  (r) => ['XDEL', keyOf(r, 'stream'), streamId(r), ...opt(r, 0.3, () => [streamId(r)])],
  (r) => ['XTRIM', keyOf(r, 'stream'), pick(r, ['MAXLEN', 'MINID', 'x']), ...opt(r, 0.3, () => [pick(r, ['~', '='])]), pick(r, ['0', '1', '2', '2-0', 'x', '-1']), ...opt(r, 0.2, () => ['LIMIT', int(r)])],
  (r) => ['XREAD', ...opt(r, 0.3, () => ['COUNT', int(r)]), ...opt(r, 0.2, () => ['BLOCK', pick(r, ['10', '-1', 'x'])]), 'STREAMS', keyOf(r, 'stream'), ...opt(r, 0.3, () => [keyOf(r, 'stream')]), streamId(r)],
  (r) => ['XGROUP', 'CREATE', keyOf(r, 'stream'), pick(r, ['g1', 'g2']), pick(r, ['$', '0', '1-1', 'x']), ...opt(r, 0.4, () => ['MKSTREAM']), ...opt(r, 0.2, () => ['ENTRIESREAD', int(r)])],
  (r) => ['XGROUP', pick(r, ['SETID', 'DESTROY', 'CREATECONSUMER', 'DELCONSUMER', 'FOO']), keyOf(r, 'stream'), pick(r, ['g1', 'g2']), pick(r, ['$', '0', 'c1', 'c2', '1-1'])],
  (r) => ['XREADGROUP', 'GROUP', pick(r, ['g1', 'g2']), pick(r, ['c1', 'c2']), ...opt(r, 0.3, () => ['COUNT', count(r)]), ...opt(r, 0.2, () => ['NOACK']), 'STREAMS', keyOf(r, 'stream'), pick(r, ['>', '0', '1-1', 'x'])],
  (r) => ['XACK', keyOf(r, 'stream'), pick(r, ['g1', 'g2']), streamId(r), ...opt(r, 0.3, () => [streamId(r)])],
  (r) => ['XPENDING', keyOf(r, 'stream'), pick(r, ['g1', 'g2']), ...opt(r, 0.6, () => [...opt(r, 0.3, () => ['IDLE', '0']), '-', '+', count(r), ...opt(r, 0.4, () => [pick(r, ['c1', 'c2'])])])],
  (r) => ['XCLAIM', keyOf(r, 'stream'), pick(r, ['g1', 'g2']), pick(r, ['c1', 'c2']), '0', streamId(r), ...opt(r, 0.5, () => ['JUSTID'])],
  (r) => ['XAUTOCLAIM', keyOf(r, 'stream'), pick(r, ['g1', 'g2']), pick(r, ['c1', 'c2']), '0', pick(r, ['0', '0-0', '1-1', 'x']), ...opt(r, 0.5, () => ['COUNT', count(r)]), ...opt(r, 0.4, () => ['JUSTID'])],
  (r) => ['XSETID', keyOf(r, 'stream'), streamId(r), ...opt(r, 0.3, () => ['ENTRIESADDED', int(r)]), ...opt(r, 0.2, () => ['MAXDELETEDID', streamId(r)])],
  (r) => ['XINFO', pick(r, ['STREAM', 'GROUPS', 'HELP', 'FOO']), keyOf(r, 'stream')],
  (r) => ['XINFO', 'CONSUMERS', keyOf(r, 'stream'), pick(r, ['g1', 'g2'])],
];

const geoCoord = (r: Rnd): string[] => (r() < 0.8 ? [pick(r, ['13.361389', '15.087269', '-122.4194', '0', '180', '-180']), pick(r, ['38.115556', '37.502669', '37.7749', '0', '85.05112878', '86'])] : [float(r), float(r)]);
const geo: Gen[] = [
  (r) => ['GEOADD', keyOf(r, 'geo'), ...opt(r, 0.3, () => [pick(r, ['NX', 'XX', 'CH'])]), ...geoCoord(r), member(r), ...opt(r, 0.4, () => [...geoCoord(r), member(r)])],
  (r) => ['GEOPOS', keyOf(r, 'geo'), member(r), member(r)],
  (r) => ['GEOHASH', keyOf(r, 'geo'), member(r), member(r)],
  (r) => ['GEODIST', keyOf(r, 'geo'), member(r), member(r), ...opt(r, 0.5, () => [pick(r, ['m', 'km', 'ft', 'mi', 'x'])])],
  (r) => ['GEOSEARCH', keyOf(r, 'geo'), ...(r() < 0.5 ? ['FROMMEMBER', member(r)] : ['FROMLONLAT', ...geoCoord(r)]), ...(r() < 0.5 ? ['BYRADIUS', pick(r, ['100', '500', '0', '-1', 'x']), 'km'] : ['BYBOX', '400', '400', 'km']), ...opt(r, 0.7, () => [pick(r, ['ASC', 'DESC'])]), ...opt(r, 0.3, () => ['COUNT', count(r), ...opt(r, 0.3, () => ['ANY'])]), ...opt(r, 0.3, () => ['WITHCOORD']), ...opt(r, 0.3, () => ['WITHDIST']), ...opt(r, 0.2, () => ['WITHHASH'])],
  (r) => ['GEOSEARCHSTORE', keyOf(r, 'geo'), keyOf(r, 'geo'), 'FROMMEMBER', member(r), 'BYRADIUS', '500', 'km', ...opt(r, 0.5, () => ['STOREDIST'])],
  (r) => [pick(r, ['GEORADIUS', 'GEORADIUS_RO']), keyOf(r, 'geo'), ...geoCoord(r), pick(r, ['200', '1000', '0']), pick(r, ['km', 'm', 'x']), ...opt(r, 0.7, () => [pick(r, ['ASC', 'DESC'])]), ...opt(r, 0.3, () => ['WITHDIST'])],
  (r) => [pick(r, ['GEORADIUSBYMEMBER', 'GEORADIUSBYMEMBER_RO']), keyOf(r, 'geo'), member(r), pick(r, ['200', '1000']), 'km', 'ASC', ...opt(r, 0.3, () => ['COUNT', count(r)])],
];

const hll: Gen[] = [
  (r) => ['PFADD', keyOf(r, 'hll'), ...Array.from({ length: Math.floor(r() * 5) }, () => value(r))],
  (r) => ['PFCOUNT', keyOf(r, 'hll'), ...opt(r, 0.3, () => [keyOf(r, 'hll')])],
  (r) => ['PFMERGE', keyOf(r, 'hll'), ...opt(r, 0.8, () => [keyOf(r, 'hll')]), ...opt(r, 0.4, () => [keyOf(r, 'hll')])],
];

const anyKey = (r: Rnd): string => keyOf(r, pick(r, Object.keys(POOLS)));
const keys: Gen[] = [
  (r) => ['DEL', anyKey(r), ...opt(r, 0.4, () => [anyKey(r)])],
  (r) => ['UNLINK', anyKey(r)],
  (r) => ['EXISTS', anyKey(r), anyKey(r)],
  (r) => ['TYPE', anyKey(r)],
  (r) => ['TOUCH', anyKey(r), anyKey(r)],
  (r) => [pick(r, ['RENAME', 'RENAMENX']), anyKey(r), anyKey(r)],
  (r) => ['COPY', anyKey(r), anyKey(r), ...opt(r, 0.3, () => ['REPLACE']), ...opt(r, 0.2, () => ['DB', pick(r, ['0', '1', '16', 'x'])])],
  (r) => (r() < 0.5 ? ['EXPIRE', anyKey(r), ttl(r)] : ['PEXPIRE', anyKey(r), ttlMs(r)]),
  (r) => ['EXPIRE', anyKey(r), ttl(r), ...opt(r, 0.3, () => [pick(r, ['NX', 'XX', 'GT', 'LT', 'FOO'])])],
  (r) => [pick(r, ['EXPIREAT', 'PEXPIREAT']), anyKey(r), unixTime(r), ...opt(r, 0.3, () => [pick(r, ['NX', 'XX', 'GT', 'LT'])])],
  (r) => [pick(r, ['TTL', 'PTTL', 'EXPIRETIME', 'PEXPIRETIME']), anyKey(r)],
  (r) => ['PERSIST', anyKey(r)],
  (r) => ['DBSIZE'],
  (r) => ['KEYS', pick(r, ['*', 's*', '?1', '[a-z]1', 'h[12]', '*\\', '[', 'x*'])],
  (r) => ['RANDOMKEY'],
  (r) => ['SELECT', pick(r, ['0', '1', '0', '16', '-1', 'x'])],
  (r) => ['MOVE', anyKey(r), pick(r, ['0', '1', '16', 'x'])],
  (r) => ['SWAPDB', pick(r, ['0', '1']), pick(r, ['0', '1', '16', 'x'])],
  (r) => ['FLUSHDB', ...opt(r, 0.3, () => [pick(r, ['ASYNC', 'SYNC', 'x'])])],
  (r) => ['DUMP', anyKey(r)],
  (r) => ['OBJECT', pick(r, ['ENCODING', 'REFCOUNT', 'FREQ', 'IDLETIME', 'FOO']), anyKey(r)],
  (r) => ['OBJECT', 'HELP'],
  (r) => ['SORT', anyKey(r), ...opt(r, 0.5, () => ['ALPHA']), ...opt(r, 0.3, () => ['DESC']), ...opt(r, 0.3, () => ['LIMIT', int(r), int(r)]), ...opt(r, 0.2, () => ['BY', pick(r, ['h*->f1', 's*', 'nosuch'])]), ...opt(r, 0.2, () => ['GET', pick(r, ['#', 's*', 'h*->f1'])]), ...opt(r, 0.2, () => ['STORE', anyKey(r)])],
  (r) => ['SORT_RO', anyKey(r), ...opt(r, 0.5, () => ['ALPHA'])],
];

// Full cursor walks: the runner follows the cursor to 0 and compares what came back as a set.
const scans: Gen[] = [
  (r) => ['SCAN', '0', ...opt(r, 0.5, () => ['MATCH', pick(r, ['*', 's*', '*1', '[hz]?'])]), ...opt(r, 0.4, () => ['COUNT', pick(r, ['1', '2', '10', '0', 'x'])]), ...opt(r, 0.4, () => ['TYPE', pick(r, ['string', 'list', 'zset', 'hash', 'set', 'stream', 'foo'])])],
  (r) => [pick(r, ['HSCAN', 'SSCAN', 'ZSCAN']), anyKey(r), pick(r, ['0', '0', 'x', '+0', '18446744073709551616']), ...opt(r, 0.4, () => ['MATCH', pick(r, ['*', 'f*', '?', 'a*'])]), ...opt(r, 0.4, () => ['COUNT', pick(r, ['1', '2', '10', '0', 'x'])])],
];

const SCRIPTS = [
  "return redis.call('GET', KEYS[1])",
  "return redis.call('INCR', KEYS[1])",
  "return redis.pcall('INCR', KEYS[1])",
  "return redis.call('SET', KEYS[1], ARGV[1])",
  'return {1, 2, 3.7, "x", false, true, nil, 4}',
  'return 3.99',
  'return -0.5',
  "return {err='my error'}",
  "return {ok='fine'}",
  "return redis.error_reply('E1 custom')",
  "return redis.status_reply('STATUS')",
  'return tostring(0.1 + 0.2)',
  "return string.format('%d %s %.3f', 7, 'x', 1/3)",
  'return #KEYS + #ARGV',
  "return redis.call('HGETALL', KEYS[1])",
  "redis.setresp(3); return redis.call('HGETALL', KEYS[1])",
  "redis.setresp(3); return redis.call('SMEMBERS', KEYS[1])",
  "redis.setresp(3); return redis.call('ZSCORE', KEYS[1], 'a')",
  "return redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')",
  'return cjson.encode({a=1, b={1,2,3}})',
  "return cjson.decode('[1,2,{\"x\":true}]')[3].x",
  'return redis.sha1hex(ARGV[1] or "")',
  'return x',
  'y = 1',
  "return redis.call('NOSUCH')",
  "return redis.call('GET')",
  "local t = redis.pcall('LPUSH', KEYS[1], 'a'); return t",
  "return redis.call('EVAL', 'return 1', 0)",
  'return bit.band(0xff, 0x0f)',
  "return struct.pack('>I2', 258)",
  "return cmsgpack.unpack(cmsgpack.pack({1,2,'a'}))",
  'return loadstring',
  "return type(unpack)",
  'error("boom")',
  "error({err='tbl'})",
  'return redis.REDIS_VERSION_NUM > 0',
  'while false do end return 1',
  "return redis.call('TYPE', KEYS[1])",
  "return redis.call('OBJECT', 'ENCODING', KEYS[1])",
  "return redis.call('EXPIRE', KEYS[1], 100)",
  "return redis.call('XADD', KEYS[1], '9-1', 'f', 'v')",
  "return {1, {2, {3, 'x'}}, redis.call('DBSIZE')}",
  "return tonumber('0x10')",
  'return 1e20',
  "return math.huge",
  "return {1, 2, 3, nil, 5}",
  '#!lua flags=no-writes\nreturn redis.call("SET", KEYS[1], "x")',
  '#!lua flags=no-writes\nreturn redis.call("GET", KEYS[1])',
  '#!lua name=x\nreturn 1',
];

const scripting: Gen[] = [
  (r) => [pick(r, ['EVAL', 'EVAL_RO']), pick(r, SCRIPTS), ...(r() < 0.9 ? ['1', anyKey(r)] : [pick(r, ['0', '2', '-1', 'x'])]), ...opt(r, 0.5, () => [value(r)])],
  (r) => ['SCRIPT', 'LOAD', pick(r, SCRIPTS)],
  (r) => [pick(r, ['EVALSHA', 'EVALSHA_RO']), pick(r, ['e0e1f9fabfc9d4800c877a703b823ac0578ff8db', 'ffffffffffffffffffffffffffffffffffffffff', 'x', 'a42059b356c875f0717db19a51f6aaca9ae659ea']), '1', anyKey(r)],
  (r) => ['SCRIPT', pick(r, ['EXISTS', 'FLUSH', 'FOO', 'KILL', 'DEBUG', 'HELP']), ...opt(r, 0.6, () => [pick(r, ['e0e1f9fabfc9d4800c877a703b823ac0578ff8db', 'NO', 'ASYNC'])])],
  (r) => ['FUNCTION', pick(r, ['KILL', 'HELP', 'RESTORE']), ...opt(r, 0.5, () => [pick(r, ['x', '\xf5\x00', 'FLUSH'])])],
  (r) => ['FUNCTION', 'LOAD', ...opt(r, 0.3, () => ['REPLACE']), pick(r, LIBRARIES)],
  (r) => [pick(r, ['FCALL', 'FCALL_RO']), pick(r, ['get1', 'incr1', 'ro1', 'nosuch']), pick(r, ['1', '0', 'x']), anyKey(r), ...opt(r, 0.5, () => [value(r)])],
  (r) => ['FUNCTION', 'LIST', ...opt(r, 0.4, () => ['LIBRARYNAME', pick(r, ['lib1', 'lib*', 'x'])]), ...opt(r, 0.4, () => ['WITHCODE'])],
  (r) => ['FUNCTION', pick(r, ['DELETE', 'STATS', 'FLUSH', 'DUMP', 'FOO']), ...opt(r, 0.5, () => [pick(r, ['lib1', 'lib2', 'SYNC'])])],
];

const LIBRARIES = [
  "#!lua name=lib1\nredis.register_function('get1', function(keys, args) return redis.call('GET', keys[1]) end)\nredis.register_function{function_name='ro1', callback=function(keys) return redis.call('TYPE', keys[1]) end, flags={'no-writes'}}",
  "#!lua name=lib2\nredis.register_function('incr1', function(keys, args) return redis.call('INCR', keys[1]) end)",
  "#!lua name=lib3\nredis.register_function('get1', function() return 1 end)",
  "#!lua name=bad\nreturn 1",
  "#!lua\nredis.register_function('f', function() return 1 end)",
  "#!lua name=lib4\nredis.register_function('bad name', function() return 1 end)",
  "#!lua name=lib5\nredis.call('SET', 'x', 1)",
];

const transactions: Gen[] = [
  () => ['MULTI'],
  () => ['EXEC'],
  () => ['DISCARD'],
  (r) => ['WATCH', anyKey(r)],
  () => ['UNWATCH'],
];

const server: Gen[] = [
  () => ['PING'],
  (r) => ['PING', value(r)],
  (r) => ['ECHO', value(r)],
  () => ['CLIENT', 'GETNAME'],
  (r) => ['CLIENT', 'SETNAME', pick(r, ['fuzz', '', 'a b', 'x'])],
  (r) => ['CONFIG', 'GET', pick(r, ['maxmemory-policy', 'hash-max-*', 'list-max-listpack-size', 'notify-keyspace-events', 'set-max-intset-entries', 'zset-max-ziplist-entries', 'lua-time-limit', 'databases', 'nosuch', 'save', 'appendonly', 'stream-node-max-entries', '*max-*-entries'])],
  (r) => ['CONFIG', 'SET', pick(r, ['set-max-intset-entries', 'zset-max-listpack-entries', 'zset-max-ziplist-value', 'list-max-listpack-size', 'list-max-ziplist-size', 'list-compress-depth', 'stream-node-max-entries']), pick(r, ['1', '2', '0', '-2', '128', 'x', '512'])],
  () => ['CLIENT', 'INFO'],
  (r) => ['HELLO', pick(r, ['2', '3', '4', 'x'])],
  () => ['RESET'],
  (r) => ['PUBLISH', pick(r, ['ch1', 'ch2']), value(r)],
  // Always with names: the whole table differs by design (no RESTORE-ASKING; CLIENT SETINFO/NO-TOUCH).
  (r) => ['COMMAND', pick(r, ['GETKEYS', 'INFO', 'DOCS', 'FOO']), pick(r, ['GET', 'SET', 'ZADD', 'nosuch', 'EVAL', 'OBJECT', 'XINFO']), ...opt(r, 0.4, () => ['k', 'v'])],
  (r) => [pick(r, ['NOSUCHCMD', 'get', 'GeT', '']), anyKey(r)],
];

// DUMP payloads of redis-server 7.0 (RDB 10) for RESTORE: a string, a quicklist, a bad checksum, junk.
const PAYLOADS = ['\x00\x05hello\x0a\x00cr\xdfve4 \x0a', '\x12\x01\x02\x10\x10\x00\x00\x00\x03\x00\x81a\x02\x81b\x02\x81c\x02\xff\x0a\x00\xc8\x18\xb9\x0c\x953R\x9e', '\x00\x05hello\x0a\x00cr\xdfve4 \x0b', 'x', ''];

const restore: Gen[] = [
  (r) => ['RESTORE', anyKey(r), pick(r, ['0', '100000', '-1', 'x', '4000000000000']), pick(r, PAYLOADS), ...opt(r, 0.4, () => [pick(r, ['REPLACE', 'ABSTTL', 'IDLETIME', 'FREQ', 'x'])]), ...opt(r, 0.3, () => [pick(r, ['5', 'REPLACE', '-1', '300'])])],
];

// Server, connection and introspection commands in forms whose replies two correct servers give
// alike; those that would end the connection or change the server for good only with bad arguments.
const admin: Gen[] = [
  () => ['TIME'],
  () => ['LASTSAVE'],
  () => ['ROLE'],
  (r) => ['WAIT', pick(r, ['0', '1', 'x', '-1']), pick(r, ['0', '10', 'x', '-1'])],
  (r) => ['AUTH', pick(r, ['x', 'default', '', 'nosuch']), ...opt(r, 0.5, () => [pick(r, ['x', 'nopass'])])],
  (r) => [pick(r, ['READONLY', 'READWRITE', 'ASKING']), ...opt(r, 0.2, () => ['x'])],
  (r) => ['PFDEBUG', pick(r, ['GETREG', 'ENCODING', 'DECODE', 'TODENSE', 'x']), keyOf(r, 'hll')],
  // Only with an extra argument: the real self-test can take redis-server past the 5 s reply limit on a loaded machine.
  (r) => ['PFSELFTEST', 'x'],
  (r) => ['MEMORY', pick(r, ['USAGE', 'HELP', 'x']), pick(r, ['nosuch', 'x']), ...opt(r, 0.3, () => ['SAMPLES', pick(r, ['0', '5', 'x', '-1'])])],
  (r) => ['LATENCY', pick(r, ['LATEST', 'HISTORY', 'RESET', 'HELP', 'GRAPH', 'DOCTOR', 'x']), ...opt(r, 0.5, () => [pick(r, ['command', 'fork', 'x'])])],
  // Not GET or LEN: which commands pass slowlog-log-slower-than depends on the machine.
  (r) => ['SLOWLOG', pick(r, ['RESET', 'HELP', 'x']), ...opt(r, 0.3, () => [pick(r, ['x', '-2'])])],
  (r) => ['CONFIG', pick(r, ['RESETSTAT', 'HELP', 'REWRITE', 'x'])],
  (r) => ['COMMAND', 'LIST', 'FILTERBY', pick(r, ['PATTERN', 'ACLCAT', 'MODULE', 'x']), pick(r, ['z*', 'hyperloglog', 'geo', 'x', 'nosuch', '*range*'])],
  (r) => ['COMMAND', pick(r, ['GETKEYSANDFLAGS', 'GETKEYS']), pick(r, ['SET', 'LMOVE', 'EVAL', 'SORT', 'MIGRATE', 'ZUNIONSTORE', 'x']), ...opt(r, 0.8, () => [anyKey(r), anyKey(r), pick(r, ['0', '1', '2', 'STORE', 'LEFT'])]), ...opt(r, 0.4, () => [anyKey(r), 'RIGHT'])],
  () => ['COMMAND', 'HELP'],
  (r) => ['ACL', pick(r, ['WHOAMI', 'USERS', 'LIST', 'HELP', 'SAVE', 'LOAD', 'x'])],
  // Not keyspace or dangerous: they list RESTORE-ASKING, which is not in our table (README).
  (r) => ['ACL', 'CAT', ...opt(r, 0.6, () => [pick(r, ['hyperloglog', 'geo', 'x', 'scripting'])])],
  (r) => ['ACL', 'GETUSER', pick(r, ['default', 'nosuch', 'u1'])],
  (r) => ['ACL', 'DRYRUN', pick(r, ['default', 'u1', 'nosuch']), pick(r, ['GET', 'SET', 'x', 'ZADD']), anyKey(r), ...opt(r, 0.5, () => [value(r)])],
  (r) => ['ACL', 'SETUSER', 'u1', ...opt(r, 0.8, () => [pick(r, ['on', 'off', '>pw', 'nopass', '~s*', '+@read', '-get', 'resetkeys', '%R~h*', '&ch*', 'x', '(+get ~z*)'])]), ...opt(r, 0.5, () => [pick(r, ['+@all', 'allkeys', '-@dangerous', 'reset'])])],
  (r) => ['ACL', 'DELUSER', pick(r, ['u1', 'nosuch', 'default'])],
  () => ['CLIENT', 'ID'],
  (r) => ['CLIENT', 'LIST', ...opt(r, 0.4, () => [pick(r, ['TYPE', 'ID', 'x']), pick(r, ['normal', 'pubsub', 'master', 'replica', 'x', '0'])])],
  (r) => ['CLIENT', 'KILL', ...(r() < 0.5 ? [pick(r, ['ID', 'ADDR', 'LADDR', 'USER', 'SKIPME', 'TYPE', 'x']), pick(r, ['0', '1.2.3.4:5', 'nosuch', 'yes', 'master', 'x'])] : ['1.2.3.4:5'])],
  (r) => ['CLIENT', 'NO-EVICT', pick(r, ['on', 'off', 'x'])],
  (r) => ['CLIENT', pick(r, ['GETREDIR', 'TRACKINGINFO', 'UNPAUSE', 'HELP', 'x'])],
  (r) => ['CLIENT', 'UNBLOCK', pick(r, ['0', '999999', 'x']), ...opt(r, 0.4, () => [pick(r, ['TIMEOUT', 'ERROR', 'x'])])],
  (r) => ['CLIENT', pick(r, ['PAUSE', 'REPLY']), pick(r, ['x', '-1', 'FOO'])],
  (r) => ['CLIENT', 'TRACKING', pick(r, ['on', 'off', 'x']), ...opt(r, 0.5, () => [pick(r, ['BCAST', 'OPTIN', 'OPTOUT', 'NOLOOP', 'REDIRECT'])]), ...opt(r, 0.3, () => ['PREFIX', pick(r, ['s', 'h', ''])])],
  (r) => ['CLIENT', 'CACHING', pick(r, ['yes', 'no', 'x'])],
  (r) => ['PUBSUB', pick(r, ['CHANNELS', 'NUMSUB', 'NUMPAT', 'SHARDCHANNELS', 'SHARDNUMSUB', 'HELP', 'x']), ...opt(r, 0.6, () => [pick(r, ['ch*', 'ch1', 'sh1', '*'])])],
  (r) => [pick(r, ['SUBSCRIBE', 'UNSUBSCRIBE']), 'ch3'],
  (r) => [pick(r, ['PSUBSCRIBE', 'PUNSUBSCRIBE']), 'q*'],
  (r) => [pick(r, ['SSUBSCRIBE', 'SUNSUBSCRIBE']), 'sh1'],
  (r) => [pick(r, ['SPUBLISH', 'PUBLISH']), pick(r, ['sh1', 'ch3', 'q1']), value(r)],
  (r) => ['CLUSTER', pick(r, ['INFO', 'KEYSLOT', 'MYID', 'x']), ...opt(r, 0.5, () => [anyKey(r)])],
  (r) => ['FLUSHALL', ...opt(r, 0.5, () => [pick(r, ['ASYNC', 'SYNC', 'x'])])],
  (r) => ['OBJECT', pick(r, ['ENCODING', 'REFCOUNT', 'HELP']), ...opt(r, 0.8, () => [anyKey(r)])],
  // Only forms that refuse: the valid ones end the connection or the server, or stream forever.
  () => ['MONITOR', 'x'],
  () => ['REPLICAOF', 'NO', 'ONE'],
  // Not PSYNC or SYNC: our nodes refuse them by design (README).
  (r) => [pick(r, ['SAVE', 'BGSAVE', 'BGREWRITEAOF', 'SLAVEOF', 'MIGRATE']), 'x', 'y', 'z'],
];

/** The first word of a step the session's second client runs (the rest is the command). */
export const PEER = '@peer';
/** `@serve <blocking command> @by <command>`: the main client blocks, then the peer runs the command (session.ts). */
export const SERVE = '@serve';
export const BY = '@by';

// A second client's writes and reads between the main client's steps: a key the main client WATCHes
// changes under it, a MULTI of its own is queued around them, its tracked keys get invalidated, a
// blocking pop of its own times out or is served.
const peerGens: Gen[] = [strings, lists, hashes, sets, zsets, keys, streams, bits].flat();
const peer: Gen[] = [(r) => [PEER, ...pick(r, peerGens)(r)]];

// Blocking commands with no timeout, served (or not) by what the peer does next: pushes and adds
// to the keys they wait on, other types, deletions, a transaction's worth of writes.
const blocked = (r: Rnd): string[] =>
  pick(r, [
    () => [pick(r, ['BLPOP', 'BRPOP']), keyOf(r, 'list'), keyOf(r, 'list'), '0'],
    () => ['BLMOVE', keyOf(r, 'list'), keyOf(r, 'list'), pick(r, ['LEFT', 'RIGHT']), pick(r, ['LEFT', 'RIGHT']), '0'],
    () => ['BRPOPLPUSH', keyOf(r, 'list'), keyOf(r, 'list'), '0'],
    () => ['BLMPOP', '0', '2', keyOf(r, 'list'), keyOf(r, 'list'), pick(r, ['LEFT', 'RIGHT']), ...opt(r, 0.5, () => ['COUNT', count(r)])],
    () => [pick(r, ['BZPOPMIN', 'BZPOPMAX']), keyOf(r, 'zset'), keyOf(r, 'zset'), '0'],
    () => ['BZMPOP', '0', '2', keyOf(r, 'zset'), keyOf(r, 'zset'), pick(r, ['MIN', 'MAX']), ...opt(r, 0.5, () => ['COUNT', count(r)])],
    () => ['XREAD', ...opt(r, 0.3, () => ['COUNT', count(r)]), 'BLOCK', '0', 'STREAMS', keyOf(r, 'stream'), pick(r, ['$', '0', '1-1'])],
    () => ['XREADGROUP', 'GROUP', pick(r, ['g1', 'g2']), pick(r, ['c1', 'c2']), ...opt(r, 0.3, () => ['NOACK']), 'BLOCK', '0', 'STREAMS', keyOf(r, 'stream'), pick(r, ['>', '0'])],
  ])();
const serving: Gen[] = [...lists, ...zsets, ...streams, ...keys.slice(0, 6), (r) => [pick(r, ['LPUSH', 'RPUSH']), keyOf(r, 'list'), member(r)], (r) => ['ZADD', keyOf(r, 'zset'), float(r), member(r)], (r) => ['XADD', keyOf(r, 'stream'), pick(r, ['5-*', '9-1', '20-1', '1-1']), 'f', value(r)]];
const serve: Gen[] = [(r) => [SERVE, ...blocked(r), BY, ...pick(r, serving)(r)]];

/** Commands whose arguments the generator must not mutate: a valid mutant ends the session or leaves the reply count unknown. */
export const NO_MUTATE = new Set([PEER, SERVE, XRESTORE, BATCH, DELIVER, PAUSED, 'DEBUG', 'SPOP', 'PFSELFTEST', 'MONITOR', 'REPLICAOF', 'SAVE', 'BGSAVE', 'BGREWRITEAOF', 'SLAVEOF', 'PSYNC', 'SYNC', 'MIGRATE', 'SUBSCRIBE', 'UNSUBSCRIBE', 'PSUBSCRIBE', 'PUNSUBSCRIBE', 'SSUBSCRIBE', 'SUNSUBSCRIBE', 'CLIENT', 'FLUSHALL']);

const DATA: Gen[] = [strings, bits, lists, hashes, sets, zsets, streams, geo, hll, keys].flat();
const READS = /^(GET|MGET|STRLEN|GETRANGE|HGET|HMGET|HEXISTS|HLEN|HSTRLEN|LRANGE|LLEN|LINDEX|LPOS|SISMEMBER|SMISMEMBER|SCARD|ZSCORE|ZMSCORE|ZRANGE|ZCARD|ZRANK|ZCOUNT|XRANGE|XLEN|EXISTS|TYPE|GETBIT|BITCOUNT|GEOPOS|PFCOUNT)$/;
/** A data command that only reads (what a tracking client caches). */
const readOnly: Gen = (r) => {
  for (;;) {
    const cmd = pick(r, DATA)(r);
    if (READS.test(cmd[0] ?? '')) return cmd;
  }
};

/** A data command whose reply is deterministic (no random pick, clock or dict order). */
function plain(r: Rnd): string[] {
  for (;;) {
    const cmd = pick(r, DATA)(r);
    if (!NOT_IN_SCRIPTS.test(cmd[0] ?? '') && !cmd.includes('BYLEX')) return cmd;
  }
}

export const FAMILIES: Record<string, { weight: number; gens: Gen[] }> = {
  strings: { weight: 8, gens: strings },
  bits: { weight: 3, gens: bits },
  lists: { weight: 7, gens: lists },
  hashes: { weight: 6, gens: hashes },
  sets: { weight: 6, gens: sets },
  zsets: { weight: 9, gens: zsets },
  streams: { weight: 7, gens: streams },
  geo: { weight: 3, gens: geo },
  hll: { weight: 2, gens: hll },
  keys: { weight: 7, gens: keys },
  scans: { weight: 2, gens: scans },
  scripting: { weight: 4, gens: scripting },
  transactions: { weight: 2, gens: transactions },
  peer: { weight: 3, gens: peer },
  serve: { weight: 2, gens: serve },
  server: { weight: 2, gens: server },
  admin: { weight: 3, gens: admin },
  restore: { weight: 1, gens: restore },
  ...moreFamilies({ keyOf, anyKey, data: DATA, reads: [readOnly], peer: PEER }),
  ...wideFamilies({ keyOf, anyKey, plain, data: DATA, peer: PEER }),
  ...optionFamilies({ keyOf, anyKey }),
  // Weight 0: only `--families docs` reaches it (the specs are loaded from redis-server by cli.ts).
  docs: { weight: 0, gens: [docsCommand] },
};
