import { Redis } from 'ioredis';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/index.ts';
import { hasTool, startEmulator } from '../support/emulator.ts';
import { run } from '../support/exec.ts';

const haveAws = hasTool('aws');
const haveRedisCli = hasTool('redis-cli');
let emulator: Emulator;
let home: string;

function env(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    HOME: home,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_CONFIG_FILE: path.join(home, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'credentials'),
  };
}

async function aws(...args: string[]) {
  const result = await run('aws', ['elasticache', ...args, '--endpoint-url', emulator.url, '--output', 'json'], { env: env() });
  return result;
}

beforeAll(async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'ecl-aws-'));
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator?.stop();
  fs.rmSync(home, { recursive: true, force: true });
});

describe.skipIf(!haveAws)('the aws CLI', () => {
  it("runs the seed's two commands verbatim, waits, and reaches the TLS primary endpoint", async () => {
    let r = await aws(
      'create-cache-subnet-group',
      '--cache-subnet-group-name', 'my-cache-subnets',
      '--cache-subnet-group-description', 'Private subnets for cache',
      '--subnet-ids', 'subnet-priv-1a', 'subnet-priv-1b',
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).CacheSubnetGroup.Subnets).toHaveLength(2);

    r = await aws(
      'create-replication-group',
      '--replication-group-id', 'prod-redis',
      '--replication-group-description', 'Production Redis',
      '--engine', 'redis',
      '--engine-version', '7.0',
      '--cache-node-type', 'cache.r6g.large',
      '--num-cache-clusters', '3',
      '--multi-az-enabled',
      '--automatic-failover-enabled',
      '--cache-subnet-group-name', 'my-cache-subnets',
      '--security-group-ids', 'sg-cache',
      '--at-rest-encryption-enabled',
      '--transit-encryption-enabled',
      '--snapshot-retention-limit', '7',
      '--snapshot-window', '03:00-05:00',
    );
    expect(r.code, r.stderr).toBe(0);
    const created = JSON.parse(r.stdout).ReplicationGroup;
    expect(created.Status).toBe('creating');
    expect(created.MemberClusters).toEqual(['prod-redis-001', 'prod-redis-002', 'prod-redis-003']);

    r = await aws('wait', 'replication-group-available', '--replication-group-id', 'prod-redis');
    expect(r.code, r.stderr).toBe(0);

    r = await aws('describe-replication-groups', '--replication-group-id', 'prod-redis');
    expect(r.code, r.stderr).toBe(0);
    const group = JSON.parse(r.stdout).ReplicationGroups[0];
    expect(group).toMatchObject({
      Status: 'available',
      AutomaticFailover: 'enabled',
      MultiAZ: 'enabled',
      TransitEncryptionEnabled: true,
      AtRestEncryptionEnabled: true,
      SnapshotRetentionLimit: 7,
      SnapshotWindow: '03:00-05:00',
      CacheNodeType: 'cache.r6g.large',
      ClusterEnabled: false,
    });
    const primary = group.NodeGroups[0].PrimaryEndpoint;

    const redis = new Redis({
      host: primary.Address,
      port: primary.Port,
      tls: { ca: fs.readFileSync(emulator.caPath), servername: primary.Address },
      lazyConnect: true,
    });
    await redis.connect();
    expect(await redis.set('greeting', 'hello')).toBe('OK');
    expect(await redis.get('greeting')).toBe('hello');
    redis.disconnect();

    if (haveRedisCli) {
      const cli = await run('redis-cli', ['--tls', '--cacert', emulator.caPath, '-h', primary.Address, '-p', String(primary.Port), 'GET', 'greeting']);
      expect(cli.stdout.trim(), cli.stderr).toBe('hello');
    }

    r = await aws('delete-replication-group', '--replication-group-id', 'prod-redis');
    expect(r.code, r.stderr).toBe(0);
    r = await aws('wait', 'replication-group-deleted', '--replication-group-id', 'prod-redis');
    expect(r.code, r.stderr).toBe(0);
  }, 120_000);

  it('prints AWS errors as the CLI formats them', async () => {
    const r = await aws('describe-cache-clusters', '--cache-cluster-id', 'missing');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('An error occurred (CacheClusterNotFound) when calling the DescribeCacheClusters operation');
  });
});
