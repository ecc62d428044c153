// ModifyReplicationGroupShardConfiguration while a primary runs a write in slices (HSET of 300k fields
// into a hash whose slot moves): the new owner gets the hash whole. Before, the hash was copied midway
// and the rest of the HSET went on the old owner's copy, dropped after the switch.
import { CreateReplicationGroupCommand, ModifyReplicationGroupShardConfigurationCommand, waitUntilReplicationGroupAvailable } from '@aws-sdk/client-elasticache';
import { Cluster } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { keySlot } from '../../engines/redis/cluster.ts';
import { findEngine } from '../../engines/redis/registry.ts';
import { encodeCommand, RawClient, waitUntil } from '../engines/redis/helpers.ts';
import { emulatorForTests, FAST_WAIT } from '../support/emulator.ts';
import { describeGroup } from '../support/groups.ts';
import { hlenOnceResharded } from './sliced-snapshot-support.ts';

const { client } = emulatorForTests({ transitionDelayMs: 0 });
const N = 300_000;
// A key of shard 0001's slots (0-8191) that moves to the new 0002 (5461-10921) as a third shard comes.
const KEY = Array.from({ length: 1000 }, (_, i) => `h{${i}}`).find((k) => keySlot(k) >= 5461 && keySlot(k) <= 8191)!;

describe('resharding during a write in slices', () => {
  it('moves the HSET whole', { timeout: 300_000 }, async () => {
    await client.send(new CreateReplicationGroupCommand({
      ReplicationGroupId: 'reshard-sw', ReplicationGroupDescription: 'cluster mode', Engine: 'redis', CacheNodeType: 'cache.t3.medium', NumNodeGroups: 2, ReplicasPerNodeGroup: 0,
    }));
    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'reshard-sw' });
    const g = await describeGroup(client, 'reshard-sw');
    // The key's owner, as a cluster client learns it.
    const discover = new Cluster([{ host: g.ConfigurationEndpoint!.Address, port: g.ConfigurationEndpoint!.Port }]);
    await discover.hset(KEY, 'f0', 'v');
    const port = Number((discover.slots[keySlot(KEY)]![0] as string).split(':')[1]);
    discover.disconnect();
    const a = await RawClient.connect(port);
    try {
      expect(await a.call('HLEN', KEY)).toBe(':1\r\n');
      const e = findEngine(port)!;
      a.write(encodeCommand(['HSET', KEY, ...Array.from({ length: N }, (_, i) => [`f${i + 1}`, 'v']).flat()]));
      await waitUntil('the HSET runs in slices', () => e.pause?.command === true, 60_000);
      const asked = client.send(new ModifyReplicationGroupShardConfigurationCommand({ ReplicationGroupId: 'reshard-sw', NodeGroupCount: 3, ApplyImmediately: true }));
      // Asked for while the HSET still ran (else this proves nothing).
      expect(e.pause?.command).toBe(true);
      await asked;
      expect((await a.read(60_000)).toString()).toBe(`:${N}\r\n`);
    } finally {
      a.close();
    }
    expect(await hlenOnceResharded(client, 'reshard-sw', KEY)).toBe(N + 1);
  });
});
