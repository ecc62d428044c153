// Scripts in cluster mode and under maxmemory, against redis-server 7.0: CROSSSLOT for declared keys,
// Redis's errors for undeclared keys of other slots, MOVED to the owner, and -OOM for scripts
// without allow-oom.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formCluster } from '../../../engines/redis/index.ts';
import { freePort } from '../../support/net.ts';
import { differential, RawClient, realRedisAvailable, REDIS_SERVER, startRealRedis, startServer, type RealRedis, type Started } from './helpers.ts';

const available = realRedisAvailable();

async function until(what: string, check: () => Promise<boolean>, ms = 15000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A one-node redis-server cluster that owns every slot. */
async function startRealCluster(): Promise<RealRedis> {
  const dir = mkdtempSync(path.join(tmpdir(), 'lua-cluster-'));
  const port = await freePort();
  const child = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--cluster-enabled', 'yes', '--cluster-config-file', path.join(dir, 'nodes.conf')], { cwd: dir, stdio: 'ignore' });
  const stop = () => new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : (child.once('exit', () => resolve()), child.kill('SIGKILL'))));
  child.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  await until('redis-server to listen', () => RawClient.connect(port).then((c) => (c.close(), true), () => false));
  const c = await RawClient.connect(port);
  await c.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383');
  await until('the cluster to be ok', async () => (await c.call('CLUSTER', 'INFO')).includes('cluster_state:ok'));
  c.close();
  return { port, stop };
}

const CLUSTER_SCRIPTS: string[][] = [
  ['EVAL', 'return 1', '2', 'a', 'b'],
  ['EVAL', 'return 1', '2', '{a}1', '{a}2'],
  ['EVAL', "return redis.call('get', 'b')", '1', 'a'],
  ['EVAL', "return redis.pcall('get', 'b')", '1', 'a'],
  ['EVAL', "return redis.call('set', 'b', 1)", '1', 'a'],
  ['EVAL', "return redis.call('get', '{a}x')", '1', 'a'],
  ['EVAL', "return redis.call('get', 'a')", '0'],
  ['EVAL', "return redis.call('mget', 'a', 'b')", '0'],
  ['EVAL', "#!lua\nreturn redis.call('get', 'b')", '1', 'a'],
  ['EVAL', "#!lua flags=allow-cross-slot-keys\nreturn redis.call('get', 'b')", '1', 'a'],
  ['EVAL', "#!lua flags=allow-cross-slot-keys\nreturn {redis.call('set', 'b', 1), redis.call('get', 'c')}", '1', 'a'],
  ['EVAL_RO', "return redis.call('get', 'b')", '1', 'a'],
  ['FUNCTION', 'LOAD', "#!lua name=cl\nredis.register_function('g', function(k) return redis.call('get', 'zz') end)"],
  ['FCALL', 'g', '1', 'a'],
  ['FCALL', 'g', '2', 'a', 'b'],
];

describe.skipIf(!available)('scripts in cluster mode and under maxmemory, as redis-server 7.0', () => {
  let real: RealRedis;
  let ours: Started;
  beforeAll(async () => {
    real = await startRealCluster();
    ours = await startServer();
    formCluster([{ primary: ours.server, replicas: [], slots: [[0, 16383]] }]);
  });
  afterAll(async () => {
    await ours?.server.close();
    await real?.stop();
  });

  it('CROSSSLOT for declared keys, and the errors for undeclared keys of other slots', async () => {
    const out = await differential(ours.port, real.port, CLUSTER_SCRIPTS);
    expect(out.filter((r) => r.ours !== r.real)).toEqual([]);
  });

  it('MOVED when another shard owns the declared keys (ours: two shards in one process)', async () => {
    const a = await startServer();
    const b = await startServer();
    formCluster([
      { primary: a.server, replicas: [], slots: [[0, 8191]] },
      { primary: b.server, replicas: [], slots: [[8192, 16383]] },
    ]);
    const c = await RawClient.connect(a.port);
    try {
      // 'b' hashes to slot 3300 (shard a), 'a' to 15495 (shard b).
      expect(await c.call('EVAL', "return redis.call('get', KEYS[1])", '1', 'a')).toBe(`-MOVED 15495 127.0.0.1:${b.port}\r\n`);
      expect(await c.call('EVAL', "return redis.call('set', KEYS[1], 'x')", '1', 'b')).toBe('+OK\r\n');
      expect(await c.call('FCALL', 'nosuch', '1', 'a')).toBe(`-MOVED 15495 127.0.0.1:${b.port}\r\n`);
    } finally {
      c.close();
      await a.server.close();
      await b.server.close();
    }
  });

  it('-OOM for write scripts without allow-oom once maxmemory is exceeded', async () => {
    const oursMem = await startServer();
    const realMem = await startRealRedis();
    try {
      const cmds = [
        ['SET', 'big', 'x'.repeat(100000)],
        ['CONFIG', 'SET', 'maxmemory', '1'],
        ['EVAL', "return redis.call('set', 'k', 'v')", '0'],
        ['EVAL', "return redis.pcall('set', 'k', 'v')", '0'],
        ['EVAL', "return redis.call('get', 'big') and 1", '0'],
        ['EVAL', "#!lua\nreturn redis.call('get', 'big') and 1", '0'],
        ['EVAL', "#!lua flags=no-writes\nreturn redis.call('get', 'big') and 1", '0'],
        ['EVAL', "#!lua flags=allow-oom\nreturn redis.call('set', 'k', 'v')", '0'],
        ['EVAL_RO', "return redis.call('get', 'k')", '0'],
        ['CONFIG', 'SET', 'maxmemory', '0'],
      ];
      const out = await differential(oursMem.port, realMem.port, cmds);
      expect(out.filter((r) => r.ours !== r.real)).toEqual([]);
    } finally {
      await oursMem.server.close();
      await realMem.stop();
    }
  });
});
