// A seeded generator of commands with edge arguments, for the random differential against redis-server.
import { mulberry32, pick } from './random.ts';

/** Edge arguments (number syntax, overflow, option mixes) over every deterministic command family. */
export function generateEdges(seed: number, count: number): string[][] {
  const rnd = mulberry32(seed);
  const k = () => pick(rnd, ['a', 'b', 'c', 'd']);
  const ints = ['0', '1', '-1', '2', '-2', '5', '100', '-100', '9223372036854775807', '-9223372036854775808', '9223372036854775808', '01', '+1', ' 1', '1 ', '', 'x', '1.0', '0x10', '4294967296', '-4294967297'];
  const floats = ['0', '1', '-1.5', '2.5', '1e3', '1e400', '-1e400', '1e-400', 'inf', '-inf', '+inf', 'infinity', 'nan', '', ' 1', '1 ', '0x10', '.5', '1.', '(', '(1', '(-inf', '1e', 'x'];
  const vals = ['0', '1', '-1', '10', '2.5', 'x', '', 'hello', '9223372036854775807', '1e400', 'inf', ' 1', '0x10'];
  const i = () => pick(rnd, ints);
  // Relative expiry times never small and positive: a key must not expire while the two servers run.
  const ttl = () => pick(rnd, ['0', '-1', '-100', 'x', '1000', '100000', '9223372036854775807', '-9223372036854775808', '9223372036854775808', '01', '+1', '1.0', '4294967296', '']);
  const f = () => pick(rnd, floats);
  const v = () => pick(rnd, vals);
  const gens: (() => string[])[] = [
    () => ['SET', k(), v()],
    () => ['RPUSH', k(), v(), v(), v()],
    () => ['SADD', k(), v(), v()],
    () => ['ZADD', k(), f(), v(), f(), v()],
    () => ['ZADD', k(), pick(rnd, ['GT', 'LT', 'NX', 'XX']), pick(rnd, ['CH', 'INCR', 'GT']), f(), v()],
    () => ['HSET', k(), v(), v()],
    () => ['INCRBY', k(), i()],
    () => ['DECRBY', k(), i()],
    () => ['INCRBYFLOAT', k(), f()],
    () => ['HINCRBY', k(), v(), i()],
    () => ['HINCRBYFLOAT', k(), v(), f()],
    () => ['ZINCRBY', k(), f(), v()],
    () => ['ZRANGEBYSCORE', k(), f(), f(), ...(rnd() < 0.3 ? ['LIMIT', i(), i()] : [])],
    () => ['ZREVRANGEBYSCORE', k(), f(), f(), 'WITHSCORES'],
    () => ['ZCOUNT', k(), f(), f()],
    () => ['ZREMRANGEBYSCORE', k(), f(), f()],
    () => ['ZRANGE', k(), f(), f(), 'BYSCORE', ...(rnd() < 0.5 ? ['LIMIT', i(), i()] : [])],
    () => ['ZRANGE', k(), i(), i(), ...(rnd() < 0.5 ? ['REV'] : ['WITHSCORES'])],
    () => ['ZRANGESTORE', k(), k(), i(), i()],
    () => ['ZINTERSTORE', k(), pick(rnd, ['1', '2', '0', '-1', 'x']), k(), k(), 'WEIGHTS', f(), f()],
    () => ['ZUNION', pick(rnd, ['1', '2', '0', 'x']), k(), k(), 'AGGREGATE', pick(rnd, ['SUM', 'MIN', 'MAX', 'AVG']), 'WITHSCORES'],
    () => ['ZINTERCARD', pick(rnd, ['1', '2', '0', '-1', 'x', '3']), k(), k(), ...(rnd() < 0.5 ? ['LIMIT', i()] : [])],
    () => ['SINTERCARD', pick(rnd, ['1', '2', '0', '-1', 'x', '3']), k(), k(), ...(rnd() < 0.5 ? ['LIMIT', i()] : [])],
    () => ['ZMPOP', pick(rnd, ['1', '2', '0', 'x']), k(), k(), pick(rnd, ['MIN', 'MAX', 'FOO']), ...(rnd() < 0.5 ? ['COUNT', i()] : [])],
    () => ['LMPOP', pick(rnd, ['1', '2', '0', 'x']), k(), k(), pick(rnd, ['LEFT', 'RIGHT', 'UP']), ...(rnd() < 0.5 ? ['COUNT', i()] : [])],
    () => ['EXPIRE', k(), ttl(), ...(rnd() < 0.3 ? [pick(rnd, ['NX', 'XX', 'GT', 'LT'])] : [])],
    () => ['PEXPIREAT', k(), i()],
    () => ['EXPIREAT', k(), i()],
    () => ['SET', k(), v(), pick(rnd, ['EX', 'PX']), ttl()],
    () => ['SET', k(), v(), pick(rnd, ['EXAT', 'PXAT']), i()],
    () => ['GETEX', k(), pick(rnd, ['EX', 'PX']), ttl()],
    () => ['GETEX', k(), pick(rnd, ['EXAT', 'PXAT']), i()],
    () => ['SETEX', k(), ttl(), v()],
    // No TTL: expire times past 2^53 ms are kept as doubles, so remaining times read back rounded.
    () => ['PERSIST', k()],
    () => ['EXISTS', k()],
    () => ['GETRANGE', k(), i(), i()],
    () => ['SETRANGE', k(), pick(rnd, ['0', '1', '-1', 'x', '536870912']), v()],
    () => ['LRANGE', k(), i(), i()],
    () => ['LINDEX', k(), i()],
    () => ['LSET', k(), i(), v()],
    () => ['LTRIM', k(), i(), i()],
    () => ['LREM', k(), i(), v()],
    () => ['LPOS', k(), v(), pick(rnd, ['RANK', 'COUNT', 'MAXLEN']), i()],
    () => ['LPOP', k(), i()],
    () => ['RPOP', k(), i()],
    // Numeric SORT is left out: after any overflowing strtod, redis-server's SORT reads a stale errno
    // and refuses values it otherwise accepts. BY nosort lists sets in hash order.
    () => ['SORT', k(), 'ALPHA', ...(rnd() < 0.3 ? ['DESC'] : []), ...(rnd() < 0.3 ? ['LIMIT', i(), i()] : [])],
    () => ['SORT_RO', k(), 'ALPHA'],
    () => ['SETBIT', k(), i(), pick(rnd, ['0', '1', '2', 'x'])],
    () => ['GETBIT', k(), i()],
    () => ['BITCOUNT', k(), i(), i(), ...(rnd() < 0.5 ? [pick(rnd, ['BIT', 'BYTE', 'FOO'])] : [])],
    () => ['BITPOS', k(), pick(rnd, ['0', '1', '2']), i(), ...(rnd() < 0.5 ? [i(), pick(rnd, ['BIT', 'BYTE'])] : [])],
    () => ['BITFIELD', k(), pick(rnd, ['GET', 'SET', 'INCRBY']), pick(rnd, ['u8', 'i8', 'i64', 'u63', 'u64', 'i0', 'x']), pick(rnd, ['0', '#1', '-1', '7']), i()],
    () => ['BITFIELD', k(), 'OVERFLOW', pick(rnd, ['WRAP', 'SAT', 'FAIL', 'NO']), 'INCRBY', 'i8', '0', i()],
    () => ['BITFIELD_RO', k(), 'GET', 'u4', i()],
    () => ['OBJECT', 'ENCODING', k()],
    () => ['TYPE', k()],
    () => ['STRLEN', k()],
    () => ['HSTRLEN', k(), v()],
    () => ['ZSCORE', k(), v()],
    () => ['ZMSCORE', k(), v(), v()],
    () => ['ZRANK', k(), v()],
    () => ['HGETALL', k()],
    () => ['SMISMEMBER', k(), v(), v()],
    () => ['SCARD', k()],
    () => ['XADD', k(), ...(rnd() < 0.3 ? ['MAXLEN', pick(rnd, ['~', '=']), i()] : []), pick(rnd, ['1-1', '2-*', '0-0', '18446744073709551615-18446744073709551615', 'x', '5']), 'f', v()],
    () => ['XRANGE', k(), pick(rnd, ['-', '(1-1', '1', '0-1']), pick(rnd, ['+', '(5', '2-0', 'x']), ...(rnd() < 0.5 ? ['COUNT', i()] : [])],
    () => ['XTRIM', k(), pick(rnd, ['MAXLEN', 'MINID']), i()],
    () => ['XDEL', k(), pick(rnd, ['1-1', '5-0', 'x'])],
    () => ['XLEN', k()],
    () => ['DEL', k(), k()],
    () => ['COPY', k(), k(), ...(rnd() < 0.5 ? ['REPLACE'] : [])],
    () => ['SMOVE', k(), k(), v()],
    () => ['LCS', k(), k(), ...(rnd() < 0.5 ? ['IDX', 'MINMATCHLEN', i(), 'WITHMATCHLEN'] : ['LEN'])],
    () => ['GEOADD', k(), f(), f(), v()],
    () => ['GEOPOS', k(), v()],
    () => ['GEODIST', k(), v(), v(), pick(rnd, ['m', 'km', 'ft', 'mi', 'x'])],
  ];
  const out: string[][] = [];
  for (let n = 0; n < count; n++) out.push(pick(rnd, gens)());
  return out;
}
