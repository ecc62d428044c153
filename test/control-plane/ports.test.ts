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
  emulator = await startEmulator({ nodePortRange: `${FROM}-${TO}`, redisDefaultPort: 0 });
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

  it('a replication group created without Port gets the default Redis port when it is free, as on AWS, else a range port', async () => {
    // Outside every range, below the OS's ephemeral ports: nothing else is handed it meanwhile.
    const standIn = TO + 30;
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(standIn, '127.0.0.1', resolve));
    // Without loopback aliases (endpoint-aliases.test.ts has them): a taken port moves into the range.
    const own = await startEmulator({ nodePortRange: `${TO + 1}-${TO + 20}`, redisDefaultPort: standIn, loopbackAliases: false });
    const client = sdkClient(own);
    const inRange = (port: number | undefined) => port !== undefined && port > TO && port <= TO + 20;
    try {
      const create = async (id: string, extra: object) => {
        await client.send(new CreateReplicationGroupCommand({ ReplicationGroupId: id, ReplicationGroupDescription: id, Engine: 'redis', CacheNodeType: 'cache.t3.micro', ...extra }));
        await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: id });
        return (await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }))).ReplicationGroups![0]!;
      };
      // Another program holds the port (a Redis of the user's own on 6379): the endpoint moves into the range.
      const first = await create('first', { NumCacheClusters: 2 });
      expect(inRange(first.NodeGroups![0]!.PrimaryEndpoint!.Port)).toBe(true);
      await new Promise<void>((resolve) => holder.close(() => resolve()));

      // Free now: a cluster-mode group's configuration endpoint takes it, a later group a range port.
      const second = await create('second', { NumNodeGroups: 2, ReplicasPerNodeGroup: 1 });
      expect(second.ConfigurationEndpoint!.Port).toBe(standIn);
      const third = await create('third', { NumCacheClusters: 1 });
      expect(inRange(third.NodeGroups![0]!.PrimaryEndpoint!.Port)).toBe(true);
    } finally {
      client.destroy();
      await own.stop();
      holder.close();
    }
  });
});
