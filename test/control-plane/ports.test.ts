import {
  CreateCacheClusterCommand,
  CreateReplicationGroupCommand,
  DeleteCacheClusterCommand,
  DescribeCacheClustersCommand,
  DescribeReplicationGroupsCommand,
  waitUntilCacheClusterAvailable,
  waitUntilCacheClusterDeleted,
  waitUntilReplicationGroupAvailable,
} from '@aws-sdk/client-elasticache';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/index.ts';
import { FAST_WAIT, sdkClient, startEmulator } from '../support/emulator.ts';

// Below Linux's ephemeral range (32768-60999), so ports the OS hands to other tests never land in it.
const FROM = 23400;
const TO = 23419;
let emulator: Emulator;
let squatter: net.Server;

beforeAll(async () => {
  // Another program holds the first port of the range: it must be skipped.
  squatter = net.createServer();
  await new Promise<void>((resolve) => squatter.listen(FROM, '127.0.0.1', resolve));
  emulator = await startEmulator({ nodePortRange: `${FROM}-${TO}` });
});
afterAll(async () => {
  await emulator.stop();
  squatter.close();
});

describe('node and endpoint ports', () => {
  it('come from the configured range, skip ports in use, and are freed on delete', async () => {
    const client = sdkClient(emulator);
    await client.send(new CreateReplicationGroupCommand({
      ReplicationGroupId: 'ranged', ReplicationGroupDescription: 'r', Engine: 'redis', CacheNodeType: 'cache.t3.micro', NumCacheClusters: 2,
    }));
    await client.send(new CreateCacheClusterCommand({ CacheClusterId: 'ranged-mc', Engine: 'memcached', CacheNodeType: 'cache.t3.micro', NumCacheNodes: 2 }));
    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'ranged' });
    await waitUntilCacheClusterAvailable({ client, ...FAST_WAIT }, { CacheClusterId: 'ranged-mc' });

    const group = (await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'ranged' }))).ReplicationGroups![0]!;
    const ng = group.NodeGroups![0]!;
    const mc = (await client.send(new DescribeCacheClustersCommand({ CacheClusterId: 'ranged-mc', ShowCacheNodeInfo: true }))).CacheClusters![0]!;
    const ports = [
      ng.PrimaryEndpoint!.Port!,
      ng.ReaderEndpoint!.Port!,
      ...ng.NodeGroupMembers!.map((m) => m.ReadEndpoint!.Port!),
      mc.ConfigurationEndpoint!.Port!,
      ...mc.CacheNodes!.map((n) => n.Endpoint!.Port!),
    ];
    expect(new Set(ports).size).toBe(7);
    for (const p of ports) {
      expect(p).toBeGreaterThan(FROM);
      expect(p).toBeLessThanOrEqual(TO);
    }

    const freed = mc.CacheNodes!.map((n) => n.Endpoint!.Port!);
    await client.send(new DeleteCacheClusterCommand({ CacheClusterId: 'ranged-mc' }));
    await waitUntilCacheClusterDeleted({ client, ...FAST_WAIT }, { CacheClusterId: 'ranged-mc' });
    await client.send(new CreateCacheClusterCommand({ CacheClusterId: 'again', Engine: 'memcached', CacheNodeType: 'cache.t3.micro', NumCacheNodes: 1 }));
    await waitUntilCacheClusterAvailable({ client, ...FAST_WAIT }, { CacheClusterId: 'again' });
    const again = (await client.send(new DescribeCacheClustersCommand({ CacheClusterId: 'again', ShowCacheNodeInfo: true }))).CacheClusters![0]!;
    expect(freed).toContain(again.CacheNodes![0]!.Endpoint!.Port);
    client.destroy();
  });
});
