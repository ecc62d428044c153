// redis-server 7.0.15 stores 0-9999 as shared objects (maxmemory 0, or a policy neither LRU nor LFU):
// under an LFU policy every key holding the same integer touches ONE counter. Ours answered 0 for them
// whatever they were read. lfu-log-factor 0 makes each access count, so the counters compare exactly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { differential, RawClient, realRedisAvailable, script, startRealRedis, startServer, type RealRedis, type Started } from './helpers.ts';

const gets = (key: string, n: number) => Array.from({ length: n }, () => ['GET', key]);

const COMMANDS = [
  ...script('SET hot 1\nSET cold 1\nCONFIG SET maxmemory-policy allkeys-lfu\nCONFIG SET lfu-log-factor 0\nOBJECT FREQ hot'),
  ...gets('hot', 50),
  ...script('OBJECT FREQ hot\nOBJECT FREQ cold'),
  ...gets('cold', 10),
  ...script('OBJECT FREQ hot\nSET new 1\nOBJECT FREQ new\nSET big 10000\nOBJECT FREQ big\nSET two 2\nOBJECT FREQ two'),
  // Touched under LRU, the shared object's field holds an LRU clock: no frequency once LFU is back.
  ...script('CONFIG SET maxmemory-policy allkeys-lru\nGET hot\nCONFIG SET maxmemory-policy allkeys-lfu\nOBJECT FREQ hot\nGET hot\nOBJECT FREQ cold'),
  // With maxmemory set under LFU, a new value is an object of its own.
  ...script('CONFIG SET maxmemory 100mb\nSET hot2 1\nOBJECT FREQ hot2\nGET hot2\nOBJECT FREQ hot2\nCONFIG SET maxmemory 0'),
];

describe('OBJECT FREQ of a shared integer, next to redis-server', () => {
  let ours: Started;
  let real: RealRedis | null = null;
  beforeAll(async () => {
    ours = await startServer();
    if (realRedisAvailable()) real = await startRealRedis();
  });
  afterAll(async () => {
    ours?.server.close();
    await real?.stop();
  });

  it('is one counter for every key holding the integer', async () => {
    const c = await RawClient.connect(ours.port);
    try {
      for (const cmd of COMMANDS.slice(0, 5)) await c.call(...cmd);
      for (const cmd of gets('hot', 50)) await c.call(...cmd);
      expect(await c.call('OBJECT', 'FREQ', 'hot')).toBe(':50\r\n');
      expect(await c.call('OBJECT', 'FREQ', 'cold')).toBe(':50\r\n');
      expect(await c.call('CONFIG', 'SET', 'maxmemory-policy', 'noeviction')).toBe('+OK\r\n');
      expect(await c.call('CONFIG', 'SET', 'lfu-log-factor', '10')).toBe('+OK\r\n');
    } finally {
      c.close();
    }
  });

  it('answers as redis-server 7.0.15', async () => {
    if (real === null) return;
    const pairs = await differential(ours.port, real.port, COMMANDS);
    const freq = pairs.filter((p) => p.cmd.startsWith('OBJECT FREQ'));
    expect(freq.map((p) => `${p.cmd} -> ${p.ours}`)).toEqual(freq.map((p) => `${p.cmd} -> ${p.real}`));
    expect(freq.map((p) => p.ours.trim())).toEqual([':0', ':50', ':50', ':60', ':60', ':5', ':0', ':0', ':1', ':5', ':6']);
  });
});
