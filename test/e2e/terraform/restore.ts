import {
  CreateCacheClusterCommand,
  CreateSnapshotCommand,
  DescribeCacheClustersCommand,
  DescribeSnapshotsCommand,
  ElastiCacheClient,
  waitUntilCacheClusterAvailable,
} from '@aws-sdk/client-elasticache';
import { Redis } from 'ioredis';
import { expect } from 'vitest';
import { CREDENTIALS, FAST_WAIT } from '../../support/emulator.ts';
import { freePort } from '../../support/net.ts';
import { providerBlock } from '../../support/terraform.ts';
import type { Scenario } from './scenario.ts';

export const restore: Scenario = {
  title: 'snapshots: restores aws_elasticache_replication_group from snapshot_name with the data in it',
  async run(emulator, newWorkspace) {
    const client = new ElastiCacheClient({ endpoint: emulator.url, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 });
    await client.send(new CreateCacheClusterCommand({ CacheClusterId: 'tf-seed', Engine: 'redis', CacheNodeType: 'cache.t3.micro' }));
    await waitUntilCacheClusterAvailable({ client, ...FAST_WAIT }, { CacheClusterId: 'tf-seed' });
    const node = (await client.send(new DescribeCacheClustersCommand({ CacheClusterId: 'tf-seed', ShowCacheNodeInfo: true }))).CacheClusters![0]!;
    const seed = new Redis({ port: node.CacheNodes![0]!.Endpoint!.Port, lazyConnect: true });
    await seed.connect();
    await seed.set('from-snapshot', 'yes');
    seed.disconnect();
    await client.send(new CreateSnapshotCommand({ CacheClusterId: 'tf-seed', SnapshotName: 'tf-seed-snap' }));
    for (let i = 0; i < 100; i++) {
      const s = (await client.send(new DescribeSnapshotsCommand({ SnapshotName: 'tf-seed-snap' }))).Snapshots![0]!;
      if (s.SnapshotStatus === 'available') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    client.destroy();

    const port = await freePort();
    const ws = newWorkspace(`${providerBlock(emulator.url)}
resource "aws_elasticache_replication_group" "restored" {
  replication_group_id = "tf-restored"
  description          = "seeded from a snapshot"
  node_type            = "cache.t3.micro"
  num_cache_clusters   = 1
  snapshot_name        = "tf-seed-snap"
  port                 = ${port}
}
`);
    await ws.expectCode(0, 'init');
    await ws.expectCode(0, 'apply', '-auto-approve');
    const redis = new Redis({ port, lazyConnect: true });
    await redis.connect();
    expect(await redis.get('from-snapshot')).toBe('yes');
    redis.disconnect();
    await ws.expectCode(0, 'plan', '-detailed-exitcode');
    await ws.expectCode(0, 'destroy', '-auto-approve');
  },
};
