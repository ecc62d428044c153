import {
  CreateCacheClusterCommand,
  CreateSnapshotCommand,
  DescribeGlobalReplicationGroupsCommand,
  DescribeCacheClustersCommand,
  DescribeSnapshotsCommand,
  ElastiCacheClient,
  waitUntilCacheClusterAvailable,
} from '@aws-sdk/client-elasticache';
import { Redis } from 'ioredis';
import { expect } from 'vitest';
import { CREDENTIALS, FAST_WAIT } from '../../support/emulator.ts';
import { providerBlock, regionProvider } from '../../support/terraform.ts';
import { configurationPort, type Scenario } from './scenario.ts';

export const restore: Scenario = {
  // Eight waits of the provider one after another: primary, global group and secondary (two) to apply,
  // disassociation, secondary, global group and primary to destroy.
  critical: true,
  title: 'snapshots and global datastores: restores a replication group from snapshot_name with its data; a cluster mode enabled global replication group (2 shards) with a secondary in us-west-2 applies, plans clean and destroys',
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

    const [port, primaryPort, secondaryPort] = [await configurationPort(), await configurationPort(), await configurationPort()];
    // This configuration also carries the global datastore: its create and delete chains (primary, global
    // group, secondary) wait on the provider's polls one after another, beside the restore's short ones.
    const ws = newWorkspace(`${providerBlock(emulator.url)}
${regionProvider(emulator.url, 'west', 'us-west-2')}
resource "aws_elasticache_replication_group" "restored" {
  replication_group_id = "tf-restored"
  description          = "seeded from a snapshot"
  node_type            = "cache.t3.micro"
  num_cache_clusters   = 1
  snapshot_name        = "tf-seed-snap"
  port                 = ${port}
}

resource "aws_elasticache_replication_group" "global_primary" {
  replication_group_id = "tf-global-primary"
  description          = "global datastore primary"
  engine               = "redis"
  engine_version       = "7.1"
  node_type            = "cache.r6g.large"
  num_node_groups      = 2
  replicas_per_node_group = 1
  parameter_group_name = "default.redis7.cluster.on"
  automatic_failover_enabled = true
  transit_encryption_enabled = true
  at_rest_encryption_enabled = true
  port                 = ${primaryPort}
}

resource "aws_elasticache_global_replication_group" "global" {
  global_replication_group_id_suffix = "tf-global"
  primary_replication_group_id       = aws_elasticache_replication_group.global_primary.id
}

resource "aws_elasticache_replication_group" "global_secondary" {
  provider                    = aws.west
  replication_group_id        = "tf-global-secondary"
  description                 = "global datastore secondary"
  global_replication_group_id = aws_elasticache_global_replication_group.global.global_replication_group_id
  # The provider sends neither encryption nor failover for a secondary: both come from the datastore, and so do
  # its shards (num_node_groups left unset, as the provider's documentation shows a secondary).
  replicas_per_node_group     = 1
  automatic_failover_enabled  = true
  port                        = ${secondaryPort}
}
`);
    await ws.expectCode(0, 'init');
    await ws.expectCode(0, 'apply', '-auto-approve');
    const redis = new Redis({ port, lazyConnect: true });
    await redis.connect();
    expect(await redis.get('from-snapshot')).toBe('yes');
    redis.disconnect();
    const global = (await client.send(new DescribeGlobalReplicationGroupsCommand({ ShowMemberInfo: true }))).GlobalReplicationGroups!;
    expect(global).toHaveLength(1);
    expect(global[0]!.ClusterEnabled).toBe(true);
    expect(global[0]!.GlobalNodeGroups!.map((g) => g.Slots)).toEqual(['0-8191', '8192-16383']);
    expect(global[0]!.Members!.map((m) => [m.ReplicationGroupId, m.ReplicationGroupRegion, m.Role]).sort()).toEqual([
      ['tf-global-primary', 'us-east-1', 'PRIMARY'],
      ['tf-global-secondary', 'us-west-2', 'SECONDARY'],
    ]);
    await ws.expectCode(0, 'plan', '-detailed-exitcode');
    await ws.expectCode(0, 'destroy', '-auto-approve');
    expect((await client.send(new DescribeGlobalReplicationGroupsCommand({}))).GlobalReplicationGroups).toEqual([]);
    client.destroy();
  },
};
