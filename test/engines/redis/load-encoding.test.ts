// A value loaded by DEBUG RELOAD or RESTORE takes the encoding the loading server's own limits give
// it (zset/hash-max-listpack-*, set-max-intset-entries), as redis-server 7.0 converts on load; ours
// used the default limits (found by Redis's unit/type/zset "ZSCORE after a DEBUG RELOAD - skiplist").
import { describe, expect, it } from 'vitest';
import { RawClient, realRedisAvailable } from './helpers.ts';
import { serverPair } from './server-pair.ts';

const available = realRedisAvailable();

/** The payload of a bulk reply read as latin1. */
const bulkBody = (reply: string): string => reply.slice(reply.indexOf('\r\n') + 2, -2);

describe.runIf(available)('encodings after loading, as redis-server 7.0', () => {
  const pair = serverPair(['--enable-debug-command', 'yes']);

  async function run(port: number): Promise<string[]> {
    const c = await RawClient.connect(port);
    const out: string[] = [];
    const enc = async (...keys: string[]) => {
      for (const k of keys) out.push(`${k}:${bulkBody(await c.call('OBJECT', 'ENCODING', k))}`);
    };
    try {
      await c.call('FLUSHALL');
      await c.call('CONFIG', 'SET', 'zset-max-ziplist-entries', '0');
      await c.call('CONFIG', 'SET', 'hash-max-ziplist-entries', '0');
      await c.call('CONFIG', 'SET', 'set-max-intset-entries', '0');
      await c.call('ZADD', 'z', '0.5', 'a', '0.25', 'b');
      await c.call('HSET', 'h', 'f', 'v');
      await c.call('SADD', 's', '1', '2');
      await enc('z', 'h', 's');
      out.push(await c.call('DEBUG', 'RELOAD'));
      await enc('z', 'h', 's');
      const dumps = await Promise.all(['z', 'h', 's'].map(async (k) => Buffer.from(bulkBody(await c.call('DUMP', k)), 'latin1')));
      // Back to the defaults: small values come back compact, from skiplist/hashtable payloads too.
      for (const p of ['zset-max-ziplist-entries', 'hash-max-ziplist-entries']) await c.call('CONFIG', 'SET', p, '128');
      await c.call('CONFIG', 'SET', 'set-max-intset-entries', '512');
      for (const [i, k] of ['z2', 'h2', 's2'].entries()) out.push(await c.call('RESTORE', k, '0', dumps[i] as Buffer));
      await enc('z2', 'h2', 's2');
      out.push(await c.call('DEBUG', 'RELOAD'));
      await enc('z', 'h', 's', 'z2', 'h2', 's2');
      out.push(await c.call('ZSCORE', 'z', 'b'), await c.call('HGET', 'h2', 'f'), await c.call('SCARD', 's'));
      return out;
    } finally {
      for (const p of ['zset-max-ziplist-entries', 'hash-max-ziplist-entries']) await c.call('CONFIG', 'SET', p, '128');
      await c.call('CONFIG', 'SET', 'set-max-intset-entries', '512');
      c.close();
    }
  }

  it('converts by the current limits after DEBUG RELOAD and RESTORE', async () => {
    const theirs = await run(pair.real.port);
    expect(theirs).toContain('z:skiplist');
    expect(await run(pair.ours.port)).toEqual(theirs);
  });
});
