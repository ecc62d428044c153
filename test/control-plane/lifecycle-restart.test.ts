import {
  CreateCacheClusterCommand,
  CreateReplicationGroupCommand,
  CreateSnapshotCommand,
  DeleteCacheClusterCommand,
  DeleteReplicationGroupCommand,
  DeleteSnapshotCommand,
  DescribeCacheClustersCommand,
  DescribeReplicationGroupsCommand,
  DescribeSnapshotsCommand,
  ModifyCacheClusterCommand,
  type ElastiCacheClient,
  waitUntilCacheClusterAvailable,
  waitUntilCacheClusterDeleted,
  waitUntilReplicationGroupAvailable,
  waitUntilReplicationGroupDeleted,
} from '@aws-sdk/client-elasticache';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILD_TIMEOUT_MS, ensureBuilt } from '../support/built.ts';
import { startCli, stopped } from '../support/crash.ts';
import { listening } from '../support/net.ts';

// Below Linux's ephemeral range and apart from the ranges other test files use.
const FROM = 23500;
const TO = 23539;
// Long enough for every step below to still be in flight when the process is killed, even at load 30
// (at 1000 ms a loaded run once saw the scale-out finished before the kill).
const DELAY_MS = 2500;
const WAIT = { minDelay: 1, maxDelay: 1, maxWaitTime: 90 } as const;

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecl-crash-'));
const children: ChildProcess[] = [];
beforeAll(ensureBuilt, BUILD_TIMEOUT_MS + 20_000);
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const startCliHere = () => startCli(['--data-dir', dataDir, '--node-port-range', `${FROM}-${TO}`, '--redis-default-port', '0', '--delay-ms', String(DELAY_MS)]).then((p) => {
  children.push(p.child);
  return p;
});
const killed = (child: ChildProcess) => stopped(child);

const clusters = (client: ElastiCacheClient) =>
  client.send(new DescribeCacheClustersCommand({ ShowCacheNodeInfo: true })).then((r) => new Map(r.CacheClusters!.map((c) => [c.CacheClusterId!, c])));

describe('kill -9 and restart on the same data directory', () => {
  it('resumes or settles what was creating, modifying and snapshotting, and everything then deletes leaving nothing behind', async () => {
    let { child, client } = await startCliHere();
    // Settled resources first: a Redis cluster with a key, a snapshot of it, and a Memcached cluster.
    await client.send(new CreateCacheClusterCommand({ CacheClusterId: 'steady', Engine: 'redis', CacheNodeType: 'cache.t3.micro', Tags: [{ Key: 't', Value: '1' }] }));
    await client.send(new CreateCacheClusterCommand({ CacheClusterId: 'mc', Engine: 'memcached', CacheNodeType: 'cache.t3.micro', NumCacheNodes: 1 }));
    await waitUntilCacheClusterAvailable({ client, ...WAIT }, { CacheClusterId: 'steady' });
    await waitUntilCacheClusterAvailable({ client, ...WAIT }, { CacheClusterId: 'mc' });
    const steadyPort = (await clusters(client)).get('steady')!.CacheNodes![0]!.Endpoint!.Port!;
    const redis = new Redis({ port: steadyPort, lazyConnect: true });
    await redis.connect();
    await redis.set('kept', 'in the snapshot');
    redis.disconnect();
    await client.send(new CreateSnapshotCommand({ CacheClusterId: 'steady', SnapshotName: 'base' }));
    for (;;) {
      const s = (await client.send(new DescribeSnapshotsCommand({ SnapshotName: 'base' }))).Snapshots![0]!;
      if (s.SnapshotStatus === 'available') break;
      await new Promise((r) => setTimeout(r, 50));
    }

    // Then, all in flight at once: a snapshot, a scale-out, a group being created from the snapshot.
    await client.send(new CreateSnapshotCommand({ CacheClusterId: 'steady', SnapshotName: 'interrupted' }));
    await client.send(new ModifyCacheClusterCommand({ CacheClusterId: 'mc', NumCacheNodes: 2, ApplyImmediately: true }));
    await client.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: 'restored', ReplicationGroupDescription: 'd', Engine: 'redis', CacheNodeType: 'cache.t3.micro', NumCacheClusters: 2, SnapshotName: 'base', Tags: [{ Key: 't', Value: '2' }],
      }),
    );
    const before = await clusters(client);
    expect(before.get('steady')!.CacheClusterStatus).toBe('snapshotting');
    expect(before.get('mc')!.CacheClusterStatus).toBe('modifying');
    expect(before.get('restored-001')!.CacheClusterStatus).toBe('creating');
    await killed(child);
    client.destroy();

    ({ child, client } = await startCliHere());
    const after = await clusters(client);
    // Nothing that was in flight comes back claiming it finished.
    expect(after.get('steady')!.CacheClusterStatus).toBe('available');
    expect((await client.send(new DescribeSnapshotsCommand({ SnapshotName: 'interrupted' }))).Snapshots![0]!.SnapshotStatus).toBe('failed');
    expect(['modifying', 'available']).toContain(after.get('mc')!.CacheClusterStatus);
    const restoredNow = (await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'restored' }))).ReplicationGroups![0]!;
    // Still creating, or already finished again if the resumed step ran before this first look.
    expect(['creating', 'available']).toContain(restoredNow.Status);

    // The interrupted steps resume: the group comes up with the snapshot's data, the scale-out finishes.
    await waitUntilReplicationGroupAvailable({ client, ...WAIT }, { ReplicationGroupId: 'restored' });
    await waitUntilCacheClusterAvailable({ client, ...WAIT }, { CacheClusterId: 'mc' });
    expect((await clusters(client)).get('mc')!.CacheNodes).toHaveLength(2);
    const restored = (await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'restored' }))).ReplicationGroups![0]!;
    const primary = new Redis({ port: restored.NodeGroups![0]!.PrimaryEndpoint!.Port, lazyConnect: true });
    await primary.connect();
    expect(await primary.get('kept')).toBe('in the snapshot');
    primary.disconnect();

    // Everything deletes, and nothing is left: no listening port in the range, no node files, no tags.
    await client.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: 'restored' }));
    await client.send(new DeleteCacheClusterCommand({ CacheClusterId: 'steady' }));
    await client.send(new DeleteCacheClusterCommand({ CacheClusterId: 'mc' }));
    await client.send(new DeleteSnapshotCommand({ SnapshotName: 'base' }));
    await client.send(new DeleteSnapshotCommand({ SnapshotName: 'interrupted' }));
    await waitUntilReplicationGroupDeleted({ client, ...WAIT }, { ReplicationGroupId: 'restored' });
    await waitUntilCacheClusterDeleted({ client, ...WAIT }, { CacheClusterId: 'steady' });
    await waitUntilCacheClusterDeleted({ client, ...WAIT }, { CacheClusterId: 'mc' });
    expect((await client.send(new DescribeCacheClustersCommand({}))).CacheClusters).toEqual([]);
    for (let p = FROM; p <= TO; p++) expect(await listening(p), `port ${p}`).toBe(false);
    client.destroy();
    await killed(child);
    const db = new Database(path.join(dataDir, 'elasticache-local.sqlite'), { readonly: true });
    try {
      expect((db.prepare('SELECT COUNT(*) AS n FROM tags').get() as { n: number }).n).toBe(0);
      expect((db.prepare('SELECT COUNT(*) AS n FROM resources WHERE kind IN (?, ?, ?)').get('cluster', 'replication-group', 'snapshot') as { n: number }).n).toBe(0);
    } finally {
      db.close();
    }
    expect(fs.readdirSync(path.join(dataDir, 'snapshots'), { recursive: true }).filter((f) => String(f).endsWith('.rdb'))).toEqual([]);
    expect(fs.existsSync(path.join(dataDir, 'nodes'))).toBe(false);
  }, 120_000);
});
