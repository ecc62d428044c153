// Pub/sub across a cluster, against a redis-server 7.0 cluster of the same shape (shard A: a primary
// alone; shard B: a primary and a replica): the cluster bus carries PUBLISH to every node and SPUBLISH
// to every node of the channel's shard, each node counting only its own subscribers; a replica takes
// SSUBSCRIBE and SPUBLISH for its shard's slots without READONLY. (ioredis Cluster subscribes on any
// node and publishes on another: without the broadcast its messages were lost.) When a slot leaves a
// shard, its nodes unsubscribe that slot's shard channels with an sunsubscribe push, which is how
// node-redis knows to subscribe again on the new owner.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formCluster } from '../../../engines/redis/index.ts';
import { RawClient, realRedisAvailable, startServer, type Started } from './helpers.ts';
import { startRealCluster } from './real-cluster.ts';

const available = realRedisAvailable();
// 'news' is any channel; 'snews' hashes to slot 10109, in shard B (8192-16383).
const ROLES = ['a', 'b', 'bReplica'] as const;
type Role = (typeof ROLES)[number];
type Ports = Record<Role, number>;

interface ThreeNodeCluster {
  ports: Ports;
  /** Moves slot 10109 (snews) from shard B to A, as a resharding ends. */
  moveSlot(): Promise<void>;
  stop(): Promise<void>;
}

async function startThreeNodeCluster(): Promise<ThreeNodeCluster> {
  const cluster = await startRealCluster([0, 1]);
  const [a, b] = cluster.shards;
  const ports = { a: a!.primary.port, b: b!.primary.port, bReplica: b!.replicas[0]!.port };
  const moveSlot = async () => {
    const [a, b] = await Promise.all([RawClient.connect(ports.a), RawClient.connect(ports.b)]);
    const [aId, bId] = [(await a.call('CLUSTER', 'MYID')).split('\r\n')[1]!, (await b.call('CLUSTER', 'MYID')).split('\r\n')[1]!];
    await a.call('CLUSTER', 'SETSLOT', '10109', 'IMPORTING', bId);
    await b.call('CLUSTER', 'SETSLOT', '10109', 'MIGRATING', aId);
    await a.call('CLUSTER', 'SETSLOT', '10109', 'NODE', aId);
    await b.call('CLUSTER', 'SETSLOT', '10109', 'NODE', aId);
    a.close();
    b.close();
  };
  return { ports, moveSlot, stop: cluster.stop };
}

/** What each step shows, ports written as roles so both clusters compare. */
async function transcript(ports: Ports): Promise<string[]> {
  const named = (s: string) => ROLES.reduce((acc, role) => acc.replaceAll(`:${ports[role]}`, `:<${role}>`), s);
  const out: string[] = [];
  const subs = Object.fromEntries(await Promise.all(ROLES.map(async (role) => [role, await RawClient.connect(ports[role])] as const))) as Record<Role, RawClient>;
  const pub = Object.fromEntries(await Promise.all(ROLES.map(async (role) => [role, await RawClient.connect(ports[role])] as const))) as Record<Role, RawClient>;
  const drain = async (step: string) => {
    // A message crosses the cluster bus asynchronously: give it time, then take what each subscriber got.
    await new Promise((r) => setTimeout(r, 500));
    for (const role of ROLES) {
      const got: string[] = [];
      for (;;) {
        const reply = await subs[role].read(50).catch(() => null);
        if (reply === null) break;
        got.push(named(reply.toString('latin1')));
      }
      out.push(`${step} -> ${role}: ${JSON.stringify(got)}`);
    }
  };
  try {
    for (const role of ROLES) out.push(`SUBSCRIBE on ${role}: ${JSON.stringify(await subs[role].call('SUBSCRIBE', 'news'))}`);
    for (const from of ROLES) {
      out.push(`PUBLISH on ${from}: ${await pub[from].call('PUBLISH', 'news', `from-${from}`)}`);
      await drain(`PUBLISH on ${from}`);
    }
    for (const role of ROLES) out.push(`SSUBSCRIBE on ${role}: ${JSON.stringify(named(await subs[role].call('SSUBSCRIBE', 'snews')))}`);
    for (const from of ROLES) {
      out.push(`SPUBLISH on ${from}: ${JSON.stringify(named(await pub[from].call('SPUBLISH', 'snews', `s-from-${from}`)))}`);
      await drain(`SPUBLISH on ${from}`);
    }
    out.push(`GET on the replica without READONLY: ${JSON.stringify(named(await pub.bReplica.call('GET', 'snews')))}`);
    out.push(`SUNSUBSCRIBE on the replica: ${JSON.stringify(named(await subs.bReplica.call('SUNSUBSCRIBE', 'snews')))}`);
  } finally {
    for (const c of [...Object.values(subs), ...Object.values(pub)]) c.close();
  }
  return out;
}

/** Subscribers of shard B's nodes while slot 10109 moves to shard A ('other', slot 11361, stays). */
async function slotMoveTranscript(ports: Ports, moveSlot: () => Promise<void>): Promise<string[]> {
  const out: string[] = [];
  const subs = [await RawClient.connect(ports.b), await RawClient.connect(ports.bReplica)];
  const pub = await RawClient.connect(ports.b);
  try {
    for (const c of subs) {
      out.push(await c.call('SSUBSCRIBE', 'snews'), await c.call('SSUBSCRIBE', 'other'));
    }
    await moveSlot();
    // The replica hears of the move over the cluster bus: allow it a while.
    for (const c of subs) out.push(`after the move: ${(await c.read(10_000)).toString('latin1')}`);
    out.push(`SPUBLISH other: ${await pub.call('SPUBLISH', 'other', 'still-here')}`);
    for (const c of subs) out.push(`then: ${(await c.read()).toString('latin1')}`);
  } finally {
    for (const c of [...subs, pub]) c.close();
  }
  return out;
}

describe.skipIf(!available)('pub/sub across a cluster, as a redis-server 7.0 cluster', () => {
  let real: ThreeNodeCluster;
  let ours: Started[] = [];
  beforeAll(async () => {
    real = await startThreeNodeCluster();
    ours = await Promise.all(ROLES.map(() => startServer()));
    formCluster([
      { primary: ours[0]!.server, replicas: [], slots: [[0, 8191]] },
      { primary: ours[1]!.server, replicas: [ours[2]!.server], slots: [[8192, 16383]] },
    ]);
  }, 30_000);
  afterAll(async () => {
    for (const s of ours) await s.server.close();
    await real?.stop();
  });

  it('PUBLISH reaches every node, SPUBLISH every node of the shard, replicas take sharded pub/sub', async () => {
    // Side by side: each step waits a fixed half second for the bus, and the two clusters share nothing.
    const [expected, got] = await Promise.all([transcript(real.ports), transcript({ a: ours[0]!.port, b: ours[1]!.port, bReplica: ours[2]!.port })]);
    // The reference itself shows the broadcast: a replica's PUBLISH reaches the other shard's subscriber.
    expect(expected.find((l) => l.startsWith('PUBLISH on bReplica -> a:'))).toContain('from-bReplica');
    expect(got).toEqual(expected);
  }, 20_000);

  it('a node that loses a slot unsubscribes its shard channels with an sunsubscribe push (runs last: it moves a slot)', async () => {
    const expected = await slotMoveTranscript(real.ports, real.moveSlot);
    expect(expected.filter((l) => l.includes('sunsubscribe'))).toHaveLength(2);
    const got = await slotMoveTranscript({ a: ours[0]!.port, b: ours[1]!.port, bReplica: ours[2]!.port }, async () => {
      formCluster([
        { primary: ours[0]!.server, replicas: [], slots: [[0, 8191], [10109, 10109]] },
        { primary: ours[1]!.server, replicas: [ours[2]!.server], slots: [[8192, 10108], [10110, 16383]] },
      ]);
    });
    expect(got).toEqual(expected);
  }, 30_000);
});
