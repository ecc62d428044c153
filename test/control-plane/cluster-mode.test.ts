import {
  CopySnapshotCommand,
  CreateCacheParameterGroupCommand,
  DescribeCacheClustersCommand,
  ModifyCacheParameterGroupCommand,
  CreateReplicationGroupCommand,
  CreateSnapshotCommand,
  DecreaseReplicaCountCommand,
  DescribeSnapshotsCommand,
  IncreaseReplicaCountCommand,
  ModifyReplicationGroupCommand,
  ModifyReplicationGroupShardConfigurationCommand,
  DeleteReplicationGroupCommand,
  DescribeReplicationGroupsCommand,
  TestFailoverCommand,
  waitUntilReplicationGroupAvailable,
  waitUntilReplicationGroupDeleted,
} from '@aws-sdk/client-elasticache';
import { Cluster, Redis } from 'ioredis';
import fs from 'node:fs';
import path from 'node:path';
import { createCluster } from 'redis';
import { describe, expect, it } from 'vitest';
import { emulatorForTests, FAST_WAIT } from '../support/emulator.ts';
import { exchange } from '../support/net.ts';

const { emulator, client } = emulatorForTests({ transitionDelayMs: 150 });

describe('cluster mode enabled', () => {
  it('creates shards with slots and a configuration endpoint that ioredis Cluster and node-redis createCluster use', async () => {
    const created = await client.send(new CreateReplicationGroupCommand({
      ReplicationGroupId: 'sharded', ReplicationGroupDescription: 'cluster mode', Engine: 'redis', CacheNodeType: 'cache.t3.micro',
      NumNodeGroups: 2, ReplicasPerNodeGroup: 1,
    }));
    expect(created.ReplicationGroup!.MemberClusters).toEqual(['sharded-0001-001', 'sharded-0001-002', 'sharded-0002-001', 'sharded-0002-002']);
    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'sharded' });
    const group = (await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'sharded' }))).ReplicationGroups![0]!;
    expect(group).toMatchObject({ ClusterEnabled: true, ClusterMode: 'enabled', AutomaticFailover: 'enabled' });
    expect(group.NodeGroups!.map((n) => [n.NodeGroupId, n.Slots])).toEqual([['0001', '0-8191'], ['0002', '8192-16383']]);
    const config = group.ConfigurationEndpoint!;

    const info = await exchange(config.Port!, 'CLUSTER INFO\r\n');
    expect(info).toContain('cluster_state:ok');
    expect(info).toContain('cluster_slots_assigned:16384');
    // The key "foo" hashes to slot 12182, served by the second shard: the first shard's primary redirects.
    const slots = await exchange(config.Port!, 'CLUSTER KEYSLOT foo\r\n');
    expect(slots).toBe(':12182\r\n');

    const cluster = new Cluster([{ host: config.Address, port: config.Port }], { redisOptions: { lazyConnect: false } });
    for (let i = 0; i < 500; i++) await cluster.set(`user:${i}`, String(i));
    expect(await cluster.get('user:123')).toBe('123');
    const pipelined = await cluster.pipeline().set('{cart}:a', '1').incr('{cart}:n').get('{cart}:a').exec();
    expect(pipelined!.map(([, v]) => v)).toEqual(['OK', 1, '1']);
    const tx = await cluster.multi().set('{tx}:a', 'x').get('{tx}:a').exec();
    expect(tx!.map(([, v]) => v)).toEqual(['OK', 'x']);
    await expect(cluster.mset('a', '1', 'b', '2')).rejects.toThrow(/CROSSSLOT/);
    const perShard = await Promise.all(cluster.nodes('master').map((n) => n.dbsize()));
    expect(perShard.every((n) => n > 100)).toBe(true);
    cluster.disconnect();

    const nodeRedis = createCluster({ rootNodes: [{ url: `redis://${config.Address}:${config.Port}` }] });
    await nodeRedis.connect();
    expect(await nodeRedis.get('user:321')).toBe('321');
    await nodeRedis.set('from-node-redis', 'yes');
    expect(await nodeRedis.get('from-node-redis')).toBe('yes');
    await nodeRedis.close();

    const plain = new Redis({ port: config.Port, lazyConnect: true });
    await plain.connect();
    await expect(plain.select(1)).rejects.toThrow('ERR SELECT is not allowed in cluster mode');
    plain.disconnect();
  });

  it('fails over one shard and cluster clients keep working', async () => {
    const group = (await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'sharded' }))).ReplicationGroups![0]!;
    const config = group.ConfigurationEndpoint!;
    const cluster = new Cluster([{ host: config.Address, port: config.Port }]);
    const nodeRedis = createCluster({ rootNodes: [{ url: `redis://${config.Address}:${config.Port}` }] });
    nodeRedis.on('error', () => undefined);
    await nodeRedis.connect();
    await cluster.set('survivor', 'still here');
    await client.send(new TestFailoverCommand({ ReplicationGroupId: 'sharded', NodeGroupId: '0002' }));
    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'sharded' });
    await expect.poll(() => cluster.get('survivor'), { timeout: 10_000 }).toBe('still here');
    // node-redis rediscovers the topology after the failover too.
    await expect.poll(async () => nodeRedis.get('survivor').catch(() => null), { timeout: 10_000 }).toBe('still here');
    await nodeRedis.set('after-failover', 'ok');
    expect(await cluster.get('after-failover')).toBe('ok');
    await nodeRedis.close();
    for (let i = 0; i < 500; i++) expect(await cluster.get(`user:${i}`)).toBe(String(i));
    cluster.disconnect();
    await expect(client.send(new TestFailoverCommand({ ReplicationGroupId: 'sharded', NodeGroupId: '0003' }))).rejects.toMatchObject({
      name: 'NodeGroupNotFoundFault',
    });
  });

  it('snapshots one RDB per shard and restores it re-partitioned into 3 shards, and into a cluster-mode-disabled group', async () => {
    await client.send(new CreateSnapshotCommand({ ReplicationGroupId: 'sharded', SnapshotName: 'sharded-snap' }));
    let snapshot = (await client.send(new DescribeSnapshotsCommand({ SnapshotName: 'sharded-snap', ShowNodeGroupConfig: true }))).Snapshots![0]!;
    for (let i = 0; i < 100 && snapshot.SnapshotStatus !== 'available'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      snapshot = (await client.send(new DescribeSnapshotsCommand({ SnapshotName: 'sharded-snap', ShowNodeGroupConfig: true }))).Snapshots![0]!;
    }
    expect(snapshot).toMatchObject({ SnapshotStatus: 'available', NumNodeGroups: 2 });
    expect(snapshot.NodeSnapshots!.map((n) => [n.NodeGroupId, n.NodeGroupConfiguration!.Slots])).toEqual([['0001', '0-8191'], ['0002', '8192-16383']]);
    await client.send(new CopySnapshotCommand({ SourceSnapshotName: 'sharded-snap', TargetSnapshotName: 'sharded-export', TargetBucket: 'cluster-backups' }));
    for (const shard of ['0001', '0002']) {
      expect(fs.existsSync(path.join(emulator.config.dataDir, 's3', 'cluster-backups', `sharded-export-${shard}.rdb`))).toBe(true);
    }

    await client.send(new CreateReplicationGroupCommand({
      ReplicationGroupId: 'resharded', ReplicationGroupDescription: 'three shards', Engine: 'redis', CacheNodeType: 'cache.t3.micro',
      NumNodeGroups: 3, ReplicasPerNodeGroup: 0, SnapshotName: 'sharded-snap',
    }));
    await client.send(new CreateReplicationGroupCommand({
      ReplicationGroupId: 'flattened', ReplicationGroupDescription: 'one shard', Engine: 'redis', CacheNodeType: 'cache.t3.micro',
      SnapshotArns: ['arn:aws:s3:::cluster-backups/sharded-export-0001.rdb', 'arn:aws:s3:::cluster-backups/sharded-export-0002.rdb'],
    }));
    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'resharded' });
    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'flattened' });
    const resharded = (await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'resharded' }))).ReplicationGroups![0]!;
    const cluster = new Cluster([{ host: resharded.ConfigurationEndpoint!.Address, port: resharded.ConfigurationEndpoint!.Port }]);
    for (let i = 0; i < 500; i++) expect(await cluster.get(`user:${i}`)).toBe(String(i));
    const perShard = await Promise.all(cluster.nodes('master').map((n) => n.dbsize()));
    expect(perShard).toHaveLength(3);
    expect(perShard.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(500);
    cluster.disconnect();
    const flat = (await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'flattened' }))).ReplicationGroups![0]!;
    const single = new Redis({ port: flat.NodeGroups![0]!.PrimaryEndpoint!.Port, lazyConnect: true });
    await single.connect();
    expect(await single.mget('user:0', 'user:499', 'survivor')).toEqual(['0', '499', 'still here']);
    single.disconnect();
  });

  it('reshards from 2 to 3 shards and back while a client keeps writing and reading, losing no key', async () => {
    const group = (await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'sharded' }))).ReplicationGroups![0]!;
    const cluster = new Cluster([{ host: group.ConfigurationEndpoint!.Address, port: group.ConfigurationEndpoint!.Port }]);
    // 10,000 keys, written in batches that ioredis auto-pipelines per node.
    for (let i = 0; i < 10_000; i += 1000) await Promise.all(Array.from({ length: 1000 }, (_, k) => cluster.set(`r:${i + k}`, String(i + k))));
    const acknowledged: number[] = [];
    let stop = false;
    const writer = (async () => {
      for (let i = 0; !stop; i++) {
        await cluster.set(`w:${i}`, String(i));
        acknowledged.push(i);
        if ((await cluster.get(`r:${i % 10_000}`)) !== String(i % 10_000)) throw new Error(`lost r:${i % 10_000}`);
      }
    })();
    const reshard = async (count: number, extra: Record<string, unknown> = {}) => {
      await client.send(new ModifyReplicationGroupShardConfigurationCommand({ ReplicationGroupId: 'sharded', NodeGroupCount: count, ApplyImmediately: true, ...extra }));
      await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'sharded' });
    };
    await reshard(3);
    let g = (await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'sharded' }))).ReplicationGroups![0]!;
    expect(g.NodeGroups!.map((n) => n.NodeGroupId)).toEqual(['0001', '0002', '0003']);
    expect(g.NodeGroups!.map((n) => n.Slots)).toEqual(['0-5460', '5461-10921', '10922-16383']);
    await new Promise((r) => setTimeout(r, 200));
    await reshard(2, { NodeGroupsToRemove: ['0002'] });
    g = (await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'sharded' }))).ReplicationGroups![0]!;
    expect(g.NodeGroups!.map((n) => n.NodeGroupId)).toEqual(['0001', '0003']);
    expect(g.MemberClusters!.some((m) => m.startsWith('sharded-0002'))).toBe(false);
    stop = true;
    await writer;
    const fresh = new Cluster([{ host: g.ConfigurationEndpoint!.Address, port: g.ConfigurationEndpoint!.Port }], { enableAutoPipelining: true });
    const values = await Promise.all(Array.from({ length: 10_000 }, (_, i) => fresh.get(`r:${i}`)));
    expect(values.filter((v, i) => v !== String(i))).toEqual([]);
    const written = await Promise.all(acknowledged.map((i) => fresh.get(`w:${i}`)));
    expect(written.filter((v, n) => v !== String(acknowledged[n]))).toEqual([]);
    expect(acknowledged.length).toBeGreaterThan(50);
    fresh.disconnect();
    cluster.disconnect();
    await expect(client.send(new ModifyReplicationGroupShardConfigurationCommand({ ReplicationGroupId: 'sharded', NodeGroupCount: 1, ApplyImmediately: true }))).rejects.toMatchObject({
      name: 'InvalidParameterCombinationException',
    });
  });

  it('changes replica counts per shard', async () => {
    await client.send(new IncreaseReplicaCountCommand({
      ReplicationGroupId: 'sharded', ApplyImmediately: true, ReplicaConfiguration: [{ NodeGroupId: '0001', NewReplicaCount: 2 }],
    }));
    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'sharded' });
    let g = (await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'sharded' }))).ReplicationGroups![0]!;
    expect(g.NodeGroups!.map((n) => n.NodeGroupMembers!.length)).toEqual([3, 2]);
    const cluster = new Cluster([{ host: g.ConfigurationEndpoint!.Address, port: g.ConfigurationEndpoint!.Port }]);
    expect(await cluster.get('r:42')).toBe('42');
    expect((await cluster.nodes('slave')).length).toBe(3);
    cluster.disconnect();
    await client.send(new DecreaseReplicaCountCommand({ ReplicationGroupId: 'sharded', ApplyImmediately: true, NewReplicaCount: 1 }));
    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'sharded' });
    g = (await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'sharded' }))).ReplicationGroups![0]!;
    expect(g.NodeGroups!.map((n) => n.NodeGroupMembers!.length)).toEqual([2, 2]);
  });

  it('validates shard layouts as AWS does and deletes', async () => {
    const base = { ReplicationGroupDescription: 'x', Engine: 'redis', CacheNodeType: 'cache.t3.micro' };
    await expect(client.send(new CreateReplicationGroupCommand({
      ...base, ReplicationGroupId: 'gap', NumNodeGroups: 2,
      NodeGroupConfiguration: [{ NodeGroupId: '0001', Slots: '0-100' }, { NodeGroupId: '0002', Slots: '200-16383' }],
    }))).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    await expect(client.send(new CreateReplicationGroupCommand({
      ...base, ReplicationGroupId: 'noaf', NumNodeGroups: 2, AutomaticFailoverEnabled: false,
    }))).rejects.toMatchObject({ name: 'InvalidParameterCombinationException' });
    await client.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: 'sharded' }));
    await waitUntilReplicationGroupDeleted({ client, ...FAST_WAIT }, { ReplicationGroupId: 'sharded' });
  });
});

describe('cluster mode transitions', () => {
  it('moves a group from disabled through compatible to enabled, serving both kinds of client in between', async () => {
    await client.send(new CreateReplicationGroupCommand({
      ReplicationGroupId: 'moving', ReplicationGroupDescription: 'to cluster mode', Engine: 'redis', CacheNodeType: 'cache.t3.micro', NumCacheClusters: 2,
    }));
    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'moving' });
    const describe = async () => (await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'moving' }))).ReplicationGroups![0]!;
    const before = await describe();
    const primary = new Redis({ port: before.NodeGroups![0]!.PrimaryEndpoint!.Port, lazyConnect: true });
    await primary.connect();
    await primary.set('{m}:1', 'one');
    await expect(client.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: 'moving', ClusterMode: 'enabled', ApplyImmediately: true }))).rejects.toMatchObject({
      name: 'InvalidParameterCombinationException',
    });

    await client.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: 'moving', ClusterMode: 'compatible', ApplyImmediately: true }));
    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'moving' });
    const compatible = await describe();
    expect(compatible.ClusterMode).toBe('compatible');
    expect(compatible.NodeGroups![0]!.Slots).toBe('0-16383');
    expect(compatible.NodeGroups![0]!.PrimaryEndpoint).toEqual(before.NodeGroups![0]!.PrimaryEndpoint);
    expect(await primary.get('{m}:1')).toBe('one');
    // The configuration endpoint has the group's port too (the aws provider reads `port` from it), at another loopback address.
    const primaryEndpoint = compatible.NodeGroups![0]!.PrimaryEndpoint!;
    if (process.platform === 'linux') {
      expect(compatible.ConfigurationEndpoint!.Port).toBe(primaryEndpoint.Port);
      expect(compatible.ConfigurationEndpoint!.Address).not.toBe(primaryEndpoint.Address);
    }
    const cluster = new Cluster([{ host: compatible.ConfigurationEndpoint!.Address, port: compatible.ConfigurationEndpoint!.Port }]);
    expect(await cluster.get('{m}:1')).toBe('one');
    await cluster.set('{m}:2', 'two');
    // Enabled retires the primary endpoint: a standalone client must move to the configuration endpoint.
    primary.disconnect();

    await client.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: 'moving', ClusterMode: 'enabled', ApplyImmediately: true }));
    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'moving' });
    const enabled = await describe();
    expect(enabled).toMatchObject({ ClusterMode: 'enabled', ClusterEnabled: true });
    expect(enabled.NodeGroups![0]!.PrimaryEndpoint).toBeUndefined();
    expect(enabled.ConfigurationEndpoint).toEqual(compatible.ConfigurationEndpoint);
    expect(await cluster.get('{m}:2')).toBe('two');
    cluster.disconnect();
  });

  it('runs compatible and enabled on a cluster-enabled parameter group: the default one in place of a default, else the one named with ClusterMode', async () => {
    const groupOf = async (id: string) =>
      (await client.send(new DescribeCacheClustersCommand({ CacheClusterId: id }))).CacheClusters![0]!.CacheParameterGroup!.CacheParameterGroupName;
    expect(await groupOf('moving-001')).toBe('default.redis7.cluster.on');
    await client.send(new CreateCacheParameterGroupCommand({ CacheParameterGroupName: 'cm-off', CacheParameterGroupFamily: 'redis7', Description: 'off' }));
    await client.send(new CreateCacheParameterGroupCommand({ CacheParameterGroupName: 'cm-on', CacheParameterGroupFamily: 'redis7', Description: 'on' }));
    await client.send(new ModifyCacheParameterGroupCommand({ CacheParameterGroupName: 'cm-on', ParameterNameValues: [{ ParameterName: 'cluster-enabled', ParameterValue: 'yes' }] }));
    await client.send(new CreateReplicationGroupCommand({
      ReplicationGroupId: 'custom-moving', ReplicationGroupDescription: 'custom group', Engine: 'redis', CacheNodeType: 'cache.t3.micro', NumCacheClusters: 2,
      AutomaticFailoverEnabled: true, CacheParameterGroupName: 'cm-off',
    }));
    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'custom-moving' });
    await expect(client.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: 'custom-moving', ClusterMode: 'compatible', ApplyImmediately: true }))).rejects.toMatchObject({
      name: 'InvalidParameterCombinationException',
    });
    // The aws provider sends both when a configuration sets cluster_mode and parameter_group_name together.
    await client.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: 'custom-moving', ClusterMode: 'compatible', CacheParameterGroupName: 'cm-on', ApplyImmediately: true }));
    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'custom-moving' });
    expect(await groupOf('custom-moving-002')).toBe('cm-on');
    await client.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: 'custom-moving', ClusterMode: 'enabled', ApplyImmediately: true }));
    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'custom-moving' });
    expect(await groupOf('custom-moving-001')).toBe('cm-on');
  });
});
