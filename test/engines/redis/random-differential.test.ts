// A seeded random mix of commands over shared keys, compared byte-for-byte with real Redis.
// Only deterministic commands are generated (no SPOP/RANDOMKEY, no hash-ordered set listings).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { differential, realRedisAvailable, startRealRedis, startServer, type RealRedis, type Started } from './helpers.ts';
import { mulberry32, pick } from './random.ts';

const available = realRedisAvailable();

function generate(seed: number, count: number): string[][] {
  const rnd = mulberry32(seed);
  const keys = ['a', 'b', 'c', 'd'];
  const vals = ['0', '1', '-3', '10', '2.5', 'x', 'hello', '', '9223372036854775807', 'abc'];
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
  ];
  const out: string[][] = [];
  for (let i = 0; i < count; i++) out.push(pick(rnd, gens)());
  return out;
}

describe.skipIf(!available)('randomized differential', () => {
  let ours: Started;
  let real: RealRedis;
  beforeAll(async () => {
    ours = await startServer();
    real = await startRealRedis();
  });
  afterAll(async () => {
    await ours?.server.close();
    await real?.stop();
  });

  it.each([7, 2024, 99991])('seed %i: 1500 mixed commands reply identically', async (seed) => {
    const results = await differential(ours.port, real.port, generate(seed, 1500));
    const at = results.findIndex((r) => r.ours !== r.real);
    // On a mismatch, show the commands leading up to it: they are what reproduces it.
    const context = at < 0 ? [] : results.slice(Math.max(0, at - 15), at + 1).map((r) => `${r.cmd} -> ${JSON.stringify(r.ours)}${r.ours === r.real ? '' : ` (redis: ${JSON.stringify(r.real)})`}`);
    expect(context).toEqual([]);
  });
});
