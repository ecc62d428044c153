// Members of a global datastore get a parameter group of their own, as on AWS, and the datastore's
// prerequisites are checked.
import {
  CreateGlobalReplicationGroupCommand,
  CreateReplicationGroupCommand,
  DeleteCacheParameterGroupCommand,
  DeleteReplicationGroupCommand,
  DescribeCacheClustersCommand,
  DescribeCacheParameterGroupsCommand,
  DescribeGlobalReplicationGroupsCommand,
  ModifyGlobalReplicationGroupCommand,
  ModifyReplicationGroupCommand,
  waitUntilReplicationGroupAvailable,
  waitUntilReplicationGroupDeleted,
} from '@aws-sdk/client-elasticache';
import { describe, expect, it } from 'vitest';
import { FAST_WAIT, sdkClient, emulatorForTests } from '../support/emulator.ts';

const { emulator } = emulatorForTests({ transitionDelayMs: 50 });

describe('global datastore parameter groups', () => {
  it('gives each member its own global-datastore- group, checks secondaries, and lets the group go after the member', async () => {
    const east = sdkClient(emulator, 'us-east-1');
    const west = sdkClient(emulator, 'us-west-2');
    await east.send(new CreateReplicationGroupCommand({ ReplicationGroupId: 'gp', ReplicationGroupDescription: 'p', Engine: 'redis', CacheNodeType: 'cache.r6g.large', NumCacheClusters: 1 }));
    await waitUntilReplicationGroupAvailable({ client: east, ...FAST_WAIT }, { ReplicationGroupId: 'gp' });
    const id = (await east.send(new CreateGlobalReplicationGroupCommand({ GlobalReplicationGroupIdSuffix: 'gp', PrimaryReplicationGroupId: 'gp' }))).GlobalReplicationGroup!
      .GlobalReplicationGroupId!;
    // Secondaries join once the datastore has left `creating`, as on AWS.
    await expect
      .poll(async () => (await east.send(new DescribeGlobalReplicationGroupsCommand({ GlobalReplicationGroupId: id }))).GlobalReplicationGroups![0]!.Status)
      .toBe('primary-only');
    const primaryMember = (await east.send(new DescribeCacheClustersCommand({ CacheClusterId: 'gp-001' }))).CacheClusters![0]!;
    const own = primaryMember.CacheParameterGroup!.CacheParameterGroupName!;
    expect(own).toBe(`global-datastore-${id}`);
    const described = (await east.send(new DescribeCacheParameterGroupsCommand({ CacheParameterGroupName: own }))).CacheParameterGroups![0]!;
    expect(described).toMatchObject({ CacheParameterGroupFamily: 'redis7', Description: `Created by ElastiCache for global cluster ${id}` });

    await expect(
      west.send(new CreateReplicationGroupCommand({ ReplicationGroupId: 'gs', ReplicationGroupDescription: 's', GlobalReplicationGroupId: id, CacheNodeType: 'cache.r6g.xlarge' })),
    ).rejects.toMatchObject({ name: 'InvalidParameterCombinationException' });
    await west.send(new CreateReplicationGroupCommand({ ReplicationGroupId: 'gs', ReplicationGroupDescription: 's', GlobalReplicationGroupId: id }));
    await waitUntilReplicationGroupAvailable({ client: west, ...FAST_WAIT }, { ReplicationGroupId: 'gs' });
    const secondaryMember = (await west.send(new DescribeCacheClustersCommand({ CacheClusterId: 'gs-001' }))).CacheClusters![0]!;
    expect(secondaryMember.CacheParameterGroup!.CacheParameterGroupName).toBe(`global-datastore-${id}`);

    await expect(
      west.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: 'gs', CacheParameterGroupName: 'default.redis7', ApplyImmediately: true })),
    ).rejects.toMatchObject({ name: 'InvalidParameterCombinationException' });

    await west.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: 'gs' }));
    await waitUntilReplicationGroupDeleted({ client: west, ...FAST_WAIT }, { ReplicationGroupId: 'gs' });
    await west.send(new DeleteCacheParameterGroupCommand({ CacheParameterGroupName: `global-datastore-${id}` }));
    east.destroy();
    west.destroy();
  });

  it('gives a secondary created without encryption and failover settings those of the datastore, and refuses other encryption', async () => {
    const east = sdkClient(emulator, 'us-east-1');
    const west = sdkClient(emulator, 'eu-west-1');
    await east.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: 'ep', ReplicationGroupDescription: 'p', Engine: 'redis', EngineVersion: '7.0', CacheNodeType: 'cache.r6g.large', NumCacheClusters: 2,
        AutomaticFailoverEnabled: true, TransitEncryptionEnabled: true, AtRestEncryptionEnabled: true,
      }),
    );
    await waitUntilReplicationGroupAvailable({ client: east, ...FAST_WAIT }, { ReplicationGroupId: 'ep' });
    const id = (await east.send(new CreateGlobalReplicationGroupCommand({ GlobalReplicationGroupIdSuffix: 'ep', PrimaryReplicationGroupId: 'ep' }))).GlobalReplicationGroup!
      .GlobalReplicationGroupId!;
    await expect
      .poll(async () => (await east.send(new DescribeGlobalReplicationGroupsCommand({ GlobalReplicationGroupId: id }))).GlobalReplicationGroups![0]!.Status)
      .toBe('primary-only');
    await expect(
      west.send(new CreateReplicationGroupCommand({ ReplicationGroupId: 'es', ReplicationGroupDescription: 's', GlobalReplicationGroupId: id, TransitEncryptionEnabled: false })),
    ).rejects.toMatchObject({ name: 'InvalidParameterCombinationException' });
    // Nor does it send AutomaticFailoverEnabled: a two-node secondary fails over as the primary does.
    const created = (
      await west.send(new CreateReplicationGroupCommand({ ReplicationGroupId: 'es', ReplicationGroupDescription: 's', GlobalReplicationGroupId: id, NumCacheClusters: 2 }))
    ).ReplicationGroup!;
    expect(created).toMatchObject({ TransitEncryptionEnabled: true, AtRestEncryptionEnabled: true, AutomaticFailover: 'enabled' });
    await waitUntilReplicationGroupAvailable({ client: west, ...FAST_WAIT }, { ReplicationGroupId: 'es' });

    // The provider's engine_version and node_type changes of aws_elasticache_global_replication_group reach every member.
    const modified = (
      await east.send(new ModifyGlobalReplicationGroupCommand({ GlobalReplicationGroupId: id, EngineVersion: '7.1', CacheNodeType: 'cache.r6g.xlarge', ApplyImmediately: true }))
    ).GlobalReplicationGroup!;
    expect(modified).toMatchObject({ EngineVersion: expect.stringMatching(/^7\.1\./), CacheNodeType: 'cache.r6g.xlarge' });
    await waitUntilReplicationGroupAvailable({ client: east, ...FAST_WAIT }, { ReplicationGroupId: 'ep' });
    await waitUntilReplicationGroupAvailable({ client: west, ...FAST_WAIT }, { ReplicationGroupId: 'es' });
    for (const [client, member] of [[east, 'ep-001'], [west, 'es-001']] as const) {
      const c = (await client.send(new DescribeCacheClustersCommand({ CacheClusterId: member }))).CacheClusters![0]!;
      expect([c.EngineVersion, c.CacheNodeType]).toEqual([modified.EngineVersion, 'cache.r6g.xlarge']);
    }
    await expect(
      east.send(new ModifyGlobalReplicationGroupCommand({ GlobalReplicationGroupId: id, CacheNodeType: 'cache.t3.micro', ApplyImmediately: true })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    east.destroy();
    west.destroy();
  });
});
