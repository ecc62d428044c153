import {
  CreateGlobalReplicationGroupCommand,
  CreateReplicationGroupCommand,
  DeleteGlobalReplicationGroupCommand,
  DescribeGlobalReplicationGroupsCommand,
  DescribeReplicationGroupsCommand,
  DisassociateGlobalReplicationGroupCommand,
  FailoverGlobalReplicationGroupCommand,
  DecreaseNodeGroupsInGlobalReplicationGroupCommand,
  IncreaseNodeGroupsInGlobalReplicationGroupCommand,
  type ElastiCacheClient,
  waitUntilReplicationGroupAvailable,
} from '@aws-sdk/client-elasticache';
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/index.ts';
import { FAST_WAIT, sdkClient, startEmulator } from '../support/emulator.ts';

let emulator: Emulator;
let east: ElastiCacheClient;
let west: ElastiCacheClient;
beforeAll(async () => {
  emulator = await startEmulator({ transitionDelayMs: 100 });
  east = sdkClient(emulator, 'us-east-1');
  west = sdkClient(emulator, 'eu-west-1');
});
afterAll(async () => {
  east.destroy();
  west.destroy();
  await emulator.stop();
});

async function primaryClient(client: ElastiCacheClient, id: string): Promise<Redis> {
  const g = (await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }))).ReplicationGroups![0]!;
  const r = new Redis({ port: g.NodeGroups![0]!.PrimaryEndpoint!.Port, lazyConnect: true });
  await r.connect();
  return r;
}

async function globalStatus(id: string): Promise<string | undefined> {
  return (await east.send(new DescribeGlobalReplicationGroupsCommand({ GlobalReplicationGroupId: id }))).GlobalReplicationGroups![0]!.Status;
}

describe('global datastores', () => {
  it('replicates a primary region to a read-only secondary region, fails over, disassociates and deletes', async () => {
    await east.send(new CreateReplicationGroupCommand({
      ReplicationGroupId: 'orders', ReplicationGroupDescription: 'primary', Engine: 'redis', CacheNodeType: 'cache.m5.large', NumCacheClusters: 1,
    }));
    await east.send(new CreateReplicationGroupCommand({
      ReplicationGroupId: 'tiny', ReplicationGroupDescription: 'burstable', Engine: 'redis', CacheNodeType: 'cache.t3.micro',
    }));
    await waitUntilReplicationGroupAvailable({ client: east, ...FAST_WAIT }, { ReplicationGroupId: 'orders' });
    await waitUntilReplicationGroupAvailable({ client: east, ...FAST_WAIT }, { ReplicationGroupId: 'tiny' });
    await expect(east.send(new CreateGlobalReplicationGroupCommand({ GlobalReplicationGroupIdSuffix: 'tiny', PrimaryReplicationGroupId: 'tiny' }))).rejects.toMatchObject({
      name: 'InvalidParameterValueException',
    });

    const created = await east.send(new CreateGlobalReplicationGroupCommand({
      GlobalReplicationGroupIdSuffix: 'orders', PrimaryReplicationGroupId: 'orders', GlobalReplicationGroupDescription: 'orders everywhere',
    }));
    const id = created.GlobalReplicationGroup!.GlobalReplicationGroupId!;
    expect(id).toMatch(/^[a-z]{5}-orders$/);
    expect(created.GlobalReplicationGroup!.ARN).toBe(`arn:aws:elasticache::000000000000:globalreplicationgroup:${id}`);
    await expect.poll(() => globalStatus(id)).toBe('primary-only');

    await west.send(new CreateReplicationGroupCommand({
      ReplicationGroupId: 'orders-eu', ReplicationGroupDescription: 'secondary', GlobalReplicationGroupId: id, NumCacheClusters: 1,
    }));
    await waitUntilReplicationGroupAvailable({ client: west, ...FAST_WAIT }, { ReplicationGroupId: 'orders-eu' });
    const secondary = (await west.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'orders-eu' }))).ReplicationGroups![0]!;
    expect(secondary.CacheNodeType).toBe('cache.m5.large');
    expect(secondary.GlobalReplicationGroupInfo).toEqual({ GlobalReplicationGroupId: id, GlobalReplicationGroupMemberRole: 'SECONDARY' });
    const described = (await east.send(new DescribeGlobalReplicationGroupsCommand({ GlobalReplicationGroupId: id, ShowMemberInfo: true }))).GlobalReplicationGroups![0]!;
    expect(described.Status).toBe('available');
    expect(described.Members!.map((m) => [m.ReplicationGroupId, m.ReplicationGroupRegion, m.Role])).toEqual([
      ['orders', 'us-east-1', 'PRIMARY'],
      ['orders-eu', 'eu-west-1', 'SECONDARY'],
    ]);

    const us = await primaryClient(east, 'orders');
    const eu = await primaryClient(west, 'orders-eu');
    await us.set('order:1', 'paid');
    await expect.poll(() => eu.get('order:1')).toBe('paid');
    await expect(eu.set('order:2', 'x')).rejects.toThrow(/READONLY/);

    await west.send(new FailoverGlobalReplicationGroupCommand({ GlobalReplicationGroupId: id, PrimaryRegion: 'eu-west-1', PrimaryReplicationGroupId: 'orders-eu' }));
    expect(await eu.set('order:2', 'shipped')).toBe('OK');
    await expect.poll(() => us.get('order:2')).toBe('shipped');
    await expect(us.set('order:3', 'x')).rejects.toThrow(/READONLY/);

    await expect(east.send(new IncreaseNodeGroupsInGlobalReplicationGroupCommand({ GlobalReplicationGroupId: id, NodeGroupCount: 2, ApplyImmediately: true }))).rejects.toMatchObject({
      name: 'InvalidParameterValueException',
    });
    await expect(east.send(new DeleteGlobalReplicationGroupCommand({ GlobalReplicationGroupId: id, RetainPrimaryReplicationGroup: true }))).rejects.toMatchObject({
      name: 'InvalidGlobalReplicationGroupStateFault',
    });
    await east.send(new DisassociateGlobalReplicationGroupCommand({ GlobalReplicationGroupId: id, ReplicationGroupId: 'orders', ReplicationGroupRegion: 'us-east-1' }));
    expect(await us.set('order:3', 'local again')).toBe('OK');
    // A second disassociation (a Terraform destroy run again after an interrupted one) is answered in AWS's words,
    // which the aws provider takes as done.
    await expect(
      east.send(new DisassociateGlobalReplicationGroupCommand({ GlobalReplicationGroupId: id, ReplicationGroupId: 'orders', ReplicationGroupRegion: 'us-east-1' })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValueException', message: expect.stringContaining('is not associated with Global Replication Group') });
    expect(await us.get('order:1')).toBe('paid');
    await east.send(new DeleteGlobalReplicationGroupCommand({ GlobalReplicationGroupId: id, RetainPrimaryReplicationGroup: true }));
    await expect
      .poll(async () => (await east.send(new DescribeGlobalReplicationGroupsCommand({}))).GlobalReplicationGroups!.length)
      .toBe(0);
    const kept = (await west.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'orders-eu' }))).ReplicationGroups![0]!;
    expect(kept.GlobalReplicationGroupInfo).toEqual({});
    us.disconnect();
    eu.disconnect();
  });
});

describe('cluster mode enabled global datastores', () => {
  async function groupOf(client: ElastiCacheClient, id: string) {
    return (await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }))).ReplicationGroups![0]!;
  }
  async function settled(id: string): Promise<void> {
    await expect.poll(() => globalStatus(id), { timeout: 30_000, interval: 50 }).toBe('available');
  }
  const slotsOf = async (client: ElastiCacheClient, id: string) => (await groupOf(client, id)).NodeGroups!.map((n) => [n.NodeGroupId, n.Slots]);

  it('gives a secondary the primary\'s shards, follows them shard by shard, reshards every member and fails over', async () => {
    await east.send(new CreateReplicationGroupCommand({
      ReplicationGroupId: 'sharded-east', ReplicationGroupDescription: 'cme', Engine: 'redis', CacheNodeType: 'cache.r6g.large',
      NumNodeGroups: 2, ReplicasPerNodeGroup: 1, CacheParameterGroupName: 'default.redis7.cluster.on', AutomaticFailoverEnabled: true,
    }));
    await waitUntilReplicationGroupAvailable({ client: east, ...FAST_WAIT }, { ReplicationGroupId: 'sharded-east' });
    const id = (await east.send(new CreateGlobalReplicationGroupCommand({ GlobalReplicationGroupIdSuffix: 'cme', PrimaryReplicationGroupId: 'sharded-east' })))
      .GlobalReplicationGroup!.GlobalReplicationGroupId!;
    await expect.poll(() => globalStatus(id), { timeout: 30_000, interval: 50 }).toBe('primary-only');
    // Neither NumNodeGroups nor a parameter group: the aws provider may send neither for a secondary.
    await west.send(new CreateReplicationGroupCommand({ ReplicationGroupId: 'sharded-west', ReplicationGroupDescription: 'cme secondary', GlobalReplicationGroupId: id, ReplicasPerNodeGroup: 0 }));
    await waitUntilReplicationGroupAvailable({ client: west, ...FAST_WAIT }, { ReplicationGroupId: 'sharded-west' });
    await settled(id);
    const global = (await east.send(new DescribeGlobalReplicationGroupsCommand({ GlobalReplicationGroupId: id }))).GlobalReplicationGroups![0]!;
    expect(global.ClusterEnabled).toBe(true);
    expect(global.GlobalNodeGroups).toEqual([
      { GlobalNodeGroupId: `${id}-0001`, Slots: '0-8191' },
      { GlobalNodeGroupId: `${id}-0002`, Slots: '8192-16383' },
    ]);
    expect(await slotsOf(west, 'sharded-west')).toEqual(await slotsOf(east, 'sharded-east'));
    expect((await groupOf(west, 'sharded-west')).ClusterEnabled).toBe(true);

    const endpointOf = async (client: ElastiCacheClient, group: string) => (await groupOf(client, group)).ConfigurationEndpoint!;
    const primary = new Cluster([{ host: '127.0.0.1', port: (await endpointOf(east, 'sharded-east')).Port! }]);
    const secondary = new Cluster([{ host: '127.0.0.1', port: (await endpointOf(west, 'sharded-west')).Port! }], { scaleReads: 'master' });
    try {
      for (let i = 0; i < 50; i++) await primary.set(`k${i}`, String(i));
      await expect.poll(() => secondary.get('k49')).toBe('49');
      await expect(secondary.set('k0', 'x')).rejects.toThrow(/READONLY/);

      await east.send(new IncreaseNodeGroupsInGlobalReplicationGroupCommand({ GlobalReplicationGroupId: id, NodeGroupCount: 3, ApplyImmediately: true }));
      expect(await globalStatus(id)).toBe('modifying');
      await settled(id);
      expect(await slotsOf(east, 'sharded-east')).toHaveLength(3);
      expect(await slotsOf(west, 'sharded-west')).toEqual(await slotsOf(east, 'sharded-east'));
      await expect.poll(async () => (await secondary.cluster('SHARDS') as unknown[]).length).toBe(3);
      for (let i = 0; i < 50; i += 7) await expect.poll(() => secondary.get(`k${i}`)).toBe(String(i));

      await east.send(new DecreaseNodeGroupsInGlobalReplicationGroupCommand({
        GlobalReplicationGroupId: id, NodeGroupCount: 2, GlobalNodeGroupsToRetain: [`${id}-0001`, `${id}-0002`], ApplyImmediately: true,
      }));
      await settled(id);
      expect((await east.send(new DescribeGlobalReplicationGroupsCommand({ GlobalReplicationGroupId: id }))).GlobalReplicationGroups![0]!.GlobalNodeGroups).toHaveLength(2);
      expect(await slotsOf(west, 'sharded-west')).toEqual(await slotsOf(east, 'sharded-east'));

      await east.send(new FailoverGlobalReplicationGroupCommand({ GlobalReplicationGroupId: id, PrimaryRegion: 'eu-west-1', PrimaryReplicationGroupId: 'sharded-west' }));
      await expect.poll(async () => { try { return await secondary.set('after', 'failover'); } catch { return 'refused'; } }).toBe('OK');
      await expect.poll(() => primary.get('after')).toBe('failover');
      for (let i = 0; i < 50; i += 7) expect(await secondary.get(`k${i}`)).toBe(String(i));
    } finally {
      primary.disconnect();
      secondary.disconnect();
    }
  });
});
