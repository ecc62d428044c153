import {
  CreateReplicationGroupCommand,
  DecreaseReplicaCountCommand,
  DescribeEventsCommand,
  DescribeReplicationGroupsCommand,
  IncreaseReplicaCountCommand,
  RebootCacheClusterCommand,
  TestFailoverCommand,
  type ReplicationGroup,
  waitUntilReplicationGroupAvailable,
} from '@aws-sdk/client-elasticache';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { describe, expect, it } from 'vitest';
import { emulatorForTests, FAST_WAIT } from '../support/emulator.ts';

const { client } = emulatorForTests({ transitionDelayMs: 150 });

async function group(id: string): Promise<ReplicationGroup> {
  return (await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }))).ReplicationGroups![0]!;
}

async function create(id: string, clusters: number, automaticFailover: boolean): Promise<void> {
  await client.send(new CreateReplicationGroupCommand({
    ReplicationGroupId: id, ReplicationGroupDescription: id, Engine: 'redis', CacheNodeType: 'cache.t3.micro',
    NumCacheClusters: clusters, AutomaticFailoverEnabled: automaticFailover, MultiAZEnabled: automaticFailover,
  }));
  await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: id });
}

const primaryOf = (g: ReplicationGroup) => g.NodeGroups![0]!.NodeGroupMembers!.find((m) => m.CurrentRole === 'primary')!.CacheClusterId;

describe('failover', () => {
  it('TestFailover promotes the replica, moves the primary endpoint, keeps every acknowledged write, and a client carries on', async () => {
    await create('ha', 2, true);
    const before = await group('ha');
    expect(primaryOf(before)).toBe('ha-001');
    const endpoint = before.NodeGroups![0]!.PrimaryEndpoint!;

    // A client keeps writing through the primary endpoint during the failover, reconnecting as ioredis does.
    const app = new Redis({ host: endpoint.Address, port: endpoint.Port, maxRetriesPerRequest: 50, retryStrategy: () => 20 });
    const acknowledged: number[] = [];
    let stop = false;
    const writer = (async () => {
      for (let i = 0; !stop; i++) {
        try {
          await app.set(`k:${i}`, String(i));
          acknowledged.push(i);
        } catch {
          // A write refused during the switch was never acknowledged.
        }
      }
    })();
    await new Promise((r) => setTimeout(r, 100));

    // Two at once: one starts the failover and the group is modifying, so the other is refused. (Sent one
    // after the other, the second could arrive after the 150 ms failover on a loaded machine.)
    const send = () => client.send(new TestFailoverCommand({ ReplicationGroupId: 'ha', NodeGroupId: '0001' }));
    const [a, b] = await Promise.allSettled([send(), send()]);
    const accepted = [a, b].filter((r) => r.status === 'fulfilled');
    const refused = [a, b].filter((r) => r.status === 'rejected');
    expect(accepted).toHaveLength(1);
    expect(accepted[0]!.value.ReplicationGroup!.Status).toBe('modifying');
    expect(refused).toHaveLength(1);
    expect(refused[0]!.reason).toMatchObject({ name: 'InvalidReplicationGroupStateFault' });
    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'ha' });
    // Writes acknowledged by the new primary too, however few a loaded machine allowed before (a fixed
    // 200 ms saw fewer than ten in all at load 25).
    const atSwitch = acknowledged.length;
    while (acknowledged.length < Math.max(atSwitch + 5, 11)) await new Promise((r) => setTimeout(r, 20));
    stop = true;
    await writer;

    const after = await group('ha');
    expect(primaryOf(after)).toBe('ha-002');
    expect(after.NodeGroups![0]!.PrimaryEndpoint).toEqual(endpoint);
    expect(acknowledged.length).toBeGreaterThan(10);
    const check = new Redis({ host: endpoint.Address, port: endpoint.Port, lazyConnect: true });
    await check.connect();
    expect(await check.info('replication')).toContain('role:master');
    const values = await check.mget(acknowledged.map((i) => `k:${i}`));
    const lost = acknowledged.filter((i, n) => values[n] !== String(i));
    expect(lost).toEqual([]);
    check.disconnect();
    app.disconnect();

    // node-redis through the same endpoint, after its normal reconnect, reaches the new primary.
    const nodeRedis = createClient({ socket: { host: endpoint.Address, port: endpoint.Port } });
    nodeRedis.on('error', () => undefined);
    await nodeRedis.connect();
    expect(await nodeRedis.get(`k:${acknowledged[0]}`)).toBe(String(acknowledged[0]));
    expect(await nodeRedis.set('node-redis', 'ok')).toBe('OK');
    await nodeRedis.close();

    // The old primary is back as a replica with the data.
    const oldPrimary = after.NodeGroups![0]!.NodeGroupMembers!.find((m) => m.CacheClusterId === 'ha-001')!;
    expect(oldPrimary.CurrentRole).toBe('replica');
    const replica = new Redis({ port: oldPrimary.ReadEndpoint!.Port, lazyConnect: true });
    await replica.connect();
    await expect.poll(() => replica.get(`k:${acknowledged[acknowledged.length - 1]}`)).toBe(String(acknowledged[acknowledged.length - 1]));
    await expect(replica.set('x', '1')).rejects.toThrow(/READONLY/);
    replica.disconnect();

    const events = (await client.send(new DescribeEventsCommand({ SourceType: 'replication-group', SourceIdentifier: 'ha' }))).Events!.map((e) => e.Message);
    expect(events).toContain('Test Failover API called for node group 0001');
    expect(events).toContain('Failover to replica node ha-002 completed');
  });

  it('refuses TestFailover where AWS does', async () => {
    await create('no-af', 2, false);
    await expect(client.send(new TestFailoverCommand({ ReplicationGroupId: 'no-af', NodeGroupId: '0001' }))).rejects.toMatchObject({
      name: 'TestFailoverNotAvailableFault',
    });
    await expect(client.send(new TestFailoverCommand({ ReplicationGroupId: 'ha', NodeGroupId: '0002' }))).rejects.toMatchObject({
      name: 'NodeGroupNotFoundFault',
      $metadata: { httpStatusCode: 404 },
    });
    await expect(client.send(new TestFailoverCommand({ ReplicationGroupId: 'nope', NodeGroupId: '0001' }))).rejects.toMatchObject({
      name: 'ReplicationGroupNotFoundFault',
    });
  });

  it('fails over automatically when the primary is rebooted, and not without automatic failover', async () => {
    await create('auto-af', 2, true);
    const p = (await group('auto-af')).NodeGroups![0]!.PrimaryEndpoint!;
    const w = new Redis({ port: p.Port, lazyConnect: true });
    await w.connect();
    await w.set('kept', 'yes');
    w.disconnect();
    await client.send(new RebootCacheClusterCommand({ CacheClusterId: 'auto-af-001', CacheNodeIdsToReboot: ['0001'] }));
    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'auto-af' });
    await new Promise((r) => setTimeout(r, 400));
    const g = await group('auto-af');
    expect(primaryOf(g)).toBe('auto-af-002');
    const r = new Redis({ port: p.Port, lazyConnect: true });
    await r.connect();
    expect(await r.get('kept')).toBe('yes');
    r.disconnect();

    const np = (await group('no-af')).NodeGroups![0]!.PrimaryEndpoint!;
    await client.send(new RebootCacheClusterCommand({ CacheClusterId: 'no-af-001', CacheNodeIdsToReboot: ['0001'] }));
    await new Promise((r) => setTimeout(r, 500));
    expect(primaryOf(await group('no-af'))).toBe('no-af-001');
    const n = new Redis({ port: np.Port, lazyConnect: true });
    await n.connect();
    expect(await n.info('replication')).toContain('role:master');
    n.disconnect();
  });

  it('adds and removes replicas online, new ones fully synced', async () => {
    await create('grow', 1, false);
    const p = (await group('grow')).NodeGroups![0]!.PrimaryEndpoint!;
    const w = new Redis({ port: p.Port, lazyConnect: true });
    await w.connect();
    for (let i = 0; i < 100; i++) await w.set(`g:${i}`, String(i));
    w.disconnect();
    const increasing = await client.send(new IncreaseReplicaCountCommand({ ReplicationGroupId: 'grow', NewReplicaCount: 2, ApplyImmediately: true }));
    expect(increasing.ReplicationGroup!.Status).toBe('modifying');
    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'grow' });
    let g = await group('grow');
    expect(g.MemberClusters).toEqual(['grow-001', 'grow-002', 'grow-003']);
    for (const m of g.NodeGroups![0]!.NodeGroupMembers!.filter((x) => x.CurrentRole === 'replica')) {
      const r = new Redis({ port: m.ReadEndpoint!.Port, lazyConnect: true });
      await r.connect();
      expect(await r.dbsize()).toBe(100);
      r.disconnect();
    }
    await expect(client.send(new IncreaseReplicaCountCommand({ ReplicationGroupId: 'grow', NewReplicaCount: 6, ApplyImmediately: true }))).rejects.toMatchObject({
      name: 'InvalidParameterValueException',
    });
    await client.send(new DecreaseReplicaCountCommand({ ReplicationGroupId: 'grow', ReplicasToRemove: ['grow-002'], ApplyImmediately: true }));
    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'grow' });
    g = await group('grow');
    expect(g.MemberClusters).toEqual(['grow-001', 'grow-003']);
    await expect(client.send(new DecreaseReplicaCountCommand({ ReplicationGroupId: 'grow', ReplicasToRemove: ['grow-001'], ApplyImmediately: true }))).rejects.toMatchObject({
      name: 'InvalidParameterValueException',
    });
  });
});
