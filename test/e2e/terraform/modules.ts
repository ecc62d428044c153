// The shapes the popular modules give their resources (terraform-aws-modules/elasticache's valkey-replication-group,
// memcached-cluster, redis-cluster and serverless-cache examples, cloudposse's elasticache-redis/-memcached), applied with
// apply_immediately and then changed as their users change them: a rotated AUTH token, a bigger node type and one more
// replica, transit encryption preferred -> required, an AUTH token added to a TLS group, Redis OSS -> Valkey on the
// same group with its AZs listed, one more Memcached node in another AZ, a data source per resource family, a user group
// of Valkey users, tags and windows. Every plan after an apply must be empty; destroy leaves the final snapshots asked for.
import { DescribeSnapshotsCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { Redis } from 'ioredis';
import { expect } from 'vitest';
import { CREDENTIALS } from '../../support/emulator.ts';
import { providerBlock } from '../../support/terraform.ts';
import { configurationPort, type Scenario } from './scenario.ts';

interface Ports {
  valkey: number;
  tls: number;
  tiered: number;
  azs: number;
  token: number;
  single: number;
  memcached: number;
}

const FIRST_TOKEN = 'FirstToken-0123456789abcdef';
const SECOND_TOKEN = 'SecondToken-0123456789abcdef';
const ADDED_TOKEN = 'AddedToken-0123456789abcdef';

function configuration(url: string, p: Ports, changed: boolean): string {
  const env = changed ? 'prod' : 'dev';
  return `${providerBlock(url)}
locals {
  tags = { Example = "ex-modules", Environment = "${env}" }
}

resource "aws_elasticache_subnet_group" "this" {
  name        = "ex-modules"
  description = "Ex-modules subnet group"
  subnet_ids  = ["subnet-mod-1a", "subnet-mod-1b", "subnet-mod-1c"]
  tags        = local.tags
}

# The module makes its parameter group replaceable before the group that uses it.
resource "aws_elasticache_parameter_group" "valkey" {
  name        = "ex-modules-valkey7"
  description = "Ex-modules parameter group"
  family      = "valkey7"
  parameter {
    name  = "latency-tracking"
    value = "${changed ? 'no' : 'yes'}"
  }
  tags = local.tags
  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_elasticache_replication_group" "valkey" {
  replication_group_id       = "ex-modules-valkey"
  description                = "Replication group"
  engine                     = "valkey"
  engine_version             = "7.2"
  node_type                  = "${changed ? 'cache.t4g.medium' : 'cache.t4g.small'}"
  num_cache_clusters         = ${changed ? 3 : 2}
  port                       = ${p.valkey}
  parameter_group_name       = aws_elasticache_parameter_group.valkey.id
  subnet_group_name          = aws_elasticache_subnet_group.this.name
  security_group_ids         = ["sg-0a1b2c3d4e5f60718"]
  at_rest_encryption_enabled = true
  transit_encryption_enabled = true
  auth_token                 = "${changed ? SECOND_TOKEN : FIRST_TOKEN}"
  auth_token_update_strategy = "ROTATE"
  maintenance_window         = "${changed ? 'mon:05:00-mon:09:00' : 'sun:05:00-sun:09:00'}"
  snapshot_window            = "01:00-02:00"
  snapshot_retention_limit   = ${changed ? 3 : 1}
  apply_immediately          = true
  auto_minor_version_upgrade = true
  automatic_failover_enabled = true
  multi_az_enabled           = true
  network_type               = "ipv4"
  ip_discovery               = "ipv4"
  final_snapshot_identifier  = "ex-modules-valkey-final"
  tags                       = local.tags
}

resource "aws_elasticache_replication_group" "tls" {
  replication_group_id       = "ex-modules-tls"
  description                = "transit encryption preferred, then required"
  engine                     = "redis"
  engine_version             = "7.1"
  node_type                  = "cache.t4g.micro"
  num_cache_clusters         = 1
  port                       = ${p.tls}
  transit_encryption_enabled = true
  transit_encryption_mode    = "${changed ? 'required' : 'preferred'}"
  apply_immediately          = true
}

# Cluster mode by cluster_mode (not a parameter group alone), data tiering on an r6gd node, dual stack with IPv6 discovery.
resource "aws_elasticache_replication_group" "tiered" {
  replication_group_id       = "ex-modules-tiered"
  description                = "cluster mode enabled"
  engine                     = "redis"
  engine_version             = "7.1"
  node_type                  = "cache.r6gd.xlarge"
  data_tiering_enabled       = true
  cluster_mode               = "enabled"
  parameter_group_name       = "default.redis7.cluster.on"
  num_node_groups            = ${changed ? 2 : 1}
  replicas_per_node_group    = 1
  automatic_failover_enabled = true
  multi_az_enabled           = true
  port                       = ${p.tiered}
  network_type               = "dual_stack"
  ip_discovery               = "ipv6"
  apply_immediately          = true
  log_delivery_configuration {
    destination      = "ex-modules-tiered-slow"
    destination_type = "cloudwatch-logs"
    log_format       = "json"
    log_type         = "slow-log"
  }
  tags = local.tags
}

# Its AZs listed, then one more replica in a third AZ and the engine moved from Redis OSS to Valkey in place.
resource "aws_elasticache_replication_group" "azs" {
  replication_group_id        = "ex-modules-azs"
  description                 = "preferred AZs"
  engine                      = "${changed ? 'valkey' : 'redis'}"
  engine_version              = "${changed ? '7.2' : '7.1'}"
  parameter_group_name        = "${changed ? 'default.valkey7' : 'default.redis7'}"
  node_type                   = "cache.t3.small"
  num_cache_clusters          = ${changed ? 3 : 2}
  preferred_cache_cluster_azs = ${changed ? '["us-east-1a", "us-east-1b", "us-east-1c"]' : '["us-east-1a", "us-east-1b"]'}
  automatic_failover_enabled  = true
  port                        = ${p.azs}
  apply_immediately           = true
}

# A TLS group without a token that gets one (ROTATE onto no token), and log delivery with it.
resource "aws_elasticache_replication_group" "token" {
  replication_group_id       = "ex-modules-token"
  description                = "AUTH token added later"
  node_type                  = "cache.t3.micro"
  num_cache_clusters         = 1
  port                       = ${p.token}
  transit_encryption_enabled = true
  apply_immediately          = true
  ${
    changed
      ? `auth_token                 = "${ADDED_TOKEN}"
  auth_token_update_strategy = "ROTATE"
  log_delivery_configuration {
    destination      = "ex-modules-token-engine"
    destination_type = "kinesis-firehose"
    log_format       = "text"
    log_type         = "engine-log"
  }`
      : ''
  }
}

resource "aws_elasticache_parameter_group" "memcached" {
  name        = "ex-modules-memcached1-6"
  description = "ElastiCache parameter group"
  family      = "memcached1.6"
  parameter {
    name  = "idle_timeout"
    value = 60
  }
  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_elasticache_cluster" "memcached" {
  cluster_id                   = "ex-modules-memcached"
  engine                       = "memcached"
  engine_version               = "${changed ? '1.6.22' : '1.6.17'}"
  node_type                    = "cache.t4g.small"
  num_cache_nodes              = ${changed ? 3 : 2}
  az_mode                      = "cross-az"
  preferred_availability_zones = ${changed ? '["us-east-1a", "us-east-1b", "us-east-1c"]' : '["us-east-1a", "us-east-1b"]'}
  port                         = ${p.memcached}
  parameter_group_name         = aws_elasticache_parameter_group.memcached.id
  subnet_group_name            = aws_elasticache_subnet_group.this.name
  maintenance_window           = "sun:05:00-sun:09:00"
  apply_immediately            = true
  transit_encryption_enabled   = true
  network_type                 = "ipv4"
  ip_discovery                 = "ipv4"
  tags                         = local.tags
}

resource "aws_elasticache_cluster" "single" {
  cluster_id                = "ex-modules-single"
  engine                    = "redis"
  engine_version            = "7.1"
  node_type                 = "cache.t4g.small"
  num_cache_nodes           = 1
  parameter_group_name      = "default.redis7"
  port                      = ${p.single}
  snapshot_retention_limit  = ${changed ? 3 : 1}
  snapshot_window           = "02:00-03:00"
  final_snapshot_identifier = "ex-modules-single-final"
  apply_immediately         = true
  availability_zone         = "us-east-1a"
  log_delivery_configuration {
    destination      = "ex-modules-single-engine"
    destination_type = "kinesis-firehose"
    log_format       = "text"
    log_type         = "engine-log"
  }
  tags = local.tags
}

# Valkey users (the engine given in lower and upper case, as configurations do) and their group.
resource "aws_elasticache_user" "default" {
  user_id              = "ex-modules-default"
  user_name            = "default"
  access_string        = "off -@all"
  engine               = "valkey"
  no_password_required = true
}

resource "aws_elasticache_user" "app" {
  user_id       = "ex-modules-app"
  user_name     = "app"
  access_string = "on ~app:* +@all"
  engine        = "VALKEY"
  authentication_mode {
    type      = "password"
    passwords = ["app-password-0123456789"]
  }
}

resource "aws_elasticache_user_group" "valkey" {
  user_group_id = "ex-modules-users"
  engine        = "valkey"
  user_ids      = ${changed ? '[aws_elasticache_user.default.user_id, aws_elasticache_user.app.user_id]' : '[aws_elasticache_user.default.user_id]'}
  tags          = local.tags
}

resource "aws_elasticache_serverless_cache" "this" {
  name                     = "ex-modules-serverless"
  engine                   = "valkey"
  major_engine_version     = "8"
  description              = "serverless"
  daily_snapshot_time      = "09:00"
  snapshot_retention_limit = ${changed ? 3 : 1}
  security_group_ids       = ["sg-0a1b2c3d4e5f60718"]
  subnet_ids               = ["subnet-mod-1a", "subnet-mod-1b"]
  cache_usage_limits {
    data_storage {
      maximum = 10
      unit    = "GB"
    }
    ecpu_per_second {
      maximum = 5000
    }
  }
  tags = local.tags
}

data "aws_elasticache_replication_group" "valkey" {
  replication_group_id = aws_elasticache_replication_group.valkey.id
}

data "aws_elasticache_cluster" "memcached" {
  cluster_id = aws_elasticache_cluster.memcached.id
}

data "aws_elasticache_subnet_group" "this" {
  name = aws_elasticache_subnet_group.this.name
}

data "aws_elasticache_user" "app" {
  user_id = aws_elasticache_user.app.user_id
}

data "aws_elasticache_reserved_cache_node_offering" "valkey" {
  cache_node_type     = "cache.t4g.small"
  duration            = "P1Y"
  offering_type       = "All Upfront"
  product_description = "valkey"
}

output "valkey_primary" { value = data.aws_elasticache_replication_group.valkey.primary_endpoint_address }
output "valkey_members" { value = data.aws_elasticache_replication_group.valkey.member_clusters }
output "valkey_node_type" { value = data.aws_elasticache_replication_group.valkey.node_type }
output "memcached_nodes" { value = length(data.aws_elasticache_cluster.memcached.cache_nodes) }
output "subnets" { value = data.aws_elasticache_subnet_group.this.subnet_ids }
output "offering" { value = data.aws_elasticache_reserved_cache_node_offering.valkey.offering_id }
output "tls_primary" { value = aws_elasticache_replication_group.tls.primary_endpoint_address }
`;
}

async function authenticates(host: string, port: number, ca: string, password: string): Promise<string> {
  const client = new Redis({ host, port, tls: { ca }, password, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await client.ping();
  } catch (err) {
    return (err as Error).message;
  } finally {
    client.disconnect();
  }
}

export const modules: Scenario = {
  title:
    "the popular modules' shapes (Valkey with TLS and a rotated AUTH token, transit preferred -> required, data tiering, preferred AZs and Redis OSS -> Valkey, Memcached cross-az, Valkey users, serverless, data sources): applies, plans clean, changes, plans clean, destroys with final snapshots",
  async run(emulator, newWorkspace) {
    const p: Ports = {
      valkey: await configurationPort(),
      tls: await configurationPort(),
      tiered: await configurationPort(),
      azs: await configurationPort(),
      token: await configurationPort(),
      single: await configurationPort(),
      memcached: await configurationPort(),
    };
    const ws = newWorkspace(configuration(emulator.url, p, false));
    await ws.expectCode(0, 'init');
    await ws.expectCode(0, 'apply', '-auto-approve');
    let outputs = await ws.outputs();
    expect(outputs.valkey_members!.value).toEqual(['ex-modules-valkey-001', 'ex-modules-valkey-002']);
    expect(outputs.memcached_nodes!.value).toBe(2);
    expect(outputs.subnets!.value).toEqual(['subnet-mod-1a', 'subnet-mod-1b', 'subnet-mod-1c']);
    expect(outputs.offering!.value).toMatch(/^[0-9a-f-]{36}$/);
    const ca = await (await fetch(`${emulator.url}/_elasticache-local/ca.pem`)).text();
    const valkeyHost = outputs.valkey_primary!.value as string;
    expect(await authenticates(valkeyHost, p.valkey, ca, FIRST_TOKEN)).toBe('PONG');
    await ws.expectCode(0, 'plan', '-detailed-exitcode');

    ws.write(configuration(emulator.url, p, true));
    await ws.expectCode(0, 'apply', '-auto-approve');
    outputs = await ws.outputs();
    expect(outputs.valkey_members!.value).toEqual(['ex-modules-valkey-001', 'ex-modules-valkey-002', 'ex-modules-valkey-003']);
    expect(outputs.valkey_node_type!.value).toBe('cache.t4g.medium');
    expect(outputs.memcached_nodes!.value).toBe(3);
    // ROTATE keeps the old token valid beside the new one.
    expect(await authenticates(valkeyHost, p.valkey, ca, SECOND_TOKEN)).toBe('PONG');
    expect(await authenticates(valkeyHost, p.valkey, ca, FIRST_TOKEN)).toBe('PONG');
    // Transit encryption required: a plaintext client is turned away.
    const plain = new Redis({ host: outputs.tls_primary!.value as string, port: p.tls, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2000 });
    plain.on('error', () => undefined);
    await expect(plain.connect().then(() => plain.ping())).rejects.toThrow();
    plain.disconnect();
    await ws.expectCode(0, 'plan', '-detailed-exitcode');

    await ws.expectCode(0, 'destroy', '-auto-approve');
    const client = new ElastiCacheClient({ endpoint: emulator.url, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 });
    try {
      const snapshots = (await client.send(new DescribeSnapshotsCommand({ SnapshotSource: 'user' }))).Snapshots!;
      expect(snapshots.map((s) => [s.SnapshotName, s.SnapshotSource, s.Engine]).sort()).toEqual([
        ['ex-modules-single-final', 'manual', 'redis'],
        ['ex-modules-valkey-final', 'manual', 'valkey'],
      ]);
    } finally {
      client.destroy();
    }
  },
};
