// apply_immediately left at its default (false) and log delivery set: apply, a clean second plan, a
// node type change and a major engine upgrade (with the new family's parameter group) that wait for the
// maintenance window on the emulator's clock, destroy; a serverless
// cache, a reserved cache node (bought from the offering data source) and a read replica added to the logging
// group with aws_elasticache_cluster (the provider's documented example) ride along.
import { type CacheCluster, DescribeCacheClustersCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { expect } from 'vitest';
import { maintenanceDueAt } from '../../../src/lifecycle/maintenance.ts';
import { CREDENTIALS } from '../../support/emulator.ts';
import { providerBlock } from '../../support/terraform.ts';
import { configurationPort, type Scenario } from './scenario.ts';

const WINDOW = 'tue:03:00-tue:04:00';

/** The replication group starts on 6.2 and is upgraded with the node type change: a major upgrade names the new family's group. */
function configuration(url: string, redisPort: number, nodeType: string, upgraded = false): string {
  return `${providerBlock(url)}
resource "aws_elasticache_subnet_group" "cache" {
  name       = "tf-full-subnets"
  subnet_ids = ["subnet-full-1a", "subnet-full-1b"]
}

resource "aws_elasticache_parameter_group" "tuned" {
  name   = "tf-full-tuned"
  family = "redis7"
  parameter {
    name  = "maxmemory-policy"
    value = "allkeys-lru"
  }
  parameter {
    name  = "notify-keyspace-events"
    value = "Ex"
  }
}

resource "aws_elasticache_cluster" "single" {
  cluster_id           = "tf-full-single"
  engine               = "redis"
  engine_version       = "7.1"
  node_type            = "${nodeType}"
  num_cache_nodes      = 1
  parameter_group_name = aws_elasticache_parameter_group.tuned.name
  subnet_group_name    = aws_elasticache_subnet_group.cache.name
  maintenance_window   = "${WINDOW}"
  log_delivery_configuration {
    destination      = "tf-full-slow"
    destination_type = "cloudwatch-logs"
    log_format       = "json"
    log_type         = "slow-log"
  }
}

resource "aws_elasticache_replication_group" "redis" {
  replication_group_id       = "tf-full-redis"
  description                = "terraform full"
  engine                     = "redis"
  engine_version             = "${upgraded ? '7.1' : '6.2'}"
  parameter_group_name       = "${upgraded ? 'default.redis7' : 'default.redis6.x'}"
  node_type                  = "cache.t3.micro"
  num_cache_clusters         = 2
  automatic_failover_enabled = true
  port                       = ${redisPort}
  subnet_group_name          = aws_elasticache_subnet_group.cache.name
  maintenance_window         = "${WINDOW}"
  log_delivery_configuration {
    destination      = "tf-full-engine"
    destination_type = "kinesis-firehose"
    log_format       = "text"
    log_type         = "engine-log"
  }
  # The replica below is a member the group's own count does not know of.
  lifecycle {
    ignore_changes = [num_cache_clusters]
  }
}

resource "aws_elasticache_cluster" "replica" {
  cluster_id           = "tf-full-replica"
  replication_group_id = aws_elasticache_replication_group.redis.id
  availability_zone    = "us-east-1b"
}

resource "aws_elasticache_serverless_cache" "serverless" {
  name                 = "tf-full-serverless"
  engine               = "valkey"
  major_engine_version = "8"
}

data "aws_elasticache_reserved_cache_node_offering" "offering" {
  cache_node_type     = "cache.r6g.large"
  duration            = "P1Y"
  offering_type       = "No Upfront"
  product_description = "redis"
}

resource "aws_elasticache_reserved_cache_node" "reserved" {
  reserved_cache_nodes_offering_id = data.aws_elasticache_reserved_cache_node_offering.offering.offering_id
  id                               = "tf-full-reserved"
}
`;
}

export const full: Scenario = {
  title: 'apply_immediately at its default: applies (with a read replica cluster in the logging group), plans clean, waits for the maintenance window to change the node type and upgrade 6.2 to 7.1 with its parameter group, destroys',
  async run(emulator, newWorkspace) {
    const port = await configurationPort();
    const ws = newWorkspace(configuration(emulator.url, port, 'cache.t3.micro'));
    await ws.expectCode(0, 'init');
    await ws.expectCode(0, 'apply', '-auto-approve');
    await ws.expectCode(0, 'plan', '-detailed-exitcode');

    // The change is sent without ApplyImmediately: AWS keeps it pending, so the plan still shows it.
    ws.write(configuration(emulator.url, port, 'cache.t3.small', true));
    await ws.expectCode(0, 'apply', '-auto-approve');
    await ws.expectCode(2, 'plan', '-detailed-exitcode');

    const now = Date.parse(((await (await fetch(`${emulator.url}/_elasticache-local/clock`)).json()) as { now: string }).now);
    const advance = maintenanceDueAt(WINDOW, now) - now + 60_000;
    expect((await fetch(`${emulator.url}/_elasticache-local/clock?advanceMs=${advance}`, { method: 'POST' })).status).toBe(200);
    // Waiting on the API, not on repeated plans: each plan costs several CPU-seconds of provider start-up.
    const client = new ElastiCacheClient({ endpoint: emulator.url, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 });
    try {
      let cluster: CacheCluster | undefined;
      for (let i = 0; i < 600; i++) {
        cluster = (await client.send(new DescribeCacheClustersCommand({ CacheClusterId: 'tf-full-single' }))).CacheClusters![0];
        if (cluster?.CacheClusterStatus === 'available' && cluster.CacheNodeType === 'cache.t3.small') break;
        await new Promise((res) => setTimeout(res, 100));
      }
      expect(cluster).toMatchObject({ CacheClusterStatus: 'available', CacheNodeType: 'cache.t3.small', PendingModifiedValues: {} });
      for (let i = 0; i < 600; i++) {
        cluster = (await client.send(new DescribeCacheClustersCommand({ CacheClusterId: 'tf-full-redis-001' }))).CacheClusters![0];
        if (cluster?.CacheClusterStatus === 'available' && cluster.EngineVersion === '7.1.0') break;
        await new Promise((res) => setTimeout(res, 100));
      }
      expect(cluster).toMatchObject({ EngineVersion: '7.1.0', CacheParameterGroup: { CacheParameterGroupName: 'default.redis7' }, PendingModifiedValues: {} });
    } finally {
      client.destroy();
    }
    await ws.expectCode(0, 'plan', '-detailed-exitcode');

    await ws.expectCode(0, 'destroy', '-auto-approve');
  },
};
