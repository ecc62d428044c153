// node-redis createCluster writing while a shard is removed (ModifyReplicationGroupShardConfiguration with
// NodeGroupsToRemove). redis-server's scale-in (slots resharded away, then the node deleted) fails none of
// its commands: a node whose slots left answers MOVED until it goes. Ours switched the slot map and tore
// the removed shard down at once, with its writes still held: node-redis failed the commands queued there
// ("Socket closed unexpectedly", ECONNRESET and errors without a message; 1-8 per run).
import { ModifyReplicationGroupShardConfigurationCommand, waitUntilReplicationGroupAvailable, type ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { createCluster } from 'redis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Emulator } from '../../src/index.ts';
import { FAST_WAIT, sdkClient, startEmulator } from '../support/emulator.ts';
import { availableGroup, describeGroup, until, userEndpoint, type Endpoint } from '../support/groups.ts';

let emulator: Emulator;
let api: ElastiCacheClient;
let config: Endpoint;

beforeAll(async () => {
  emulator = await startEmulator({ transitionDelayMs: 100 });
  api = sdkClient(emulator);
  config = userEndpoint(await availableGroup(api, { ReplicationGroupId: 'shrinking', NumNodeGroups: 3, ReplicasPerNodeGroup: 1 }));
}, 60_000);

afterAll(async () => {
  api.destroy();
  await emulator.stop();
});

it('node-redis createCluster fails no command while a shard is removed under its writes', async () => {
  const client = createCluster({ rootNodes: [{ socket: config }] });
  client.on('error', () => undefined);
  await client.connect();
  const written = new Map<string, string>();
  const errors: string[] = [];
  let stopped = false;
  let round = 0;
  const lanes = Array.from({ length: 4 }, async (_, lane) => {
    while (!stopped) {
      const key = `k:${lane}:${round++ % 500}`;
      const value = String(round);
      try {
        await client.set(key, value);
        written.set(key, value);
      } catch (e) {
        errors.push(`${(e as Error).name}: ${(e as Error).message}`);
      }
    }
  });
  try {
    await until(() => (written.size >= 500 ? true : undefined), 20_000, `${written.size} keys written`);
    await api.send(new ModifyReplicationGroupShardConfigurationCommand({ ReplicationGroupId: 'shrinking', NodeGroupCount: 2, NodeGroupsToRemove: ['0002'], ApplyImmediately: true }));
    await waitUntilReplicationGroupAvailable({ client: api, ...FAST_WAIT }, { ReplicationGroupId: 'shrinking' });
    const after = round;
    await until(() => (round >= after + 2000 ? true : undefined), 20_000, 'writes after the scale-in');
  } finally {
    stopped = true;
    await Promise.all(lanes);
  }
  expect((await describeGroup(api, 'shrinking')).NodeGroups!.map((g) => g.NodeGroupId)).toEqual(['0001', '0003']);
  // A rediscovery that learns the node is gone drops its connection with any command still on it
  // (DisconnectsClientError): redis-server shows that too when the last slot leaves; ours leaves all at once.
  expect(errors.filter((e) => e !== 'Error: Disconnects client')).toEqual([]);
  const keys = [...written.keys()];
  const values = await Promise.all(keys.map((k) => client.get(k)));
  expect(keys.filter((k, i) => values[i] !== written.get(k))).toEqual([]);
  client.destroy();
}, 90_000);
