// FailoverGlobalReplicationGroup while the primary member runs a write in slices (HSET of 300k fields):
// the member taking over holds the write whole (the failover waits for it to end and ship), and the old
// primary, now following it, holds the same. Before, the switch ran midway: the new primary had none of
// it while the old one went on with it.
import { CreateGlobalReplicationGroupCommand, CreateReplicationGroupCommand, FailoverGlobalReplicationGroupCommand, waitUntilReplicationGroupAvailable } from '@aws-sdk/client-elasticache';
import { describe, expect, it } from 'vitest';
import { findEngine } from '../../engines/redis/registry.ts';
import { encodeCommand, RawClient, waitUntil } from '../engines/redis/helpers.ts';
import { emulatorForTests, FAST_WAIT, sdkClient } from '../support/emulator.ts';
import { describeGroup } from '../support/groups.ts';

const { emulator, client: east } = emulatorForTests({ transitionDelayMs: 0 });
const N = 300_000;

async function primaryPort(client: typeof east, id: string): Promise<number> {
  // The node's own port (findEngine knows nodes by it), not the group's primary endpoint.
  return (await describeGroup(client, id)).NodeGroups![0]!.NodeGroupMembers!.find((m) => m.CurrentRole === 'primary')!.ReadEndpoint!.Port!;
}

describe('FailoverGlobalReplicationGroup during a write in slices', () => {
  it('the member taking over holds the HSET whole', { timeout: 300_000 }, async () => {
    const west = sdkClient(emulator, 'eu-west-1');
    try {
      await east.send(new CreateReplicationGroupCommand({ ReplicationGroupId: 'gsw', ReplicationGroupDescription: 'p', Engine: 'redis', CacheNodeType: 'cache.m5.large', NumCacheClusters: 1 }));
      await waitUntilReplicationGroupAvailable({ client: east, ...FAST_WAIT }, { ReplicationGroupId: 'gsw' });
      const id = (await east.send(new CreateGlobalReplicationGroupCommand({ GlobalReplicationGroupIdSuffix: 'gsw', PrimaryReplicationGroupId: 'gsw' }))).GlobalReplicationGroup!.GlobalReplicationGroupId!;
      await west.send(new CreateReplicationGroupCommand({ ReplicationGroupId: 'gsw-eu', ReplicationGroupDescription: 's', GlobalReplicationGroupId: id, NumCacheClusters: 1 }));
      await waitUntilReplicationGroupAvailable({ client: west, ...FAST_WAIT }, { ReplicationGroupId: 'gsw-eu' });
      const usPort = await primaryPort(east, 'gsw');
      const euPort = await primaryPort(west, 'gsw-eu');
      const a = await RawClient.connect(usPort);
      const b = await RawClient.connect(euPort);
      try {
        expect(await a.call('HSET', 'h', 'f0', 'v')).toBe(':1\r\n');
        await waitUntil('the secondary has h', async () => (await b.call('HLEN', 'h')) === ':1\r\n', 60_000);
        const e = findEngine(usPort)!;
        a.write(encodeCommand(['HSET', 'h', ...Array.from({ length: N }, (_, i) => [`f${i + 1}`, 'v']).flat()]));
        await waitUntil('the HSET runs in slices', () => e.pause?.command === true, 60_000);
        const asked = west.send(new FailoverGlobalReplicationGroupCommand({ GlobalReplicationGroupId: id, PrimaryRegion: 'eu-west-1', PrimaryReplicationGroupId: 'gsw-eu' }));
        // Asked for while the HSET still ran (else this proves nothing).
        expect(e.pause?.command).toBe(true);
        await asked;
        expect((await a.read(60_000)).toString()).toBe(`:${N}\r\n`);
        expect(await b.call('HLEN', 'h')).toBe(`:${N + 1}\r\n`);
        // The old primary follows the new one and holds what it holds.
        await waitUntil('the old primary follows', async () => (await a.call('HLEN', 'h')) === `:${N + 1}\r\n` && (await a.call('ROLE')).includes('slave'), 120_000);
      } finally {
        a.close();
        b.close();
      }
    } finally {
      west.destroy();
    }
  });
});
