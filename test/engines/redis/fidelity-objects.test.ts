// OBJECT FREQ and access bookkeeping as redis-server 7.0: TTL, TYPE and EXISTS look without touching,
// and lfu-log-factor / lfu-decay-time are the ones CONFIG SET gave.
import { describe, expect, it } from 'vitest';
import { differential, realRedisAvailable, script } from './helpers.ts';
import { serverPair } from './server-pair.ts';

const available = realRedisAvailable();

describe.skipIf(!available)('object access bookkeeping as redis-server 7.0', () => {
  const pair = serverPair();

  it('TTL, TYPE and EXISTS leave OBJECT FREQ alone; reads count with lfu-log-factor 0', async () => {
    const cmds = script(`
      CONFIG SET maxmemory-policy allkeys-lfu
      SET k v
      OBJECT FREQ k
      TTL k
      PTTL k
      TYPE k
      EXISTS k
      EXPIRETIME k
      OBJECT FREQ k
      GET k
      OBJECT FREQ k
      CONFIG SET lfu-log-factor 0
      GET k
      GET k
      STRLEN k
      OBJECT FREQ k
      TYPE k
      OBJECT FREQ k
      CONFIG SET lfu-decay-time 0
      OBJECT FREQ k
      INFO keyspace
      CONFIG SET maxmemory-policy noeviction lfu-log-factor 10 lfu-decay-time 1
      OBJECT FREQ k
    `);
    const results = await differential(pair.ours.port, pair.real.port, cmds);
    expect(results.filter((r) => r.ours !== r.real)).toEqual([]);
  });
});
