// What CLUSTER NODES / SLOTS / SHARDS / INFO show of a replica that died, and of one still loading, compared
// with a redis-server 7.0 cluster whose replica was killed: at once its link shows `disconnected`; past
// cluster-node-timeout it is flagged `fail`, SHARDS' health says `fail` and SLOTS leaves it out (so ioredis
// Cluster stops reading from it). A replica whose full copy is under way is `loading` and out of SLOTS.
import { afterEach, expect, it } from 'vitest';
import { ManualClock } from '../../../engines/redis/clock.ts';
import { createRedisServer, formCluster, type RedisServerWithEngine } from '../../../engines/redis/index.ts';
import { RawClient, realRedisAvailable } from './helpers.ts';
import { startRealCluster } from './real-cluster.ts';

/** Each node as `label flags link`, SLOTS as the ports per range, SHARDS' health per node; ports named by `names`. */
interface View {
  nodes: string[];
  slots: string[];
  health: string[];
}

async function viewFrom(c: RawClient, names: Map<number, string>): Promise<View> {
  const name = (port: string | number) => names.get(Number(port)) ?? `?${port}`;
  const nodesText = (await c.call('CLUSTER', 'NODES')).split('\r\n')[1] ?? '';
  const nodes = nodesText
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => {
      const f = l.split(' ');
      const flags = (f[2] as string).replace('myself,', '');
      return `${name((f[1] as string).split(/[:@]/)[1] as string)} ${flags} ${f[7]}`;
    })
    .sort();
  const slotsRaw = await c.call('CLUSTER', 'SLOTS');
  const slots = [...slotsRaw.matchAll(/\*\d+\r\n:(\d+)\r\n:(\d+)\r\n((?:\*4\r\n\$\d+\r\n[^\r]*\r\n:\d+\r\n\$40\r\n[0-9a-f]{40}\r\n\*0\r\n)+)/g)]
    .map((m) => `${m[1]}-${m[2]}: ${[...(m[3] as string).matchAll(/:(\d+)\r\n/g)].map((p) => name(p[1] as string)).join(' ')}`)
    .sort();
  await c.call('HELLO', '3');
  const shards = await c.call('CLUSTER', 'SHARDS');
  await c.call('HELLO', '2');
  const health = [...shards.matchAll(/\$4\r\nport\r\n:(\d+)\r\n[\s\S]*?\$6\r\nhealth\r\n\$\d+\r\n(\w+)\r\n/g)].map((m) => `${name(m[1] as string)} ${m[2]}`).sort();
  return { nodes, slots, health };
}

const servers: RedisServerWithEngine[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function ourCluster(clock: ManualClock): Promise<{ shards: { primary: RedisServerWithEngine; replica: RedisServerWithEngine }[]; names: Map<number, string> }> {
  const names = new Map<number, string>();
  const shards = [];
  for (let i = 0; i < 2; i++) {
    const primary = createRedisServer({ port: 0 }, { clock });
    const replica = createRedisServer({ port: 0 }, { clock });
    servers.push(primary, replica);
    names.set(await primary.listen(), `s${i}-primary`);
    names.set(await replica.listen(), `s${i}-replica`);
    shards.push({ primary, replica });
  }
  formCluster(shards.map((s, i) => ({ primary: s.primary, replicas: [s.replica], slots: [[i * 8192, i * 8192 + 8191]] })));
  return { shards, names };
}

it.runIf(realRedisAvailable())('a killed replica: disconnected at once, then fail and out of SLOTS, as on a redis-server cluster', { timeout: 40_000 }, async () => {
  const real = await startRealCluster([1, 1]);
  let theirs: View[];
  try {
    const names = new Map<number, string>();
    real.shards.forEach((s, i) => {
      names.set(s.primary.port, `s${i}-primary`);
      names.set(s.replicas[0]!.port, `s${i}-replica`);
    });
    const all = await Promise.all(real.shards.flatMap((s) => [s.primary, ...s.replicas]).map((s) => RawClient.connect(s.port)));
    try {
      for (const c of all) await c.call('CONFIG', 'SET', 'cluster-node-timeout', '1000');
      const observer = all[2]!;
      await real.shards[0]!.replicas[0]!.stop();
      const deadline = Date.now() + 1000;
      let early: View;
      do early = await viewFrom(observer, names);
      while (!early.nodes.some((l) => l.endsWith('disconnected')) && Date.now() < deadline);
      // Past the timeout it is first `fail?` (PFAIL, this node's suspicion) until the primaries agree: ours skips that moment.
      for (let i = 0; !(await observer.call('CLUSTER', 'NODES')).includes('slave,fail '); i++) {
        if (i > 200) throw new Error('the killed replica was never marked failing');
        await new Promise((r) => setTimeout(r, 50));
      }
      theirs = [early, await viewFrom(observer, names)];
    } finally {
      for (const c of all) c.close();
    }
  } finally {
    await real.stop();
  }

  const clock = new ManualClock(Date.now());
  const { shards, names } = await ourCluster(clock);
  const observer = await RawClient.connect(shards[1]!.primary.port);
  try {
    await shards[0]!.replica.close();
    const early = await viewFrom(observer, names);
    clock.advance(15_000);
    expect([early, await viewFrom(observer, names)]).toEqual(theirs);
    expect((await observer.call('CLUSTER', 'INFO')).includes('cluster_slots_fail:0')).toBe(true);
  } finally {
    observer.close();
  }
});

it('a replica still taking its full copy is loading in SHARDS and left out of SLOTS until it has it', { timeout: 20_000 }, async () => {
  const clock = new ManualClock(Date.now());
  const primary = createRedisServer({ port: 0 }, { clock });
  const replica = createRedisServer({ port: 0 }, { clock });
  servers.push(primary, replica);
  const names = new Map([[await primary.listen(), 'primary'], [await replica.listen(), 'replica']]);
  const c = await RawClient.connect(primary.port);
  try {
    await c.call('DEBUG', 'POPULATE', '300000');
    formCluster([{ primary, replicas: [replica], slots: [[0, 16383]] }]);
    expect(primary.engine.replication.copying(replica.engine)).toBe(true);
    const during = await viewFrom(c, names);
    expect(during.health).toEqual(['primary online', 'replica loading']);
    expect(during.slots).toEqual(['0-16383: primary']);
    for (let i = 0; primary.engine.replication.copying(replica.engine); i++) {
      if (i > 400) throw new Error('the copy never ended');
      await new Promise((r) => setTimeout(r, 25));
    }
    const after = await viewFrom(c, names);
    expect(after.health).toEqual(['primary online', 'replica online']);
    expect(after.slots).toEqual(['0-16383: primary replica']);
    expect(after.nodes).toEqual(['primary master connected', 'replica slave connected']);
  } finally {
    c.close();
  }
});

it('a frozen node (stop-node) keeps its link up and is flagged fail past the timeout; a failed primary\'s slots count as failing', { timeout: 20_000 }, async () => {
  const clock = new ManualClock(Date.now());
  const { shards, names } = await ourCluster(clock);
  const observer = await RawClient.connect(shards[1]!.primary.port);
  try {
    shards[0]!.replica.network.freeze(true);
    shards[0]!.primary.network.freeze(true);
    const early = await viewFrom(observer, names);
    expect(early.nodes).toEqual(['s0-primary master connected', 's0-replica slave connected', 's1-primary master connected', 's1-replica slave connected']);
    // Well past cluster-node-timeout, however long the steps above took on the wall clock the freeze reads.
    clock.advance(60_000);
    const late = await viewFrom(observer, names);
    expect(late.nodes).toEqual(['s0-primary master,fail connected', 's0-replica slave,fail connected', 's1-primary master connected', 's1-replica slave connected']);
    expect(late.slots).toEqual(['0-8191: s0-primary', '8192-16383: s1-primary s1-replica']);
    expect(late.health).toEqual(['s0-primary fail', 's0-replica fail', 's1-primary online', 's1-replica online']);
    const info = await observer.call('CLUSTER', 'INFO');
    expect(info).toContain('cluster_slots_ok:8192\r\n');
    expect(info).toContain('cluster_slots_fail:8192\r\n');
  } finally {
    shards[0]!.replica.network.freeze(false);
    shards[0]!.primary.network.freeze(false);
    observer.close();
  }
});
