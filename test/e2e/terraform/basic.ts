import { Redis } from 'ioredis';
import net from 'node:net';
import { expect } from 'vitest';
import { providerBlock } from '../../support/terraform.ts';
import { configurationPort, type Scenario } from './scenario.ts';

/** `port` undefined leaves it unset, as most configurations do. */
function configuration(url: string, port: number | undefined): string {
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
  ${port ? `port = ${port}` : ''}
  subnet_group_name          = aws_elasticache_subnet_group.cache.name
  parameter_group_name       = aws_elasticache_parameter_group.tuned.name
  tags = { env = "test" }
}

# A second group on the same port, unset or named alike: on AWS each endpoint has a name of its own on it; here
# it gets the port at another loopback address, so the provider, which reads the port back, plans no change.
resource "aws_elasticache_replication_group" "sessions" {
  replication_group_id = "tf-sessions"
  description          = "second group on the same port"
  engine               = "redis"
  node_type            = "cache.t3.micro"
  num_cache_clusters   = 1
  ${port ? `port = ${port}` : ''}
}

resource "aws_elasticache_cluster" "memcached" {
  cluster_id        = "tf-memcached"
  engine            = "memcached"
  node_type         = "cache.t3.micro"
  num_cache_nodes   = 2
  subnet_group_name = aws_elasticache_subnet_group.cache.name
}

output "primary_endpoint" { value = aws_elasticache_replication_group.redis.primary_endpoint_address }
output "sessions_endpoint" { value = aws_elasticache_replication_group.sessions.primary_endpoint_address }
${
  // Left unset, `port` is null in the state after apply and 6379 after the next refresh (the provider keeps the
  // planned null on apply, AWS or not): an output of it would show as a change in the next plan.
  port ? 'output "redis_port" { value = aws_elasticache_replication_group.redis.port }' : ''
}
output "memcached_nodes" { value = [for n in aws_elasticache_cluster.memcached.cache_nodes : n.port] }
`;
}

function memcachedVersion(port: number): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => s.write('version\r\n'));
    s.once('data', (d) => {
      s.end();
      resolve(d.toString());
    });
    s.once('error', reject);
  });
}

export const basic: Scenario = {
  redisDefaultPort: true,
  title: 'applies a subnet group, a parameter group, a user and user group, two replication groups on one port (not named) and a 2-node memcached cluster, plans clean, destroys',
  async run(emulator, newWorkspace) {
    // Without 6379 (a developer's own Redis holds it) the configuration names a port instead.
    const named = emulator.redisDefaultPort ? undefined : await configurationPort();
    const ws = newWorkspace(configuration(emulator.url, named));
    await ws.expectCode(0, 'init');
    await ws.expectCode(0, 'apply', '-auto-approve');

    const outputs = await ws.outputs();
    // Left unset, the endpoint is on 6379, as on AWS.
    const port = named ?? emulator.redisDefaultPort;
    if (named) expect(outputs.redis_port!.value).toBe(named);
    const redis = new Redis({ host: outputs.primary_endpoint!.value as string, port, lazyConnect: true });
    await redis.connect();
    expect(await redis.set('tf', 'works')).toBe('OK');
    expect(await redis.get('tf')).toBe('works');
    expect(await redis.info('memory')).toContain('maxmemory_policy:allkeys-lru');
    redis.disconnect();
    // The second group: the same port at its own address, its own data.
    const sessionsHost = outputs.sessions_endpoint!.value as string;
    if (process.platform === 'linux') expect(sessionsHost).not.toBe(outputs.primary_endpoint!.value);
    const sessions = new Redis({ host: sessionsHost, port, lazyConnect: true });
    await sessions.connect();
    expect(await sessions.get('tf')).toBeNull();
    expect(await sessions.info('memory')).toContain('maxmemory_policy:volatile-lru');
    sessions.disconnect();
    const memcachedPorts = outputs.memcached_nodes!.value as number[];
    expect(memcachedPorts).toHaveLength(2);
    for (const p of memcachedPorts) expect(await memcachedVersion(p)).toMatch(/^VERSION /);

    await ws.expectCode(0, 'plan', '-detailed-exitcode');
    await ws.expectCode(0, 'destroy', '-auto-approve');
  },
};
