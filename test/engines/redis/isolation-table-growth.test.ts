// Key tables and collections that grow one element per command past the size where they are split into several
// Maps (split-table.ts: V8 rehashed a Map of 2^20 entries in one call, 100-400 ms in one SET/HSET/SADD/ZADD), and
// shrink back: another node keeps answering PING meanwhile, and what a client reads (SCAN and its kin over the
// split, KEYS, RANDOMKEY, DBSIZE, DEBUG DIGEST, INFO keyspace, a replica's copy, active expiry, volatile
// eviction) equals redis-server's. The 2^20 crossing itself is measured by bench/stalls-growth.ts.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SPLIT_AT } from '../../../engines/redis/db/split-table.ts';
import { realRedisAvailable, startServer, waitUntil, type Started } from './helpers.ts';
import { pipeline, replies, STALL_BOUND_MS, stallServers, whileWorking } from './stall.ts';

const available = realRedisAvailable();
const N = Math.ceil(SPLIT_AT * 2.5);
const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => i + from);

/** Each table kind: the commands that grow it to `n` elements from `from`, and those that shrink it again. */
const kinds = {
  keyspace: { grow: (i: number) => ['SET', `k${i}`, `v${i}`], shrink: (i: number) => ['DEL', `k${i}`] },
  expires: { grow: (i: number) => ['SET', `t${i}`, `v${i}`, 'EX', '100000'], shrink: (i: number) => ['PERSIST', `t${i}`] },
  hash: { grow: (i: number) => ['HSET', 'h', `f${i}`, `v${i}`], shrink: (i: number) => ['HDEL', 'h', `f${i}`] },
  set: { grow: (i: number) => ['SADD', 's', `m${i}`], shrink: (i: number) => ['SREM', 's', `m${i}`] },
  zset: { grow: (i: number) => ['ZADD', 'z', String(i % 977), `m${i}`], shrink: (i: number) => ['ZREM', 'z', `m${i}`] },
};

/** Every name a full SCAN-family walk returns (COUNT 500), sorted. */
async function walk(r: Redis, cmd: 'scan' | 'hscan' | 'sscan' | 'zscan', key?: string): Promise<string[]> {
  const seen = new Set<string>();
  let cursor = '0';
  do {
    const [next, flat] = (await r.call(cmd, ...(key === undefined ? [] : [key]), cursor, 'COUNT', '500')) as [string, string[]];
    const step = cmd === 'hscan' || cmd === 'zscan' ? 2 : 1;
    for (let i = 0; i < flat.length; i += step) seen.add(flat[i] as string);
    cursor = next;
  } while (cursor !== '0');
  return [...seen].sort();
}

/** What a client reads of the whole dataset (db 0), to compare across servers. */
async function view(port: number): Promise<unknown> {
  const r = new Redis({ port, lazyConnect: true });
  await r.connect();
  try {
    const keyspace = ((await r.info('keyspace')).match(/db0:keys=\d+,expires=\d+/) ?? [''])[0];
    return {
      keyspace,
      digest: await r.call('DEBUG', 'DIGEST'),
      values: await r.call('DEBUG', 'DIGEST-VALUE', 'h', 's', 'z', 'k7', 't7'),
      sizes: [await r.dbsize(), await r.hlen('h'), await r.scard('s'), await r.zcard('z')],
      keys: (await r.keys('*')).sort(),
      scan: await walk(r, 'scan'),
      hscan: await walk(r, 'hscan', 'h'),
      sscan: await walk(r, 'sscan', 's'),
      zscan: await walk(r, 'zscan', 'z'),
    };
  } finally {
    r.disconnect();
  }
}

describe.skipIf(!available)('tables growing past their split and shrinking back', () => {
  const s = stallServers(() => [['DEBUG', 'SET-ACTIVE-EXPIRE', '0']], ['--enable-debug-command', 'yes']);
  let replica!: Started;
  beforeAll(async () => {
    replica = await startServer();
    replica.server.replicaOf(s.busy.server);
  });
  afterAll(async () => {
    await replica?.server.close();
  });

  /** Sends `cmds` to our node while another node is PINGed (bounded), and to redis-server. */
  async function both(what: string, cmds: string[][]): Promise<void> {
    const { ping, loop } = await whileWorking(s.other.port, () => pipeline(s.busy.port, cmds));
    expect(ping, what).toBeLessThan(STALL_BOUND_MS);
    expect(loop, what).toBeLessThan(STALL_BOUND_MS);
    await pipeline(s.real.port, cmds);
  }

  async function sameView(): Promise<void> {
    const [mine, theirs] = await Promise.all([view(s.busy.port), view(s.real.port)]);
    expect(mine).toEqual(theirs);
    const digest = (mine as { digest: string }).digest;
    await waitUntil('the replica caught up', async () => (await replies(replica.port, [['DEBUG', 'DIGEST']]))[0] === `+${digest}\r\n`, 30_000);
  }

  it('each table crosses the split one command at a time, another node answering; reads equal redis-server\'s', async () => {
    for (const [name, k] of Object.entries(kinds)) await both(`${name} grows`, range(N).map(k.grow));
    await sameView();
    for (let n = 0; n < 20; n++) {
      const key = (await replies(s.busy.port, [['RANDOMKEY']]))[0] as string;
      expect(key).toMatch(/^\$\d+\r\n(k|t)\d+\r\n$|^\$1\r\n[hsz]\r\n$/);
    }
  }, 300_000);

  it('a SCAN-family walk begun before a table splits returns every element present throughout', async () => {
    const r = new Redis({ port: s.busy.port, lazyConnect: true, db: 1 });
    await r.connect();
    try {
      const before = SPLIT_AT - 50;
      const cmds = [['SELECT', '1'], ...range(before).flatMap((i) => [['SET', `a${i}`, 'x'], ['HSET', 'g', `f${i}`, 'x'], ['SADD', 'u', `m${i}`], ['ZADD', 'y', String(i), `m${i}`]])];
      await pipeline(s.busy.port, cmds);
      for (const [cmd, key] of [['scan', undefined], ['hscan', 'g'], ['sscan', 'u'], ['zscan', 'y']] as const) {
        const seen = new Set<string>();
        let [cursor, flat] = (await r.call(cmd, ...(key === undefined ? [] : [key]), '0', 'COUNT', '100')) as [string, string[]];
        const step = cmd === 'hscan' || cmd === 'zscan' ? 2 : 1;
        let grown = false;
        for (;;) {
          for (let i = 0; i < flat.length; i += step) seen.add(flat[i] as string);
          if (!grown) {
            // The table splits under the walk (and a few of the first names go away).
            grown = true;
            const more = range(SPLIT_AT, before).map((i) => (cmd === 'scan' ? ['SET', `a${i}`, 'x'] : cmd === 'hscan' ? ['HSET', 'g', `f${i}`, 'x'] : cmd === 'sscan' ? ['SADD', 'u', `m${i}`] : ['ZADD', 'y', String(i), `m${i}`]));
            await pipeline(s.busy.port, [['SELECT', '1'], ...more]);
          }
          if (cursor === '0') break;
          [cursor, flat] = (await r.call(cmd, ...(key === undefined ? [] : [key]), cursor, 'COUNT', '100')) as [string, string[]];
        }
        const name = (i: number) => (cmd === 'scan' ? `a${i}` : cmd === 'hscan' ? `f${i}` : `m${i}`);
        expect(range(before).filter((i) => !seen.has(name(i))), cmd).toEqual([]);
      }
    } finally {
      await r.flushdb();
      r.disconnect();
    }
  }, 300_000);

  it('each table shrinks below its merge, another node answering; reads equal redis-server\'s', async () => {
    for (const [name, k] of Object.entries(kinds)) await both(`${name} shrinks`, range(N - 1000, 500).map(k.shrink));
    await sameView();
  }, 300_000);

  it('active expiry deletes every key of a split TTL table, another node answering', async () => {
    const cmds = [['SELECT', '2'], ...range(N).map((i) => ['SET', `e${i}`, 'v', 'PX', String(300 + (i % 500))])];
    await Promise.all([pipeline(s.busy.port, cmds), pipeline(s.real.port, cmds)]);
    const empty = async (port: number) => (await replies(port, [['SELECT', '2'], ['DBSIZE']]))[1] === ':0\r\n';
    const { ping, loop } = await whileWorking(s.other.port, async () => {
      await replies(s.busy.port, [['DEBUG', 'SET-ACTIVE-EXPIRE', '1']]);
      await waitUntil('our TTL keys expired', () => empty(s.busy.port), 120_000);
    });
    expect(ping).toBeLessThan(STALL_BOUND_MS);
    expect(loop).toBeLessThan(STALL_BOUND_MS);
    await replies(s.real.port, [['DEBUG', 'SET-ACTIVE-EXPIRE', '1']]);
    await waitUntil('redis-server\'s TTL keys expired', () => empty(s.real.port), 120_000);
    await Promise.all([s.busy.port, s.real.port].map((p) => replies(p, [['DEBUG', 'SET-ACTIVE-EXPIRE', '0']])));
    await sameView();
  }, 300_000);

  it('volatile eviction samples a split TTL table: only keys with a TTL go', async () => {
    const r = new Redis({ port: s.busy.port, lazyConnect: true, db: 3 });
    await r.connect();
    try {
      await pipeline(s.busy.port, [['SELECT', '3'], ...range(N).flatMap((i) => [['SET', `p${i}`, 'x'.repeat(50)], ['SET', `v${i}`, 'x'.repeat(50), 'EX', '100000']])]);
      const used = Number(/used_memory:(\d+)/.exec(await r.info('memory'))?.[1]);
      await r.config('SET', 'maxmemory-policy', 'volatile-random');
      await r.config('SET', 'maxmemory', String(used - 1_000_000));
      await waitUntil('eviction ran', async () => Number(/evicted_keys:(\d+)/.exec(await r.info('stats'))?.[1]) > 0, 30_000);
      await r.config('SET', 'maxmemory', '0');
      const left = (await r.keys('*')).filter((k) => k.startsWith('v')).length;
      expect(left).toBeLessThan(N);
      expect(left).toBeGreaterThan(0);
      expect(await r.exists(...range(N).map((i) => `p${i}`))).toBe(N);
    } finally {
      await r.config('SET', 'maxmemory', '0');
      await r.config('SET', 'maxmemory-policy', 'noeviction');
      await r.flushdb();
      r.disconnect();
    }
  }, 300_000);
});
