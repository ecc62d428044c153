// AWS's refusals with their fault codes, and the small behaviours a careful SDK test relies on.
import {
  AddTagsToResourceCommand,
  CreateCacheClusterCommand,
  CreateReplicationGroupCommand,
  CreateSnapshotCommand,
  CreateUserCommand,
  CreateUserGroupCommand,
  DeleteCacheClusterCommand,
  DeleteUserCommand,
  DeleteUserGroupCommand,
  DescribeSnapshotsCommand,
  DescribeUserGroupsCommand,
  DescribeUsersCommand,
  type ElastiCacheClient,
  ListTagsForResourceCommand,
  ModifyCacheClusterCommand,
  RebootCacheClusterCommand,
  waitUntilReplicationGroupAvailable,
} from '@aws-sdk/client-elasticache';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/index.ts';
import { FAST_WAIT, sdkClient, startEmulator } from '../support/emulator.ts';

let emulator: Emulator;
let client: ElastiCacheClient;
const ARN = 'arn:aws:elasticache:us-east-1:000000000000';
beforeAll(async () => {
  // Long enough that a deleted user is still described as deleting when read right after the delete.
  emulator = await startEmulator({ transitionDelayMs: 500 });
  client = sdkClient(emulator);
  await Promise.all([
    client.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: 'sharded',
        ReplicationGroupDescription: 'cluster mode',
        CacheNodeType: 'cache.t3.micro',
        Engine: 'redis',
        NumNodeGroups: 2,
        ReplicasPerNodeGroup: 1,
      }),
    ),
    client.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: 'pair',
        ReplicationGroupDescription: 'primary and one replica',
        CacheNodeType: 'cache.t3.micro',
        Engine: 'redis',
        NumCacheClusters: 2,
        AutomaticFailoverEnabled: true,
        Tags: [{ Key: 'team', Value: 'cache' }],
      }),
    ),
  ]);
  await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'sharded' });
  await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'pair' });
});
afterAll(async () => {
  client.destroy();
  await emulator.stop();
});

describe('refusals on replication group members', () => {
  it('refuses rebooting, deleting or adding a member of a cluster mode enabled group', async () => {
    await expect(client.send(new RebootCacheClusterCommand({ CacheClusterId: 'sharded-0001-001', CacheNodeIdsToReboot: ['0001'] }))).rejects.toMatchObject({
      name: 'InvalidParameterCombinationException',
    });
    await expect(client.send(new DeleteCacheClusterCommand({ CacheClusterId: 'sharded-0001-002' }))).rejects.toMatchObject({ name: 'InvalidCacheClusterStateFault' });
    await expect(
      client.send(new CreateCacheClusterCommand({ CacheClusterId: 'stray', ReplicationGroupId: 'sharded' })),
    ).rejects.toMatchObject({ name: 'InvalidParameterCombinationException' });
  });

  it('refuses deleting the last replica of an automatic failover group', async () => {
    await expect(client.send(new DeleteCacheClusterCommand({ CacheClusterId: 'pair-002' }))).rejects.toMatchObject({
      name: 'InvalidCacheClusterStateFault',
      message: expect.stringContaining('only read replica'),
    });
  });

  it('puts a group’s tags on its member clusters', async () => {
    const tags = (await client.send(new ListTagsForResourceCommand({ ResourceName: `${ARN}:cluster:pair-001` }))).TagList;
    expect(tags).toEqual([{ Key: 'team', Value: 'cache' }]);
  });

  it('takes a snapshot from a member’s CacheClusterId, and checks DescribeSnapshots ids', async () => {
    const snap = (await client.send(new CreateSnapshotCommand({ CacheClusterId: 'pair-002', SnapshotName: 'from-member' }))).Snapshot!;
    expect(snap.ReplicationGroupId).toBe('pair');
    await expect(client.send(new CreateSnapshotCommand({ CacheClusterId: 'sharded-0001-001', SnapshotName: 'from-shard' }))).rejects.toMatchObject({
      name: 'InvalidParameterCombinationException',
    });
    await expect(client.send(new DescribeSnapshotsCommand({ CacheClusterId: 'nope' }))).rejects.toMatchObject({ name: 'CacheClusterNotFoundFault' });
    await expect(client.send(new DescribeSnapshotsCommand({ CacheClusterId: 'pair-001', ReplicationGroupId: 'pair' }))).rejects.toMatchObject({
      name: 'InvalidParameterCombinationException',
    });
  });
});

describe('other refusals', () => {
  it('checks data tiering rules', async () => {
    await expect(
      client.send(new CreateCacheClusterCommand({ CacheClusterId: 'tiered', Engine: 'redis', CacheNodeType: 'cache.r6gd.xlarge' })),
    ).rejects.toMatchObject({ name: 'InvalidParameterCombinationException' });
    await expect(
      client.send(
        new CreateReplicationGroupCommand({
          ReplicationGroupId: 'tiered-old',
          ReplicationGroupDescription: 'd',
          Engine: 'redis',
          EngineVersion: '6.0',
          CacheNodeType: 'cache.r6gd.xlarge',
          DataTieringEnabled: true,
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterCombinationException' });
    // r6gd needs the flag set, not merely left out.
    await expect(
      client.send(new CreateReplicationGroupCommand({ ReplicationGroupId: 'tiered-unset', ReplicationGroupDescription: 'd', Engine: 'redis', CacheNodeType: 'cache.r6gd.xlarge' })),
    ).rejects.toMatchObject({ name: 'InvalidParameterCombinationException', message: 'Data tiering must be enabled for cache.r6gd node types.' });
  });

  it('tags the default parameter groups and the default user', async () => {
    await client.send(new AddTagsToResourceCommand({ ResourceName: `${ARN}:parametergroup:default.redis7`, Tags: [{ Key: 'k', Value: 'v' }] }));
    expect((await client.send(new ListTagsForResourceCommand({ ResourceName: `${ARN}:parametergroup:default.redis7` }))).TagList).toEqual([{ Key: 'k', Value: 'v' }]);
    expect((await client.send(new ListTagsForResourceCommand({ ResourceName: `${ARN}:user:default` }))).TagList).toEqual([]);
  });

  it('validates NetworkType and IpDiscovery, and NewAvailabilityZones', async () => {
    await expect(
      client.send(new CreateCacheClusterCommand({ CacheClusterId: 'net', Engine: 'redis', CacheNodeType: 'cache.t3.micro', NetworkType: 'ipv7' as never })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    await expect(
      client.send(new CreateCacheClusterCommand({ CacheClusterId: 'net', Engine: 'redis', EngineVersion: '5.0.6', CacheNodeType: 'cache.t3.micro', NetworkType: 'dual_stack' })),
    ).rejects.toMatchObject({ name: 'InvalidParameterCombinationException' });
    await expect(
      client.send(new CreateCacheClusterCommand({ CacheClusterId: 'net', Engine: 'redis', CacheNodeType: 'cache.t3.micro', IpDiscovery: 'ipv6' })),
    ).rejects.toMatchObject({ name: 'InvalidParameterCombinationException' });
    await expect(
      client.send(new ModifyCacheClusterCommand({ CacheClusterId: 'pair-001', NumCacheNodes: 2, NewAvailabilityZones: ['eu-west-1a'], ApplyImmediately: true })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
  });

  it('answers UserAlreadyExists before DuplicateUserName, and shows deleting users and groups first', async () => {
    await client.send(new CreateUserCommand({ UserId: 'alice', UserName: 'alice', Engine: 'redis', AccessString: 'on ~* +@all', NoPasswordRequired: true }));
    await expect(
      client.send(new CreateUserCommand({ UserId: 'alice', UserName: 'alice', Engine: 'redis', AccessString: 'on ~* +@all', NoPasswordRequired: true })),
    ).rejects.toMatchObject({ name: 'UserAlreadyExistsFault' });
    await client.send(new CreateUserGroupCommand({ UserGroupId: 'team', Engine: 'redis', UserIds: ['default'] }));
    for (let i = 0; i < 200; i++) {
      const g = (await client.send(new DescribeUserGroupsCommand({ UserGroupId: 'team' }))).UserGroups![0]!;
      if (g.Status === 'active') break;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect((await client.send(new DeleteUserCommand({ UserId: 'alice' }))).Status).toBe('deleting');
    expect((await client.send(new DescribeUsersCommand({ UserId: 'alice' }))).Users![0]!.Status).toBe('deleting');
    expect((await client.send(new DeleteUserGroupCommand({ UserGroupId: 'team' }))).Status).toBe('deleting');
    expect((await client.send(new DescribeUserGroupsCommand({ UserGroupId: 'team' }))).UserGroups![0]!.Status).toBe('deleting');
    for (let i = 0; i < 200; i++) {
      const gone = await client.send(new DescribeUsersCommand({ UserId: 'alice' })).then(() => false, (e: { name: string }) => e.name === 'UserNotFoundFault');
      if (gone) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error('user never went away');
  });
});
