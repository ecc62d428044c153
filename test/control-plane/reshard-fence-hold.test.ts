// Resharding waits for a write in slices on each source primary in turn. A source already waited for
// must not start a new one while a later source is still waited for: before, shard 0001 passed its wait,
// then took an HSET of 300k fields in slices while 0002's write went on, and the key was copied to its
// new owner midway (1,856 of 300,001 fields there; the rest went on the old owner's copy, dropped after the switch).
import {
  CreateReplicationGroupCommand,
  ModifyReplicationGroupShardConfigurationCommand,
  waitUntilReplicationGroupAvailable,
} from '@aws-sdk/client-elasticache';
import { describe, expect, it } from 'vitest';
import { keySlot } from '../../engines/redis/cluster.ts';
import { findEngine } from '../../engines/redis/registry.ts';
import { beginSlicedWrite } from '../../engines/redis/snapshot-fence.ts';
import { encodeCommand, RawClient, waitUntil } from '../engines/redis/helpers.ts';
import { emulatorForTests, FAST_WAIT } from '../support/emulator.ts';
import { hlenOnceResharded, slicedSnapshotApi } from './sliced-snapshot-support.ts';

const { client } = emulatorForTests({ transitionDelayMs: 0 });
const N = 300_000;
// Shard 0001 serves 0-8191; this key's slot goes to 0002 (5461-10921) once a third shard comes.
const KEY = Array.from({ length: 1000 }, (_, i) => `h{${i}}`).find((k) => keySlot(k) >= 5461 && keySlot(k) <= 8191)!;

const { nodePort } = slicedSnapshotApi(client);

describe('resharding holds each source from the end of its wait', () => {
  it('a write in slices sent to a source already waited for waits for the switch (MOVED), none of it copied', { timeout: 300_000 }, async () => {
    await client.send(new CreateReplicationGroupCommand({
      ReplicationGroupId: 'fence-hold', ReplicationGroupDescription: 'cluster mode', Engine: 'redis', CacheNodeType: 'cache.t3.medium', NumNodeGroups: 2, ReplicasPerNodeGroup: 0,
    }));
    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'fence-hold' });
    const firstPort = await nodePort('fence-hold-0001-001');
    const first = findEngine(firstPort)!;
    const second = findEngine(await nodePort('fence-hold-0002-001'))!;
    const a = await RawClient.connect(firstPort);
    // Stands for a write in slices on 0002 that lasts as long as the test needs (a real one's length
    // depends on the machine's load): the resharding waits for it while 0001 has passed its own wait.
    const endSecond = beginSlicedWrite(second);
    try {
      expect(await a.call('HSET', KEY, 'f0', 'v')).toBe(':1\r\n');
      await client.send(new ModifyReplicationGroupShardConfigurationCommand({ ReplicationGroupId: 'fence-hold', NodeGroupCount: 3, ApplyImmediately: true }));
      // The new shard's node is up: the step went on to wait for the sources (0001, then 0002) in the same turn.
      await nodePort('fence-hold-0003-001');
      a.write(encodeCommand(['HSET', KEY, ...Array.from({ length: N }, (_, i) => [`f${i + 1}`, 'v']).flat()]));
      // 0001's writes held from its wait's end (whenever the HSET arrives, it runs after the switch), or,
      // without that hold, the HSET running in slices while 0002 is waited for.
      await waitUntil('0001 held or the HSET running', () => first.pause?.writesOnly === true || first.pause?.command === true, 60_000);
    } finally {
      endSecond();
    }
    let reply: string;
    try {
      reply = (await a.read(120_000)).toString();
    } finally {
      a.close();
    }
    // The HSET ran after the switch on a node that no longer serves the key: MOVED, and the moved hash is as it was.
    expect(await hlenOnceResharded(client, 'fence-hold', KEY)).toBe(1);
    expect(reply).toMatch(/^-MOVED \d+ /);
  });
});
