// ioredis Cluster and node-redis createCluster through a configuration endpoint while the group changes
// under them: resharding 2 -> 3 -> 2 shards (MOVED/ASK while slots migrate) and TestFailover, with both
// clients writing all along. A write counts as acknowledged only when WAIT said a replica has it; every
// acknowledged write must be readable at the end. Pub/sub keeps flowing too: node-redis sharded
// subscriptions follow their slots (the node that loses a slot sends sunsubscribe) and ioredis's plain
// subscription hears PUBLISH from any node. Also both clients on a TLS + AUTH cluster-mode group, and what
// applications use of ioredis Cluster besides commands: auto-pipelining, per-master scanStream, replica reads.
import { ModifyReplicationGroupShardConfigurationCommand, TestFailoverCommand, waitUntilReplicationGroupAvailable, type ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { Cluster } from 'ioredis';
import fs from 'node:fs';
import { createCluster } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/index.ts';
import { FAST_WAIT, sdkClient, startEmulator } from '../support/emulator.ts';
import { availableGroup, describeGroup, until, userEndpoint, type Endpoint } from '../support/groups.ts';

const TOKEN = 'cluster-auth-token-0123456789';
let emulator: Emulator;
let api: ElastiCacheClient;
let config: Endpoint;
let secureConfig: Endpoint;

beforeAll(async () => {
  emulator = await startEmulator({ transitionDelayMs: 100 });
  api = sdkClient(emulator);
  const [sharded, secure] = await Promise.all([
    availableGroup(api, { ReplicationGroupId: 'traffic', NumNodeGroups: 2, ReplicasPerNodeGroup: 1 }),
    availableGroup(api, { ReplicationGroupId: 'traffic-tls', NumNodeGroups: 2, ReplicasPerNodeGroup: 1, TransitEncryptionEnabled: true, AuthToken: TOKEN }),
  ]);
  config = userEndpoint(sharded);
  secureConfig = userEndpoint(secure);
}, 60_000);

afterAll(async () => {
  api.destroy();
  await emulator.stop();
});

/** Writes distinct keys until stopped; records what WAIT confirmed on a replica, and what failed. */
class Writer {
  readonly acknowledged = new Map<string, string>();
  readonly errors: string[] = [];
  private stopped = false;
  private readonly loops: Promise<void>[];

  constructor(
    private readonly name: string,
    lanes: number,
    private readonly write: (key: string, value: string) => Promise<number>,
    private readonly read: (key: string) => Promise<string | null>,
  ) {
    this.loops = Array.from({ length: lanes }, (_, lane) => this.loop(lane));
  }

  private async loop(lane: number): Promise<void> {
    for (let i = 0; !this.stopped; i++) {
      const key = `${this.name}:${lane}:${i}`;
      try {
        if ((await this.write(key, String(i))) >= 1) this.acknowledged.set(key, String(i));
        // Read back an earlier acknowledged key of this lane, wherever its slot lives now.
        const earlier = `${this.name}:${lane}:${Math.floor(i / 2)}`;
        const expected = this.acknowledged.get(earlier);
        const got = await this.read(earlier);
        if (expected !== undefined && got !== expected) this.errors.push(`lost ${earlier}: ${got}`);
      } catch (e) {
        this.errors.push(`error ${key}: ${(e as Error).message}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  }

  count(): number {
    return this.acknowledged.size;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.loops);
  }
}

async function change(send: () => Promise<unknown>): Promise<void> {
  await send();
  await waitUntilReplicationGroupAvailable({ client: api, ...FAST_WAIT }, { ReplicationGroupId: 'traffic' });
}

/** Lets traffic run until each writer has acknowledged `more` further writes. */
async function moreTraffic(writers: Writer[], more: number): Promise<void> {
  const targets = writers.map((w) => w.count() + more);
  await until(() => (writers.every((w, i) => w.count() >= targets[i]!) ? true : undefined), 20_000, `writers ${writers.map((w) => w.count())}`);
}

describe('cluster clients while the group changes', () => {
  it('ioredis and node-redis keep every WAIT-acknowledged write through resharding and a failover', async () => {
    const io = new Cluster([config], { scaleReads: 'master' });
    const nr = createCluster({ rootNodes: [{ socket: config }] });
    nr.on('error', () => undefined);
    await nr.connect();
    // Keys already there move with their slots during resharding.
    await Promise.all(Array.from({ length: 2000 }, (_, i) => io.set(`seed:${i}`, String(i))));
    const writers = [
      new Writer(
        'io',
        3,
        // SET and WAIT in one pipeline: the same connection to the key's primary, so WAIT covers the SET.
        async (key, value) => {
          const replies = (await io.pipeline().set(key, value).call('wait', '1', '2000').exec())!;
          for (const [err] of replies) if (err) throw err;
          return replies[1]![1] as number;
        },
        (key) => io.get(key),
      ),
      new Writer(
        'nr',
        3,
        async (key, value) => {
          await nr.set(key, value);
          // Routed by the key to the same primary connection as the SET before it.
          return (await nr.sendCommand(key, false, ['WAIT', '1', '2000'])) as number;
        },
        (key) => nr.get(key),
      ),
    ];
    const listener = new Cluster([config]);
    const heard = new Set<string>();
    listener.on('message', (_channel: string, message: string) => heard.add(message));
    await listener.subscribe('broadcast');
    const shardChannels = Array.from({ length: 8 }, (_, i) => `events:${i}`);
    for (const channel of shardChannels) await nr.sSubscribe(channel, (message) => heard.add(message));
    // Publishes until every subscriber has heard this round: a moved subscription is renewed asynchronously.
    const messagesFlow = (round: string) =>
      until(async () => {
        for (const channel of shardChannels) await io.spublish(channel, `${round}:${channel}`);
        await io.publish('broadcast', `${round}:broadcast`);
        await new Promise((r) => setTimeout(r, 50));
        return [...shardChannels, 'broadcast'].every((ch) => heard.has(`${round}:${ch}`)) ? true : undefined;
      }, 20_000, `round ${round}: ${[...heard].filter((m) => m.startsWith(round))}`);
    try {
      await moreTraffic(writers, 20);
      await messagesFlow('start');
      await change(() => api.send(new ModifyReplicationGroupShardConfigurationCommand({ ReplicationGroupId: 'traffic', NodeGroupCount: 3, ApplyImmediately: true })));
      await moreTraffic(writers, 20);
      await messagesFlow('grown');
      expect(io.nodes('master')).toHaveLength(3);
      await change(() => api.send(new TestFailoverCommand({ ReplicationGroupId: 'traffic', NodeGroupId: '0001' })));
      await moreTraffic(writers, 20);
      await messagesFlow('failed-over');
      await change(() =>
        api.send(new ModifyReplicationGroupShardConfigurationCommand({ ReplicationGroupId: 'traffic', NodeGroupCount: 2, NodeGroupsToRemove: ['0002'], ApplyImmediately: true })),
      );
      await moreTraffic(writers, 20);
      await messagesFlow('shrunk');
    } finally {
      await Promise.all(writers.map((w) => w.stop()));
      listener.disconnect();
    }
    const group = await describeGroup(api, 'traffic');
    expect(group.NodeGroups!.map((g) => g.NodeGroupId)).toEqual(['0001', '0003']);
    // Errors while a primary changes are allowed (the client sees the old one close); losses are not.
    for (const w of writers) expect(w.errors.filter((e) => e.startsWith('lost'))).toEqual([]);

    const fresh = new Cluster([config], { enableAutoPipelining: true });
    try {
      for (const w of writers) {
        const keys = [...w.acknowledged.keys()];
        const values = await Promise.all(keys.map((k) => fresh.get(k)));
        expect(keys.filter((k, i) => values[i] !== w.acknowledged.get(k))).toEqual([]);
      }
      const seeds = await Promise.all(Array.from({ length: 2000 }, (_, i) => fresh.get(`seed:${i}`)));
      expect(seeds.filter((v, i) => v !== String(i))).toEqual([]);
      expect(await nr.get('seed:7')).toBe('7');
      expect(await io.get('seed:1999')).toBe('1999');
    } finally {
      fresh.disconnect();
      io.disconnect();
      nr.destroy();
    }
  }, 90_000);
});

describe('cluster clients over TLS with an AUTH token', () => {
  it('ioredis Cluster and node-redis createCluster reach every shard, and follow a failover', async () => {
    const ca = fs.readFileSync(emulator.caPath);
    const io = new Cluster([secureConfig], { redisOptions: { tls: { ca }, password: TOKEN } });
    const nr = createCluster({ rootNodes: [{ socket: secureConfig }], defaults: { socket: { tls: true, ca }, password: TOKEN } });
    nr.on('error', () => undefined);
    await nr.connect();
    try {
      await Promise.all(Array.from({ length: 200 }, (_, i) => io.set(`k:${i}`, String(i))));
      const values = await Promise.all(Array.from({ length: 200 }, (_, i) => nr.get(`k:${i}`)));
      expect(values).toEqual(Array.from({ length: 200 }, (_, i) => String(i)));
      expect(io.nodes('master')).toHaveLength(2);
      const perShard = await Promise.all(io.nodes('master').map((n) => n.dbsize()));
      expect(perShard.every((n) => n > 50)).toBe(true);
      // Both follow a failover over TLS too.
      await api.send(new TestFailoverCommand({ ReplicationGroupId: 'traffic-tls', NodeGroupId: '0002' }));
      await waitUntilReplicationGroupAvailable({ client: api, ...FAST_WAIT }, { ReplicationGroupId: 'traffic-tls' });
      await until(async () => ((await io.set('k:after', 'io').catch(() => null)) === 'OK' ? true : undefined), 20_000, 'ioredis after failover');
      await until(async () => ((await nr.set('k:after2', 'nr').catch(() => null)) === 'OK' ? true : undefined), 20_000, 'node-redis after failover');
      expect(await Promise.all([nr.get('k:after'), io.get('k:after2'), nr.get('k:199')])).toEqual(['io', 'nr', '199']);
    } finally {
      io.disconnect();
      nr.destroy();
    }
  }, 30_000);
});

describe('cluster client features applications lean on', () => {
  it('ioredis auto-pipelining, scanStream per master, hash-tagged pipelines and MULTI, replica reads', async () => {
    const io = new Cluster([config], { enableAutoPipelining: true });
    const reader = new Cluster([config], { scaleReads: 'slave' });
    try {
      // Commands issued together are pipelined per node by their slots.
      const keys = Array.from({ length: 500 }, (_, i) => `auto:${i}`);
      expect(new Set(await Promise.all(keys.map((k, i) => io.set(k, String(i)))))).toEqual(new Set(['OK']));
      expect(await Promise.all(keys.map((k) => io.get(k)))).toEqual(keys.map((_, i) => String(i)));
      // A cluster has no SCAN of its own: applications scan each master and merge.
      const scanned: string[] = [];
      for (const master of io.nodes('master')) {
        await new Promise<void>((resolve, reject) => {
          const stream = master.scanStream({ match: 'auto:*', count: 50 });
          stream.on('data', (batch: string[]) => scanned.push(...batch));
          stream.on('end', resolve);
          stream.on('error', reject);
        });
      }
      expect(scanned.sort()).toEqual([...keys].sort());
      const pipeline = io.pipeline();
      for (let i = 0; i < 10; i++) pipeline.incr(`{user:1}:n${i}`);
      expect((await pipeline.exec())!.map(([err, n]) => err ?? n)).toEqual(Array(10).fill(1));
      expect(await io.multi().set('{user:1}:a', '1').incr('{user:1}:a').exec()).toEqual([[null, 'OK'], [null, 2]]);
      // ioredis refuses a cross-slot MGET itself when pipelining; without, the node answers (a replica here).
      await expect(reader.mget('auto:1', 'auto:2')).rejects.toThrow("CROSSSLOT Keys in request don't hash to the same slot");
      // Replicas follow their primaries: a read sent to a replica sees the write once it has arrived.
      await until(async () => ((await reader.get('{user:1}:a')) === '2' ? true : undefined), 10_000, 'replica read');
    } finally {
      io.disconnect();
      reader.disconnect();
    }
  }, 30_000);
});
