// Primary and reader endpoints hand each connection to the node that serves it (no byte-copying hop):
// the node sees the client on the endpoint's port, a failover strands the old primary's endpoint
// connections as a DNS change does, and a new connection reaches the new primary.
import {
  CreateReplicationGroupCommand,
  DescribeReplicationGroupsCommand,
  TestFailoverCommand,
  waitUntilReplicationGroupAvailable,
} from '@aws-sdk/client-elasticache';
import { describe, expect, it } from 'vitest';
import { RawClient } from '../engines/redis/helpers.ts';
import { emulatorForTests, FAST_WAIT } from '../support/emulator.ts';

const { client } = emulatorForTests({ transitionDelayMs: 50 });

describe('endpoint hand-off', () => {
  it('serves endpoint connections on the node itself and moves them on failover', async () => {
    await client.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: 'handoff', ReplicationGroupDescription: 'h', Engine: 'redis', CacheNodeType: 'cache.t3.micro',
        NumCacheClusters: 2, AutomaticFailoverEnabled: true, MultiAZEnabled: true,
      }),
    );
    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'handoff' });
    const group = (await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'handoff' }))).ReplicationGroups![0]!;
    const primary = group.NodeGroups![0]!.PrimaryEndpoint!.Port!;
    const reader = group.NodeGroups![0]!.ReaderEndpoint!.Port!;

    const viaPrimary = await RawClient.connect(primary);
    const viaReader = await RawClient.connect(reader);
    try {
      // The node's own view of the connection: it was accepted on the endpoint's port, from the client's port.
      const info = await viaPrimary.call('CLIENT', 'INFO');
      expect(info).toContain(`laddr=127.0.0.1:${primary} `);
      expect(info).toContain(`addr=127.0.0.1:${viaPrimary.socket.localPort} `);
      expect(await viaPrimary.call('SET', 'k', 'v')).toBe('+OK\r\n');
      expect(await viaReader.call('ROLE')).toContain('slave');
      expect(await viaPrimary.call('WAIT', '1', '0')).toBe(':1\r\n');
      expect(await viaReader.call('GET', 'k')).toBe('$1\r\nv\r\n');

      await client.send(new TestFailoverCommand({ ReplicationGroupId: 'handoff', NodeGroupId: '0001' }));
      await viaPrimary.waitClosed(20000);
      await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'handoff' });
      const again = await RawClient.connect(primary);
      try {
        expect(await again.call('ROLE')).toContain('master');
        expect(await again.call('GET', 'k')).toBe('$1\r\nv\r\n');
      } finally {
        again.close();
      }
    } finally {
      viaPrimary.close();
      viaReader.close();
    }
  });
});
