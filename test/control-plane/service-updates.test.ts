import {
  BatchApplyUpdateActionCommand,
  BatchStopUpdateActionCommand,
  CreateCacheClusterCommand,
  CreateReplicationGroupCommand,
  DescribeEventsCommand,
  DescribeServiceUpdatesCommand,
  DescribeUpdateActionsCommand,
  waitUntilCacheClusterAvailable,
  waitUntilReplicationGroupAvailable,
  type UpdateAction,
} from '@aws-sdk/client-elasticache';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAST_WAIT, sdkClient, startEmulator, emulatorForTests } from '../support/emulator.ts';

// Each update step takes this long: long enough that BatchStop reliably finds an update still running.
const { client } = emulatorForTests({ transitionDelayMs: 600 });

beforeAll(async () => {
  await client.send(new CreateCacheClusterCommand({ CacheClusterId: 'su-redis', Engine: 'redis', EngineVersion: '7.1', CacheNodeType: 'cache.t3.micro' }));
  await client.send(new CreateCacheClusterCommand({ CacheClusterId: 'su-memcached', Engine: 'memcached', CacheNodeType: 'cache.t3.micro', NumCacheNodes: 2 }));
  await client.send(
    new CreateReplicationGroupCommand({ ReplicationGroupId: 'su-group', ReplicationGroupDescription: 'g', Engine: 'valkey', CacheNodeType: 'cache.t3.micro', NumCacheClusters: 2 }),
  );
  await waitUntilCacheClusterAvailable({ client, ...FAST_WAIT }, { CacheClusterId: 'su-redis' });
  await waitUntilCacheClusterAvailable({ client, ...FAST_WAIT }, { CacheClusterId: 'su-memcached' });
  await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'su-group' });
}, 120_000);

async function updates() {
  return (await client.send(new DescribeServiceUpdatesCommand({}))).ServiceUpdates!;
}

async function action(name: string, ids: { CacheClusterIds?: string[]; ReplicationGroupIds?: string[] }): Promise<UpdateAction> {
  const found = (await client.send(new DescribeUpdateActionsCommand({ ServiceUpdateName: name, ShowNodeLevelUpdateStatus: true, ...ids }))).UpdateActions!;
  expect(found).toHaveLength(1);
  return found[0]!;
}

async function until(name: string, ids: { CacheClusterIds?: string[]; ReplicationGroupIds?: string[] }, status: string): Promise<UpdateAction> {
  for (let i = 0; i < 300; i++) {
    const a = await action(name, ids);
    if (a.UpdateActionStatus === status) return a;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`update action of ${name} never became ${status}`);
}

describe('service updates', () => {
  it('publishes a catalogue in AWS shapes: newest first, available, expired and cancelled, filtered by status', async () => {
    const all = await updates();
    expect(all.length).toBeGreaterThanOrEqual(4);
    for (const u of all) {
      expect(u.ServiceUpdateName).toMatch(/^elc-\d{8}-\d{3}$/);
      expect(u.ServiceUpdateType).toBe('security-update');
      expect(['critical', 'important', 'medium', 'low']).toContain(u.ServiceUpdateSeverity);
      expect(u.ServiceUpdateRecommendedApplyByDate!.getTime()).toBeGreaterThan(u.ServiceUpdateReleaseDate!.getTime());
      expect(u.ServiceUpdateEndDate!.getTime()).toBeGreaterThan(u.ServiceUpdateRecommendedApplyByDate!.getTime());
      expect(u.EngineVersion).toMatch(/ and onwards/);
      expect(u.EstimatedUpdateTime).toMatch(/minutes per node$/);
    }
    const released = all.map((u) => u.ServiceUpdateReleaseDate!.getTime());
    expect(released).toEqual([...released].sort((a, b) => b - a));
    expect(new Set(all.map((u) => u.ServiceUpdateStatus))).toEqual(new Set(['available', 'expired', 'cancelled']));

    const available = (await client.send(new DescribeServiceUpdatesCommand({ ServiceUpdateStatus: ['available'] }))).ServiceUpdates!;
    expect(available.length).toBeGreaterThan(0);
    expect(available.every((u) => u.ServiceUpdateStatus === 'available')).toBe(true);
    const one = (await client.send(new DescribeServiceUpdatesCommand({ ServiceUpdateName: all[0]!.ServiceUpdateName }))).ServiceUpdates!;
    expect(one.map((u) => u.ServiceUpdateName)).toEqual([all[0]!.ServiceUpdateName]);
  });

  it('lists an update action per group or standalone cluster the update applies to, filtered as asked', async () => {
    const actions = (await client.send(new DescribeUpdateActionsCommand({}))).UpdateActions!;
    // Members of a group are updated through the group's action.
    expect(actions.some((a) => a.CacheClusterId?.startsWith('su-group'))).toBe(false);
    expect(actions.filter((a) => a.ReplicationGroupId === 'su-group').every((a) => a.Engine === 'valkey')).toBe(true);
    expect(actions.every((a) => a.UpdateActionStatus === 'not-applied')).toBe(true);

    const memcached = (await client.send(new DescribeUpdateActionsCommand({ Engine: 'memcached' }))).UpdateActions!;
    expect(memcached.length).toBeGreaterThan(0);
    expect(memcached.every((a) => a.CacheClusterId === 'su-memcached' && a.NodesUpdated === '0/2')).toBe(true);

    const group = (await client.send(new DescribeUpdateActionsCommand({ ReplicationGroupIds: ['su-group'], ShowNodeLevelUpdateStatus: true }))).UpdateActions!;
    expect(group.length).toBeGreaterThan(0);
    expect(group[0]!.NodeGroupUpdateStatus![0]!.NodeGroupMemberUpdateStatus!.map((m) => m.CacheClusterId)).toEqual(['su-group-001', 'su-group-002']);
    expect(group[0]!.NodeGroupUpdateStatus![0]!.NodeGroupMemberUpdateStatus!.every((m) => m.NodeUpdateStatus === 'not-applied')).toBe(true);
  });

  it('applies an update node by node to complete, with events and SlaMet against the recommended date', async () => {
    const overdue = (await updates()).find((u) => u.ServiceUpdateStatus === 'available' && u.ServiceUpdateRecommendedApplyByDate!.getTime() < Date.now() && u.Engine!.includes('redis'))!;
    const r = await client.send(new BatchApplyUpdateActionCommand({ ServiceUpdateName: overdue.ServiceUpdateName, CacheClusterIds: ['su-redis', 'no-such-cluster'] }));
    expect(r.ProcessedUpdateActions).toEqual([{ CacheClusterId: 'su-redis', ServiceUpdateName: overdue.ServiceUpdateName, UpdateActionStatus: 'waiting-to-start' }]);
    expect(r.UnprocessedUpdateActions).toEqual([
      { CacheClusterId: 'no-such-cluster', ServiceUpdateName: overdue.ServiceUpdateName, ErrorType: 'CacheClusterNotFoundFault', ErrorMessage: 'Cache cluster no-such-cluster not found.' },
    ]);
    const done = await until(overdue.ServiceUpdateName!, { CacheClusterIds: ['su-redis'] }, 'complete');
    expect(done.NodesUpdated).toBe('1/1');
    expect(done.SlaMet).toBe('no');
    expect(done.CacheNodeUpdateStatus).toEqual([expect.objectContaining({ CacheNodeId: '0001', NodeUpdateStatus: 'complete', NodeUpdateInitiatedBy: 'customer' })]);
    const events = (await client.send(new DescribeEventsCommand({ SourceType: 'cache-cluster', SourceIdentifier: 'su-redis' }))).Events!.map((e) => e.Message);
    expect(events).toContain(`Service update ${overdue.ServiceUpdateName} started`);
    expect(events).toContain(`Service update ${overdue.ServiceUpdateName} completed`);

    const again = await client.send(new BatchApplyUpdateActionCommand({ ServiceUpdateName: overdue.ServiceUpdateName, CacheClusterIds: ['su-redis'] }));
    expect(again.ProcessedUpdateActions).toEqual([]);
    expect(again.UnprocessedUpdateActions![0]!.ErrorType).toBe('InvalidParameterValue');
    const applied = (await client.send(new DescribeUpdateActionsCommand({ UpdateActionStatus: ['complete'] }))).UpdateActions!;
    expect(applied.map((a) => a.CacheClusterId)).toEqual(['su-redis']);
  });

  it('stops an update that is running, and applies it again later', async () => {
    const u = (await updates()).find((x) => x.ServiceUpdateStatus === 'available' && x.Engine!.includes('memcached'))!;
    const name = u.ServiceUpdateName!;
    await client.send(new BatchApplyUpdateActionCommand({ ServiceUpdateName: name, CacheClusterIds: ['su-memcached'] }));
    const stop = await client.send(new BatchStopUpdateActionCommand({ ServiceUpdateName: name, CacheClusterIds: ['su-memcached'] }));
    expect(stop.ProcessedUpdateActions).toEqual([{ CacheClusterId: 'su-memcached', ServiceUpdateName: name, UpdateActionStatus: 'stopping' }]);
    await until(name, { CacheClusterIds: ['su-memcached'] }, 'stopped');
    const notRunning = await client.send(new BatchStopUpdateActionCommand({ ServiceUpdateName: name, CacheClusterIds: ['su-memcached'] }));
    expect(notRunning.UnprocessedUpdateActions![0]!.ErrorType).toBe('InvalidParameterValue');

    await client.send(new BatchApplyUpdateActionCommand({ ServiceUpdateName: name, CacheClusterIds: ['su-memcached'] }));
    const done = await until(name, { CacheClusterIds: ['su-memcached'] }, 'complete');
    expect(done.NodesUpdated).toBe('2/2');
    expect(done.CacheNodeUpdateStatus!.map((n) => n.NodeUpdateStatus)).toEqual(['complete', 'complete']);
  });

  it('refuses what AWS refuses', async () => {
    const all = await updates();
    await expect(client.send(new BatchApplyUpdateActionCommand({ ServiceUpdateName: 'elc-20000101-001', CacheClusterIds: ['su-redis'] }))).rejects.toMatchObject({
      name: 'ServiceUpdateNotFoundFault',
    });
    const available = all.find((u) => u.ServiceUpdateStatus === 'available')!.ServiceUpdateName!;
    await expect(client.send(new BatchApplyUpdateActionCommand({ ServiceUpdateName: available }))).rejects.toMatchObject({ name: 'InvalidParameterCombinationException' });
    const many = Array.from({ length: 21 }, (_, i) => `c${i}`);
    await expect(client.send(new BatchApplyUpdateActionCommand({ ServiceUpdateName: available, CacheClusterIds: many }))).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    const memcachedOnly = all.find((u) => u.Engine === 'memcached')!.ServiceUpdateName!;
    const wrongEngine = await client.send(new BatchApplyUpdateActionCommand({ ServiceUpdateName: memcachedOnly, ReplicationGroupIds: ['su-group'] }));
    expect(wrongEngine.UnprocessedUpdateActions![0]).toMatchObject({ ReplicationGroupId: 'su-group', ErrorType: 'InvalidParameterValue' });
    const expired = all.find((u) => u.ServiceUpdateStatus === 'expired')!.ServiceUpdateName!;
    const late = await client.send(new BatchApplyUpdateActionCommand({ ServiceUpdateName: expired, CacheClusterIds: ['su-redis'] }));
    expect(late.UnprocessedUpdateActions![0]!.ErrorMessage).toContain('is expired');
  });
});

describe('service update progress across a restart', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecl-updates-'));
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('keeps a completed update complete and finishes one that was under way', async () => {
    let running = await startEmulator({ dataDir, transitionDelayMs: 300 });
    let c = sdkClient(running);
    try {
      for (const id of ['keep-done', 'keep-going']) {
        await c.send(new CreateCacheClusterCommand({ CacheClusterId: id, Engine: 'memcached', CacheNodeType: 'cache.t3.micro', NumCacheNodes: 3 }));
      }
      for (const id of ['keep-done', 'keep-going']) await waitUntilCacheClusterAvailable({ client: c, ...FAST_WAIT }, { CacheClusterId: id });
      const name = (await c.send(new DescribeServiceUpdatesCommand({}))).ServiceUpdates!.find(
        (u) => u.ServiceUpdateStatus === 'available' && u.Engine!.includes('memcached'),
      )!.ServiceUpdateName!;
      const status = async (id: string) =>
        (await c.send(new DescribeUpdateActionsCommand({ ServiceUpdateName: name, CacheClusterIds: [id] }))).UpdateActions![0]!;
      await c.send(new BatchApplyUpdateActionCommand({ ServiceUpdateName: name, CacheClusterIds: ['keep-done'] }));
      for (let i = 0; i < 300 && (await status('keep-done')).UpdateActionStatus !== 'complete'; i++) await new Promise((r) => setTimeout(r, 50));
      expect((await status('keep-done')).UpdateActionStatus).toBe('complete');
      await c.send(new BatchApplyUpdateActionCommand({ ServiceUpdateName: name, CacheClusterIds: ['keep-going'] }));
      c.destroy();
      await running.stop();

      running = await startEmulator({ dataDir, transitionDelayMs: 50 });
      c = sdkClient(running);
      expect(await status('keep-done')).toMatchObject({ UpdateActionStatus: 'complete', NodesUpdated: '3/3' });
      expect((await status('keep-going')).UpdateActionStatus).not.toBe('not-applied');
      for (let i = 0; i < 300 && (await status('keep-going')).UpdateActionStatus !== 'complete'; i++) await new Promise((r) => setTimeout(r, 50));
      expect(await status('keep-going')).toMatchObject({ UpdateActionStatus: 'complete', NodesUpdated: '3/3' });
    } finally {
      c.destroy();
      await running.stop();
    }
  }, 120_000);
});
