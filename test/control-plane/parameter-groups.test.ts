import {
  CreateCacheClusterCommand,
  CreateCacheParameterGroupCommand,
  DeleteCacheParameterGroupCommand,
  DescribeCacheClustersCommand,
  DescribeCacheParameterGroupsCommand,
  DescribeCacheParametersCommand,
  DescribeEngineDefaultParametersCommand,
  ModifyCacheParameterGroupCommand,
  RebootCacheClusterCommand,
  ResetCacheParameterGroupCommand,
  waitUntilCacheClusterAvailable,
} from '@aws-sdk/client-elasticache';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { FAST_WAIT, sdkClient, emulatorForTests } from '../support/emulator.ts';

const { emulator } = emulatorForTests();

async function infoField(port: number, field: string): Promise<string | undefined> {
  const redis = new Redis({ port, lazyConnect: true });
  await redis.connect();
  const info = await redis.info();
  redis.disconnect();
  return new RegExp(`^${field}:(.*)\\r?$`, 'm').exec(info)?.[1]?.trim();
}

describe('cache parameter groups', () => {
  it('lists the default groups and their engine defaults', async () => {
    const client = sdkClient(emulator);
    const groups = (await client.send(new DescribeCacheParameterGroupsCommand({}))).CacheParameterGroups!.map((g) => g.CacheParameterGroupName);
    expect(groups).toEqual(expect.arrayContaining(['default.redis7', 'default.redis7.cluster.on', 'default.memcached1.6']));
    const defaults = await client.send(new DescribeEngineDefaultParametersCommand({ CacheParameterGroupFamily: 'redis7' }));
    const policy = defaults.EngineDefaults!.Parameters!.find((p) => p.ParameterName === 'maxmemory-policy')!;
    expect(policy).toMatchObject({ ParameterValue: 'volatile-lru', IsModifiable: true, ChangeType: 'immediate', DataType: 'string' });
    client.destroy();
  });

  it('creates, modifies a group whose value reaches running nodes, resets and deletes it', async () => {
    const client = sdkClient(emulator);
    await client.send(new CreateCacheParameterGroupCommand({ CacheParameterGroupName: 'tuned', CacheParameterGroupFamily: 'redis7', Description: 'lru everywhere' }));
    await expect(
      client.send(new CreateCacheParameterGroupCommand({ CacheParameterGroupName: 'tuned', CacheParameterGroupFamily: 'redis7', Description: 'again' })),
    ).rejects.toMatchObject({ name: 'CacheParameterGroupAlreadyExistsFault' });
    await client.send(
      new ModifyCacheParameterGroupCommand({ CacheParameterGroupName: 'tuned', ParameterNameValues: [{ ParameterName: 'maxmemory-policy', ParameterValue: 'allkeys-lru' }] }),
    );
    await client.send(new CreateCacheClusterCommand({ CacheClusterId: 'tuned-node', Engine: 'redis', CacheNodeType: 'cache.t3.micro', CacheParameterGroupName: 'tuned' }));
    await waitUntilCacheClusterAvailable({ client, ...FAST_WAIT }, { CacheClusterId: 'tuned-node' });
    const describe = async () =>
      (await client.send(new DescribeCacheClustersCommand({ CacheClusterId: 'tuned-node', ShowCacheNodeInfo: true }))).CacheClusters![0]!;
    let cluster = await describe();
    expect(cluster.CacheParameterGroup).toMatchObject({ CacheParameterGroupName: 'tuned', ParameterApplyStatus: 'in-sync' });
    const port = cluster.CacheNodes![0]!.Endpoint!.Port!;
    expect(await infoField(port, 'maxmemory_policy')).toBe('allkeys-lru');

    // An immediate parameter reaches the running node at once.
    await client.send(
      new ModifyCacheParameterGroupCommand({ CacheParameterGroupName: 'tuned', ParameterNameValues: [{ ParameterName: 'maxmemory-policy', ParameterValue: 'allkeys-lfu' }] }),
    );
    expect(await infoField(port, 'maxmemory_policy')).toBe('allkeys-lfu');

    // A reboot-only parameter leaves the cluster pending-reboot until its nodes reboot.
    await client.send(
      new ModifyCacheParameterGroupCommand({ CacheParameterGroupName: 'tuned', ParameterNameValues: [{ ParameterName: 'databases', ParameterValue: '32' }] }),
    );
    cluster = await describe();
    expect(cluster.CacheParameterGroup).toMatchObject({ ParameterApplyStatus: 'pending-reboot', CacheNodeIdsToReboot: ['0001'] });
    await client.send(new RebootCacheClusterCommand({ CacheClusterId: 'tuned-node', CacheNodeIdsToReboot: ['0001'] }));
    await waitUntilCacheClusterAvailable({ client, ...FAST_WAIT }, { CacheClusterId: 'tuned-node' });
    expect((await describe()).CacheParameterGroup!.ParameterApplyStatus).toBe('in-sync');

    const user = await client.send(new DescribeCacheParametersCommand({ CacheParameterGroupName: 'tuned', Source: 'user' }));
    expect(user.Parameters!.map((p) => [p.ParameterName, p.ParameterValue])).toEqual([
      ['databases', '32'],
      ['maxmemory-policy', 'allkeys-lfu'],
    ]);
    await client.send(new ResetCacheParameterGroupCommand({ CacheParameterGroupName: 'tuned', ResetAllParameters: true }));
    expect((await client.send(new DescribeCacheParametersCommand({ CacheParameterGroupName: 'tuned', Source: 'user' }))).Parameters).toEqual([]);
    expect(await infoField(port, 'maxmemory_policy')).toBe('volatile-lru');

    await expect(client.send(new DeleteCacheParameterGroupCommand({ CacheParameterGroupName: 'tuned' }))).rejects.toMatchObject({
      name: 'InvalidCacheParameterGroupStateFault',
    });
    client.destroy();
  });

  it('refuses what AWS refuses', async () => {
    const client = sdkClient(emulator);
    await expect(
      client.send(new ModifyCacheParameterGroupCommand({ CacheParameterGroupName: 'default.redis7', ParameterNameValues: [{ ParameterName: 'timeout', ParameterValue: '5' }] })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    await client.send(new CreateCacheParameterGroupCommand({ CacheParameterGroupName: 'strict', CacheParameterGroupFamily: 'redis7', Description: 'd' }));
    for (const [name, value] of [['maxmemory-policy', 'most-recent'], ['timeout', 'soon'], ['no-such-parameter', '1'], ['maxclients', '10']]) {
      await expect(
        client.send(new ModifyCacheParameterGroupCommand({ CacheParameterGroupName: 'strict', ParameterNameValues: [{ ParameterName: name, ParameterValue: value }] })),
      ).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    }
    await expect(
      client.send(new CreateCacheParameterGroupCommand({ CacheParameterGroupName: 'odd', CacheParameterGroupFamily: 'redis99', Description: 'd' })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    await expect(
      client.send(new CreateCacheClusterCommand({ CacheClusterId: 'mismatch', Engine: 'memcached', CacheNodeType: 'cache.t3.micro', NumCacheNodes: 1, CacheParameterGroupName: 'strict' })),
    ).rejects.toMatchObject({ name: 'InvalidParameterCombinationException' });
    await expect(
      client.send(new CreateCacheClusterCommand({ CacheClusterId: 'nogroup', Engine: 'redis', CacheNodeType: 'cache.t3.micro', CacheParameterGroupName: 'missing' })),
    ).rejects.toMatchObject({ name: 'CacheParameterGroupNotFoundFault' });
    await client.send(new DeleteCacheParameterGroupCommand({ CacheParameterGroupName: 'strict' }));
    await expect(client.send(new DescribeCacheParametersCommand({ CacheParameterGroupName: 'strict' }))).rejects.toMatchObject({
      name: 'CacheParameterGroupNotFoundFault',
    });
    client.destroy();
  });
});
