// Terraform RBAC: users, a user group with its own default user, a user group association and a TLS
// replication group using the group apply, enforce on the node, plan clean and destroy.
import { Redis } from 'ioredis';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/index.ts';
import { startEmulator } from '../support/emulator.ts';
import { freePort } from '../support/net.ts';
import { haveTerraform, providerBlock, terraform, workspace } from '../support/terraform.ts';

let emulator: Emulator;
let dir: string;
let redisPort: number;

const APP_PASSWORD = 'tf-app-password-0123456789';

function configuration(url: string, port: number): string {
  return `${providerBlock(url)}
resource "aws_elasticache_user" "default" {
  user_id       = "tf-rbac-default"
  user_name     = "default"
  access_string = "off ~* +@all"
  engine        = "REDIS"
  no_password_required = true
}

resource "aws_elasticache_user" "app" {
  user_id       = "tf-rbac-app"
  user_name     = "app"
  access_string = "on ~app:* -@all +@read +@write"
  engine        = "REDIS"
  passwords     = ["${APP_PASSWORD}"]
}

resource "aws_elasticache_user_group" "users" {
  user_group_id = "tf-rbac-users"
  engine        = "REDIS"
  user_ids      = [aws_elasticache_user.default.user_id]
  # Members come from the association below, as the provider's documentation advises.
  lifecycle {
    ignore_changes = [user_ids]
  }
}

resource "aws_elasticache_user_group_association" "app" {
  user_group_id = aws_elasticache_user_group.users.user_group_id
  user_id       = aws_elasticache_user.app.user_id
}

resource "aws_elasticache_replication_group" "redis" {
  replication_group_id       = "tf-rbac-redis"
  description                = "terraform rbac"
  engine                     = "redis"
  engine_version             = "7.1"
  node_type                  = "cache.t3.micro"
  num_cache_clusters         = 2
  automatic_failover_enabled = true
  transit_encryption_enabled = true
  user_group_ids             = [aws_elasticache_user_group.users.user_group_id]
  port                       = ${port}
  depends_on                 = [aws_elasticache_user_group_association.app]
}

output "primary_endpoint" { value = aws_elasticache_replication_group.redis.primary_endpoint_address }
`;
}

beforeAll(async () => {
  emulator = await startEmulator();
  redisPort = await freePort();
  dir = workspace('ecl-tf-rbac-', configuration(emulator.url, redisPort));
});
afterAll(async () => {
  await emulator?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!haveTerraform)('Terraform RBAC', () => {
  it('applies users, a user group, an association and a TLS replication group with user_group_ids; plans clean; destroys', async () => {
    let r = await terraform(dir, 'init', '-no-color');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    r = await terraform(dir, 'apply', '-auto-approve', '-no-color');
    expect(r.code, r.stdout + r.stderr).toBe(0);

    const ca = fs.readFileSync(emulator.caPath);
    const host = (JSON.parse((await terraform(dir, 'output', '-json')).stdout) as Record<string, { value: string }>).primary_endpoint!.value;
    const anon = new Redis({ host, port: redisPort, tls: { ca }, protocol: 2, lazyConnect: true, enableReadyCheck: false, retryStrategy: () => null });
    anon.on('error', () => undefined);
    await anon.connect();
    await expect(anon.get('app:1')).rejects.toThrow('NOAUTH Authentication required.');
    anon.disconnect();
    const app = new Redis({ host, port: redisPort, tls: { ca }, username: 'app', password: APP_PASSWORD, lazyConnect: true });
    await app.connect();
    expect(await app.set('app:1', 'v')).toBe('OK');
    await expect(app.get('other')).rejects.toThrow('NOPERM this user has no permissions to access one of the keys used as arguments');
    await expect(app.call('ACL', 'WHOAMI')).rejects.toThrow("NOPERM this user has no permissions to run the 'acl|whoami' command");
    app.disconnect();

    r = await terraform(dir, 'plan', '-detailed-exitcode', '-no-color');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    r = await terraform(dir, 'destroy', '-auto-approve', '-no-color');
    expect(r.code, r.stdout + r.stderr).toBe(0);
  }, 600_000);
});
