// Differences from redis-server 7.0 found by Redis's unit/introspection (run against a bare engine),
// each compared with redis-server through the same requests.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { differential, realRedisAvailable, script, startRealRedis, startServer, type RealRedis, type Started } from './helpers.ts';

const available = realRedisAvailable();

const CASES: Record<string, string> = {
  'hidden test knobs answer when named, never through a pattern': `
    CONFIG GET key-load-delay
    CONFIG GET rdb-key-save-delay
    CONFIG GET loading-process-events-interval-bytes
    CONFIG GET key-load-*
    CONFIG GET *-delay
    CONFIG GET KEY-LOAD-DELAY
    CONFIG SET key-load-delay 5
    CONFIG GET key-load-delay
    CONFIG SET key-load-delay abc
    CONFIG SET loading-process-events-interval-bytes 10
    CONFIG SET key-load-delay 0
  `,
  'CONFIG GET answers a plain name as it was spelt, once': `
    CONFIG GET MAXMEMORY
    CONFIG GET Hash-Max-Ziplist-Entries
    CONFIG GET maxmemory MAXMEMORY
    CONFIG GET maxmemory-polic* MAXMEMORY-POLICY
    CONFIG GET nosuch
    CONFIG GET nosuch*
  `,
};

describe.skipIf(!available)('unit/introspection findings, against redis-server 7.0', () => {
  let ours: Started;
  let real: RealRedis;
  beforeAll(async () => {
    [ours, real] = await Promise.all([startServer(), startRealRedis()]);
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
});
