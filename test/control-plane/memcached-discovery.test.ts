import {
  CreateCacheClusterCommand,
  DescribeCacheClustersCommand,
  ModifyCacheClusterCommand,
  waitUntilCacheClusterAvailable,
} from '@aws-sdk/client-elasticache';
import memjs from 'memjs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { emulatorForTests, FAST_WAIT } from '../support/emulator.ts';
import { exchange } from '../support/net.ts';

interface DiscoveringClient {
  on(event: 'autoDiscover', listener: (nodes: string[]) => void): void;
  set(key: string, value: string, lifetime: number, cb: (err: unknown) => void): void;
  get(key: string, cb: (err: unknown, value: unknown) => void): void;
  end(): void;
}
// memcached-elasticache is CommonJS without types; it is the auto-discovery client applications use.
const MemcachedElastiCache = createRequire(import.meta.url)('memcached-elasticache') as new (
  location: string,
  options: Record<string, unknown>,
) => DiscoveringClient;

const { client } = emulatorForTests();

async function describeCluster(id: string) {
  return (await client.send(new DescribeCacheClustersCommand({ CacheClusterId: id, ShowCacheNodeInfo: true }))).CacheClusters![0]!;
}

async function clusterConfig(port: number): Promise<{ version: number; nodes: string[] }> {
  const reply = await exchange(port, 'config get cluster\r\n', /END\r\n$/);
  const m = /^CONFIG cluster 0 (\d+)\r\n(\d+)\n(.*)\n\r\nEND\r\n$/s.exec(reply);
  expect(m, reply).not.toBeNull();
  expect(Number(m![1])).toBe(Buffer.byteLength(`${m![2]}\n${m![3]}\n`));
  return { version: Number(m![2]), nodes: m![3]!.split(' ') };
}

function nextDiscovery(c: DiscoveringClient, count: number): Promise<string[]> {
  return new Promise((resolve) => c.on('autoDiscover', (nodes) => nodes.length === count && resolve(nodes)));
}

describe('Memcached auto discovery', () => {
  it('answers config get cluster like ElastiCache, bumps the version on scaling, and a real auto-discovery client follows', async () => {
    await client.send(new CreateCacheClusterCommand({ CacheClusterId: 'disco', Engine: 'memcached', CacheNodeType: 'cache.t3.micro', NumCacheNodes: 2 }));
    await waitUntilCacheClusterAvailable({ client, ...FAST_WAIT }, { CacheClusterId: 'disco' });
    let cluster = await describeCluster('disco');
    const configPort = cluster.ConfigurationEndpoint!.Port!;
    let config = await clusterConfig(configPort);
    expect(config.version).toBe(1);
    expect(config.nodes.sort()).toEqual(cluster.CacheNodes!.map((n) => `127.0.0.1|127.0.0.1|${n.Endpoint!.Port}`).sort());

    const app = new MemcachedElastiCache(`127.0.0.1:${configPort}`, { autoDiscoverInterval: 100, retries: 0, timeout: 1000 });
    const discovered = await nextDiscovery(app, 2);
    expect(discovered.sort()).toEqual(cluster.CacheNodes!.map((n) => `127.0.0.1:${n.Endpoint!.Port}`).sort());
    for (let i = 0; i < 40; i++) await new Promise<void>((resolve, reject) => app.set(`user:${i}`, `v${i}`, 60, (err) => (err ? reject(err) : resolve())));
    // Consistent hashing spreads the keys over both nodes: each holds some, together all.
    const perNode = await Promise.all(
      cluster.CacheNodes!.map(async (n) => {
        const reply = await exchange(n.Endpoint!.Port!, `get ${Array.from({ length: 40 }, (_, i) => `user:${i}`).join(' ')}\r\n`, /END\r\n$/);
        return (reply.match(/^VALUE /gm) ?? []).length;
      }),
    );
    expect(perNode.every((n) => n > 0)).toBe(true);
    expect(perNode.reduce((a, b) => a + b, 0)).toBe(40);

    const grown = nextDiscovery(app, 3);
    await client.send(new ModifyCacheClusterCommand({ CacheClusterId: 'disco', NumCacheNodes: 3, ApplyImmediately: true }));
    await waitUntilCacheClusterAvailable({ client, ...FAST_WAIT }, { CacheClusterId: 'disco' });
    config = await clusterConfig(configPort);
    expect(config.version).toBe(2);
    expect(config.nodes).toHaveLength(3);
    expect(await grown).toHaveLength(3);

    const shrunk = nextDiscovery(app, 2);
    await client.send(new ModifyCacheClusterCommand({ CacheClusterId: 'disco', NumCacheNodes: 2, CacheNodeIdsToRemove: ['0001'], ApplyImmediately: true }));
    await waitUntilCacheClusterAvailable({ client, ...FAST_WAIT }, { CacheClusterId: 'disco' });
    cluster = await describeCluster('disco');
    config = await clusterConfig(configPort);
    expect(config.version).toBe(3);
    expect(config.nodes.sort()).toEqual(cluster.CacheNodes!.map((n) => `127.0.0.1|127.0.0.1|${n.Endpoint!.Port}`).sort());
    // The client drops the removed node: what it stores now goes to, and is read from, the two that remain.
    expect((await shrunk).sort()).toEqual(cluster.CacheNodes!.map((n) => `127.0.0.1:${n.Endpoint!.Port}`).sort());
    for (let i = 0; i < 20; i++) {
      await new Promise<void>((resolve, reject) => app.set(`after:${i}`, `w${i}`, 60, (err) => (err ? reject(err) : resolve())));
      const read = await new Promise<unknown>((resolve, reject) => app.get(`after:${i}`, (err, v) => (err ? reject(err) : resolve(v))));
      expect(read).toBe(`w${i}`);
    }
    const remaining = await Promise.all(
      cluster.CacheNodes!.map(async (n) => {
        const reply = await exchange(n.Endpoint!.Port!, `get ${Array.from({ length: 20 }, (_, i) => `after:${i}`).join(' ')}\r\n`, /END\r\n$/);
        return (reply.match(/^VALUE /gm) ?? []).length;
      }),
    );
    expect(remaining.reduce((a, b) => a + b, 0)).toBe(20);
    app.end();

    // A plain client given every node also works.
    const plain = memjs.Client.create(cluster.CacheNodes!.map((n) => `127.0.0.1:${n.Endpoint!.Port}`).join(','));
    await plain.set('plain', 'works', { expires: 60 });
    expect((await plain.get('plain')).value?.toString()).toBe('works');
    plain.close();
  });
});
