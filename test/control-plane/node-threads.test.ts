// --node-threads: a replication group whose nodes run in worker threads still replicates, answers on its
// reader endpoint, and fails over, as seen by ioredis through the endpoints and node ports AWS describes.
import {
  CreateReplicationGroupCommand,
  DescribeReplicationGroupsCommand,
  TestFailoverCommand,
  type ReplicationGroup,
  waitUntilReplicationGroupAvailable,
} from '@aws-sdk/client-elasticache';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { emulatorForTests, FAST_WAIT } from '../support/emulator.ts';

const { client } = emulatorForTests({ transitionDelayMs: 100, nodeThreads: true });
const WAIT = { ...FAST_WAIT, maxWaitTime: 120 };

const opened: Redis[] = [];
const connect = (address: { Address?: string; Port?: number }): Redis => {
  const r = new Redis({ host: address.Address, port: address.Port, maxRetriesPerRequest: 20, retryStrategy: () => 50 });
  opened.push(r);
  return r;
};
afterEach(() => {
  for (const r of opened.splice(0)) r.disconnect();
});

async function group(id: string): Promise<ReplicationGroup> {
  return (await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }))).ReplicationGroups![0]!;
}

const members = (g: ReplicationGroup) => g.NodeGroups![0]!.NodeGroupMembers!;
const primaryOf = (g: ReplicationGroup) => members(g).find((m) => m.CurrentRole === 'primary')!;
const replicasOf = (g: ReplicationGroup) => members(g).filter((m) => m.CurrentRole === 'replica');

/** Replicas apply the stream in their own thread: poll until `check` holds. */
async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not reached in 15 s: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('a replication group with --node-threads', () => {
  it('replicates writes on the primary endpoint to every replica and the reader endpoint, then fails over', { timeout: 120_000 }, async () => {
    await client.send(new CreateReplicationGroupCommand({
      ReplicationGroupId: 'thr', ReplicationGroupDescription: 'thr', Engine: 'redis', CacheNodeType: 'cache.t3.micro',
      NumCacheClusters: 3, AutomaticFailoverEnabled: true, MultiAZEnabled: true,
    }));
    await waitUntilReplicationGroupAvailable({ client, ...WAIT }, { ReplicationGroupId: 'thr' });
    const before = await group('thr');
    const ng = before.NodeGroups![0]!;
    const primary = connect(ng.PrimaryEndpoint!);
    const reader = connect(ng.ReaderEndpoint!);
    const replicas = replicasOf(before).map((m) => connect(m.ReadEndpoint!));
    expect(replicas).toHaveLength(2);

    await primary.set('plain', 'v1');
    await primary.lpush('queue', 'a', 'b', 'c');
    await primary.hset('h', 'f1', '1', 'f2', '2');
    await primary.zadd('z', '1', 'one', '2', 'two');
    const id = await primary.xadd('s', '*', 'field', 'value');
    await primary.set('ttl', 'x', 'EX', 1000);
    await primary.spop('nothing');
    expect(await primary.wait(2, 10_000)).toBe(2);
    for (const r of [...replicas, reader]) {
      expect(await r.get('plain')).toBe('v1');
      expect(await r.lrange('queue', 0, -1)).toEqual(['c', 'b', 'a']);
      expect(await r.hgetall('h')).toEqual({ f1: '1', f2: '2' });
      expect(await r.zrange('z', '0', '-1', 'WITHSCORES')).toEqual(['one', '1', 'two', '2']);
      expect(await r.xrange('s', '-', '+')).toEqual([[id, ['field', 'value']]]);
      expect(await r.ttl('ttl')).toBeGreaterThan(900);
    }
    await expect(replicas[0]!.set('plain', 'no')).rejects.toThrow(/READONLY/);
    const info = await replicas[0]!.info('replication');
    expect(info).toContain('role:slave');
    expect(info).toContain(`master_port:${primaryOf(before).ReadEndpoint!.Port}`);
    expect(info).toContain('master_link_status:up');
    expect(await primary.info('replication')).toContain('connected_slaves:2');

    const promoted = replicasOf(before)[0]!.CacheClusterId!;
    await client.send(new TestFailoverCommand({ ReplicationGroupId: 'thr', NodeGroupId: '0001' }));
    await waitUntilReplicationGroupAvailable({ client, ...WAIT }, { ReplicationGroupId: 'thr' });
    await eventually(async () => primaryOf(await group('thr')).CacheClusterId !== primaryOf(before).CacheClusterId, 'a new primary');
    const after = await group('thr');
    expect(primaryOf(after).CacheClusterId).toBe(promoted);

    const newPrimary = connect(after.NodeGroups![0]!.PrimaryEndpoint!);
    await eventually(async () => (await newPrimary.info('replication')).includes('role:master'), 'the primary endpoint leads to a primary');
    expect(await newPrimary.lrange('queue', 0, -1)).toEqual(['c', 'b', 'a']);
    await newPrimary.rpush('queue', 'd');
    await newPrimary.set('after', 'failover');
    for (const m of replicasOf(after)) {
      const r = connect(m.ReadEndpoint!);
      await eventually(async () => (await r.get('after')) === 'failover', `${m.CacheClusterId} follows the new primary`);
      expect(await r.lrange('queue', 0, -1)).toEqual(['c', 'b', 'a', 'd']);
      expect(await r.info('replication')).toContain(`master_port:${primaryOf(after).ReadEndpoint!.Port}`);
    }
  });
});
