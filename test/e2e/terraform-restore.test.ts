import {
  CreateCacheClusterCommand,
  CreateSnapshotCommand,
  DescribeCacheClustersCommand,
  DescribeSnapshotsCommand,
  waitUntilCacheClusterAvailable,
} from '@aws-sdk/client-elasticache';
import { Redis } from 'ioredis';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/index.ts';
import { FAST_WAIT, sdkClient, startEmulator } from '../support/emulator.ts';
import { freePort } from '../support/net.ts';
import { haveTerraform, output, providerBlock, terraform, workspace } from '../support/terraform.ts';

let emulator: Emulator;
let dir: string | undefined;

beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!haveTerraform)('Terraform hashicorp/aws and snapshots', () => {
  it('restores aws_elasticache_replication_group from snapshot_name with the data in it', async () => {
    const client = sdkClient(emulator);
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
    dir = workspace(
      'ecl-tf-restore-',
      `${providerBlock(emulator.url)}
resource "aws_elasticache_replication_group" "restored" {
  replication_group_id = "tf-restored"
  description          = "seeded from a snapshot"
  node_type            = "cache.t3.micro"
  num_cache_clusters   = 1
  snapshot_name        = "tf-seed-snap"
  port                 = ${port}
}
`,
    );
    let r = await terraform(dir, 'init', '-no-color');
    expect(r.code, output(r)).toBe(0);
    r = await terraform(dir, 'apply', '-auto-approve', '-no-color');
    expect(r.code, output(r)).toBe(0);
    const redis = new Redis({ port, lazyConnect: true });
    await redis.connect();
    expect(await redis.get('from-snapshot')).toBe('yes');
    redis.disconnect();
    r = await terraform(dir, 'plan', '-detailed-exitcode', '-no-color');
    expect(r.code, output(r)).toBe(0);
    r = await terraform(dir, 'destroy', '-auto-approve', '-no-color');
    expect(r.code, output(r)).toBe(0);
  }, 600_000);
});
