// A cluster added to a replication group (CreateCacheCluster with ReplicationGroupId) and the group's members as
// DescribeCacheClusters shows them: what the aws provider's aws_elasticache_cluster and aws_elasticache_replication_group
// read back from them.
import {
  CreateCacheClusterCommand,
  CreateReplicationGroupCommand,
  DescribeCacheClustersCommand,
  DescribeReplicationGroupsCommand,
  ModifyReplicationGroupCommand,
  waitUntilCacheClusterAvailable,
  waitUntilReplicationGroupAvailable,
} from '@aws-sdk/client-elasticache';
import { beforeAll, describe, expect, it } from 'vitest';
import { emulatorForTests, FAST_WAIT } from '../support/emulator.ts';

const { client } = emulatorForTests({ transitionDelayMs: 50 });

const member = async (id: string) => (await client.send(new DescribeCacheClustersCommand({ CacheClusterId: id }))).CacheClusters![0]!;

describe('replica clusters and group members', () => {
  beforeAll(async () => {
    await client.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: 'logs',
        ReplicationGroupDescription: 'a group that delivers its slow log',
        Engine: 'redis',
        CacheNodeType: 'cache.t3.micro',
        NumCacheClusters: 2,
        NotificationTopicArn: 'arn:aws:sns:us-east-1:000000000000:first',
        LogDeliveryConfigurations: [
          { LogType: 'slow-log', DestinationType: 'cloudwatch-logs', LogFormat: 'json', DestinationDetails: { CloudWatchLogsDetails: { LogGroup: 'slow' } } },
        ],
      }),
    );
    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'logs' });
  });

  it('refuses a replica cluster that names what it takes from its group, as AWS does', async () => {
    for (const extra of [
      { Engine: 'redis' },
      { NumCacheNodes: 1 },
      { CacheNodeType: 'cache.t3.micro' },
      { LogDeliveryConfigurations: [{ LogType: 'slow-log' as const, DestinationType: 'cloudwatch-logs' as const, LogFormat: 'json' as const, DestinationDetails: { CloudWatchLogsDetails: { LogGroup: 'slow' } } }] },
      { SnapshotRetentionLimit: 1 },
    ]) {
      await expect(client.send(new CreateCacheClusterCommand({ CacheClusterId: 'logs-extra', ReplicationGroupId: 'logs', ...extra }))).rejects.toMatchObject({
        name: 'InvalidParameterCombinationException',
        message: 'Cannot specify additional cache cluster parameters when creating a replica cluster',
      });
    }
    // What the provider sends for its documented read replica: tags, an AZ and auto minor version upgrade.
    await client.send(
      new CreateCacheClusterCommand({
        CacheClusterId: 'logs-extra',
        ReplicationGroupId: 'logs',
        PreferredAvailabilityZone: 'us-east-1b',
        AutoMinorVersionUpgrade: true,
        Tags: [{ Key: 'role', Value: 'replica' }],
      }),
    );
    await waitUntilCacheClusterAvailable({ client, ...FAST_WAIT }, { CacheClusterId: 'logs-extra' });
    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'logs' });
  });

  it("lists no log delivery of a member's own and says its group delivers", async () => {
    const group = (await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'logs' }))).ReplicationGroups![0]!;
    expect(group.LogDeliveryConfigurations).toHaveLength(1);
    for (const id of group.MemberClusters!) {
      expect(await member(id)).toMatchObject({ ReplicationGroupLogDeliveryEnabled: true, LogDeliveryConfigurations: [] });
    }
  });

  it("carries a group's auto minor version upgrade and notification topic to its members", async () => {
    expect(await member('logs-001')).toMatchObject({
      AutoMinorVersionUpgrade: true,
      NotificationConfiguration: { TopicArn: 'arn:aws:sns:us-east-1:000000000000:first', TopicStatus: 'active' },
    });
    await client.send(
      new ModifyReplicationGroupCommand({
        ReplicationGroupId: 'logs',
        ApplyImmediately: true,
        AutoMinorVersionUpgrade: false,
        NotificationTopicArn: 'arn:aws:sns:us-east-1:000000000000:second',
      }),
    );
    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'logs' });
    for (const id of ['logs-001', 'logs-002', 'logs-extra']) {
      expect(await member(id)).toMatchObject({
        AutoMinorVersionUpgrade: false,
        NotificationConfiguration: { TopicArn: 'arn:aws:sns:us-east-1:000000000000:second' },
      });
    }
    // The provider removes a topic by sending an empty one.
    await client.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: 'logs', ApplyImmediately: true, NotificationTopicArn: '' }));
    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'logs' });
    expect((await member('logs-001')).NotificationConfiguration).toBeUndefined();
  });

  it("changes a group's IpDiscovery and its members' with it", async () => {
    await client.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: 'dual',
        ReplicationGroupDescription: 'dual stack',
        Engine: 'redis',
        CacheNodeType: 'cache.t3.micro',
        NumCacheClusters: 2,
        NetworkType: 'dual_stack',
        IpDiscovery: 'ipv6',
      }),
    );
    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'dual' });
    await client.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: 'dual', ApplyImmediately: true, IpDiscovery: 'ipv4' }));
    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'dual' });
    const group = (await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'dual' }))).ReplicationGroups![0]!;
    expect(group).toMatchObject({ NetworkType: 'dual_stack', IpDiscovery: 'ipv4' });
    for (const id of group.MemberClusters!) expect(await member(id)).toMatchObject({ NetworkType: 'dual_stack', IpDiscovery: 'ipv4' });
  });
});
