// CONFIG GET/SET in a bare engine as redis-server 7.0 answers them; ElastiCache nodes keep their defaults.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisServer } from '../../../engines/redis/index.ts';
import { differential, RawClient, realRedisAvailable, script } from './helpers.ts';
import { serverPair } from './server-pair.ts';

const available = realRedisAvailable();

/** Where the two servers legitimately differ: their ports and working directories. */
const OWN = new Set(['port', 'dir']);

function parseMap(reply: string): Map<string, string> {
  const xs = [...reply.matchAll(/\$\d+\r\n([^\r]*)\r\n/g)].map((m) => m[1] as string);
  const out = new Map<string, string>();
  for (let i = 0; i < xs.length; i += 2) out.set(xs[i] as string, xs[i + 1] as string);
  return out;
}

describe.skipIf(!available)('CONFIG as redis-server 7.0', () => {
  const pair = serverPair();
  let a: RawClient;
  let b: RawClient;
  beforeAll(async () => {
    a = await RawClient.connect(pair.ours.port);
    b = await RawClient.connect(pair.real.port);
  });
  afterAll(async () => {
    a?.close();
    b?.close();
  });

  it('CONFIG GET * lists every parameter with redis-server defaults (maxmemory-policy noeviction)', async () => {
    const mine = parseMap(await a.call('CONFIG', 'GET', '*'));
    const theirs = parseMap(await b.call('CONFIG', 'GET', '*'));
    for (const k of OWN) {
      mine.delete(k);
      theirs.delete(k);
    }
    expect(Object.fromEntries([...mine].sort())).toEqual(Object.fromEntries([...theirs].sort()));
    expect(mine.get('maxmemory-policy')).toBe('noeviction');
  });

  it('setting every parameter to its own value answers as redis-server does, and reads back the same', async () => {
    const theirs = parseMap(await b.call('CONFIG', 'GET', '*'));
    const diffs: string[] = [];
    for (const [k, v] of theirs) {
      if (OWN.has(k)) continue;
      const [x, y] = [await a.call('CONFIG', 'SET', k, v), await b.call('CONFIG', 'SET', k, v)];
      if (x !== y) diffs.push(`${k}: ${x} vs ${y}`);
      const [gx, gy] = [await a.call('CONFIG', 'GET', k), await b.call('CONFIG', 'GET', k)];
      if (gx !== gy) diffs.push(`${k} reads ${gx} vs ${gy}`);
    }
    expect(diffs).toEqual([]);
  });

  it('accepts and refuses values with the same texts', async () => {
    const cmds = script(`
      CONFIG SET list-max-ziplist-size 5
      CONFIG GET list-max-listpack-size
      CONFIG SET list-max-listpack-size -3
      CONFIG GET list-max-ziplist-size
      CONFIG SET list-max-ziplist-size x
      CONFIG SET list-compress-depth 2
      CONFIG GET list-compress-depth
      CONFIG SET list-compress-depth -1
      CONFIG SET hash-max-ziplist-entries 64
      CONFIG GET hash-max-listpack-entries
      CONFIG SET hash-max-ziplist-value 1kb
      CONFIG GET hash-max-*
      CONFIG SET zset-max-ziplist-value 2M
      CONFIG GET zset-max-listpack-value
      CONFIG SET set-max-intset-entries -1
      CONFIG SET stream-node-max-entries 50
      CONFIG SET stream-node-max-bytes 8kb
      CONFIG GET stream-node-*
      CONFIG SET hll-sparse-max-bytes 4000
      CONFIG SET activerehashing NO
      CONFIG GET activerehashing
      CONFIG SET activerehashing maybe
      CONFIG SET maxmemory-policy ALLKEYS-LFU
      CONFIG GET maxmemory-policy
      CONFIG SET maxmemory-policy lfu
      CONFIG SET maxmemory-samples +5
      CONFIG SET maxmemory-samples 05
      CONFIG SET maxmemory-samples 0
      CONFIG SET maxmemory 05
      CONFIG SET maxmemory " 5"
      CONFIG SET maxmemory 1gB
      CONFIG GET maxmemory
      CONFIG SET maxmemory 0 maxmemory 1
      CONFIG SET maxmemory 0 MAXMEMORY 1
      CONFIG SET maxmemory 7 hz x
      CONFIG GET maxmemory
      CONFIG SET maxmemory 0 hz 20
      CONFIG GET hz
      CONFIG SET hz 1000
      CONFIG GET hz
      CONFIG SET maxmemory-clients 10%
      CONFIG GET maxmemory-clients
      CONFIG SET maxmemory-clients 101%
      CONFIG SET maxmemory-clients 1mb
      CONFIG GET maxmemory-clients
      CONFIG SET save "100 x"
      CONFIG SET save 100
      CONFIG SET save "100 10 5 2"
      CONFIG GET save
      CONFIG SET save ""
      CONFIG SET oom-score-adj-values "1 2 3000"
      CONFIG SET oom-score-adj-values "1 2"
      CONFIG SET latency-tracking-info-percentiles "50 x"
      CONFIG SET latency-tracking-info-percentiles "1.5 99.99"
      CONFIG GET latency-tracking-info-percentiles
      CONFIG SET lua-time-limit 100
      CONFIG GET busy-reply-threshold
      CONFIG SET slave-read-only no
      CONFIG GET replica-read-only
      CONFIG SET proto-max-bulk-len 1kb
      CONFIG SET client-query-buffer-limit 0
      CONFIG SET databases 4
      CONFIG SET daemonize yes
      CONFIG SET dir /tmp
      CONFIG SET dbfilename x.rdb
      CONFIG SET foo bar
      CONFIG SET appendfsync sometimes
      CONFIG SET notify-keyspace-events Q
      CONFIG SET client-output-buffer-limit "pubsub 1 2"
      CONFIG SET client-output-buffer-limit "nope 1 2 3"
      CONFIG SET tracking-table-max-keys 10
      CONFIG GET tracking-table-max-keys
      CONFIG SET latency-monitor-threshold 100
      CONFIG GET latency-monitor-threshold
      CONFIG SET lfu-log-factor 2 lfu-decay-time 0
      CONFIG GET lfu-*
      CONFIG SET maxmemory-policy noeviction lfu-log-factor 10 lfu-decay-time 1 latency-monitor-threshold 0 tracking-table-max-keys 1000000
      CONFIG GET nothing-matches
      CONFIG GET *max-*-entries*
    `);
    // CONFIG GET with a pattern lists in redis-server's (seeded hash) dict order: compare as maps.
    const same = (cmd: string, x: string, y: string) =>
      cmd.startsWith('CONFIG GET') ? JSON.stringify([...parseMap(x)].sort()) === JSON.stringify([...parseMap(y)].sort()) : x === y;
    const results = await differential(pair.ours.port, pair.real.port, cmds);
    expect(results.filter((r) => !same(r.cmd, r.ours, r.real))).toEqual([]);
  });
});

describe('defaults by mode', () => {
  it('a bare engine evicts nothing by default; an ElastiCache node keeps volatile-lru', () => {
    const bare = createRedisServer({ port: 0 });
    const node = createRedisServer({ port: 0, mode: 'node' });
    expect(bare.engine.config.get('maxmemory-policy')).toBe('noeviction');
    expect(node.engine.config.get('maxmemory-policy')).toBe('volatile-lru');
  });
});
