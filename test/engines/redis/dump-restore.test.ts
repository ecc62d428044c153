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
    real = await startRealRedis(['--enable-debug-command', 'yes']);
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

  it('a 2 MB string DUMPed raw (rdbcompression no) RESTOREs as its bytes, and its footer is checked as for any payload', async () => {
    const bytes = Buffer.from(Array.from({ length: 2 * 2 ** 20 + 7 }, (_, i) => (i * 131 + (i >> 11)) & 0xff));
    const seen: string[][] = [];
    for (const r of [a, b]) {
      await r.flushall();
      await r.config('SET', 'rdbcompression', 'no');
      await r.set('big', bytes);
      const payload = (await r.dumpBuffer('big'))!;
      expect(await r.restore('copy', 0, payload)).toBe('OK');
      expect((await r.getBuffer('copy'))!.equals(bytes)).toBe(true);
      const outcome = async (change: (p: Buffer) => void) => {
        const p = Buffer.from(payload);
        change(p);
        return r.restore('other', 0, p, 'REPLACE').then(String, (e: Error) => e.message);
      };
      seen.push([
        await outcome((p) => (p[1000] = (p[1000]! + 1) & 0xff)),
        await outcome((p) => p.writeUInt16LE(99, p.length - 10)),
        await outcome((p) => p.fill(0, p.length - 8)),
        await outcome((p) => p.writeUInt32BE(5, 2)),
      ]);
      // A wrong CRC is taken once checks are skipped (redis-server's own corrupt-dump tests turn them off).
      await r.call('DEBUG', 'SET-SKIP-CHECKSUM-VALIDATION', '1');
      seen.push([await outcome((p) => p.fill(0, p.length - 8)), await outcome((p) => p.writeUInt16LE(99, p.length - 10))]);
      expect((await r.getBuffer('other'))!.equals(bytes)).toBe(true);
      await r.call('DEBUG', 'SET-SKIP-CHECKSUM-VALIDATION', 'no');
      seen.push([await outcome((p) => p.fill(0, p.length - 8))]);
      await r.config('SET', 'rdbcompression', 'yes');
    }
    expect(seen.slice(0, 3)).toEqual(seen.slice(3));
    expect(seen.slice(0, 3)).toEqual([Array(4).fill('ERR DUMP payload version or checksum are wrong'), ['OK', 'ERR DUMP payload version or checksum are wrong'], ['ERR DUMP payload version or checksum are wrong']]);
  });
});
