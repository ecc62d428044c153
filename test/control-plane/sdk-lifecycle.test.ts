import {
  AddTagsToResourceCommand,
  CreateCacheClusterCommand,
  CreateCacheSubnetGroupCommand,
  CreateReplicationGroupCommand,
  DeleteCacheClusterCommand,
  DeleteCacheSubnetGroupCommand,
  DeleteReplicationGroupCommand,
  DescribeCacheClustersCommand,
  DescribeEventsCommand,
  DescribeReplicationGroupsCommand,
  ListTagsForResourceCommand,
  ModifyCacheClusterCommand,
  RebootCacheClusterCommand,
  RemoveTagsFromResourceCommand,
  paginateDescribeCacheSubnetGroups,
  waitUntilCacheClusterAvailable,
  waitUntilCacheClusterDeleted,
  waitUntilReplicationGroupAvailable,
  waitUntilReplicationGroupDeleted,
} from '@aws-sdk/client-elasticache';
import { Redis } from 'ioredis';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { emulatorForTests, FAST_WAIT, sdkClient, startEmulator } from '../support/emulator.ts';
import { exchange } from '../support/net.ts';

const { client } = emulatorForTests();

describe('a Redis replication group through the SDK', () => {
  it('creates, waits, serves SET/GET on the primary endpoint, replicates to the replica and the reader endpoint, and deletes', async () => {
    await client.send(
      new CreateCacheSubnetGroupCommand({
        CacheSubnetGroupName: 'my-cache-subnets',
        CacheSubnetGroupDescription: 'Private subnets for cache',
        SubnetIds: ['subnet-priv-1a', 'subnet-priv-1b'],
      }),
    );
    const created = await client.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: 'SDK-Redis',
        ReplicationGroupDescription: 'sdk test',
        Engine: 'redis',
        EngineVersion: '7.0',
        CacheNodeType: 'cache.t3.micro',
        NumCacheClusters: 2,
        AutomaticFailoverEnabled: true,
        MultiAZEnabled: true,
        CacheSubnetGroupName: 'my-cache-subnets',
        SecurityGroupIds: ['sg-cache'],
        Tags: [{ Key: 'team', Value: 'cache' }],
      }),
    );
    expect(created.ReplicationGroup?.ReplicationGroupId).toBe('sdk-redis');
    expect(created.ReplicationGroup?.Status).toBe('creating');
    expect(created.ReplicationGroup?.MemberClusters).toEqual(['sdk-redis-001', 'sdk-redis-002']);

    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'sdk-redis' });
    const { ReplicationGroups } = await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'sdk-redis' }));
    const group = ReplicationGroups![0]!;
    expect(group.Status).toBe('available');
    expect(group.AutomaticFailover).toBe('enabled');
    expect(group.MultiAZ).toBe('enabled');
    expect(group.ClusterEnabled).toBe(false);
    expect(group.ARN).toBe('arn:aws:elasticache:us-east-1:000000000000:replicationgroup:sdk-redis');
    const nodeGroup = group.NodeGroups![0]!;
    const primary = nodeGroup.PrimaryEndpoint!;
    const reader = nodeGroup.ReaderEndpoint!;
    expect(primary.Address).toBe('127.0.0.1');
    expect(primary.Port).not.toBe(reader.Port);
    expect(nodeGroup.NodeGroupMembers!.map((m) => m.CurrentRole).sort()).toEqual(['primary', 'replica']);
    const zones = new Set(nodeGroup.NodeGroupMembers!.map((m) => m.PreferredAvailabilityZone));
    expect(zones).toEqual(new Set(['us-east-1a', 'us-east-1b']));

    const redis = new Redis({ host: primary.Address, port: primary.Port, lazyConnect: true });
    await redis.connect();
    expect(await redis.set('session:1', 'alice')).toBe('OK');
    expect(await redis.get('session:1')).toBe('alice');
    expect(await redis.ping()).toBe('PONG');
    redis.disconnect();

    // Every member node has its own endpoint; the replica has the primary's writes and refuses its own.
    const replicaMember = nodeGroup.NodeGroupMembers!.find((m) => m.CurrentRole === 'replica')!;
    const replica = new Redis({ host: '127.0.0.1', port: replicaMember.ReadEndpoint!.Port, lazyConnect: true });
    await replica.connect();
    await expect.poll(() => replica.get('session:1')).toBe('alice');
    await expect(replica.set('x', 'y')).rejects.toThrow("READONLY You can't write against a read only replica.");
    expect(await replica.info('replication')).toContain('role:slave');
    replica.disconnect();
    const viaReader = new Redis({ host: '127.0.0.1', port: reader.Port, lazyConnect: true });
    await viaReader.connect();
    expect(await viaReader.get('session:1')).toBe('alice');
    viaReader.disconnect();

    const clusters = await client.send(new DescribeCacheClustersCommand({ CacheClusterId: 'sdk-redis-001', ShowCacheNodeInfo: true }));
    const member = clusters.CacheClusters![0]!;
    expect(member.ReplicationGroupId).toBe('sdk-redis');
    expect(member.CacheNodes![0]!.CacheNodeId).toBe('0001');
    expect(member.CacheNodes![0]!.Endpoint!.Port).toBeGreaterThan(0);
    expect(member.EngineVersion).toMatch(/^7\.0\./);

    const tags = await client.send(new ListTagsForResourceCommand({ ResourceName: group.ARN }));
    expect(tags.TagList).toEqual([{ Key: 'team', Value: 'cache' }]);

    await expect(client.send(new DeleteCacheSubnetGroupCommand({ CacheSubnetGroupName: 'my-cache-subnets' }))).rejects.toMatchObject({
      name: 'CacheSubnetGroupInUse',
    });

    const deleting = await client.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: 'sdk-redis' }));
    expect(deleting.ReplicationGroup?.Status).toBe('deleting');
    await waitUntilReplicationGroupDeleted({ client, ...FAST_WAIT }, { ReplicationGroupId: 'sdk-redis' });
    await expect(client.send(new DescribeCacheClustersCommand({ CacheClusterId: 'sdk-redis-001' }))).rejects.toMatchObject({
      name: 'CacheClusterNotFoundFault',
    });
    // The ports are closed with the group.
    await expect(
      new Promise((resolve, reject) => net.connect({ host: '127.0.0.1', port: primary.Port! }).on('connect', resolve).on('error', reject)),
    ).rejects.toThrow();
    await client.send(new DeleteCacheSubnetGroupCommand({ CacheSubnetGroupName: 'my-cache-subnets' }));
  });
});

describe('a Memcached cluster through the SDK', () => {
  it('creates 2 nodes, serves get/set on every node and the configuration endpoint, scales out and in, reboots, deletes', async () => {
    const created = await client.send(
      new CreateCacheClusterCommand({
        CacheClusterId: 'sdk-memcached',
        Engine: 'memcached',
        CacheNodeType: 'cache.t3.micro',
        NumCacheNodes: 2,
        AZMode: 'cross-az',
      }),
    );
    expect(created.CacheCluster?.CacheClusterStatus).toBe('creating');
    await waitUntilCacheClusterAvailable({ client, ...FAST_WAIT }, { CacheClusterId: 'sdk-memcached' });
    const described = await client.send(new DescribeCacheClustersCommand({ CacheClusterId: 'sdk-memcached', ShowCacheNodeInfo: true }));
    const cluster = described.CacheClusters![0]!;
    expect(cluster.NumCacheNodes).toBe(2);
    expect(cluster.PreferredAvailabilityZone).toBe('Multiple');
    expect(cluster.CacheNodes!.map((n) => n.CacheNodeId)).toEqual(['0001', '0002']);
    const config = cluster.ConfigurationEndpoint!;
    expect(config.Port).toBeGreaterThan(0);

    for (const node of cluster.CacheNodes!) {
      const port = node.Endpoint!.Port!;
      expect(await exchange(port, 'set k 0 0 1\r\nv\r\n', /\r\n$/)).toBe('STORED\r\n');
      expect(await exchange(port, 'get k\r\n', /END\r\n$/)).toBe('VALUE k 0 1\r\nv\r\nEND\r\n');
    }
    expect(await exchange(config.Port!, 'set through-config 0 0 2\r\nok\r\n', /\r\n$/)).toBe('STORED\r\n');

    await client.send(new ModifyCacheClusterCommand({ CacheClusterId: 'sdk-memcached', NumCacheNodes: 3, ApplyImmediately: true }));
    await waitUntilCacheClusterAvailable({ client, ...FAST_WAIT }, { CacheClusterId: 'sdk-memcached' });
    let nodes = (await client.send(new DescribeCacheClustersCommand({ CacheClusterId: 'sdk-memcached', ShowCacheNodeInfo: true })))
      .CacheClusters![0]!.CacheNodes!;
    expect(nodes.map((n) => n.CacheNodeId)).toEqual(['0001', '0002', '0003']);
    expect(await exchange(nodes[2]!.Endpoint!.Port!, 'version\r\n', /\r\n$/)).toMatch(/^VERSION /);

    await client.send(
      new ModifyCacheClusterCommand({ CacheClusterId: 'sdk-memcached', NumCacheNodes: 2, CacheNodeIdsToRemove: ['0002'], ApplyImmediately: true }),
    );
    await waitUntilCacheClusterAvailable({ client, ...FAST_WAIT }, { CacheClusterId: 'sdk-memcached' });
    nodes = (await client.send(new DescribeCacheClustersCommand({ CacheClusterId: 'sdk-memcached', ShowCacheNodeInfo: true })))
      .CacheClusters![0]!.CacheNodes!;
    expect(nodes.map((n) => n.CacheNodeId)).toEqual(['0001', '0003']);

    const port = nodes[0]!.Endpoint!.Port!;
    await exchange(port, 'set before-reboot 0 0 1\r\nx\r\n', /\r\n$/);
    const rebooting = await client.send(new RebootCacheClusterCommand({ CacheClusterId: 'sdk-memcached', CacheNodeIdsToReboot: ['0001'] }));
    expect(rebooting.CacheCluster?.CacheClusterStatus).toBe('rebooting cache cluster nodes');
    await waitUntilCacheClusterAvailable({ client, ...FAST_WAIT }, { CacheClusterId: 'sdk-memcached' });
    expect(await exchange(port, 'get before-reboot\r\n', /END\r\n$/)).toBe('END\r\n');

    const events = await client.send(new DescribeEventsCommand({ SourceType: 'cache-cluster', SourceIdentifier: 'sdk-memcached' }));
    const messages = events.Events!.map((e) => e.Message);
    expect(messages).toContain('Cache cluster created');
    expect(messages).toContain('Added cache node 0003 in availability zone us-east-1a');
    expect(messages).toContain('Removed cache node 0002');
    expect(messages).toContain('Cache node 0001 restarted');
    expect(messages[0]).toBe('Cache node 0001 restarted');

    await client.send(new DeleteCacheClusterCommand({ CacheClusterId: 'sdk-memcached' }));
    await waitUntilCacheClusterDeleted({ client, ...FAST_WAIT }, { CacheClusterId: 'sdk-memcached' });
  });
});

describe('control-plane rules', () => {
  it('refuses actions on a resource in the wrong state', async () => {
    await client.send(new CreateCacheClusterCommand({ CacheClusterId: 'busy', Engine: 'redis', CacheNodeType: 'cache.t3.micro' }));
    await expect(client.send(new DeleteCacheClusterCommand({ CacheClusterId: 'busy' }))).rejects.toMatchObject({
      name: 'InvalidCacheClusterStateFault',
      $metadata: { httpStatusCode: 400 },
    });
    await waitUntilCacheClusterAvailable({ client, ...FAST_WAIT }, { CacheClusterId: 'busy' });
    await client.send(new DeleteCacheClusterCommand({ CacheClusterId: 'busy' }));
  });

  it('lets exactly one of two concurrent creates of the same id win', async () => {
    const create = () =>
      client.send(new CreateReplicationGroupCommand({
        ReplicationGroupId: 'racer',
        ReplicationGroupDescription: 'race',
        Engine: 'redis',
        CacheNodeType: 'cache.t3.micro',
        NumCacheClusters: 1,
      }));
    const results = await Promise.allSettled([create(), create()]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const loser = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(loser.reason).toMatchObject({ name: 'ReplicationGroupAlreadyExistsFault' });
    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'racer' });
    await client.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: 'racer' }));
  });

  it('pages with MaxRecords and Marker', async () => {
    for (let i = 0; i < 25; i++) {
      await client.send(
        new CreateCacheSubnetGroupCommand({ CacheSubnetGroupName: `page-${i}`, CacheSubnetGroupDescription: 'p', SubnetIds: ['subnet-a1'] }),
      );
    }
    const names: string[] = [];
    let pages = 0;
    for await (const page of paginateDescribeCacheSubnetGroups({ client, pageSize: 20 }, {})) {
      pages++;
      names.push(...page.CacheSubnetGroups!.map((g) => g.CacheSubnetGroupName!));
    }
    expect(pages).toBe(2);
    expect(names.filter((n) => n.startsWith('page-'))).toHaveLength(25);
    expect(names).toContain('default');
  });

  it('adds, lists and removes tags with AWS limits', async () => {
    const arn = 'arn:aws:elasticache:us-east-1:000000000000:subnetgroup:page-0';
    await client.send(new AddTagsToResourceCommand({ ResourceName: arn, Tags: [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }] }));
    await client.send(new AddTagsToResourceCommand({ ResourceName: arn, Tags: [{ Key: 'a', Value: '3' }] }));
    expect((await client.send(new ListTagsForResourceCommand({ ResourceName: arn }))).TagList).toEqual([
      { Key: 'a', Value: '3' },
      { Key: 'b', Value: '2' },
    ]);
    const tooMany = Array.from({ length: 49 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    await expect(client.send(new AddTagsToResourceCommand({ ResourceName: arn, Tags: tooMany }))).rejects.toMatchObject({
      name: 'TagQuotaPerResourceExceeded',
    });
    const left = await client.send(new RemoveTagsFromResourceCommand({ ResourceName: arn, TagKeys: ['a'] }));
    expect(left.TagList).toEqual([{ Key: 'b', Value: '2' }]);
    await expect(
      client.send(new ListTagsForResourceCommand({ ResourceName: 'arn:aws:elasticache:us-east-1:000000000000:cluster:none' })),
    ).rejects.toMatchObject({ name: 'CacheClusterNotFoundFault' });
    await expect(client.send(new ListTagsForResourceCommand({ ResourceName: 'not-an-arn' }))).rejects.toMatchObject({
      name: 'InvalidARNFault',
    });
  });

  it('checks option combinations as AWS does', async () => {
    const base = { ReplicationGroupDescription: 'x', Engine: 'redis', CacheNodeType: 'cache.t3.micro' };
    await expect(
      client.send(new CreateReplicationGroupCommand({ ...base, ReplicationGroupId: 'af1', NumCacheClusters: 1, AutomaticFailoverEnabled: true })),
    ).rejects.toMatchObject({ name: 'InvalidParameterCombinationException' });
    await expect(
      client.send(new CreateReplicationGroupCommand({ ...base, ReplicationGroupId: 'tok', NumCacheClusters: 1, AuthToken: 'a-long-enough-token' })),
    ).rejects.toMatchObject({ name: 'InvalidParameterCombinationException' });
    await expect(
      client.send(new CreateReplicationGroupCommand({ ...base, ReplicationGroupId: 'big', NumCacheClusters: 7 })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    await expect(
      client.send(new CreateCacheClusterCommand({ CacheClusterId: 'two-redis', Engine: 'redis', CacheNodeType: 'cache.t3.micro', NumCacheNodes: 2 })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    await expect(
      client.send(new CreateCacheClusterCommand({ CacheClusterId: 'mc41', Engine: 'memcached', CacheNodeType: 'cache.t3.micro', NumCacheNodes: 41 })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    await expect(
      client.send(new CreateReplicationGroupCommand({ ...base, ReplicationGroupId: 'nosub', CacheSubnetGroupName: 'missing' })),
    ).rejects.toMatchObject({ name: 'CacheSubnetGroupNotFoundFault' });
  });
});

describe('quotas', () => {
  it('bounds the nodes per account and region (each node is a live server)', async () => {
    const quotaEmulator = await startEmulator({ transitionDelayMs: 60_000 });
    const quotaClient = sdkClient(quotaEmulator);
    try {
      // Creating stays pending for a minute, so no engine starts: only the metadata quota is exercised.
      for (let i = 0; i < 7; i++) {
        await quotaClient.send(
          new CreateCacheClusterCommand({ CacheClusterId: `mc-${i}`, Engine: 'memcached', CacheNodeType: 'cache.t3.micro', NumCacheNodes: 40 }),
        );
      }
      await quotaClient.send(new CreateCacheClusterCommand({ CacheClusterId: 'mc-last', Engine: 'memcached', CacheNodeType: 'cache.t3.micro', NumCacheNodes: 20 }));
      await expect(
        quotaClient.send(new CreateCacheClusterCommand({ CacheClusterId: 'one-too-many', Engine: 'redis', CacheNodeType: 'cache.t3.micro' })),
      ).rejects.toMatchObject({ name: 'NodeQuotaForCustomerExceededFault' });
    } finally {
      quotaClient.destroy();
      await quotaEmulator.stop();
    }
  });
});
