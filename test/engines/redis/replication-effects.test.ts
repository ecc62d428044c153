// Replication ships replayable writes as the keys they changed (as the command to a replica in another
// thread) and everything else as key state: after a random mix (TTLs, SPOP, XADD *, MULTI, served
// blocking pops, Lua when present), every replica holds exactly the primary's data; and a write into a
// huge key on a primary with replicas costs the write, not the key.
import { describe, expect, it } from 'vitest';
import { newList } from '../../../engines/redis/db/objects.ts';
import type { RawClient } from './helpers.ts';
import { mulberry32, pick } from './random.ts';
import { trackedServers } from './tracked-servers.ts';

const { node, connect } = trackedServers();

/** Every key of db 0 and 1 with its serialized value and whether it has a TTL. */
async function snapshot(c: RawClient): Promise<string[]> {
  const out: string[] = [];
  for (const db of ['0', '1']) {
    await c.call('SELECT', db);
    const keys = (await c.call('KEYS', '*')).split('\r\n').filter((_, i) => i > 0 && i % 2 === 0).sort();
    for (const k of keys) {
      const ttl = await c.call('PTTL', k);
      out.push(`${db}/${k} ${await c.call('DUMP', k)} ${ttl === ':-1\r\n' ? 'persistent' : 'volatile'}`);
    }
  }
  return out;
}

function commands(seed: number, count: number): string[][] {
  const rnd = mulberry32(seed);
  const typed = (t: string) => () => `${t}${Math.floor(rnd() * 2)}`;
  const [l, h, st, z, x] = ['l', 'h', 's', 'z', 'x'].map(typed) as [() => string, () => string, () => string, () => string, () => string];
  // Whole-key writes (DEL, SET, RENAME, COPY, EXPIRE) only touch the *1 keys, so the *0 keys evolve
  // only through per-element writes.
  const k = () => `${pick(rnd, ['l', 'h', 's', 'z', 'x'])}1`;
  const v = () => pick(rnd, ['a', 'b', 'c', '1', '2', '-3', '2.5', 'x'.repeat(80)]);
  const gens: (() => string[])[] = [
    () => ['LPUSH', l(), v(), v()],
    () => ['RPUSH', l(), v()],
    () => ['LPOP', l()],
    () => ['RPOP', l(), '2'],
    () => ['LREM', l(), '0', v()],
    () => ['LINSERT', l(), 'BEFORE', v(), v()],
    () => ['LTRIM', l(), '0', '5'],
    () => ['LMOVE', l(), l(), 'LEFT', 'RIGHT'],
    () => ['LSET', l(), '0', v()],
    () => ['HSET', h(), v(), v(), v(), v()],
    () => ['HDEL', h(), v()],
    () => ['HINCRBY', h(), v(), '3'],
    () => ['HINCRBYFLOAT', h(), v(), '0.1'],
    () => ['SADD', st(), v(), v()],
    () => ['SREM', st(), v()],
    () => ['SMOVE', st(), st(), v()],
    () => ['SPOP', st()],
    () => ['ZADD', z(), pick(rnd, ['1', '2', '-inf', '0.5']), v()],
    () => ['ZADD', z(), 'INCR', '1.5', v()],
    () => ['ZINCRBY', z(), '2', v()],
    () => ['ZREM', z(), v()],
    () => ['ZPOPMIN', z()],
    () => ['ZREMRANGEBYRANK', z(), '0', '0'],
    () => ['XADD', x(), '*', 'f', v()],
    () => ['XADD', x(), 'MAXLEN', '~', '3', '*', 'f', v()],
    () => ['XADD', x(), 'NOMKSTREAM', 'MINID', '0', '*', 'f', v()],
    () => ['XTRIM', x(), 'MAXLEN', '2'],
    () => ['EXPIRE', k(), '1000'],
    () => ['SPOP', st(), '2'],
    () => ['SADD', st(), v(), v(), v()],
    () => ['PERSIST', k()],
    () => ['DEL', k()],
    () => ['SET', k(), v()],
    () => ['INCR', k()],
    () => ['DECRBY', k(), '2'],
    () => ['APPEND', k(), v()],
    () => ['SETRANGE', k(), '3', v()],
    () => ['SETNX', k(), v()],
    () => ['MSET', k(), v(), k(), v()],
    () => ['MSETNX', k(), v(), k(), v()],
    () => ['SELECT', pick(rnd, ['0', '1'])],
    () => ['MULTI'],
    () => ['EXEC'],
    () => ['COPY', k(), k(), 'REPLACE'],
    () => ['RENAME', k(), k()],
  ];
  return Array.from({ length: count }, () => pick(rnd, gens)());
}

describe('replication by command and by key state', () => {
  it('leaves two replicas equal to the primary after a random mix of writes', async () => {
    const primary = await node();
    const replicas = [await node(), await node()];
    for (const r of replicas) r.server.replicaOf(primary.server);
    const p = await connect(primary.port);
    const blocked = await connect(primary.port);
    blocked.write('*3\r\n$5\r\nBLPOP\r\n$2\r\nl0\r\n$1\r\n0\r\n');
    for (const cmd of commands(7, 3000)) await p.call(...cmd);
    await p.call('EXEC');
    expect(await p.call('WAIT', '2', '0')).toBe(':2\r\n');
    const want = await snapshot(p);
    expect(want.length).toBeGreaterThan(3);
    for (const r of replicas) expect(await snapshot(await connect(r.port))).toEqual(want);
  });

  it('replicates the effects of a script', async () => {
    const primary = await node();
    const replica = await node();
    replica.server.replicaOf(primary.server);
    const p = await connect(primary.port);
    const probe = await p.call('EVAL', 'return 1', '0');
    if (!probe.startsWith(':1')) return; // scripting not built into this tree yet
    await p.call('SADD', 's', 'a', 'b', 'c', 'd');
    await p.call('EVAL', "redis.call('LPUSH', KEYS[1], 'x', 'y'); redis.call('SPOP', KEYS[2]); return redis.call('HSET', KEYS[3], 'f', 'v')", '3', 'l', 's', 'h');
    await p.call('WAIT', '1', '0');
    expect(await snapshot(await connect(replica.port))).toEqual(await snapshot(p));
  });

  it('keeps a write into a 1M-element list as cheap with two replicas as on a lone node', async () => {
    const rate = async (withReplicas: boolean): Promise<number> => {
      const primary = await node();
      if (withReplicas) for (const r of [await node(), await node()]) r.server.replicaOf(primary.server);
      const l = newList();
      for (let i = 0; i < 1_000_000; i++) l.v.pushBack('v');
      primary.server.engine.ks.db(0).set('big', l);
      const c = await connect(primary.port);
      const batch = Buffer.from('*3\r\n$5\r\nLPUSH\r\n$3\r\nbig\r\n$1\r\nx\r\n'.repeat(5000));
      const t0 = performance.now();
      for (let i = 0; i < 4; i++) {
        c.write(batch);
        for (let j = 0; j < 5000; j++) await c.read();
      }
      return 20000 / ((performance.now() - t0) / 1000);
    };
    const lone = await rate(false);
    const replicated = await rate(true);
    // Shipped by copy this was ~50x slower; replaying the command costs a fraction of the round trip.
    expect(replicated).toBeGreaterThan(lone * 0.5);
  });
});
