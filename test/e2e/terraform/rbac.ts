// RBAC: users (no_password_required, authentication_mode password and iam), a user group with its own default user,
// a user group association and a TLS replication group using the group apply, enforce on the node, plan clean and destroy.
import { Redis } from 'ioredis';
import { expect } from 'vitest';
import { providerBlock } from '../../support/terraform.ts';
import { configurationPort, type Scenario } from './scenario.ts';

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
  # The block form: the provider sends NoPasswordRequired=false beside it.
  authentication_mode {
    type      = "password"
    passwords = ["${APP_PASSWORD}"]
  }
}

resource "aws_elasticache_user" "iam" {
  user_id       = "tf-rbac-iam"
  user_name     = "tf-rbac-iam"
  access_string = "on ~* +@all"
  engine        = "REDIS"
  authentication_mode {
    type = "iam"
  }
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

export const rbac: Scenario = {
  title: 'RBAC: applies users, a user group, an association and a TLS replication group with user_group_ids; plans clean; destroys',
  async run(emulator, newWorkspace) {
    const redisPort = await configurationPort();
    const ws = newWorkspace(configuration(emulator.url, redisPort));
    await ws.expectCode(0, 'init');
    await ws.expectCode(0, 'apply', '-auto-approve');

    const ca = await (await fetch(`${emulator.url}/_elasticache-local/ca.pem`)).text();
    const host = (await ws.outputs()).primary_endpoint!.value as string;
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

    await ws.expectCode(0, 'plan', '-detailed-exitcode');
    await ws.expectCode(0, 'destroy', '-auto-approve');
  },
};
