// A client subscribed to keyspace events on a replica gets what redis-server 7.0's replica publishes: the
// events of the commands its primary propagates (an expired key's DEL, INCRBYFLOAT's SET, SPOP's SREMs),
// filtered by the replica's own notify-keyspace-events, in order, through MULTI/EXEC, scripts and served
// blocking pops, with the primary's PUBLISH messages (propagated too) in their place among them. Compared
// byte for byte with a redis-server pair; then a cut link publishes nothing until it is restored.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisNode } from '../../../engines/redis/index.ts';
import { createThreadedRedisNode } from '../../../engines/redis/threaded-node.ts';
import { realRedisAvailable, startRealRedis, startServer, type RealRedis, type Started } from './helpers.ts';

const REPLICA_FLAGS = 'KEAn';

/** Each step is a command on the primary, `block` (a second client's BLPOP), or `pause` (a key's TTL runs out). */
const STEPS: string[][] = [
  ['set', 'a', '1'],
  ['set', 'b', 'x', 'EX', '100'],
  ['incrbyfloat', 'a', '1.5'],
  ['hset', 'h', 'f', '1'],
  ['hincrbyfloat', 'h', 'f', '2.5'],
  ['sadd', 's', '1', '2', '3'],
  ['spop', 's'],
  ['spop', 's', '5'],
  ['sadd', 's2', '1', '2', '3', '4', '5'],
  ['spop', 's2', '2'],
  ['getex', 'b', 'PX', '5000'],
  ['getex', 'b', 'PERSIST'],
  ['getdel', 'a'],
  ['lpush', 'l', '1', '2'],
  ['lmove', 'l', 'l2', 'LEFT', 'RIGHT'],
  ['rpop', 'l'],
  ['set', 'e', '1', 'PX', '1'],
  ['pause'],
  ['get', 'e'],
  ['expire', 'b', '-1'],
  ['set', 'f', '1'],
  ['rename', 'f', 'g'],
  ['xadd', 'x', '1-1', 'a', '1'],
  ['xgroup', 'create', 'x', 'grp', '0'],
  ['xreadgroup', 'GROUP', 'grp', 'c1', 'COUNT', '1', 'STREAMS', 'x', '>'],
  ['xautoclaim', 'x', 'grp', 'c3', '0', '0'],
  ['publish', 'news', 'after xautoclaim'],
  ['eval', "redis.call('set','k','v'); redis.call('publish','news','in a script'); redis.call('lpush','kl','a'); redis.call('del','k')", '0'],
  ['multi'],
  ['incr', 'n'],
  ['publish', 'news', 'in a transaction'],
  ['incr', 'n'],
  ['exec'],
  ['copy', 'n', 'n2'],
  ['move', 'n2', '1'],
  ['zadd', 'z', '1', 'a', '2', 'b', '3', 'c'],
  ['zpopmin', 'z'],
  ['zmpop', '1', 'z', 'MIN', 'COUNT', '1'],
  ['zunionstore', 'zd', '1', 'z'],
  ['sort', 'l2', 'STORE', 'sl'],
  ['block'],
  ['rpush', 'bl', 'v'],
  ['set', 't', '1', 'EX', '100'],
  ['incrbyfloat', 't', '1'],
  ['set', 't', '2', 'GET'],
  ['rpush', 'lm', 'a', 'b', 'c'],
  ['lmpop', '1', 'lm', 'LEFT', 'COUNT', '2'],
  ['lmpop', '1', 'lm', 'LEFT', 'COUNT', '2'],
  ['xadd', 'x', 'MAXLEN', '1', '2-1', 'a', '2'],
  ['xtrim', 'x', 'MAXLEN', '0'],
  ['sadd', 's4', '1', '2'],
  ['smove', 's4', 's3', '1'],
  ['smove', 's4', 's3', '2'],
  ['sinterstore', 'si', 's3', 's3'],
  ['sdiffstore', 'si', 's3', 's3'],
  ['geoadd', 'geo', '1', '1', 'm'],
  ['hdel', 'h', 'f'],
  ['linsert', 'l2', 'BEFORE', '2', 'z'],
  ['lset', 'l2', '0', 'q'],
  ['ltrim', 'l2', '1', '0'],
  ['pexpireat', 'g', '1'],
  ['setbit', 'bb', '1', '1'],
  ['bitfield', 'bb', 'SET', 'u8', '0', '5'],
  ['pfadd', 'h1', 'a'],
  ['pfmerge', 'h2', 'h1'],
  ['setrange', 'sr', '2', 'x'],
  ['append', 'sr', 'y'],
  ['bitop', 'OR', 'bo', 'bb'],
  ['unlink', 'sr', 'bb'],
  ['bitop', 'OR', 'bo', 'bb'],
  ['xadd', 'x2', '1-1', 'a', '1'],
  ['xgroup', 'create', 'x2', 'g', '$'],
  ['xadd', 'x2', '2-1', 'a', '2'],
  ['xreadgroup', 'GROUP', 'g', 'c', 'STREAMS', 'x2', '>'],
  ['xclaim', 'x2', 'g', 'c2', '0', '2-1'],
  ['xack', 'x2', 'g', '2-1'],
  ['xgroup', 'createconsumer', 'x2', 'g', 'c9'],
  ['xgroup', 'delconsumer', 'x2', 'g', 'c9'],
  ['xgroup', 'setid', 'x2', 'g', '0'],
  ['xdel', 'x2', '2-1'],
  ['xsetid', 'x2', '99-0'],
  ['xgroup', 'destroy', 'x2', 'g'],
  ['set', 'kt', '1', 'EX', '100'],
  ['getex', 'kt', 'EX', '200'],
  ['set', 'kt', '2', 'KEEPTTL'],
  ['persist', 'kt'],
  ['getex', 'kt', 'PXAT', '1'],
  ['setex', 'se', '100', 'v'],
  ['psetex', 'pse', '100000', 'v'],
  ['getset', 'se', 'w'],
  ['setnx', 'se', 'x'],
  ['msetnx', 'm1', '1', 'm2', '2'],
  ['mset', 'm1', '3', 'm3', '4'],
  ['renamenx', 'm1', 'm9'],
  ['expire', 'm9', '100', 'NX'],
  ['pexpire', 'm9', '1000000'],
  ['del', 'm9', 'm3', 'nothing'],
  ['hsetnx', 'h3', 'a', '1'],
  ['hincrby', 'h3', 'a', '2'],
  ['hmset', 'h3', 'b', '1'],
  ['zincrby', 'z2', '1', 'm'],
  ['zadd', 'z2', 'INCR', '2', 'm'],
  ['zrem', 'z2', 'm'],
  ['zadd', 'z3', '1', 'a', '2', 'b', '3', 'c'],
  ['zremrangebyscore', 'z3', '1', '1'],
  ['zremrangebyrank', 'z3', '0', '0'],
  ['zrangestore', 'zrs', 'z3', '0', '-1'],
  ['zinterstore', 'zi', '1', 'nosuch'],
  ['rpush', 'l5', 'a', 'b'],
  ['rpoplpush', 'l5', 'l6'],
  ['lpushx', 'l6', 'x'],
  ['rpushx', 'nol', 'x'],
  ['sort', 'l6', 'ALPHA', 'STORE', 'sl2'],
  ['sunionstore', 'su', 'nosuch'],
  ['decr', 'cnt'],
  ['decrby', 'cnt', '5'],
  ['incrby', 'cnt', '2'],
  ['georadius', 'geo', '1', '1', '10', 'km', 'STORE', 'gst'],
  ['set', 'ex2', '1', 'PX', '1'],
  ['pause'],
  ['lpush', 'ex2', 'x'],
  ['set', 'end', '1'],
];

interface Pair {
  primaryPort: number;
  replicaPort: number;
  stop(): Promise<void>;
}

async function until(what: string, cond: () => Promise<boolean> | boolean): Promise<void> {
  for (let i = 0; !(await cond()); i++) {
    if (i > 400) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The messages a PSUBSCRIBE on the replica receives while STEPS run on the primary. */
async function eventsOnReplica(pair: Pair): Promise<string[]> {
  const sub = new Redis(pair.replicaPort, { lazyConnect: true, maxRetriesPerRequest: 0 });
  const primary = new Redis(pair.primaryPort, { lazyConnect: true, maxRetriesPerRequest: 0 });
  const blocker = new Redis(pair.primaryPort, { lazyConnect: true, maxRetriesPerRequest: 0 });
  await Promise.all([sub.connect(), primary.connect(), blocker.connect()]);
  const got: string[] = [];
  sub.on('pmessage', (_p: string, channel: string, message: string) => got.push(`${channel} ${message}`));
  sub.on('message', (channel: string, message: string) => got.push(`${channel} ${message}`));
  try {
    await sub.psubscribe('__key*@*__:*');
    await sub.subscribe('news');
    let blocked: Promise<unknown> | null = null;
    for (const step of STEPS) {
      if (step[0] === 'pause') await new Promise((r) => setTimeout(r, 20));
      else if (step[0] === 'block') {
        blocked = blocker.call('blpop', 'bl', '0');
        await until('a blocked client', async () => /blocked_clients:1/.test(await primary.info('clients')));
      } else await primary.call(step[0] as string, ...step.slice(1)).catch((e: Error) => e);
    }
    await blocked;
    await until('the last event on the replica', () => got.includes('__keyevent@0__:set end'));
    return got;
  } finally {
    sub.disconnect();
    primary.disconnect();
    blocker.disconnect();
  }
}

async function realPair(): Promise<Pair> {
  const p = await startRealRedis(['--repl-diskless-sync-delay', '0']);
  const r = await startRealRedis(['--notify-keyspace-events', REPLICA_FLAGS, '--replicaof', '127.0.0.1', String(p.port)]);
  const probe = new Redis(r.port, { lazyConnect: true });
  await probe.connect();
  await until('the real replica linked', async () => (await probe.info('replication')).includes('master_link_status:up'));
  probe.disconnect();
  return { primaryPort: p.port, replicaPort: r.port, stop: async () => void (await Promise.all([p.stop(), r.stop()])) };
}

/** Our primary with a redis-server replica over TCP (SYNC/PSYNC): the events come from our replication stream. */
async function ourPrimaryRealReplica(): Promise<Pair> {
  const p = await startServer();
  const r = await startRealRedis(['--notify-keyspace-events', REPLICA_FLAGS, '--replicaof', '127.0.0.1', String(p.port)]);
  const probe = new Redis(r.port, { lazyConnect: true });
  await probe.connect();
  await until('the real replica linked to ours', async () => (await probe.info('replication')).includes('master_link_status:up'));
  probe.disconnect();
  return { primaryPort: p.port, replicaPort: r.port, stop: async () => void (await Promise.all([p.server.close(), r.stop()])) };
}

async function ourPair(): Promise<Pair & { primary: Started; replica: Started }> {
  const primary = await startServer();
  const replica = await startServer();
  replica.server.replicaOf(primary.server);
  await replica.server.command(['CONFIG', 'SET', 'notify-keyspace-events', REPLICA_FLAGS]);
  return {
    primary,
    replica,
    primaryPort: primary.port,
    replicaPort: replica.port,
    stop: async () => {
      await replica.server.close();
      await primary.server.close();
    },
  };
}

describe('keyspace events on a replica', () => {
  const hasReal = realRedisAvailable();
  let real: RealRedis[] = [];
  beforeAll(() => {
    real = [];
  });
  afterAll(async () => {
    for (const r of real) await r.stop();
  });

  it.runIf(hasReal)('are what a redis-server replica publishes for the same writes, on our replica and on a redis-server replica of ours', { timeout: 20000 }, async () => {
    const theirs = await realPair();
    let expected: string[];
    try {
      expected = await eventsOnReplica(theirs);
    } finally {
      await theirs.stop();
    }
    const ours = await ourPair();
    try {
      expect(await eventsOnReplica(ours)).toEqual(expected);
    } finally {
      await ours.stop();
    }
    const overTcp = await ourPrimaryRealReplica();
    try {
      expect(await eventsOnReplica(overTcp)).toEqual(expected);
    } finally {
      await overTcp.stop();
    }
  });

  it('and PUBLISH messages wait for a cut link to be restored', async () => {
    const ours = await ourPair();
    const sub = new Redis(ours.replicaPort, { lazyConnect: true });
    const primary = new Redis(ours.primaryPort, { lazyConnect: true });
    await Promise.all([sub.connect(), primary.connect()]);
    const got: string[] = [];
    sub.on('pmessage', (_p: string, channel: string, message: string) => got.push(`${channel} ${message}`));
    try {
      await sub.psubscribe('__keyevent@*__:*');
      await sub.subscribe('news');
      sub.on('message', (channel: string, message: string) => got.push(`${channel} ${message}`));
      ours.replica.server.faultReplication({ delayMs: null });
      await primary.set('cut', '1');
      await primary.publish('news', 'while cut');
      await primary.lpush('cutl', 'a');
      // The replica has neither write, and announces neither.
      await new Promise((r) => setTimeout(r, 50));
      expect(got).toEqual([]);
      const reader = new Redis(ours.replicaPort);
      expect(await reader.get('cut')).toBe(null);
      reader.disconnect();
      ours.replica.server.faultReplication(null);
      await until('the held events', () => got.length === 5);
      expect(got).toEqual(['__keyevent@0__:new cut', '__keyevent@0__:set cut', 'news while cut', '__keyevent@0__:new cutl', '__keyevent@0__:lpush cutl']);
    } finally {
      sub.disconnect();
      primary.disconnect();
      await ours.stop();
    }
  });

  it('come across threads: a replica in a worker thread publishes what one on the primary\'s thread does', { timeout: 20000 }, async () => {
    const steps = [['set', 'a', '1'], ['incrbyfloat', 'a', '2'], ['publish', '__keyevent@0__:relayed', 'message'], ['lpush', 'l', 'x', 'y'], ['sadd', 's', 'm'], ['spop', 's'], ['set', 'e', '1', 'PX', '1'], ['pause'], ['get', 'e'], ['rename', 'a', 'b'], ['set', 'end', '1']];
    const primary = createRedisNode({ port: 0, mode: 'node' });
    const local = createRedisNode({ port: 0, mode: 'node' });
    const threaded = createThreadedRedisNode({ port: 0, mode: 'node' });
    try {
      await Promise.all([primary.listen(), local.listen(), threaded.listen()]);
      for (const r of [local, threaded]) r.replicaOf(primary);
      await until('both replicas synced', async () => (await threaded.command(['ROLE'])).toString().includes('connected'));
      // Set once the threaded replica follows: it tells its primary then, not with its next acknowledgement.
      for (const r of [local, threaded]) expect(await Promise.resolve(r.configure(new Map([['notify-keyspace-events', 'KEA']])))).toEqual([]);
      const subs = [local, threaded].map((r) => new Redis(r.port, { lazyConnect: true }));
      const got: string[][] = [[], []];
      await Promise.all(subs.map((s, i) => s.connect().then(() => {
        s.on('pmessage', (_p: string, channel: string, message: string) => got[i]?.push(`${channel} ${message}`));
        return s.psubscribe('__keyevent@*__:*');
      })));
      const client = new Redis(primary.port);
      await until('the threaded replica\'s word reached its primary', async () => {
        await client.set('probe', '1');
        return got[1]?.includes('__keyevent@0__:set probe') === true;
      });
      for (const step of steps) {
        if (step[0] === 'pause') await new Promise((r) => setTimeout(r, 20));
        else await client.call(step[0] as string, ...step.slice(1));
      }
      await until('the last events', () => got.every((g) => g.includes('__keyevent@0__:set end')));
      client.disconnect();
      for (const s of subs) s.disconnect();
      const [onLocal, onThreaded] = got.map((g) => g.filter((m) => m !== '__keyevent@0__:set probe'));
      expect(onLocal).toEqual(['set a', 'set a', 'relayed message', 'lpush l', 'sadd s', 'srem s', 'del s', 'set e', 'expire e', 'del e', 'rename_from a', 'rename_to b', 'set end'].map((m) => `__keyevent@0__:${m.split(' ')[0]} ${m.split(' ')[1]}`));
      expect(onThreaded).toEqual(onLocal);
    } finally {
      await threaded.close();
      await local.close();
      await primary.close();
    }
  });

  it('reach a replica of a replica (a global datastore\'s secondary), through a middle one that announces nothing', async () => {
    const [a, b, c] = [await startServer(), await startServer(), await startServer()];
    b.server.replicaOf(a.server);
    c.server.replicaOf(b.server);
    await c.server.command(['CONFIG', 'SET', 'notify-keyspace-events', 'KEA']);
    const sub = new Redis(c.port, { lazyConnect: true });
    const middle = new Redis(b.port, { lazyConnect: true });
    const primary = new Redis(a.port, { lazyConnect: true });
    await Promise.all([sub.connect(), middle.connect(), primary.connect()]);
    const got: string[] = [];
    const onMiddle: string[] = [];
    sub.on('pmessage', (_p: string, channel: string, message: string) => got.push(`${channel} ${message}`));
    middle.on('pmessage', (_p: string, channel: string, message: string) => onMiddle.push(`${channel} ${message}`));
    try {
      await sub.psubscribe('__keyevent@*__:*');
      await middle.psubscribe('__keyevent@*__:*');
      await primary.hset('h', 'f', '1');
      await primary.hincrbyfloat('h', 'f', '1.5');
      await primary.publish('__keyevent@0__:relayed', 'x');
      await until('the events two links away', () => got.length === 3);
      expect(got).toEqual(['__keyevent@0__:hset h', '__keyevent@0__:hset h', '__keyevent@0__:relayed x']);
      // The middle replica's own flags are off: it relays the message but announces no event.
      expect(onMiddle).toEqual(['__keyevent@0__:relayed x']);
      // A message published on the middle replica itself stays there, as a redis-server replica passes on only its primary's stream.
      const publisher = new Redis(b.port);
      await publisher.publish('__keyevent@0__:relayed', 'from the middle');
      publisher.disconnect();
      await primary.publish('__keyevent@0__:relayed', 'y');
      await until('the next message two links away', () => got.length === 4);
      expect(got.slice(3)).toEqual(['__keyevent@0__:relayed y']);
    } finally {
      sub.disconnect();
      middle.disconnect();
      primary.disconnect();
      for (const s of [c, b, a]) await s.server.close();
    }
  });

  it('over a delayed link come once the write arrived: a reader told of the event finds the value', async () => {
    // The delay runs on the primary's clock, moved by hand: nothing can arrive before it is moved.
    const p = await startServer({}, true);
    const r = await startServer();
    r.server.replicaOf(p.server);
    await r.server.command(['CONFIG', 'SET', 'notify-keyspace-events', 'KEA']);
    const sub = new Redis(r.port, { lazyConnect: true });
    const reader = new Redis(r.port, { lazyConnect: true });
    const primary = new Redis(p.port, { lazyConnect: true });
    await Promise.all([sub.connect(), reader.connect(), primary.connect()]);
    const seen: (string | null)[] = [];
    sub.on('pmessage', (_p: string, channel: string, key: string) => {
      if (channel === '__keyevent@0__:set' && key === 'late') void reader.get('late').then((v) => seen.push(v));
    });
    try {
      await sub.psubscribe('__keyevent@*__:*');
      r.server.faultReplication({ delayMs: 150 });
      await primary.set('late', 'v');
      await primary.set('late2', 'v');
      await new Promise((res) => setTimeout(res, 50));
      expect(seen).toEqual([]);
      expect(await reader.get('late')).toBe(null);
      p.clock?.advance(150);
      await until('the delayed events', () => seen.length === 1);
      expect(seen).toEqual(['v']);
    } finally {
      r.server.faultReplication(null);
      sub.disconnect();
      reader.disconnect();
      primary.disconnect();
      await r.server.close();
      await p.server.close();
    }
  });
});
