// Differences from redis-server 7.0 that Redis's own tcl suite (run in external mode against a node) exposed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { differential, RawClient, realRedisAvailable, script, startRealRedis, startServer, type RealRedis, type Started } from './helpers.ts';

const available = realRedisAvailable();

const CASES: Record<string, string> = {
  'XADD ms-* after the last possible sequence of that ms': `
    XADD x 1-18446744073709551615 f v
    XADD x 1-* f v
    XADD x 2-* f v
    XADD x 1-5 f v
  `,
};

describe.skipIf(!available)('fixes found by the upstream tcl suite, against redis-server 7.0', () => {
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

  for (const [name, text] of Object.entries(CASES)) {
    it(name, async () => {
      const results = await differential(ours.port, real.port, script(text));
      expect(results.filter((r) => r.ours !== r.real)).toEqual([]);
    });
  }

  it('MEMORY USAGE counts a collection written in place, not only its empty shell', async () => {
    const c = await RawClient.connect(ours.port);
    try {
      for (const [make, key] of [
        ['HSET h a 1 b 2', 'h'],
        ['RPUSH l a b c', 'l'],
        ['SADD s a b c', 's'],
        ['ZADD z 1 a 2 b', 'z'],
      ] as const) {
        await c.call(...make.split(' '));
        const reply = await c.call('MEMORY', 'USAGE', key);
        expect(Number(reply.slice(1))).toBeGreaterThan(0);
      }
    } finally {
      c.close();
    }
  });
});
