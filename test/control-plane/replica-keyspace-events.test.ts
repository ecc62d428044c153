// A replication group made through the API, with notify-keyspace-events set by its parameter group: an
// ioredis subscriber on the reader endpoint gets the events of the writes made through the primary
// endpoint, as a redis-server replica publishes them (an expired key as del, INCRBYFLOAT as set); a
// replica whose link the fault API cut publishes nothing until the fault is cleared.
import {
  CreateCacheParameterGroupCommand,
  CreateReplicationGroupCommand,
  DescribeReplicationGroupsCommand,
  ModifyCacheParameterGroupCommand,
  waitUntilReplicationGroupAvailable,
} from '@aws-sdk/client-elasticache';
import { Redis } from 'ioredis';
import { beforeAll, expect, it } from 'vitest';
import { testClient, type TestClient } from '../../src/index.ts';
import { FAST_WAIT, emulatorForTests } from '../support/emulator.ts';

const { emulator, client } = emulatorForTests({ transitionDelayMs: 100 });
let local: TestClient;
beforeAll(async () => {
  local = testClient(emulator.url);
});

async function until(what: string, cond: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; !(await cond()); i++) {
    if (i > 600) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

it('a subscriber on the reader endpoint gets the replica\'s events, and none over a cut link until it is restored', { timeout: 30_000 }, async () => {
  await client.send(new CreateCacheParameterGroupCommand({ CacheParameterGroupName: 'events', CacheParameterGroupFamily: 'redis7', Description: 'events' }));
  await client.send(new ModifyCacheParameterGroupCommand({
    CacheParameterGroupName: 'events',
    ParameterNameValues: [{ ParameterName: 'notify-keyspace-events', ParameterValue: 'KEA' }],
  }));
  await client.send(new CreateReplicationGroupCommand({
    ReplicationGroupId: 'events', ReplicationGroupDescription: 'events', Engine: 'redis', CacheNodeType: 'cache.t3.micro',
    NumCacheClusters: 2, CacheParameterGroupName: 'events',
  }));
  await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'events' });
  const g = (await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'events' }))).ReplicationGroups![0]!;
  const primaryEndpoint = g.NodeGroups![0]!.PrimaryEndpoint!;
  const readerEndpoint = g.NodeGroups![0]!.ReaderEndpoint!;
  const primary = new Redis({ host: primaryEndpoint.Address, port: primaryEndpoint.Port });
  const sub = new Redis({ host: readerEndpoint.Address, port: readerEndpoint.Port });
  const got: string[] = [];
  sub.on('pmessage', (_p: string, channel: string, message: string) => got.push(`${channel} ${message}`));
  try {
    await sub.psubscribe('__keyevent@*__:*');
    expect((await sub.call('ROLE') as string[]).at(0)).toBe('slave');
    await primary.set('n', '1');
    await primary.incrbyfloat('n', '0.5');
    await primary.set('e', '1', 'PX', 1);
    await new Promise((r) => setTimeout(r, 20));
    await primary.get('e');
    await primary.set('end', '1');
    await until('the events', () => got.includes('__keyevent@0__:set end'));
    expect(got).toEqual(['set n', 'set n', 'set e', 'expire e', 'del e', 'set end'].map((m) => `__keyevent@0__:${m}`));

    got.length = 0;
    const replicaId = g.NodeGroups![0]!.NodeGroupMembers!.find((m) => m.CurrentRole === 'replica')!.CacheClusterId!;
    const fault = await local.faults.cutReplication(replicaId);
    await primary.lpush('cut', 'a');
    await new Promise((r) => setTimeout(r, 100));
    expect(got).toEqual([]);
    await local.faults.clear(fault);
    await until('the held event', () => got.length === 1);
    expect(got).toEqual(['__keyevent@0__:lpush cut']);
  } finally {
    primary.disconnect();
    sub.disconnect();
  }
});
