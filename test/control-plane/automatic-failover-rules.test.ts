// Automatic failover as AWS bounds it, with AWS's own texts (quoted in terraform-provider-aws issues 27116 and 24244,
// and terraform issue 25077): a cluster mode enabled group may be one node and keeps failover on; a cluster mode
// disabled group with failover needs a replica at create and after DecreaseReplicaCount.
import {
  CreateReplicationGroupCommand,
  DecreaseReplicaCountCommand,
  DescribeReplicationGroupsCommand,
  ModifyReplicationGroupCommand,
  waitUntilReplicationGroupAvailable,
} from '@aws-sdk/client-elasticache';
import { describe, expect, it } from 'vitest';
import { emulatorForTests, FAST_WAIT } from '../support/emulator.ts';

const { client } = emulatorForTests({ transitionDelayMs: 50 });
const base = { ReplicationGroupDescription: 'd', Engine: 'redis', CacheNodeType: 'cache.t3.micro' };

describe('automatic failover rules', () => {
  it('creates a one-node cluster mode enabled group with failover on, and refuses to turn it off', async () => {
    await client.send(
      new CreateReplicationGroupCommand({
        ...base,
        ReplicationGroupId: 'single-shard',
        NumNodeGroups: 1,
        ReplicasPerNodeGroup: 0,
        CacheParameterGroupName: 'default.redis7.cluster.on',
        AutomaticFailoverEnabled: true,
      }),
    );
    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'single-shard' });
    const group = (await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'single-shard' }))).ReplicationGroups![0]!;
    expect(group).toMatchObject({ AutomaticFailover: 'enabled', ClusterEnabled: true, MemberClusters: ['single-shard-0001-001'] });
    await expect(
      client.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: 'single-shard', AutomaticFailoverEnabled: false, ApplyImmediately: true })),
    ).rejects.toMatchObject({
      name: 'InvalidParameterCombinationException',
      message: 'Turning off automatic failover for replication group with cluster mode enabled is not supported.',
    });
  });

  it('needs a replica for failover with cluster mode disabled', async () => {
    await expect(
      client.send(new CreateReplicationGroupCommand({ ...base, ReplicationGroupId: 'lonely', NumCacheClusters: 1, AutomaticFailoverEnabled: true })),
    ).rejects.toMatchObject({
      name: 'InvalidParameterCombinationException',
      message: 'When using automatic failover, there must be at least 2 cache clusters in the replication group.',
    });
    await client.send(new CreateReplicationGroupCommand({ ...base, ReplicationGroupId: 'pair', NumCacheClusters: 2, AutomaticFailoverEnabled: true }));
    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'pair' });
    await expect(
      client.send(new DecreaseReplicaCountCommand({ ReplicationGroupId: 'pair', NewReplicaCount: 0, ApplyImmediately: true })),
    ).rejects.toMatchObject({
      name: 'InvalidParameterValueException',
      message: 'Must have at least 1 replica when cluster mode is disabled with auto failover enabled.',
    });
  });
});
