// The parameter catalogue per family (names, types, ranges, modifiability, change types), value checks,
// cluster-enabled as AWS handles it, and the engine catalogue.
import {
  CreateCacheClusterCommand,
  CreateCacheParameterGroupCommand,
  CreateReplicationGroupCommand,
  DescribeCacheClustersCommand,
  DescribeCacheEngineVersionsCommand,
  DescribeCacheParametersCommand,
  DescribeEngineDefaultParametersCommand,
  ModifyCacheParameterGroupCommand,
  DescribeCacheParameterGroupsCommand,
  ModifyReplicationGroupCommand,
  type Parameter,
  waitUntilCacheClusterAvailable,
  waitUntilReplicationGroupAvailable,
} from '@aws-sdk/client-elasticache';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { emulatorForTests, FAST_WAIT } from '../support/emulator.ts';

const { client } = emulatorForTests({ transitionDelayMs: 50 });

async function defaults(family: string): Promise<Map<string, Parameter>> {
  const out = new Map<string, Parameter>();
  let marker: string | undefined;
  do {
    const page = (await client.send(new DescribeEngineDefaultParametersCommand({ CacheParameterGroupFamily: family, Marker: marker, MaxRecords: 100 }))).EngineDefaults!;
    for (const p of page.Parameters ?? []) out.set(p.ParameterName!, p);
    marker = page.Marker;
  } while (marker);
  return out;
}

async function setParameter(group: string, name: string, value: string) {
  return client.send(new ModifyCacheParameterGroupCommand({ CacheParameterGroupName: group, ParameterNameValues: [{ ParameterName: name, ParameterValue: value }] }));
}

describe('parameter catalogue per family', () => {
  it('lists each family its own parameters', async () => {
    const r32 = await defaults('redis3.2');
    expect(r32.has('hash-max-ziplist-entries')).toBe(true);
    expect(r32.has('list-max-ziplist-size')).toBe(true);
    expect(r32.has('list-max-ziplist-entries')).toBe(false);
    expect(r32.has('hash-max-listpack-entries')).toBe(false);
    expect(r32.has('lazyfree-lazy-eviction')).toBe(false);
    expect(r32.get('tcp-keepalive')?.ParameterValue).toBe('300');

    const r26 = await defaults('redis2.6');
    expect(r26.get('list-max-ziplist-entries')?.ParameterValue).toBe('512');
    expect(r26.has('notify-keyspace-events')).toBe(false);

    const r6 = await defaults('redis6.x');
    for (const name of ['hash-max-ziplist-entries', 'cluster-allow-reads-when-down', 'acllog-max-len', 'lazyfree-lazy-user-del', 'active-defrag-cycle-max', 'acl-pubsub-default']) {
      expect(r6.has(name), name).toBe(true);
    }
    expect(r6.get('acl-pubsub-default')).toMatchObject({ MinimumEngineVersion: '6.2.0', AllowedValues: 'resetchannels,allchannels' });

    const r7 = await defaults('redis7');
    expect(r7.has('hash-max-ziplist-entries')).toBe(false);
    expect(r7.get('cluster-allow-pubsubshard-when-down')).toMatchObject({ ParameterValue: 'yes', IsModifiable: true, ChangeType: 'immediate' });
    expect(r7.get('activerehashing')?.IsModifiable).toBe(false);
    expect(r7.get('databases')).toMatchObject({ ChangeType: 'requires-reboot', DataType: 'integer' });

    const v8 = await defaults('valkey8');
    expect(v8.get('repl-backlog-size')?.ParameterValue).toBe('10485760');
    expect(v8.get('commandlog-large-reply-max-len')).toMatchObject({ MinimumEngineVersion: '8.1.0', AllowedValues: '0-1024' });
    expect((await defaults('valkey7')).has('set-max-listpack-entries')).toBe(true);

    const m14 = await defaults('memcached1.4');
    expect(m14.get('hash_algorithm')).toMatchObject({ ParameterValue: 'jenkins', AllowedValues: 'jenkins,murmur3' });
    expect((await defaults('memcached1.5')).has('inline_ascii_resp')).toBe(true);
  });

  it('lists what the user guide documents for Valkey 8.0, 8.2 and 9.0, and for the Redis OSS changes around them', async () => {
    const v8 = await defaults('valkey8');
    expect(v8.get('extended-redis-compatibility')).toMatchObject({ ParameterValue: 'yes', DataType: 'boolean', AllowedValues: 'yes,no', IsModifiable: true, ChangeType: 'immediate' });
    for (const gone of ['lazyfree-lazy-eviction', 'lazyfree-lazy-expire', 'lazyfree-lazy-server-del', 'lazyfree-lazy-user-del', 'replica-lazy-flush']) {
      expect(v8.has(gone), gone).toBe(false);
    }
    // 8.2's parameters sit in the valkey8 family with their own minimum version: they do not apply to 8.1.
    expect(v8.get('search-fanout-target-mode')).toMatchObject({ ParameterValue: 'client', MinimumEngineVersion: '8.2.0', IsModifiable: true, ChangeType: 'immediate' });
    expect(v8.get('search-default-timeout-ms')).toMatchObject({ ParameterValue: '50000', AllowedValues: '1-60000', DataType: 'integer', MinimumEngineVersion: '8.2.0' });
    expect(v8.get('search-enable-partial-results')).toMatchObject({ ParameterValue: 'yes', DataType: 'boolean', MinimumEngineVersion: '8.2.0' });
    expect(v8.has('cluster-databases')).toBe(false);

    const v9 = await defaults('valkey9');
    expect(v9.get('cluster-databases')).toMatchObject({ ParameterValue: '0', AllowedValues: '1-10000', IsModifiable: false, MinimumEngineVersion: '9.0.0' });
    expect(v9.has('search-default-timeout-ms')).toBe(true);
    expect(v9.has('lazyfree-lazy-user-del')).toBe(false);
    expect((await defaults('valkey7')).get('lazyfree-lazy-user-del')?.ParameterValue).toBe('no');

    const r7 = await defaults('redis7');
    expect(r7.get('cluster-preferred-endpoint-type')).toMatchObject({ ParameterValue: 'tls-dynamic', AllowedValues: 'ip,tls-dynamic' });
    const r5 = await defaults('redis5.0');
    expect(r5.has('repl-timeout')).toBe(false);
    expect(r5.get('active-defrag-cycle-min')?.ParameterValue).toBe('5');
    expect(r5.get('replica-lazy-flush')).toMatchObject({ ParameterValue: 'yes', IsModifiable: false });
    expect((await defaults('redis4.0')).get('active-defrag-cycle-min')?.ParameterValue).toBe('25');
    expect((await defaults('redis6.x')).has('lua-replicate-commands')).toBe(false);

    await client.send(new CreateCacheParameterGroupCommand({ CacheParameterGroupName: 'search', CacheParameterGroupFamily: 'valkey8', Description: 's' }));
    await setParameter('search', 'search-fanout-target-mode', 'throughput');
    await setParameter('search', 'extended-redis-compatibility', 'no');
    await expect(setParameter('search', 'search-fanout-target-mode', 'random')).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    await expect(setParameter('search', 'search-default-timeout-ms', '60001')).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    await expect(setParameter('search', 'search-enable-partial-results', '1')).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    await expect(setParameter('search', 'lazyfree-lazy-eviction', 'yes')).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    await client.send(new CreateCacheParameterGroupCommand({ CacheParameterGroupName: 'nine', CacheParameterGroupFamily: 'valkey9', Description: 'n' }));
    await expect(setParameter('nine', 'cluster-databases', '16')).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    // Memcached booleans stay 0 or 1.
    await client.send(new CreateCacheParameterGroupCommand({ CacheParameterGroupName: 'mc-bool', CacheParameterGroupFamily: 'memcached1.6', Description: 'm' }));
    await setParameter('mc-bool', 'disable_flush_all', '1');
    await expect(setParameter('mc-bool', 'disable_flush_all', 'yes')).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
  });

  it('checks values: keyspace event letters, enums and ranges', async () => {
    await client.send(new CreateCacheParameterGroupCommand({ CacheParameterGroupName: 'values', CacheParameterGroupFamily: 'redis6.x', Description: 'v' }));
    await expect(setParameter('values', 'notify-keyspace-events', 'ZZZ')).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    await setParameter('values', 'notify-keyspace-events', 'KEA');
    await expect(setParameter('values', 'maxmemory-policy', 'sometimes')).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    await expect(setParameter('values', 'active-defrag-cycle-max', '76')).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    await setParameter('values', 'active-defrag-cycle-max', '70');
    await setParameter('values', 'hash-max-ziplist-entries', '256');
    await expect(setParameter('values', 'hash-max-listpack-entries', '256')).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    const user = (await client.send(new DescribeCacheParametersCommand({ CacheParameterGroupName: 'values', Source: 'user' }))).Parameters!;
    expect(user.map((p) => [p.ParameterName, p.ParameterValue])).toEqual(
      expect.arrayContaining([['notify-keyspace-events', 'KEA'], ['active-defrag-cycle-max', '70'], ['hash-max-ziplist-entries', '256']]),
    );
  });

  it('sets cluster-enabled in a custom group and keeps a group in its cluster mode', async () => {
    await client.send(new CreateCacheParameterGroupCommand({ CacheParameterGroupName: 'my-cluster-on', CacheParameterGroupFamily: 'redis7', Description: 'on' }));
    await setParameter('my-cluster-on', 'cluster-enabled', 'yes');
    const created = await client.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: 'via-param',
        ReplicationGroupDescription: 'cluster mode from the parameter group',
        CacheNodeType: 'cache.t3.micro',
        Engine: 'redis',
        CacheParameterGroupName: 'my-cluster-on',
        NumNodeGroups: 1,
        ReplicasPerNodeGroup: 1,
      }),
    );
    expect(created.ReplicationGroup?.ClusterEnabled).toBe(true);
    await expect(setParameter('my-cluster-on', 'cluster-enabled', 'no')).rejects.toMatchObject({ name: 'InvalidCacheParameterGroupStateFault' });

    await client.send(
      new CreateReplicationGroupCommand({ ReplicationGroupId: 'plain', ReplicationGroupDescription: 'disabled', CacheNodeType: 'cache.t3.micro', Engine: 'redis', NumCacheClusters: 1 }),
    );
    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'plain' });
    await expect(
      client.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: 'plain', CacheParameterGroupName: 'default.redis7.cluster.on', ApplyImmediately: true })),
    ).rejects.toMatchObject({ name: 'InvalidParameterCombinationException' });
    await expect(
      client.send(new CreateCacheClusterCommand({ CacheClusterId: 'alone', Engine: 'redis', CacheNodeType: 'cache.t3.micro', CacheParameterGroupName: 'default.redis7.cluster.on' })),
    ).rejects.toMatchObject({ name: 'InvalidParameterCombinationException' });
  });
});

describe('engine catalogue', () => {
  it('lists every Redis OSS and Valkey version with its family, and filters', async () => {
    const valkey = (await client.send(new DescribeCacheEngineVersionsCommand({ Engine: 'valkey' }))).CacheEngineVersions!;
    expect(valkey.map((v) => [v.EngineVersion, v.CacheParameterGroupFamily])).toEqual([
      ['7.2.6', 'valkey7'],
      ['8.0.1', 'valkey8'],
      ['8.1.0', 'valkey8'],
      ['8.2.0', 'valkey8'],
      ['9.0.0', 'valkey9'],
    ]);
    const redis = (await client.send(new DescribeCacheEngineVersionsCommand({ Engine: 'redis', MaxRecords: 100 }))).CacheEngineVersions!;
    expect(redis.map((v) => v.CacheParameterGroupFamily)).toEqual(expect.arrayContaining(['redis2.6', 'redis2.8', 'redis3.2', 'redis4.0', 'redis5.0', 'redis6.x', 'redis7']));
    const family = (await client.send(new DescribeCacheEngineVersionsCommand({ CacheParameterGroupFamily: 'redis5.0' }))).CacheEngineVersions!;
    expect(family.every((v) => v.EngineVersion!.startsWith('5.0'))).toBe(true);
    const one = (await client.send(new DescribeCacheEngineVersionsCommand({ Engine: 'valkey', EngineVersion: '8.1' }))).CacheEngineVersions!;
    expect(one.map((v) => v.EngineVersion)).toEqual(['8.1.0']);
    const defaultsOnly = (await client.send(new DescribeCacheEngineVersionsCommand({ DefaultOnly: true }))).CacheEngineVersions!;
    expect(defaultsOnly).toHaveLength(3);
  });

  it('has Valkey 9.0 with family valkey9: default groups in both cluster modes, nodes that answer as Valkey, upgrades from Redis OSS and no way back', async () => {
    for (const name of ['default.valkey9', 'default.valkey9.cluster.on']) {
      const g = (await client.send(new DescribeCacheParameterGroupsCommand({ CacheParameterGroupName: name }))).CacheParameterGroups!;
      expect(g[0]).toMatchObject({ CacheParameterGroupFamily: 'valkey9', IsGlobal: false });
    }
    expect((await defaults('valkey9')).get('commandlog-large-reply-max-len')).toMatchObject({ MinimumEngineVersion: '8.1.0' });

    const c = (await client.send(new CreateCacheClusterCommand({ CacheClusterId: 'valkey90', Engine: 'valkey', EngineVersion: '9.0', CacheNodeType: 'cache.t3.micro' }))).CacheCluster!;
    expect(c).toMatchObject({ EngineVersion: '9.0.0', CacheParameterGroup: { CacheParameterGroupName: 'default.valkey9' } });
    const up = await waitUntilCacheClusterAvailable({ client, ...FAST_WAIT }, { CacheClusterId: 'valkey90', ShowCacheNodeInfo: true });
    const endpoint = up.reason.CacheClusters![0]!.CacheNodes![0]!.Endpoint!;
    const redis = new Redis({ host: endpoint.Address, port: endpoint.Port, lazyConnect: true });
    try {
      await redis.connect();
      const info = await redis.info('server');
      expect(info).toContain('server_name:valkey');
      expect(info).toContain('valkey_version:9.0.0');
      expect(info).toContain('redis_version:7.2.4');
    } finally {
      redis.disconnect();
    }

    await client.send(new CreateReplicationGroupCommand({ ReplicationGroupId: 'to-valkey9', ReplicationGroupDescription: 'r', Engine: 'redis', EngineVersion: '7.1', CacheNodeType: 'cache.t3.micro', NumCacheClusters: 1 }));
    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'to-valkey9' });
    await client.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: 'to-valkey9', Engine: 'valkey', EngineVersion: '9.0', ApplyImmediately: true }));
    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'to-valkey9' });
    const member = (await client.send(new DescribeCacheClustersCommand({ CacheClusterId: 'to-valkey9-001' }))).CacheClusters![0]!;
    expect(member).toMatchObject({ Engine: 'valkey', EngineVersion: '9.0.0', CacheParameterGroup: { CacheParameterGroupName: 'default.valkey9' } });
    await expect(
      client.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: 'to-valkey9', EngineVersion: '8.2', ApplyImmediately: true })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    await expect(
      client.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: 'to-valkey9', Engine: 'redis', EngineVersion: '7.1', ApplyImmediately: true })),
    ).rejects.toMatchObject({ name: 'InvalidParameterCombinationException' });
  });

  it('creates a Valkey 8.1 cluster', async () => {
    const c = (await client.send(new CreateCacheClusterCommand({ CacheClusterId: 'valkey81', Engine: 'valkey', EngineVersion: '8.1', CacheNodeType: 'cache.t3.micro' }))).CacheCluster!;
    expect(c).toMatchObject({ Engine: 'valkey', EngineVersion: '8.1.0', CacheParameterGroup: { CacheParameterGroupName: 'default.valkey8' } });
  });
});
