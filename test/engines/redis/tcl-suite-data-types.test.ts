// Differences from redis-server 7.0 found by Redis's own unit files for lists, zsets, expire, dump,
// other and geo (tools/redis-tcl), each replayed here through ioredis against both servers.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realRedisAvailable, startRealRedis, startServer, type RealRedis, type Started } from './helpers.ts';

const available = realRedisAvailable();

/** Runs `steps` on a fresh connection to each server and returns both results for comparison. */
async function onBoth<T>(ours: number, real: number, steps: (r: Redis) => Promise<T>): Promise<{ ours: T; real: T }> {
  const run = async (port: number): Promise<T> => {
    const r = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 0 });
    try {
      await r.flushall();
      return await steps(r);
    } finally {
      r.disconnect();
    }
  };
  return { ours: await run(ours), real: await run(real) };
}

describe.skipIf(!available)('fixes found by the tcl suite for data types, against redis-server 7.0', () => {
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

  it('INFO stats names the fork and MIGRATE counters that unit/dump waits on', async () => {
    const fields = ['latest_fork_usec', 'total_forks', 'migrate_cached_sockets', 'slave_expires_tracked_keys'];
    const { ours: a, real: b } = await onBoth(ours.port, real.port, async (r) => {
      const stats = await r.info('stats');
      return fields.map((f) => new RegExp(`^${f}:(.*)\\r$`, 'm').exec(stats)?.[1] ?? 'missing');
    });
    expect(a).toEqual(b);
  });
});
