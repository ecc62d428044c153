import {
  CreateCacheClusterCommand,
  CreateCacheParameterGroupCommand,
  CreateReplicationGroupCommand,
  CreateSnapshotCommand,
  DeleteCacheClusterCommand,
  DeleteReplicationGroupCommand,
  DeleteSnapshotCommand,
  DescribeCacheClustersCommand,
  DescribeEventsCommand,
  DescribeReplicationGroupsCommand,
  DescribeSnapshotsCommand,
  ModifyCacheClusterCommand,
  ModifyCacheParameterGroupCommand,
  ModifyReplicationGroupCommand,
  waitUntilCacheClusterAvailable,
  waitUntilCacheClusterDeleted,
  waitUntilReplicationGroupAvailable,
  waitUntilReplicationGroupDeleted,
  type ElastiCacheClient,
} from '@aws-sdk/client-elasticache';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/index.ts';
import { FAST_WAIT, sdkClient, startEmulator } from '../support/emulator.ts';
import { canBind } from '../support/net.ts';

// Below Linux's ephemeral range (32768-60999) and apart from the ranges other test files use.
const EXHAUST_FROM = 23480;
const SQUAT_PORT = 23490;

const dirs: string[] = [];
const emulators: Emulator[] = [];
afterAll(async () => {
  for (const e of emulators) await e.stop();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

async function emulatorWith(options: Parameters<typeof startEmulator>[0]): Promise<{ emulator: Emulator; client: ElastiCacheClient; dataDir: string }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecl-lifecycle-'));
  dirs.push(dataDir);
  // Every port from the range under test: no endpoint on the default Redis port.
  const emulator = await startEmulator({ dataDir, redisDefaultPort: 0, ...options });
  emulators.push(emulator);
  return { emulator, client: sdkClient(emulator), dataDir };
}

async function until<T>(probe: () => Promise<T>, ok: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const value = await probe();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last seen ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const clusterStatus = (client: ElastiCacheClient, id: string) =>
  client.send(new DescribeCacheClustersCommand({ CacheClusterId: id })).then((r) => r.CacheClusters![0]!.CacheClusterStatus);
const groupStatus = (client: ElastiCacheClient, id: string) =>
  client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: id })).then((r) => r.ReplicationGroups![0]!.Status);

async function eventsOf(client: ElastiCacheClient, type: 'cache-cluster' | 'replication-group', id: string): Promise<string[]> {
  const res = await client.send(new DescribeEventsCommand({ SourceType: type, SourceIdentifier: id, Duration: 60 }));
  return (res.Events ?? []).map((e) => e.Message!);
}

function tagRows(dataDir: string): number {
  const db = new Database(path.join(dataDir, 'elasticache-local.sqlite'), { readonly: true });
  try {
    return (db.prepare('SELECT COUNT(*) AS n FROM tags').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('failure paths', () => {
  it('refuses a create the port range cannot serve with InsufficientCacheClusterCapacity, creating and leaking nothing', async () => {
    const { client } = await emulatorWith({ nodePortRange: `${EXHAUST_FROM}-${EXHAUST_FROM + 2}` });
    // Two Memcached nodes and their configuration endpoint need 3 ports: the whole range. Three nodes need 4.
    await expect(
      client.send(new CreateCacheClusterCommand({ CacheClusterId: 'too-big', Engine: 'memcached', CacheNodeType: 'cache.t3.micro', NumCacheNodes: 3, Tags: [{ Key: 'k', Value: 'v' }] })),
    ).rejects.toMatchObject({ name: 'InsufficientCacheClusterCapacityFault', message: expect.stringContaining('The requested cache node type is not available in the specified Availability Zone.') });
    await expect(
      client.send(new CreateReplicationGroupCommand({ ReplicationGroupId: 'too-big-rg', ReplicationGroupDescription: 'd', Engine: 'redis', CacheNodeType: 'cache.t3.micro', NumCacheClusters: 2 })),
    ).rejects.toMatchObject({ name: 'InsufficientCacheClusterCapacityFault' });
    await expect(client.send(new DescribeCacheClustersCommand({ CacheClusterId: 'too-big' }))).rejects.toMatchObject({ name: 'CacheClusterNotFoundFault' });
    await expect(client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'too-big-rg' }))).rejects.toMatchObject({ name: 'ReplicationGroupNotFoundFault' });
    expect((await client.send(new DescribeCacheClustersCommand({}))).CacheClusters).toEqual([]);

    // Nothing was kept by the refusals: a create that needs every port of the range still fits.
    await client.send(new CreateCacheClusterCommand({ CacheClusterId: 'fits', Engine: 'memcached', CacheNodeType: 'cache.t3.micro', NumCacheNodes: 2 }));
    await waitUntilCacheClusterAvailable({ client, ...FAST_WAIT }, { CacheClusterId: 'fits' });
    // And while it holds them, even one more node is refused at once.
    await expect(
      client.send(new CreateCacheClusterCommand({ CacheClusterId: 'one-more', Engine: 'redis', CacheNodeType: 'cache.t3.micro' })),
    ).rejects.toMatchObject({ name: 'InsufficientCacheClusterCapacityFault' });
    await client.send(new DeleteCacheClusterCommand({ CacheClusterId: 'fits' }));
    await waitUntilCacheClusterDeleted({ client, ...FAST_WAIT }, { CacheClusterId: 'fits' });
    for (let p = EXHAUST_FROM; p <= EXHAUST_FROM + 2; p++) expect(await canBind(p)).toBe(true);
    client.destroy();
  });

  it('moves a cluster whose node cannot start to create-failed with an event; it can be deleted and its port is free again', async () => {
    // One port in the range, and a delay long enough to take that port away between the request and the step.
    const { client, dataDir } = await emulatorWith({ nodePortRange: `${SQUAT_PORT}-${SQUAT_PORT}`, transitionDelayMs: 800 });
    await client.send(new CreateCacheClusterCommand({ CacheClusterId: 'doomed', Engine: 'redis', CacheNodeType: 'cache.t3.micro', Tags: [{ Key: 'team', Value: 'x' }] }));
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(SQUAT_PORT, '127.0.0.1', resolve));
    try {
      await until(() => clusterStatus(client, 'doomed'), (s) => s === 'create-failed', 'create-failed');
      const events = await eventsOf(client, 'cache-cluster', 'doomed');
      expect(events.some((m) => /creation failed/.test(m))).toBe(true);
      // Its node never listened: AWS's node status for a node that failed, and no endpoint to try.
      const node = (await client.send(new DescribeCacheClustersCommand({ CacheClusterId: 'doomed', ShowCacheNodeInfo: true }))).CacheClusters![0]!.CacheNodes![0]!;
      expect(node.CacheNodeStatus).toBe('restore_failed');
      expect(node.Endpoint).toBeUndefined();
      // AWS refuses changes to a failed cluster but lets it be deleted.
      await expect(
        client.send(new ModifyCacheClusterCommand({ CacheClusterId: 'doomed', SnapshotRetentionLimit: 1, ApplyImmediately: true })),
      ).rejects.toMatchObject({ name: 'InvalidCacheClusterStateFault' });
      await client.send(new DeleteCacheClusterCommand({ CacheClusterId: 'doomed' }));
      await waitUntilCacheClusterDeleted({ client, ...FAST_WAIT }, { CacheClusterId: 'doomed' });
    } finally {
      await new Promise<void>((resolve) => squatter.close(() => resolve()));
    }
    expect(tagRows(dataDir)).toBe(0);
    await client.send(new CreateCacheClusterCommand({ CacheClusterId: 'next', Engine: 'redis', CacheNodeType: 'cache.t3.micro' }));
    await waitUntilCacheClusterAvailable({ client, ...FAST_WAIT }, { CacheClusterId: 'next' });
    const next = (await client.send(new DescribeCacheClustersCommand({ CacheClusterId: 'next', ShowCacheNodeInfo: true }))).CacheClusters![0]!;
    expect(next.CacheNodes![0]!.Endpoint!.Port).toBe(SQUAT_PORT);
    client.destroy();
  });

  it('leaves a cluster restored from a corrupt RDB restore-failed and a group create-failed; both delete with nothing left', async () => {
    const { client, dataDir } = await emulatorWith({});
    fs.mkdirSync(path.join(dataDir, 's3', 'bad-backups'), { recursive: true });
    fs.writeFileSync(path.join(dataDir, 's3', 'bad-backups', 'corrupt.rdb'), Buffer.from('REDIS0011 this is not an rdb file'));
    const arn = 'arn:aws:s3:::bad-backups/corrupt.rdb';
    await client.send(new CreateCacheClusterCommand({ CacheClusterId: 'from-bad', Engine: 'redis', CacheNodeType: 'cache.t3.micro', SnapshotArns: [arn], Tags: [{ Key: 'a', Value: 'b' }] }));
    await client.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: 'rg-from-bad', ReplicationGroupDescription: 'd', Engine: 'redis', CacheNodeType: 'cache.t3.micro', NumCacheClusters: 2, SnapshotArns: [arn], Tags: [{ Key: 'a', Value: 'b' }],
      }),
    );
    await until(() => clusterStatus(client, 'from-bad'), (s) => s === 'restore-failed', 'restore-failed');
    await until(() => groupStatus(client, 'rg-from-bad'), (s) => s === 'create-failed', 'create-failed');
    expect((await eventsOf(client, 'cache-cluster', 'from-bad')).some((m) => m.startsWith('Failed to restore data'))).toBe(true);
    expect((await eventsOf(client, 'replication-group', 'rg-from-bad')).some((m) => m.startsWith('Failed to restore data'))).toBe(true);
    const members = (await client.send(new DescribeCacheClustersCommand({}))).CacheClusters!.filter((c) => c.ReplicationGroupId === 'rg-from-bad');
    expect(members.map((m) => m.CacheClusterStatus)).toEqual(['create-failed', 'create-failed']);
    const failedGroup = (await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'rg-from-bad' }))).ReplicationGroups![0]!;
    const shard = failedGroup.NodeGroups![0]!;
    expect([shard.Status, shard.PrimaryEndpoint, shard.ReaderEndpoint]).toEqual(['create-failed', undefined, undefined]);
    expect(failedGroup.NodeGroups![0]!.NodeGroupMembers!.map((m) => m.ReadEndpoint)).toEqual([undefined, undefined]);
    const failedNodes = (await client.send(new DescribeCacheClustersCommand({ ShowCacheNodeInfo: true }))).CacheClusters!.flatMap((c) => c.CacheNodes!);
    expect(failedNodes.map((n) => [n.CacheNodeStatus, n.Endpoint])).toEqual([['restore_failed', undefined], ['restore_failed', undefined], ['restore_failed', undefined]]);
    await expect(
      client.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: 'rg-from-bad', ReplicationGroupDescription: 'x', ApplyImmediately: true })),
    ).rejects.toMatchObject({ name: 'InvalidReplicationGroupStateFault' });

    await client.send(new DeleteCacheClusterCommand({ CacheClusterId: 'from-bad' }));
    await client.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: 'rg-from-bad' }));
    await waitUntilCacheClusterDeleted({ client, ...FAST_WAIT }, { CacheClusterId: 'from-bad' });
    await waitUntilReplicationGroupDeleted({ client, ...FAST_WAIT }, { ReplicationGroupId: 'rg-from-bad' });
    expect((await client.send(new DescribeCacheClustersCommand({}))).CacheClusters).toEqual([]);
    expect(tagRows(dataDir)).toBe(0);
    expect(fs.existsSync(path.join(dataDir, 'nodes'))).toBe(false);
    client.destroy();
  });

  it('answers a modify that fails validation with 400 and leaves the running nodes unchanged', async () => {
    const { client } = await emulatorWith({});
    await client.send(new CreateCacheParameterGroupCommand({ CacheParameterGroupName: 'lru', CacheParameterGroupFamily: 'redis7', Description: 'd' }));
    await client.send(
      new ModifyCacheParameterGroupCommand({ CacheParameterGroupName: 'lru', ParameterNameValues: [{ ParameterName: 'maxmemory-policy', ParameterValue: 'allkeys-lru' }] }),
    );
    await client.send(new CreateReplicationGroupCommand({ ReplicationGroupId: 'steady', ReplicationGroupDescription: 'd', Engine: 'redis', CacheNodeType: 'cache.t3.micro', NumCacheClusters: 2 }));
    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'steady' });
    const group = (await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'steady' }))).ReplicationGroups![0]!;
    const redis = new Redis({ port: group.NodeGroups![0]!.PrimaryEndpoint!.Port, lazyConnect: true });
    await redis.connect();
    try {
      const policy = async () => /^maxmemory_policy:(.*?)\r?$/m.exec(await redis.info('memory'))?.[1];
      const before = await policy();
      expect(before).toBeDefined();
      await expect(
        client.send(
          new ModifyReplicationGroupCommand({ ReplicationGroupId: 'steady', CacheParameterGroupName: 'lru', PreferredMaintenanceWindow: 'whenever', ApplyImmediately: true }),
        ),
      ).rejects.toMatchObject({ $metadata: { httpStatusCode: 400 } });
      expect(await policy()).toBe(before);
      expect(await groupStatus(client, 'steady')).toBe('available');
    } finally {
      redis.disconnect();
    }
    client.destroy();
  });

  it('returns the source of a snapshot whose dump cannot be written to available, the snapshot failed with an event', async () => {
    const started = await emulatorWith({});
    const { emulator, dataDir } = started;
    let { client } = started;
    // A file where the snapshots folder would go: every snapshot write fails.
    fs.writeFileSync(path.join(dataDir, 'snapshots'), 'in the way');
    await client.send(new CreateReplicationGroupCommand({ ReplicationGroupId: 'snapme', ReplicationGroupDescription: 'd', Engine: 'redis', CacheNodeType: 'cache.t3.micro', NumCacheClusters: 1 }));
    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'snapme' });
    await client.send(new CreateSnapshotCommand({ ReplicationGroupId: 'snapme', SnapshotName: 'blocked' }));
    const snapshotStatus = () => client.send(new DescribeSnapshotsCommand({ SnapshotName: 'blocked' })).then((r) => r.Snapshots![0]!.SnapshotStatus);
    await until(snapshotStatus, (s) => s !== 'creating', 'the snapshot to settle');
    expect(await snapshotStatus()).toBe('failed');
    await until(() => groupStatus(client, 'snapme'), (s) => s === 'available', 'the group available again');
    expect(await clusterStatus(client, 'snapme-001')).toBe('available');
    // Told by the cluster of the node it was taken from, as AWS's DescribeEvents example shows a group's snapshot.
    expect(await eventsOf(client, 'cache-cluster', 'snapme-001')).toContain(`Snapshot failed for snapshot with ID 'blocked' of replication group with ID 'snapme'`);
    // A restart keeps it failed (it once refused to start over a failed snapshot).
    client.destroy();
    await emulator.stop();
    emulators.splice(emulators.indexOf(emulator), 1);
    fs.rmSync(path.join(dataDir, 'snapshots'));
    const again = await startEmulator({ dataDir });
    emulators.push(again);
    client = sdkClient(again);
    expect(await snapshotStatus()).toBe('failed');
    // Nothing is stuck: the failed snapshot deletes and the group can be changed again.
    await client.send(new DeleteSnapshotCommand({ SnapshotName: 'blocked' }));
    await client.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: 'snapme', ReplicationGroupDescription: 'changed', ApplyImmediately: true }));
    client.destroy();
  });
});
