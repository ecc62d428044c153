// Cluster mode: three shards (primary + replica each) in one process, driven by a cluster client.
import { Cluster } from 'ioredis';
import { createCluster } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formCluster } from '../../../engines/redis/index.ts';
import { RawClient, startServer, type Started } from './helpers.ts';

const RANGES: [number, number][] = [
  [0, 5460],
  [5461, 10922],
  [10923, 16383],
];

let primaries: Started[] = [];
let replicas: Started[] = [];

beforeAll(async () => {
  primaries = await Promise.all(RANGES.map(() => startServer()));
  replicas = await Promise.all(RANGES.map(() => startServer()));
  formCluster(RANGES.map((slots, i) => ({ primary: (primaries[i] as Started).server, replicas: [(replicas[i] as Started).server], slots: [slots] })));
});

afterAll(async () => {
  for (const s of [...primaries, ...replicas]) await s.server.close();
});

describe('cluster mode', () => {
  it('serves an ioredis Cluster client across shards, following MOVED', async () => {
    const cluster = new Cluster([{ host: '127.0.0.1', port: (primaries[0] as Started).port }], { lazyConnect: true });
    try {
      await cluster.connect();
      for (let i = 0; i < 200; i++) await cluster.set(`key:${i}`, String(i));
      for (let i = 0; i < 200; i++) expect(await cluster.get(`key:${i}`)).toBe(String(i));
      await cluster.mset('{user:1}:name', 'ada', '{user:1}:age', '36');
      expect(await cluster.mget('{user:1}:name', '{user:1}:age')).toEqual(['ada', '36']);
      const sizes = await Promise.all(primaries.map(async (p) => Number((await (await RawClient.connect(p.port)).call('DBSIZE')).slice(1, -2))));
      expect(sizes.every((n) => n > 30)).toBe(true);
    } finally {
      cluster.disconnect();
    }
  });

  it('serves a node-redis cluster client', async () => {
    const cluster = createCluster({ rootNodes: [{ socket: { host: '127.0.0.1', port: (primaries[1] as Started).port } }] });
    await cluster.connect();
    try {
      for (let i = 0; i < 100; i++) await cluster.set(`nr:${i}`, String(i));
      for (let i = 0; i < 100; i++) expect(await cluster.get(`nr:${i}`)).toBe(String(i));
    } finally {
      cluster.destroy();
    }
  });

  it('redirects, refuses cross-slot commands and describes the topology like Redis', async () => {
    const c = await RawClient.connect((primaries[0] as Started).port);
    try {
      expect(await c.call('CLUSTER', 'KEYSLOT', 'foo')).toBe(':12182\r\n');
      expect(await c.call('CLUSTER', 'KEYSLOT', '{user1}:a')).toBe(await c.call('CLUSTER', 'KEYSLOT', 'user1'));
      expect(await c.call('GET', 'foo')).toBe(`-MOVED 12182 127.0.0.1:${(primaries[2] as Started).port}\r\n`);
      expect(await c.call('MSET', 'a', '1', 'b', '2')).toBe("-CROSSSLOT Keys in request don't hash to the same slot\r\n");
      expect(await c.call('SELECT', '1')).toBe('-ERR SELECT is not allowed in cluster mode\r\n');
      const slots = await c.call('CLUSTER', 'SLOTS');
      expect(slots.startsWith('*3\r\n*4\r\n:0\r\n:5460\r\n*4\r\n$9\r\n127.0.0.1\r\n')).toBe(true);
      expect(await c.call('CLUSTER', 'INFO')).toContain('cluster_state:ok\r\ncluster_slots_assigned:16384');
      const nodes = await c.call('CLUSTER', 'NODES');
      expect(nodes.match(/master/g)?.length).toBe(3);
      expect(nodes.match(/slave/g)?.length).toBe(3);
      expect(nodes).toContain('myself,master');
      expect(await c.call('INFO', 'cluster')).toContain('cluster_enabled:1');
    } finally {
      c.close();
    }
  });

  it('lets a READONLY client read from a replica of the owning shard', async () => {
    const p = await RawClient.connect((primaries[2] as Started).port);
    const r = await RawClient.connect((replicas[2] as Started).port);
    try {
      await p.call('SET', 'foo', 'bar');
      await new Promise((res) => setTimeout(res, 20));
      expect(await r.call('GET', 'foo')).toBe(`-MOVED 12182 127.0.0.1:${(primaries[2] as Started).port}\r\n`);
      expect(await r.call('READONLY')).toBe('+OK\r\n');
      expect(await r.call('GET', 'foo')).toBe('$3\r\nbar\r\n');
      expect(await r.call('SET', 'foo', 'x')).toBe(`-MOVED 12182 127.0.0.1:${(primaries[2] as Started).port}\r\n`);
    } finally {
      p.close();
      r.close();
    }
  });

  it('answers as a node with cluster support disabled outside cluster mode', async () => {
    const s = await startServer();
    const c = await RawClient.connect(s.port);
    try {
      expect(await c.call('CLUSTER', 'INFO')).toBe('-ERR This instance has cluster support disabled\r\n');
      expect(await c.call('READONLY')).toBe('-ERR This instance has cluster support disabled\r\n');
    } finally {
      c.close();
      await s.server.close();
    }
  });
});
