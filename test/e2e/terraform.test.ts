import { Redis } from 'ioredis';
import fs from 'node:fs';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/index.ts';
import { startEmulator } from '../support/emulator.ts';
import { freePort } from '../support/net.ts';
import { haveTerraform, providerBlock, terraform, workspace } from '../support/terraform.ts';

let emulator: Emulator;
let dir: string;
let redisPort: number;

function configuration(url: string, redisPort: number): string {
  return `${providerBlock(url)}
resource "aws_elasticache_subnet_group" "cache" {
  name       = "tf-subnets"
  subnet_ids = ["subnet-tf-1a", "subnet-tf-1b"]
}

resource "aws_elasticache_parameter_group" "tuned" {
  name   = "tf-tuned"
  family = "redis7"
  parameter {
    name  = "maxmemory-policy"
    value = "allkeys-lru"
  }
}

resource "aws_elasticache_user" "app" {
  user_id       = "tf-app"
  user_name     = "app"
  access_string = "on ~app:* -@all +@read +@write"
  engine        = "REDIS"
  passwords     = ["a-password-of-16-chars-or-more"]
}

resource "aws_elasticache_user_group" "app" {
  user_group_id = "tf-app-users"
  engine        = "REDIS"
  user_ids      = ["default", aws_elasticache_user.app.user_id]
}

resource "aws_elasticache_replication_group" "redis" {
  replication_group_id       = "tf-redis"
  description                = "terraform redis"
  engine                     = "redis"
  engine_version             = "7.1"
  node_type                  = "cache.t3.micro"
  num_cache_clusters         = 2
  automatic_failover_enabled = true
  # Locally every endpoint has its own port; naming it keeps the provider's plan stable (see README).
  port                       = ${redisPort}
  subnet_group_name          = aws_elasticache_subnet_group.cache.name
  parameter_group_name       = aws_elasticache_parameter_group.tuned.name
  tags = { env = "test" }
}

resource "aws_elasticache_cluster" "memcached" {
  cluster_id        = "tf-memcached"
  engine            = "memcached"
  node_type         = "cache.t3.micro"
  num_cache_nodes   = 2
  subnet_group_name = aws_elasticache_subnet_group.cache.name
}

output "primary_endpoint" { value = aws_elasticache_replication_group.redis.primary_endpoint_address }
output "redis_port" { value = aws_elasticache_replication_group.redis.port }
output "memcached_nodes" { value = [for n in aws_elasticache_cluster.memcached.cache_nodes : n.port] }
`;
}

async function tf(...args: string[]) {
  return terraform(dir, ...args);
}

beforeAll(async () => {
  emulator = await startEmulator();
  redisPort = await freePort();
  dir = workspace('ecl-tf-', configuration(emulator.url, redisPort));
});
afterAll(async () => {
  await emulator?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!haveTerraform)('Terraform hashicorp/aws', () => {
  it('applies a subnet group, a parameter group, a user and user group, a 2-node replication group and a 2-node memcached cluster, plans clean, destroys', async () => {
    let r = await tf('init', '-no-color');
    expect(r.code, r.stdout + r.stderr).toBe(0);

    r = await tf('apply', '-auto-approve', '-no-color');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const outputs = JSON.parse((await tf('output', '-json')).stdout) as Record<string, { value: unknown }>;
    const port = outputs.redis_port!.value as number;
    expect(port).toBe(redisPort);
    const redis = new Redis({ host: outputs.primary_endpoint!.value as string, port, lazyConnect: true });
    await redis.connect();
    expect(await redis.set('tf', 'works')).toBe('OK');
    expect(await redis.get('tf')).toBe('works');
    expect(await redis.info('memory')).toContain('maxmemory_policy:allkeys-lru');
    redis.disconnect();
    const memcachedPorts = outputs.memcached_nodes!.value as number[];
    expect(memcachedPorts).toHaveLength(2);
    for (const p of memcachedPorts) {
      const reply = await new Promise<string>((resolve, reject) => {
        const s = net.connect({ host: '127.0.0.1', port: p }, () => s.write('version\r\n'));
        s.once('data', (d) => {
          s.end();
          resolve(d.toString());
        });
        s.once('error', reject);
      });
      expect(reply).toMatch(/^VERSION /);
    }

    r = await tf('plan', '-detailed-exitcode', '-no-color');
    expect(r.code, r.stdout + r.stderr).toBe(0);

    r = await tf('destroy', '-auto-approve', '-no-color');
    expect(r.code, r.stdout + r.stderr).toBe(0);
  }, 600_000);
});
