import {
  CreateCacheClusterCommand,
  CreateReplicationGroupCommand,
  DescribeCacheClustersCommand,
  DescribeReplicationGroupsCommand,
  waitUntilCacheClusterAvailable,
  waitUntilReplicationGroupAvailable,
} from '@aws-sdk/client-elasticache';
import { Redis } from 'ioredis';
import fs from 'node:fs';
import tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { FAST_WAIT, sdkClient, emulatorForTests } from '../support/emulator.ts';

const { emulator } = emulatorForTests();

describe('transit encryption and AUTH tokens', () => {
  it('serves TLS with the emulator CA and requires the AUTH token on a Redis group', async () => {
    const client = sdkClient(emulator);
    await client.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: 'secure',
        ReplicationGroupDescription: 'tls + auth',
        Engine: 'redis',
        CacheNodeType: 'cache.t3.micro',
        NumCacheClusters: 2,
        TransitEncryptionEnabled: true,
        AuthToken: 'correct-horse-battery-staple',
      }),
    );
    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'secure' });
    const group = (await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'secure' }))).ReplicationGroups![0]!;
    expect(group.AuthTokenEnabled).toBe(true);
    expect(group.TransitEncryptionEnabled).toBe(true);
    expect(group.TransitEncryptionMode).toBe('required');
    const endpoint = group.NodeGroups![0]!.PrimaryEndpoint!;
    const ca = fs.readFileSync(emulator.caPath);

    const anonymous = await new Promise<string>((resolve, reject) => {
      const s = tls.connect({ host: endpoint.Address, port: endpoint.Port, ca }, () => s.write('GET x\r\n'));
      s.once('data', (d) => {
        s.end();
        resolve(d.toString());
      });
      s.once('error', reject);
    });
    expect(anonymous).toBe('-NOAUTH Authentication required.\r\n');

    const authed = new Redis({ host: endpoint.Address, port: endpoint.Port, tls: { ca }, password: 'correct-horse-battery-staple', lazyConnect: true });
    await authed.connect();
    expect(await authed.set('k', 'v')).toBe('OK');
    expect(await authed.get('k')).toBe('v');
    authed.disconnect();

    // A client that does not trust the CA is refused by its own TLS stack, as against AWS without the Amazon root.
    await expect(
      new Promise((resolve, reject) => {
        const s = tls.connect({ host: endpoint.Address, port: endpoint.Port }, () => resolve(s));
        s.once('error', reject);
      }),
    ).rejects.toThrow(/self-signed|unable to verify|certificate/i);
    client.destroy();
  });

  it('serves TLS on every node of a Memcached cluster with transit encryption', async () => {
    const client = sdkClient(emulator);
    await client.send(
      new CreateCacheClusterCommand({
        CacheClusterId: 'secure-mc',
        Engine: 'memcached',
        EngineVersion: '1.6.22',
        CacheNodeType: 'cache.t3.micro',
        NumCacheNodes: 1,
        TransitEncryptionEnabled: true,
      }),
    );
    await waitUntilCacheClusterAvailable({ client, ...FAST_WAIT }, { CacheClusterId: 'secure-mc' });
    const cluster = (await client.send(new DescribeCacheClustersCommand({ CacheClusterId: 'secure-mc', ShowCacheNodeInfo: true }))).CacheClusters![0]!;
    expect(cluster.TransitEncryptionEnabled).toBe(true);
    const reply = await new Promise<string>((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port: cluster.ConfigurationEndpoint!.Port!, ca: fs.readFileSync(emulator.caPath) }, () =>
        s.write('version\r\n'),
      );
      s.once('data', (d) => {
        s.end();
        resolve(d.toString());
      });
      s.once('error', reject);
    });
    expect(reply).toMatch(/^VERSION /);
    await expect(
      client.send(new CreateCacheClusterCommand({ CacheClusterId: 'old-mc', Engine: 'memcached', EngineVersion: '1.5.16', CacheNodeType: 'cache.t3.micro', NumCacheNodes: 1, TransitEncryptionEnabled: true })),
    ).rejects.toMatchObject({ name: 'InvalidParameterCombinationException' });
    client.destroy();
  });

  it('adds a replica to a group with CreateCacheCluster --replication-group-id', async () => {
    const client = sdkClient(emulator);
    await client.send(new CreateReplicationGroupCommand({ ReplicationGroupId: 'grow', ReplicationGroupDescription: 'g', Engine: 'redis', CacheNodeType: 'cache.t3.micro', NumCacheClusters: 1 }));
    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'grow' });
    await client.send(new CreateCacheClusterCommand({ CacheClusterId: 'grow-002', ReplicationGroupId: 'grow' }));
    let group = (await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'grow' }))).ReplicationGroups![0]!;
    expect(group.Status).toBe('modifying');
    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'grow' });
    group = (await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'grow' }))).ReplicationGroups![0]!;
    expect(group.MemberClusters).toEqual(['grow-001', 'grow-002']);
    const roles = group.NodeGroups![0]!.NodeGroupMembers!.map((m) => [m.CacheClusterId, m.CurrentRole]);
    expect(roles).toEqual([['grow-001', 'primary'], ['grow-002', 'replica']]);
    const replica = (await client.send(new DescribeCacheClustersCommand({ CacheClusterId: 'grow-002' }))).CacheClusters![0]!;
    expect(replica.CacheNodeType).toBe('cache.t3.micro');
    expect(replica.ReplicationGroupId).toBe('grow');
    client.destroy();
  });
});
