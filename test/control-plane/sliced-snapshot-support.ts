// What the tests of snapshots (and resharding) during a write in slices share: a node's port, a snapshot's
// end, the keys of a big write, the size of a cluster restored from what a snapshot wrote, a hash's length
// once a group went from two shards to three.
import {
  CreateCacheClusterCommand,
  DescribeCacheClustersCommand,
  DescribeSnapshotsCommand,
  waitUntilCacheClusterAvailable,
  waitUntilReplicationGroupAvailable,
  type ElastiCacheClient,
} from '@aws-sdk/client-elasticache';
import { Cluster } from 'ioredis';
import { expect } from 'vitest';
import { RawClient, waitUntil } from '../engines/redis/helpers.ts';
import { FAST_WAIT } from '../support/emulator.ts';
import { describeGroup } from '../support/groups.ts';

/** `key:from` .. `key:to-1`. */
export const keys = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `key:${from + i}`);

/** Sets `key:0` .. `key:n-1` in batches and checks the node holds them. */
export async function fill(a: RawClient, n: number, batch = 20_000): Promise<void> {
  for (let i = 0; i < n; i += batch) expect(await a.call('MSET', ...keys(i, Math.min(n, i + batch)).flatMap((k) => [k, 'v']))).toBe('+OK\r\n');
  expect(await a.call('DBSIZE')).toBe(`:${n}\r\n`);
}

export function slicedSnapshotApi(client: ElastiCacheClient) {
  /** The port of a cluster's first node, once it is available. */
  async function nodePort(id: string): Promise<number> {
    await waitUntilCacheClusterAvailable({ client, ...FAST_WAIT }, { CacheClusterId: id });
    const c = (await client.send(new DescribeCacheClustersCommand({ CacheClusterId: id, ShowCacheNodeInfo: true }))).CacheClusters![0]!;
    return c.CacheNodes![0]!.Endpoint!.Port!;
  }

  async function waitSnapshot(name: string): Promise<void> {
    await waitUntil(`snapshot ${name} available`, async () => {
      const s = (await client.send(new DescribeSnapshotsCommand({ SnapshotName: name }))).Snapshots![0];
      if (s?.SnapshotStatus === 'failed') throw new Error(`snapshot ${name} failed`);
      return s?.SnapshotStatus === 'available';
    }, 120_000);
  }

  /** DBSIZE of a new cluster restored from a snapshot (by name) or from S3 objects (by ARN). */
  async function restoredSize(id: string, from: { SnapshotName: string } | { SnapshotArns: string[] }): Promise<string> {
    await client.send(new CreateCacheClusterCommand({ CacheClusterId: id, Engine: 'redis', CacheNodeType: 'cache.t3.medium', ...from }));
    const copy = await RawClient.connect(await nodePort(id));
    try {
      return await copy.call('DBSIZE');
    } finally {
      copy.close();
    }
  }

  return { nodePort, waitSnapshot, restoredSize };
}

/** HLEN of `key` through a cluster client once the group is available again, split from two shards into three. */
export async function hlenOnceResharded(client: ElastiCacheClient, groupId: string, key: string): Promise<number> {
  await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: groupId });
  const after = await describeGroup(client, groupId);
  expect(after.NodeGroups!.map((n) => n.Slots)).toEqual(['0-5460', '5461-10921', '10922-16383']);
  const cluster = new Cluster([{ host: after.ConfigurationEndpoint!.Address, port: after.ConfigurationEndpoint!.Port }]);
  try {
    return await cluster.hlen(key);
  } finally {
    cluster.disconnect();
  }
}
