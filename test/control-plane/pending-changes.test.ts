// ApplyImmediately false keeps changes in PendingModifiedValues until the maintenance window on the
// emulator's clock (moved through /_elasticache-local/clock), or until a modify with ApplyImmediately.
import {
  CreateCacheClusterCommand,
  CreateCacheParameterGroupCommand,
  CreateReplicationGroupCommand,
  DescribeCacheClustersCommand,
  DescribeEventsCommand,
  DescribeReplicationGroupsCommand,
  ModifyCacheClusterCommand,
  ModifyCacheParameterGroupCommand,
  ModifyReplicationGroupCommand,
  RebootCacheClusterCommand,
  waitUntilCacheClusterAvailable,
  waitUntilReplicationGroupAvailable,
} from '@aws-sdk/client-elasticache';
import { describe, expect, it } from 'vitest';
import { maintenanceDueAt } from '../../src/lifecycle/maintenance.ts';
import { emulatorForTests, FAST_WAIT } from '../support/emulator.ts';

const { emulator, client } = emulatorForTests({ transitionDelayMs: 50 });

async function clockNow(): Promise<number> {
  const body = (await (await fetch(`${emulator.url}/_elasticache-local/clock`)).json()) as { now: string };
  return Date.parse(body.now);
}

/** Moves the emulator's clock just past the start of the next occurrence of a weekly window. */
async function moveIntoWindow(window: string): Promise<void> {
  const now = await clockNow();
  const due = maintenanceDueAt(window, now);
  const advance = Math.max(0, due - now) + 60_000;
  const res = await fetch(`${emulator.url}/_elasticache-local/clock?advanceMs=${advance}`, { method: 'POST' });
  expect(res.status).toBe(200);
}

async function cluster(id: string) {
  return (await client.send(new DescribeCacheClustersCommand({ CacheClusterId: id, ShowCacheNodeInfo: true }))).CacheClusters![0]!;
}

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const v = await read();
    if (ok(v)) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('condition never held');
}

describe('ApplyImmediately false on a cache cluster', () => {
  it('keeps a node count change pending until the maintenance window, then applies it', async () => {
    await client.send(
      new CreateCacheClusterCommand({
        CacheClusterId: 'mc-pending',
        Engine: 'memcached',
        CacheNodeType: 'cache.t3.micro',
        NumCacheNodes: 1,
        PreferredMaintenanceWindow: 'wed:03:00-wed:04:00',
      }),
    );
    await waitUntilCacheClusterAvailable({ client, ...FAST_WAIT }, { CacheClusterId: 'mc-pending' });
    const modified = (await client.send(new ModifyCacheClusterCommand({ CacheClusterId: 'mc-pending', NumCacheNodes: 3 }))).CacheCluster!;
    expect(modified.NumCacheNodes).toBe(1);
    expect(modified.PendingModifiedValues).toEqual({ NumCacheNodes: 3 });
    const described = await cluster('mc-pending');
    expect(described.CacheClusterStatus).toBe('available');
    expect(described.CacheNodes).toHaveLength(1);
    expect(described.PendingModifiedValues?.NumCacheNodes).toBe(3);

    await moveIntoWindow('wed:03:00-wed:04:00');
    const applied = await until(() => cluster('mc-pending'), (c) => c.CacheClusterStatus === 'available' && c.CacheNodes?.length === 3);
    expect(applied.NumCacheNodes).toBe(3);
    expect(applied.PendingModifiedValues).toEqual({});
    const events = (await client.send(new DescribeEventsCommand({ SourceIdentifier: 'mc-pending', SourceType: 'cache-cluster' }))).Events!;
    expect(events.map((e) => e.Message)).toContain('Pending modifications applied in the maintenance window');
  });

  it('applies earlier pending changes with a later ApplyImmediately modify', async () => {
    await client.send(new ModifyCacheClusterCommand({ CacheClusterId: 'mc-pending', NumCacheNodes: 4 }));
    expect((await cluster('mc-pending')).PendingModifiedValues?.NumCacheNodes).toBe(4);
    const now = await client.send(new ModifyCacheClusterCommand({ CacheClusterId: 'mc-pending', SnapshotRetentionLimit: 0, AutoMinorVersionUpgrade: false, ApplyImmediately: true }));
    expect(now.CacheCluster!.PendingModifiedValues).toEqual({});
    const applied = await until(() => cluster('mc-pending'), (c) => c.CacheClusterStatus === 'available' && c.CacheNodes?.length === 4);
    expect(applied.AutoMinorVersionUpgrade).toBe(false);
  });

  it('keeps a major upgrade and the new family\'s parameter group pending together; a group of the running family applies now', async () => {
    await client.send(new CreateCacheParameterGroupCommand({ CacheParameterGroupName: 'pc-six', CacheParameterGroupFamily: 'redis6.x', Description: '6' }));
    await client.send(new CreateCacheParameterGroupCommand({ CacheParameterGroupName: 'pc-seven', CacheParameterGroupFamily: 'redis7', Description: '7' }));
    await client.send(
      new CreateCacheClusterCommand({
        CacheClusterId: 'pc-upgrade',
        Engine: 'redis',
        EngineVersion: '6.2',
        CacheNodeType: 'cache.t3.micro',
        PreferredMaintenanceWindow: 'thu:03:00-thu:04:00',
      }),
    );
    await waitUntilCacheClusterAvailable({ client, ...FAST_WAIT }, { CacheClusterId: 'pc-upgrade' });
    await client.send(new ModifyCacheClusterCommand({ CacheClusterId: 'pc-upgrade', EngineVersion: '7.1', CacheParameterGroupName: 'pc-seven' }));
    const pending = await cluster('pc-upgrade');
    expect(pending.EngineVersion).toBe('6.2.6');
    expect(pending.CacheParameterGroup?.CacheParameterGroupName).toBe('default.redis6.x');
    expect(pending.PendingModifiedValues).toEqual({ EngineVersion: '7.1.0' });
    await client.send(new ModifyCacheClusterCommand({ CacheClusterId: 'pc-upgrade', CacheParameterGroupName: 'pc-six' }));
    expect((await cluster('pc-upgrade')).CacheParameterGroup?.CacheParameterGroupName).toBe('pc-six');

    await moveIntoWindow('thu:03:00-thu:04:00');
    const applied = await until(() => cluster('pc-upgrade'), (c) => c.CacheClusterStatus === 'available' && c.EngineVersion === '7.1.0');
    expect(applied.CacheParameterGroup?.CacheParameterGroupName).toBe('pc-seven');
    expect(applied.PendingModifiedValues).toEqual({});
  });

  it('refuses a modify that changes nothing', async () => {
    await expect(client.send(new ModifyCacheClusterCommand({ CacheClusterId: 'mc-pending' }))).rejects.toMatchObject({
      name: 'InvalidParameterCombinationException',
      message: 'No modifications were requested.',
    });
    await expect(client.send(new ModifyCacheClusterCommand({ CacheClusterId: 'mc-pending', NumCacheNodes: 4, ApplyImmediately: true }))).rejects.toMatchObject({
      name: 'InvalidParameterCombinationException',
    });
  });

  it('takes a version written otherwise than the current one (6.x to 6.2, as the aws provider sends it) and changes nothing', async () => {
    await client.send(new CreateCacheClusterCommand({ CacheClusterId: 'v6x', Engine: 'redis', EngineVersion: '6.x', CacheNodeType: 'cache.t3.micro' }));
    await waitUntilCacheClusterAvailable({ client, ...FAST_WAIT }, { CacheClusterId: 'v6x' });
    const actual = (await cluster('v6x')).EngineVersion!;
    expect(actual).toMatch(/^6\.2\.\d+$/);
    const modified = (await client.send(new ModifyCacheClusterCommand({ CacheClusterId: 'v6x', EngineVersion: '6.2', ApplyImmediately: true }))).CacheCluster!;
    expect(modified.EngineVersion).toBe(actual);
    await waitUntilCacheClusterAvailable({ client, ...FAST_WAIT }, { CacheClusterId: 'v6x' });
    expect(await cluster('v6x')).toMatchObject({ EngineVersion: actual, PendingModifiedValues: {} });
    await expect(client.send(new ModifyCacheClusterCommand({ CacheClusterId: 'v6x', EngineVersion: actual, ApplyImmediately: true }))).rejects.toMatchObject({
      message: 'No modifications were requested.',
    });
  });

  it('checks the whole request before changing anything', async () => {
    await expect(
      client.send(new ModifyCacheClusterCommand({ CacheClusterId: 'mc-pending', PreferredMaintenanceWindow: 'mon:01:00-mon:02:00', NumCacheNodes: 99 })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    const c = await cluster('mc-pending');
    expect(c.PreferredMaintenanceWindow).toBe('wed:03:00-wed:04:00');
    expect(c.PendingModifiedValues).toEqual({});
    await expect(
      client.send(new ModifyCacheClusterCommand({ CacheClusterId: 'mc-pending', NumCacheNodes: 6, NewAvailabilityZones: ['eu-west-1a', 'eu-west-1a'] })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    await expect(
      client.send(new ModifyCacheClusterCommand({ CacheClusterId: 'mc-pending', NumCacheNodes: 6, NewAvailabilityZones: ['us-east-1a'] })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
  });
});

describe('ApplyImmediately false on a replication group', () => {
  it('shows a node type and engine upgrade on the members until the window', async () => {
    await client.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: 'rg-pending',
        ReplicationGroupDescription: 'pending',
        Engine: 'redis',
        EngineVersion: '6.2',
        CacheNodeType: 'cache.t3.micro',
        NumCacheClusters: 2,
        PreferredMaintenanceWindow: 'fri:22:00-fri:23:00',
      }),
    );
    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'rg-pending' });
    const res = (
      // The new family's group in the same request, as the aws provider sends a major upgrade: it waits with it.
      await client.send(
        new ModifyReplicationGroupCommand({ ReplicationGroupId: 'rg-pending', CacheNodeType: 'cache.t3.small', EngineVersion: '7.1', CacheParameterGroupName: 'default.redis7' }),
      )
    ).ReplicationGroup!;
    expect(res.CacheNodeType).toBe('cache.t3.micro');
    const member = await cluster('rg-pending-001');
    expect(member.EngineVersion).toBe('6.2.6');
    expect(member.CacheParameterGroup?.CacheParameterGroupName).toBe('default.redis6.x');
    expect(member.PendingModifiedValues).toMatchObject({ CacheNodeType: 'cache.t3.small', EngineVersion: '7.1.0' });

    await moveIntoWindow('fri:22:00-fri:23:00');
    const applied = await until(
      async () => (await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'rg-pending' }))).ReplicationGroups![0]!,
      (g) => g.Status === 'available' && g.CacheNodeType === 'cache.t3.small',
    );
    expect(applied.PendingModifiedValues).toEqual({});
    const after = await cluster('rg-pending-001');
    expect(after.EngineVersion).toBe('7.1.0');
    expect(after.CacheParameterGroup?.CacheParameterGroupName).toBe('default.redis7');
    expect(after.PendingModifiedValues).toEqual({});
  });

  it('asks for ApplyImmediately to change log delivery, as AWS does, and applies it at once with it', async () => {
    const slowLog = { LogType: 'slow-log' as const, DestinationType: 'cloudwatch-logs' as const, DestinationDetails: { CloudWatchLogsDetails: { LogGroup: 'slow' } }, LogFormat: 'json' as const };
    await expect(
      client.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: 'rg-pending', LogDeliveryConfigurations: [{ ...slowLog, Enabled: true }] })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValueException', message: 'To modify the log delivery configuration, set the apply-immediately parameter to true.' });
    await until(
      async () => (await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'rg-pending' }))).ReplicationGroups![0]!,
      (g) => g.Status === 'available',
    );
    await expect(
      client.send(new ModifyCacheClusterCommand({ CacheClusterId: 'rg-pending-001', LogDeliveryConfigurations: [{ ...slowLog, Enabled: true }] })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValueException', message: 'To modify the log delivery configuration, set the apply-immediately parameter to true.' });
    const applied = (
      await client.send(new ModifyReplicationGroupCommand({
        ReplicationGroupId: 'rg-pending',
        ReplicationGroupDescription: 'now',
        LogDeliveryConfigurations: [{ ...slowLog, Enabled: true }],
        ApplyImmediately: true,
      }))
    ).ReplicationGroup!;
    expect(applied.PendingModifiedValues?.LogDeliveryConfigurations).toBeUndefined();
    expect(applied.LogDeliveryConfigurations).toEqual([{ ...slowLog, Status: 'active' }]);
  });

  it('refuses downgrades and a no-op, and upgrades redis to valkey', async () => {
    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'rg-pending' });
    await expect(
      client.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: 'rg-pending', EngineVersion: '6.2', ApplyImmediately: true })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    await expect(
      client.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: 'rg-pending', ReplicationGroupDescription: 'now', ApplyImmediately: true })),
    ).rejects.toMatchObject({ name: 'InvalidParameterCombinationException', message: 'No modifications were requested.' });
    const g = (
      await client.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: 'rg-pending', Engine: 'valkey', EngineVersion: '8.0', ApplyImmediately: true }))
    ).ReplicationGroup!;
    expect(g.Engine).toBe('valkey');
    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'rg-pending' });
    const member = await cluster('rg-pending-002');
    expect(member.Engine).toBe('valkey');
    expect(member.CacheParameterGroup?.CacheParameterGroupName).toBe('default.valkey8');
  });
});

describe('parameters applied on reboot', () => {
  it('leaves nodes pending-reboot until RebootCacheCluster', async () => {
    await client.send(new CreateCacheParameterGroupCommand({ CacheParameterGroupName: 'reboot-me', CacheParameterGroupFamily: 'redis7', Description: 'r' }));
    await client.send(
      new CreateCacheClusterCommand({ CacheClusterId: 'pr-reboot', Engine: 'redis', CacheNodeType: 'cache.t3.micro', CacheParameterGroupName: 'reboot-me' }),
    );
    await waitUntilCacheClusterAvailable({ client, ...FAST_WAIT }, { CacheClusterId: 'pr-reboot' });
    await client.send(
      new ModifyCacheParameterGroupCommand({ CacheParameterGroupName: 'reboot-me', ParameterNameValues: [{ ParameterName: 'databases', ParameterValue: '32' }] }),
    );
    const pending = await cluster('pr-reboot');
    expect(pending.CacheParameterGroup?.ParameterApplyStatus).toBe('pending-reboot');
    expect(pending.CacheNodes![0]!.ParameterGroupStatus).toBe('pending-reboot');
    await client.send(new RebootCacheClusterCommand({ CacheClusterId: 'pr-reboot', CacheNodeIdsToReboot: ['0001'] }));
    const after = await until(() => cluster('pr-reboot'), (c) => c.CacheClusterStatus === 'available');
    expect(after.CacheParameterGroup?.ParameterApplyStatus).toBe('in-sync');
    expect(after.CacheNodes![0]!.ParameterGroupStatus).toBe('in-sync');
  });
});
