import {
  CreateCacheClusterCommand,
  CreateReplicationGroupCommand,
  DescribeCacheClustersCommand,
  DescribeReplicationGroupsCommand,
  DescribeCacheSubnetGroupsCommand,
  CreateCacheSubnetGroupCommand,
  ListTagsForResourceCommand,
  waitUntilCacheClusterAvailable,
  waitUntilReplicationGroupAvailable,
} from '@aws-sdk/client-elasticache';
import { Redis } from 'ioredis';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FAST_WAIT, sdkClient, startEmulator } from '../support/emulator.ts';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecl-restart-'));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

describe('restarting with the same data directory', () => {
  it('brings back every resource with its nodes on the same ports and their data', async () => {
    const first = await startEmulator({ dataDir });
    let client = sdkClient(first);
    await client.send(new CreateCacheSubnetGroupCommand({ CacheSubnetGroupName: 'keep', CacheSubnetGroupDescription: 'k', SubnetIds: ['subnet-k1a'] }));
    await client.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: 'durable',
        ReplicationGroupDescription: 'survives restarts',
        Engine: 'redis',
        CacheNodeType: 'cache.t3.small',
        NumCacheClusters: 2,
        CacheSubnetGroupName: 'keep',
        Tags: [{ Key: 'k', Value: 'v' }],
      }),
    );
    await client.send(new CreateCacheClusterCommand({ CacheClusterId: 'mc', Engine: 'memcached', CacheNodeType: 'cache.t3.micro', NumCacheNodes: 1 }));
    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'durable' });
    await waitUntilCacheClusterAvailable({ client, ...FAST_WAIT }, { CacheClusterId: 'mc' });
    const before = (await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'durable' }))).ReplicationGroups![0]!;
    const writer = new Redis({ port: before.NodeGroups![0]!.PrimaryEndpoint!.Port, lazyConnect: true });
    await writer.connect();
    await writer.set('survives', 'a clean stop');
    await writer.hset('profile', { name: 'ada' });
    await writer.set('ephemeral', 'x', 'EX', 600);
    writer.disconnect();
    const mcBefore = (await client.send(new DescribeCacheClustersCommand({ CacheClusterId: 'mc', ShowCacheNodeInfo: true }))).CacheClusters![0]!;
    client.destroy();
    await first.stop();

    const second = await startEmulator({ dataDir });
    client = sdkClient(second);
    try {
      const after = (await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'durable' }))).ReplicationGroups![0]!;
      expect(after.Status).toBe('available');
      expect(after.NodeGroups![0]!.PrimaryEndpoint).toEqual(before.NodeGroups![0]!.PrimaryEndpoint);
      expect(after.NodeGroups![0]!.ReaderEndpoint).toEqual(before.NodeGroups![0]!.ReaderEndpoint);
      expect(after.MemberClusters).toEqual(before.MemberClusters);
      const redis = new Redis({ port: after.NodeGroups![0]!.PrimaryEndpoint!.Port, lazyConnect: true });
      await redis.connect();
      expect(await redis.get('survives')).toBe('a clean stop');
      expect(await redis.hgetall('profile')).toEqual({ name: 'ada' });
      expect(await redis.ttl('ephemeral')).toBeGreaterThan(500);
      redis.disconnect();
      const mcAfter = (await client.send(new DescribeCacheClustersCommand({ CacheClusterId: 'mc', ShowCacheNodeInfo: true }))).CacheClusters![0]!;
      expect(mcAfter.CacheNodes![0]!.Endpoint).toEqual(mcBefore.CacheNodes![0]!.Endpoint);
      expect(mcAfter.ConfigurationEndpoint).toEqual(mcBefore.ConfigurationEndpoint);
      const subnets = await client.send(new DescribeCacheSubnetGroupsCommand({ CacheSubnetGroupName: 'keep' }));
      expect(subnets.CacheSubnetGroups![0]!.Subnets![0]!.SubnetIdentifier).toBe('subnet-k1a');
      expect((await client.send(new ListTagsForResourceCommand({ ResourceName: after.ARN }))).TagList).toEqual([{ Key: 'k', Value: 'v' }]);
    } finally {
      client.destroy();
      await second.stop();
    }
  });
});
