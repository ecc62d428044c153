// A seeded random mix of commands over shared keys, compared byte-for-byte with real Redis.
// Only deterministic commands are generated (no SPOP/RANDOMKEY, no hash-ordered set listings).
import { describe, expect, it } from 'vitest';
import { differential, realRedisAvailable } from './helpers.ts';
import { serverPair } from './server-pair.ts';
import { generateEdges } from './edge-commands.ts';
import { mulberry32, pick } from './random.ts';

const available = realRedisAvailable();

function generate(seed: number, count: number, wide = false): string[][] {
  const rnd = mulberry32(seed);
  const keys = wide ? ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'] : ['a', 'b', 'c', 'd'];
  const vals = wide
    ? ['0', '1', '-3', '10', '2.5', 'x', 'hello', '', '9223372036854775807', 'abc', 'y'.repeat(70), '12345678901234567', '3.0', '1e5', ' 1', '-0', '00', 'Ünïcödé']
    : ['0', '1', '-3', '10', '2.5', 'x', 'hello', '', '9223372036854775807', 'abc'];
  const nums = ['0', '1', '-1', '2', '3', '-2', '100', 'x', '1.5'];
  const scores = ['0', '1', '2.5', '-1', 'inf', '-inf', '(1', '+inf', 'nope', '1e2'];
  const lex = ['-', '+', '[a', '(b', '[x', 'c'];
  const k = () => pick(rnd, keys);
  const v = () => pick(rnd, vals);
  const n = () => pick(rnd, nums);
  const gens: (() => string[])[] = [
    () => ['SET', k(), v()],
    () => ['SET', k(), v(), pick(rnd, ['NX', 'XX', 'GET', 'KEEPTTL', 'EX'])],
    () => ['GET', k()],
    () => ['APPEND', k(), v()],
    () => ['INCR', k()],
    () => ['INCRBY', k(), n()],
    () => ['DECRBY', k(), n()],
    () => ['INCRBYFLOAT', k(), pick(rnd, ['0.1', '1.5', '-2', 'x', '1e3'])],
    () => ['STRLEN', k()],
    () => ['GETRANGE', k(), n(), n()],
    () => ['SETRANGE', k(), pick(rnd, ['0', '2', '-1']), v()],
    () => ['MSET', k(), v(), k(), v()],
    () => ['MGET', k(), k(), k()],
    () => ['DEL', k(), k()],
    () => ['EXISTS', k(), k()],
    () => ['TYPE', k()],
    () => ['RENAME', k(), k()],
    () => ['COPY', k(), k()],
    () => ['EXPIRE', k(), pick(rnd, ['1000', '-1', 'x', '500'])],
    () => ['TTL', k()],
    () => ['PERSIST', k()],
    () => ['LPUSH', k(), v(), v()],
    () => ['RPUSH', k(), v()],
    () => ['LPOP', k()],
    () => ['RPOP', k(), pick(rnd, ['1', '2', '0', '-1'])],
    () => ['LRANGE', k(), n(), n()],
    () => ['LINDEX', k(), n()],
    () => ['LSET', k(), n(), v()],
    () => ['LREM', k(), n(), v()],
    () => ['LINSERT', k(), pick(rnd, ['BEFORE', 'AFTER']), v(), v()],
    () => ['LTRIM', k(), n(), n()],
    () => ['LMOVE', k(), k(), pick(rnd, ['LEFT', 'RIGHT']), pick(rnd, ['LEFT', 'RIGHT'])],
    () => ['LLEN', k()],
    () => ['HSET', k(), v(), v()],
    () => ['HGET', k(), v()],
    () => ['HDEL', k(), v()],
    () => ['HGETALL', k()],
    () => ['HINCRBY', k(), v(), n()],
    () => ['HINCRBYFLOAT', k(), v(), pick(rnd, ['0.5', 'x'])],
    () => ['HLEN', k()],
    () => ['HMGET', k(), v(), v()],
    () => ['SADD', k(), v(), v()],
    () => ['SREM', k(), v()],
    () => ['SCARD', k()],
    () => ['SISMEMBER', k(), v()],
    () => ['SINTERCARD', '2', k(), k()],
    () => ['SMOVE', k(), k(), v()],
    () => ['ZADD', k(), pick(rnd, scores), v()],
    () => ['ZADD', k(), pick(rnd, ['NX', 'XX', 'GT', 'LT', 'CH', 'INCR']), pick(rnd, scores), v()],
    () => ['ZINCRBY', k(), pick(rnd, scores), v()],
    () => ['ZSCORE', k(), v()],
    () => ['ZRANK', k(), v()],
    () => ['ZREM', k(), v()],
    () => ['ZCARD', k()],
    () => ['ZRANGE', k(), n(), n(), 'WITHSCORES'],
    () => ['ZRANGEBYSCORE', k(), pick(rnd, scores), pick(rnd, scores)],
    () => ['ZRANGEBYLEX', k(), pick(rnd, lex), pick(rnd, lex)],
    () => ['ZCOUNT', k(), pick(rnd, scores), pick(rnd, scores)],
    () => ['ZPOPMIN', k()],
    () => ['ZUNIONSTORE', k(), '2', k(), k()],
    () => ['ZINTER', '2', k(), k(), 'WITHSCORES'],
    () => ['OBJECT', 'ENCODING', k()],
    () => ['DBSIZE'],
    () => ['GETEX', k(), pick(rnd, ['PERSIST', 'EX', 'PX'])],
    () => ['GETDEL', k()],
    () => ['SETEX', k(), pick(rnd, ['100', '0', 'x']), v()],
    () => ['RENAMENX', k(), k()],
    () => ['LPOS', k(), v(), pick(rnd, ['RANK', 'COUNT', 'MAXLEN']), n()],
    () => ['LPUSHX', k(), v()],
    () => ['LMPOP', '2', k(), k(), pick(rnd, ['LEFT', 'RIGHT']), 'COUNT', pick(rnd, ['1', '3'])],
    () => ['ZRANGE', k(), pick(rnd, scores), pick(rnd, scores), 'BYSCORE', pick(rnd, ['REV', 'WITHSCORES', 'LIMIT']), ...(rnd() < 0.5 ? [] : ['LIMIT', n(), n()])],
    () => ['ZRANGE', k(), pick(rnd, lex), pick(rnd, lex), 'BYLEX', ...(rnd() < 0.5 ? [] : ['REV'])],
    () => ['ZREVRANGE', k(), n(), n(), 'WITHSCORES'],
    () => ['ZREMRANGEBYSCORE', k(), pick(rnd, scores), pick(rnd, scores)],
    () => ['ZREMRANGEBYRANK', k(), n(), n()],
    () => ['ZREMRANGEBYLEX', k(), pick(rnd, lex), pick(rnd, lex)],
    () => ['ZLEXCOUNT', k(), pick(rnd, lex), pick(rnd, lex)],
    () => ['ZUNION', '2', k(), k(), 'WITHSCORES', ...(rnd() < 0.5 ? [] : ['AGGREGATE', pick(rnd, ['MIN', 'MAX', 'SUM'])])],
    () => ['ZDIFF', '2', k(), k(), 'WITHSCORES'],
    () => ['ZINTERSTORE', k(), '2', k(), k(), 'WEIGHTS', pick(rnd, ['1', '2', '-1', 'x']), '1'],
    () => ['ZMSCORE', k(), v(), v()],
    () => ['ZREVRANK', k(), v()],
    () => ['ZPOPMAX', k(), pick(rnd, ['1', '2'])],
    () => ['ZMPOP', '2', k(), k(), pick(rnd, ['MIN', 'MAX'])],
    () => ['HSETNX', k(), v(), v()],
    () => ['HSTRLEN', k(), v()],
    () => ['HEXISTS', k(), v()],
    () => ['HKEYS', k()],
    () => ['HVALS', k()],
    () => ['SMISMEMBER', k(), v(), v()],
    () => ['SINTERSTORE', k(), k(), k()],
    () => ['SDIFFSTORE', k(), k(), k()],
    () => ['SUNIONSTORE', k(), k(), k()],
    () => ['SETBIT', k(), pick(rnd, ['0', '7', '100', '-1']), pick(rnd, ['0', '1', '2'])],
    () => ['GETBIT', k(), pick(rnd, ['0', '7', '100'])],
    () => ['BITCOUNT', k(), ...(rnd() < 0.5 ? [] : [n(), n()])],
    () => ['BITPOS', k(), pick(rnd, ['0', '1']), ...(rnd() < 0.5 ? [] : [n()])],
    () => ['BITOP', pick(rnd, ['AND', 'OR', 'XOR']), k(), k(), k()],
    () => ['PFADD', k(), v(), v()],
    () => ['PFCOUNT', k()],
    () => ['XADD', k(), pick(rnd, ['1-1', '2-*', '5', '0-1']), 'f', v()],
    () => ['XLEN', k()],
    () => ['XRANGE', k(), '-', '+'],
    () => ['XDEL', k(), '1-1'],
    () => ['LCS', k(), k()],
    () => ['SORT', k(), ...(rnd() < 0.5 ? [] : ['ALPHA'])],
    () => ['MULTI'],
    () => ['EXEC'],
    () => ['DISCARD'],
    () => ['WATCH', k()],
    () => ['UNWATCH'],
    () => ['SELECT', pick(rnd, ['0', '1'])],
    () => ['MOVE', k(), pick(rnd, ['0', '1'])],
    () => ['SWAPDB', '0', '1'],
  ];
  const out: string[][] = [];
  for (let i = 0; i < count; i++) out.push(pick(rnd, gens)());
  return out;
}

/** Sorted sets big enough for the skiplist, with ties, infinities and rank/range queries. */
function generateZsets(seed: number, count: number): string[][] {
  const rnd = mulberry32(seed);
  const member = () => `m${Math.floor(rnd() * 400)}`;
  const score = () => pick(rnd, ['0', '1', '2', '-1', '3.5', 'inf', '-inf', String(Math.floor(rnd() * 100)), String(rnd() * 50 - 25)]);
  const bound = () => pick(rnd, ['-inf', '+inf', '(1', '0', '10', '(50', '25.5', '-3']);
  const lex = () => pick(rnd, ['-', '+', '[m1', '(m2', '[m300', '(m99']);
  const idx = () => String(Math.floor(rnd() * 500) - 250);
  const gens: (() => string[])[] = [
    () => ['ZADD', 'z', score(), member(), score(), member()],
    () => ['ZADD', 'l', '0', member()],
    () => ['ZINCRBY', 'z', score(), member()],
    () => ['ZREM', 'z', member(), member()],
    () => ['ZRANK', 'z', member()],
    () => ['ZREVRANK', 'z', member()],
    () => ['ZSCORE', 'z', member()],
    () => ['ZRANGE', 'z', idx(), idx(), 'WITHSCORES'],
    () => ['ZRANGE', 'z', idx(), idx(), 'REV'],
    () => ['ZRANGEBYSCORE', 'z', bound(), bound(), 'WITHSCORES', 'LIMIT', String(Math.floor(rnd() * 20)), String(Math.floor(rnd() * 20) - 2)],
    () => ['ZREVRANGEBYSCORE', 'z', bound(), bound(), 'LIMIT', '0', '10'],
    () => ['ZCOUNT', 'z', bound(), bound()],
    () => ['ZRANGEBYLEX', 'l', lex(), lex(), 'LIMIT', '0', '15'],
    () => ['ZREVRANGEBYLEX', 'l', lex(), lex()],
    () => ['ZLEXCOUNT', 'l', lex(), lex()],
    () => ['ZREMRANGEBYRANK', 'z', idx(), idx()],
    () => ['ZREMRANGEBYSCORE', 'z', bound(), bound()],
    () => ['ZREMRANGEBYLEX', 'l', lex(), lex()],
    () => ['ZPOPMIN', 'z', '2'],
    () => ['ZPOPMAX', 'l'],
    () => ['ZCARD', 'z'],
    () => ['ZUNIONSTORE', 'u', '2', 'z', 'l', 'WEIGHTS', '2', '1'],
    () => ['ZRANGE', 'u', '0', '20', 'WITHSCORES'],
    () => ['OBJECT', 'ENCODING', 'z'],
  ];
  const out: string[][] = [];
  for (let i = 0; i < 300; i++) out.push(['ZADD', 'z', score(), member()], ['ZADD', 'l', '0', member()]);
  for (let i = 0; i < count; i++) out.push(pick(rnd, gens)());
  return out;
}

/** HyperLogLogs through sparse growth, promotion to dense, merges and cached counts; GET compares bytes. */
function generateHll(seed: number, count: number): string[][] {
  const rnd = mulberry32(seed);
  const key = () => pick(rnd, ['h1', 'h2', 'h3']);
  const elems = () => Array.from({ length: 1 + Math.floor(rnd() * (rnd() < 0.1 ? 300 : 8)) }, () => `e${Math.floor(rnd() * 5000)}`);
  const gens: (() => string[])[] = [
    () => ['PFADD', key(), ...elems()],
    () => ['PFADD', key(), ...elems()],
    () => ['PFCOUNT', key()],
    () => ['PFCOUNT', key(), key()],
    () => ['PFMERGE', key(), key(), key()],
    () => ['GET', key()],
    () => ['STRLEN', key()],
  ];
  const out: string[][] = [];
  for (let i = 0; i < count; i++) out.push(pick(rnd, gens)());
  return out;
}

describe.skipIf(!available)('randomized differential', () => {
  const pair = serverPair();

  it.each([21, 22])('seed %i: HyperLogLog bytes and counts match through promotion', async (seed) => {
    const results = await differential(pair.ours.port, pair.real.port, generateHll(seed, 400));
    const at = results.findIndex((r) => r.ours !== r.real);
    expect(at < 0 ? null : results[at]?.cmd).toBeNull();
  });

  it.each([41, 42, 43])('seed %i: edge arguments over every family reply identically', async (seed) => {
    const results = await differential(pair.ours.port, pair.real.port, generateEdges(seed, 1500));
    const at = results.findIndex((r) => r.ours !== r.real);
    expect(at < 0 ? null : results.slice(Math.max(0, at - 8), at + 1)).toBeNull();
  });

  it.each([11, 12])('seed %i: skiplist-sized sorted sets answer identically', async (seed) => {
    const results = await differential(pair.ours.port, pair.real.port, generateZsets(seed, 1500));
    const at = results.findIndex((r) => r.ours !== r.real);
    expect(at < 0 ? null : results[at]).toBeNull();
  });

  it.each([
    [7, 2, false],
    [2024, 2, false],
    [99991, 2, false],
    [31337, 2, false],
    [5, 3, false],
    [123456, 3, false],
    [777, 3, false],
    [4242, 2, true],
    [8080, 3, true],
    [1, 2, true],
  ] as const)('seed %i over RESP%i (wide %s): 1500 mixed commands reply identically', async (seed, proto, wide) => {
    const results = await differential(pair.ours.port, pair.real.port, generate(seed, 1500, wide), proto);
    const at = results.findIndex((r) => r.ours !== r.real);
    // On a mismatch, show the commands leading up to it: they are what reproduces it.
    if (at >= 0 && process.env.RDIFF_DUMP) {
      const { writeFileSync } = await import('node:fs');
      writeFileSync(`/tmp/rdiff-${seed}.txt`, results.slice(0, at + 1).map((r) => `${r.cmd} -> ${JSON.stringify(r.ours)}`).join('\n'));
    }
    const key = at < 0 ? '' : (results[at]?.cmd.split(' ')[1] ?? '');
    const context =
      at < 0
        ? []
        : results
            .slice(0, at + 1)
            .filter((r, i) => i === at || r.cmd.split(' ').includes(key) || /^(MULTI|EXEC|SELECT|SWAPDB)/.test(r.cmd))
            .slice(-15)
            .map((r) => `${r.cmd} -> ${JSON.stringify(r.ours)}${r.ours === r.real ? '' : ` (redis: ${JSON.stringify(r.real)})`}`);
    expect(context).toEqual([]);
  });
});
