// TestFailover while the primary runs a write in slices (HSET of many fields into a hash its replica
// shares) promotes a replica holding the write whole, before or after it, never a part.
import { TestFailoverCommand, waitUntilReplicationGroupAvailable } from '@aws-sdk/client-elasticache';
import { describe, expect, it } from 'vitest';
import { findEngine } from '../../engines/redis/registry.ts';
import { encodeCommand, RawClient, waitUntil } from '../engines/redis/helpers.ts';
import { emulatorForTests, FAST_WAIT } from '../support/emulator.ts';
import { availableGroup, describeGroup } from '../support/groups.ts';

const { client } = emulatorForTests({ transitionDelayMs: 0 });
const N = 300_000;

describe('TestFailover during a write in slices', () => {
  it('the new primary holds the HSET whole or not at all', { timeout: 300_000 }, async () => {
    const before = await availableGroup(client, { ReplicationGroupId: 'sliced-ha', NumCacheClusters: 2, AutomaticFailoverEnabled: true, CacheNodeType: 'cache.t3.medium' });
    const members = before.NodeGroups![0]!.NodeGroupMembers!;
    const primary = members.find((m) => m.CurrentRole === 'primary')!;
    const replica = members.find((m) => m.CurrentRole === 'replica')!;
    const a = await RawClient.connect(primary.ReadEndpoint!.Port!);
    try {
      expect(await a.call('HSET', 'h', 'f0', 'v')).toBe(':1\r\n');
      const e = findEngine(primary.ReadEndpoint!.Port!)!;
      a.write(encodeCommand(['HSET', 'h', ...Array.from({ length: N }, (_, i) => [`f${i + 1}`, 'v']).flat()]));
      await waitUntil('the HSET runs in slices', () => e.pause?.command === true, 60_000);
      await client.send(new TestFailoverCommand({ ReplicationGroupId: 'sliced-ha', NodeGroupId: '0001' }));
      // Asked for while the HSET still ran (else this proves nothing).
      expect(e.pause?.command).toBe(true);
    } finally {
      a.close();
    }
    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'sliced-ha' });
    const after = (await describeGroup(client, 'sliced-ha')).NodeGroups![0]!.NodeGroupMembers!;
    expect(after.find((m) => m.CurrentRole === 'primary')!.CacheClusterId).toBe(replica.CacheClusterId);
    const b = await RawClient.connect(replica.ReadEndpoint!.Port!);
    try {
      expect([':1\r\n', `:${N + 1}\r\n`]).toContain(await b.call('HLEN', 'h'));
    } finally {
      b.close();
    }
  });
});
