import {
  CreateCacheClusterCommand,
  CreateReplicationGroupCommand,
  DescribeCacheClustersCommand,
  DescribeEventsCommand,
  DescribeReplicationGroupsCommand,
  waitUntilCacheClusterAvailable,
  waitUntilReplicationGroupAvailable,
  type ElastiCacheClient,
} from '@aws-sdk/client-elasticache';
import { Redis } from 'ioredis';
import net from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { testClient, type Emulator, type TestClient } from '../../src/index.ts';
import { FAST_WAIT, sdkClient, startEmulator } from '../support/emulator.ts';

let emulator: Emulator;
let east: ElastiCacheClient;
let west: ElastiCacheClient;
let local: TestClient;
beforeAll(async () => {
  emulator = await startEmulator({ transitionDelayMs: 50 });
  east = sdkClient(emulator, 'us-east-1');
  west = sdkClient(emulator, 'us-west-2');
  local = testClient(emulator.url);
});
afterAll(async () => {
  east.destroy();
  west.destroy();
  await emulator.stop();
});
// The pattern the README recommends: every test starts from an empty emulator.
beforeEach(() => local.reset());

const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });

async function createGroup(client: ElastiCacheClient, id: string): Promise<number> {
  await client.send(new CreateReplicationGroupCommand({
    ReplicationGroupId: id, ReplicationGroupDescription: id, Engine: 'redis', CacheNodeType: 'cache.t3.micro', NumCacheClusters: 2,
  }));
  await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: id });
  const g = (await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }))).ReplicationGroups![0]!;
  return g.NodeGroups![0]!.PrimaryEndpoint!.Port!;
}

describe('POST /_elasticache-local/reset', () => {
  it('stops every node, frees its port and forgets the metadata; the same id can be created again at once', async () => {
    const port = await createGroup(east, 'app');
    const redis = new Redis({ port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    await redis.set('k', 'v');
    const nodes = (await east.send(new DescribeCacheClustersCommand({ ShowCacheNodeInfo: true }))).CacheClusters!;
    const nodePorts = nodes.map((c) => c.CacheNodes![0]!.Endpoint!.Port!);

    const res = await fetch(`${emulator.url}/_elasticache-local/reset`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', removed: { replicationGroups: 1, clusters: 2 } });
    redis.disconnect();

    expect((await east.send(new DescribeReplicationGroupsCommand({}))).ReplicationGroups).toEqual([]);
    expect((await east.send(new DescribeCacheClustersCommand({}))).CacheClusters).toEqual([]);
    expect((await east.send(new DescribeEventsCommand({ Duration: 60 }))).Events).toEqual([]);
    for (const p of [port, ...nodePorts]) expect(await refused(p)).toBe(true);

    const again = await createGroup(east, 'app');
    const fresh = new Redis({ port: again });
    expect(await fresh.get('k')).toBeNull();
    fresh.disconnect();
  });

  it('with {"account", "region"} resets only that account and region', async () => {
    await createGroup(east, 'keep-east');
    await west.send(new CreateCacheClusterCommand({ CacheClusterId: 'gone-west', Engine: 'memcached', CacheNodeType: 'cache.t3.micro', NumCacheNodes: 1 }));
    await waitUntilCacheClusterAvailable({ client: west, ...FAST_WAIT }, { CacheClusterId: 'gone-west' });

    await local.reset({ account: emulator.config.accountId, region: 'us-west-2' });
    expect((await west.send(new DescribeCacheClustersCommand({}))).CacheClusters).toEqual([]);
    expect((await east.send(new DescribeReplicationGroupsCommand({}))).ReplicationGroups!.map((g) => g.ReplicationGroupId)).toEqual(['keep-east']);
  });

  it("answers at moto's /moto-api/reset too, and refuses a body that is not JSON", async () => {
    await createGroup(east, 'moto');
    const res = await fetch(`${emulator.url}/moto-api/reset`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
    expect((await east.send(new DescribeReplicationGroupsCommand({}))).ReplicationGroups).toEqual([]);

    const bad = await fetch(`${emulator.url}/_elasticache-local/reset`, { method: 'POST', body: 'nope', headers: { 'content-type': 'application/json' } });
    expect(bad.status).toBe(400);
    expect((await bad.json()) as { error: string }).toHaveProperty('error');
  });
});
