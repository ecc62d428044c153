// Client tracking when the change comes from the tracking client's own command in a form other than
// a plain write: a script it runs (NOLOOP), a blocked command of its that another client's push
// serves, an eviction before its read. Found by Redis's unit/tracking; every byte each client gets
// is compared with redis-server 7.0.
import { describe, expect, it } from 'vitest';
import { RawClient, encodeCommand, realRedisAvailable, waitBlocked } from './helpers.ts';
import { serverPair } from './server-pair.ts';

const available = realRedisAvailable();

type Scenario = (x: RawClient, y: RawClient) => Promise<string[]>;

/** `n` replies in arrival order (pushes count as replies). */
async function replies(c: RawClient, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push((await c.read()).toString('latin1'));
  return out;
}

const SCENARIOS: Record<string, Scenario> = {
  "NOLOOP: a script's write is its caller's, no invalidation to itself": async (x, y) => {
    const log: string[] = [];
    await x.call('HELLO', '3');
    log.push(await x.call('CLIENT', 'TRACKING', 'ON', 'NOLOOP'));
    log.push(await x.call('SET', 'key1', '1'), await x.call('GET', 'key1'));
    log.push(await x.call('EVAL', "return redis.call('set', 'key1', '2')", '0'));
    log.push(await x.call('GET', 'key1'));
    // Another client's change still reaches it.
    await y.call('SET', 'key1', '3');
    log.push(...(await replies(x, 1)));
    log.push(await x.call('CLIENT', 'TRACKING', 'OFF'));
    log.push(await x.call('CLIENT', 'TRACKING', 'ON', 'BCAST', 'NOLOOP'));
    log.push(await x.call('EVAL', "return redis.call('set', 'key2', '2')", '0'));
    await y.call('SET', 'key3', '1');
    log.push(...(await replies(x, 1)));
    return log;
  },
  'an unblocked BLMOVE gets its reply, then the invalidation of the list it pushed to': async (x, y) => {
    const log: string[] = [];
    await y.call('RPUSH', 'list2', 'a');
    await x.call('HELLO', '3');
    log.push(await x.call('CLIENT', 'TRACKING', 'ON'));
    log.push(await x.call('LRANGE', 'list2', '0', '-1'));
    x.write(encodeCommand(['BLMOVE', 'list1', 'list2', 'LEFT', 'LEFT', '0']));
    await waitBlocked(y, 1);
    log.push(await y.call('RPUSH', 'list1', 'foo'));
    log.push(...(await replies(x, 2)));
    return log;
  },
  'a key evicted before a read is invalidated before the read replies': async (x, y) => {
    const log: string[] = [];
    await x.call('HELLO', '3');
    log.push(await x.call('CLIENT', 'TRACKING', 'ON'));
    const info = await y.call('INFO', 'memory');
    const used = Number(/used_memory:(\d+)/.exec(info)?.[1]);
    const notCounted = Number(/mem_not_counted_for_evict:(\d+)/.exec(info)?.[1]);
    log.push(String(Number.isFinite(notCounted)));
    await y.call('CONFIG', 'SET', 'maxmemory', String(used - notCounted + 100 * 1024));
    await y.call('CONFIG', 'SET', 'maxmemory-policy', 'volatile-random');
    log.push(await x.call('SETEX', 'volatile-key', '10000', 'x'), await x.call('GET', 'volatile-key'));
    // About 200 KB: the next command finds the node over maxmemory and evicts first.
    log.push(await x.call('SETBIT', 'big-key', '1600000', '0'));
    x.write(encodeCommand(['GETBIT', 'big-key', '0']));
    log.push(...(await replies(x, 2)));
    await y.call('CONFIG', 'SET', 'maxmemory', '0');
    await y.call('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
    return log;
  },
};

describe.skipIf(!available)('tracking of a client’s own indirect changes as redis-server 7.0', () => {
  const pair = serverPair();

  async function run(port: number, body: Scenario): Promise<string[]> {
    const x = await RawClient.connect(port);
    const y = await RawClient.connect(port);
    try {
      await y.call('FLUSHALL');
      return await body(x, y);
    } finally {
      x.close();
      y.close();
    }
  }

  for (const [name, body] of Object.entries(SCENARIOS)) {
    it(name, async () => {
      const a = await run(pair.ours.port, body);
      const b = await run(pair.real.port, body);
      expect(a).toEqual(b);
    });
  }
});
