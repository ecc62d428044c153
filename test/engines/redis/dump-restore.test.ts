import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realRedisAvailable, startRealRedis, startServer, type RealRedis, type Started } from './helpers.ts';

const available = realRedisAvailable();
let ours: Started;
let real: RealRedis;
let a: Redis;
let b: Redis;

async function fill(r: Redis): Promise<void> {
  await r.flushall();
  await r.set('str', 'hello');
  await r.set('int', '42');
  await r.set('long', 'x'.repeat(300));
  await r.rpush('list', 'a', 'b', 'c');
  await r.hset('hash', { f: 'v', g: 'w' });
  await r.sadd('set', 'm1', 'm2');
  await r.sadd('ints', '1', '2', '3');
  await r.zadd('zset', '1.5', 'one', '2', 'two');
  await r.xadd('stream', '5-1', 'field', 'value');
  const big = Array.from({ length: 300 }, (_, i) => `member-${i}`);
  await r.sadd('bigset', ...big);
}

const KEYS = ['str', 'int', 'long', 'list', 'hash', 'set', 'ints', 'zset', 'stream', 'bigset'];

async function contents(r: Redis): Promise<unknown[]> {
  return Promise.all([
    r.get('str'), r.get('int'), r.get('long'), r.lrange('list', 0, -1), r.hgetall('hash'),
    r.smembers('set').then((m) => m.sort()), r.smembers('ints').then((m) => m.sort()), r.zrange('zset', '0', '-1', 'WITHSCORES'),
    r.xrange('stream', '-', '+'), r.scard('bigset'),
  ]);
}

async function copyAll(from: Redis, to: Redis): Promise<void> {
  await to.flushall();
  for (const k of KEYS) {
    const payload = await from.dumpBuffer(k);
    expect(payload, k).not.toBeNull();
    await to.restore(k, 0, payload!);
  }
}

beforeAll(async () => {
  ours = await startServer();
  a = new Redis({ port: ours.port });
  if (available) {
    real = await startRealRedis();
    b = new Redis({ port: real.port });
  }
});
afterAll(async () => {
  a.disconnect();
  b?.disconnect();
  await ours.server.close();
  await real?.stop();
});

describe.skipIf(!available)('DUMP / RESTORE in Redis serialization format', () => {
  it('a DUMP from real redis-server RESTOREs here with every value', async () => {
    await fill(b);
    await copyAll(b, a);
    expect(await contents(a)).toEqual(await contents(b));
  });

  it('a DUMP from here RESTOREs in real redis-server with every value', async () => {
    await fill(a);
    await copyAll(a, b);
    expect(await contents(b)).toEqual(await contents(a));
  });

  it('answers RESTORE errors and options as Redis does', async () => {
    for (const r of [a, b]) {
      await r.flushall();
      await r.set('k', 'v');
      const payload = (await r.dumpBuffer('k'))!;
      await expect(r.restore('k', 0, payload)).rejects.toThrow('BUSYKEY Target key name already exists.');
      expect(await r.restore('k', 5000, payload, 'REPLACE')).toBe('OK');
      const pttl = await r.pttl('k');
      expect(pttl).toBeGreaterThan(4000);
      expect(pttl).toBeLessThanOrEqual(5000);
      expect(await r.restore('gone', Date.now() - 1000, payload, 'ABSTTL')).toBe('OK');
      expect(await r.exists('gone')).toBe(0);
      const broken = Buffer.from(payload);
      broken[0] = (broken[0]! + 1) & 0xff;
      await expect(r.restore('bad', 0, broken)).rejects.toThrow('ERR DUMP payload version or checksum are wrong');
      await expect(r.restore('neg', -1, payload)).rejects.toThrow('ERR Invalid TTL value, must be >= 0');
      expect(await r.dump('missing')).toBeNull();
    }
  });
});
