// FailoverGlobalReplicationGroup of a cluster-mode datastore waits for a write in slices on each primary
// shard in turn. A shard already waited for must not start a new one while a later shard is still waited
// for: its writes are held from the end of its wait until the switch, and then meet the new roles. Before,
// the holds did not exist and such an HSET of 300k fields ran during the wait for the other shard.
import {
  CreateGlobalReplicationGroupCommand,
  CreateReplicationGroupCommand,
  FailoverGlobalReplicationGroupCommand,
  waitUntilReplicationGroupAvailable,
} from '@aws-sdk/client-elasticache';
import { describe, expect, it } from 'vitest';
import { keySlot } from '../../engines/redis/cluster.ts';
import { findEngine } from '../../engines/redis/registry.ts';
import { beginSlicedWrite } from '../../engines/redis/snapshot-fence.ts';
import { encodeCommand, RawClient, waitUntil } from '../engines/redis/helpers.ts';
import { emulatorForTests, FAST_WAIT, sdkClient } from '../support/emulator.ts';
import { slicedSnapshotApi } from './sliced-snapshot-support.ts';

const { emulator, client: east } = emulatorForTests({ transitionDelayMs: 0 });
const N = 300_000;
// A key of the first shard's slots (0-8191).
const KEY = Array.from({ length: 100 }, (_, i) => `h{${i}}`).find((k) => keySlot(k) <= 8191)!;

describe('global failover holds each primary shard from the end of its wait', () => {
  it('a write in slices sent to a shard already waited for runs after the switch, none of it on either side', { timeout: 300_000 }, async () => {
    const west = sdkClient(emulator, 'eu-west-1');
    const eastNodes = slicedSnapshotApi(east);
    const westNodes = slicedSnapshotApi(west);
    try {
      await east.send(new CreateReplicationGroupCommand({
        ReplicationGroupId: 'gfh', ReplicationGroupDescription: 'p', Engine: 'redis', CacheNodeType: 'cache.m5.large', NumNodeGroups: 2, ReplicasPerNodeGroup: 0,
      }));
      await waitUntilReplicationGroupAvailable({ client: east, ...FAST_WAIT }, { ReplicationGroupId: 'gfh' });
      const id = (await east.send(new CreateGlobalReplicationGroupCommand({ GlobalReplicationGroupIdSuffix: 'gfh', PrimaryReplicationGroupId: 'gfh' }))).GlobalReplicationGroup!.GlobalReplicationGroupId!;
      await west.send(new CreateReplicationGroupCommand({ ReplicationGroupId: 'gfh-eu', ReplicationGroupDescription: 's', GlobalReplicationGroupId: id }));
      await waitUntilReplicationGroupAvailable({ client: west, ...FAST_WAIT }, { ReplicationGroupId: 'gfh-eu' });
      const firstPort = await eastNodes.nodePort('gfh-0001-001');
      const first = findEngine(firstPort)!;
      const second = findEngine(await eastNodes.nodePort('gfh-0002-001'))!;
      const a = await RawClient.connect(firstPort);
      const b = await RawClient.connect(await westNodes.nodePort('gfh-eu-0001-001'));
      try {
        expect(await a.call('HSET', KEY, 'f0', 'v')).toBe(':1\r\n');
        await waitUntil('the secondary has the hash', async () => (await b.call('HLEN', KEY)) === ':1\r\n', 60_000);
        // Stands for a write in slices on the second shard lasting as long as the test needs: the failover
        // waits for it once the first shard has passed its own wait.
        const endSecond = beginSlicedWrite(second);
        let asked: Promise<unknown>;
        try {
          asked = west.send(new FailoverGlobalReplicationGroupCommand({ GlobalReplicationGroupId: id, PrimaryRegion: 'eu-west-1', PrimaryReplicationGroupId: 'gfh-eu' }));
          // The first shard passed its wait: its writes are held from then on.
          await waitUntil('the first shard held', () => first.pause?.writesOnly === true, 60_000);
          a.write(encodeCommand(['HSET', KEY, ...Array.from({ length: N }, (_, i) => [`f${i + 1}`, 'v']).flat()]));
          await waitUntil('the HSET held', () => [...first.clients.values()].some((c) => c.postponed), 60_000);
        } finally {
          endSecond();
        }
        await asked;
        const reply = (await a.read(60_000)).toString();
        // The member taking over has the hash as it was before the HSET or after it, never a part.
        const taken = await b.call('HLEN', KEY);
        expect([':1\r\n', `:${N + 1}\r\n`]).toContain(taken);
        // Held, the HSET met the old primary as a replica.
        expect(reply).toMatch(/^-READONLY/);
        await waitUntil('the old primary follows', async () => (await a.call('HLEN', KEY)) === taken, 120_000);
      } finally {
        a.close();
        b.close();
      }
    } finally {
      west.destroy();
    }
  });
});
