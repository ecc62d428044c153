// Ruby applications against the endpoints the API hands out, with Debian's packages of the libraries (.ci/run
// installs them): redis-rb 4.8 with redis-namespace on a primary endpoint and over TLS + AUTH token, its cluster
// client on a configuration endpoint through a resharding, Sidekiq 6.4 (a client and a Launcher with concurrency 5)
// on a primary endpoint, over TLS and through TestFailover, and Dalli 3.0.6 with connection_pool over the nodes of a
// Memcached cluster. The scripts in ruby/ print what they saw as one JSON line; where a reply is the server's, the
// same script's report against redis-server / memcached is the expectation.
import {
  CreateCacheClusterCommand,
  DescribeCacheClustersCommand,
  ModifyReplicationGroupShardConfigurationCommand,
  TestFailoverCommand,
  waitUntilCacheClusterAvailable,
  waitUntilReplicationGroupAvailable,
  type ElastiCacheClient,
} from '@aws-sdk/client-elasticache';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/index.ts';
import { realMemcachedAvailable, startReal as startRealMemcached, type Target as MemcachedTarget } from '../engines/memcached/helpers.ts';
import { startRealRedis, type RealRedis } from '../engines/redis/helpers.ts';
import { FAST_WAIT, hasTool, sdkClient, startEmulator } from '../support/emulator.ts';
import { availableGroup, describeGroup, libraryTargets, readerEndpoint, userEndpoint, type Endpoint } from '../support/groups.ts';

// Debian's interpreter, where apt puts the libraries (a ruby earlier on the PATH may be another one).
const RUBY = '/usr/bin/ruby';
const HAS_LIBRARIES = hasTool(RUBY, ['-e', 'require "redis"; require "redis-namespace"; require "sidekiq"; require "dalli"; require "connection_pool"']);
const HAS_SERVERS = HAS_LIBRARIES && hasTool('redis-server') && realMemcachedAvailable();
const SCRIPTS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'ruby');
const TOKEN = 'ruby-auth-token-0123456789';
// memcached as the default parameter group starts it: lru_crawler and slab_reassign 0 (their stats are left out).
const ELASTICACHE_DEFAULTS = ['-o', 'no_lru_crawler,no_slab_reassign'];

let emulator: Emulator;
let api: ElastiCacheClient;
let primary: Endpoint;
let config: Endpoint;
let secure: Endpoint & { tls: { ca: string }; password: string };
let failover: Endpoint;
let memcachedNodes: string[];
let memcachedTlsNodes: string[];
let realRedis: RealRedis;
let realRedisWithPassword: RealRedis;
let realReplica: RealRedis;
let reader: Endpoint;
let realMemcached: MemcachedTarget[] = [];

beforeAll(async () => {
  if (!HAS_SERVERS) return;
  emulator = await startEmulator({ transitionDelayMs: 100 });
  api = sdkClient(emulator);
  for (const [id, tls] of [['rb-memcached', false], ['rb-memcached-tls', true]] as const) {
    await api.send(new CreateCacheClusterCommand({ CacheClusterId: id, Engine: 'memcached', CacheNodeType: 'cache.t3.micro', NumCacheNodes: 3, TransitEncryptionEnabled: tls }));
  }
  let tlsEndpoint: Endpoint;
  let failoverGroup;
  [{ primary, config, secure: tlsEndpoint }, failoverGroup, realRedis, realRedisWithPassword, ...realMemcached] = await Promise.all([
    libraryTargets(api, 'ruby', TOKEN),
    availableGroup(api, { ReplicationGroupId: 'ruby-failover', NumCacheClusters: 2, AutomaticFailoverEnabled: true }),
    startRealRedis(),
    startRealRedis(['--requirepass', TOKEN]),
    ...[1, 2, 3].map(() => startRealMemcached(ELASTICACHE_DEFAULTS)),
  ]);
  secure = { ...tlsEndpoint, tls: { ca: emulator.caPath }, password: TOKEN };
  reader = readerEndpoint(await describeGroup(api, 'ruby'));
  realReplica = await startRealRedis(['--replicaof', '127.0.0.1', String(realRedis.port)]);
  failover = userEndpoint(failoverGroup);
  [memcachedNodes, memcachedTlsNodes] = await Promise.all([nodesOf('rb-memcached'), nodesOf('rb-memcached-tls')]);
}, 60_000);

/** The `host:port` of each node of a Memcached cluster, once it is available: what a Dalli client is given. */
async function nodesOf(id: string): Promise<string[]> {
  await waitUntilCacheClusterAvailable({ client: api, ...FAST_WAIT }, { CacheClusterId: id });
  const cluster = (await api.send(new DescribeCacheClustersCommand({ CacheClusterId: id, ShowCacheNodeInfo: true }))).CacheClusters![0]!;
  return cluster.CacheNodes!.map((n) => `${n.Endpoint!.Address}:${n.Endpoint!.Port}`);
}

afterAll(async () => {
  api?.destroy();
  await Promise.all([emulator?.stop(), realRedis?.stop(), realRedisWithPassword?.stop(), realReplica?.stop(), ...realMemcached.map((m) => m.close())]);
});

/**
 * Runs one script against `target`; its last stdout line is its JSON report. A line `@name` is a checkpoint:
 * `at[name]` runs, then the script is told to go on.
 */
function run(script: string, target: object, env: Record<string, string> = {}, at: Record<string, () => Promise<void>> = {}): Promise<Record<string, unknown>> {
  const child = spawn(RUBY, [path.join(SCRIPTS, script)], { cwd: SCRIPTS, env: { ...process.env, ...env, TARGET: JSON.stringify(target) } });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => void (stderr = (stderr + d.toString()).slice(-4000)));
  const lines: string[] = [];
  const checkpoints: Promise<void>[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    const handler = line.startsWith('@') ? at[line.slice(1)] : undefined;
    if (handler) checkpoints.push(handler().then(() => void child.stdin.write('go\n')));
    else lines.push(line);
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve, reject) => {
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      Promise.all(checkpoints).then(() => {
        if (code !== 0) return reject(new Error(`${script} exited ${code ?? signal}: ${stderr}`));
        resolve(JSON.parse(lines.at(-1)!) as Record<string, unknown>);
      }, reject);
    });
  });
}

/** A script's report against the real server, made once per script, target and environment and shared by the tests. */
const onRealServer = new Map<string, Promise<Record<string, unknown>>>();
function real(script: string, target: object, env: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const key = JSON.stringify([script, target, env]);
  if (!onRealServer.has(key)) onRealServer.set(key, run(script, target, env));
  return onRealServer.get(key)!;
}

/** Runs `script` on our `target` and on the real server's, expects the same report, and returns ours. */
async function sameAsReal(script: string, target: object, realTarget: object, env: Record<string, string> = {}, realEnv = env): Promise<Record<string, unknown>> {
  const [ours, theirs] = await Promise.all([run(script, target, env), real(script, realTarget, realEnv)]);
  expect(ours).toEqual(theirs);
  return ours;
}
const realRedisTarget = () => ({ host: '127.0.0.1', port: realRedis.port });
const realMemcachedTarget = () => ({ servers: realMemcached.map((m) => `127.0.0.1:${m.port}`) });

describe.skipIf(!HAS_SERVERS)('redis-rb', () => {
  it('pipelined, multi/exec, watch, EVALSHA with the NOSCRIPT fallback, pub/sub, blocking pops, scan_each and redis-namespace answer as on redis-server', async () => {
    const ours = await sameAsReal('redis_rb.rb', primary, realRedisTarget());
    expect(ours.noscript).toEqual(['NOSCRIPT No matching script. Please use EVAL.']);
  }, 40_000);

  it('does the same over TLS with the AUTH token', async () => {
    await sameAsReal('redis_rb.rb', secure, realRedisTarget());
  }, 40_000);

  it('sees what redis-server with requirepass answers without the AUTH token, with a wrong one and with the right one', async () => {
    const ours = await sameAsReal('redis_auth.rb', secure, { ...realRedisTarget(), port: realRedisWithPassword.port, password: TOKEN });
    expect(ours.right).toBe('PONG');
  }, 40_000);

  it('reads from the reader endpoint and is refused writes there as on a redis-server replica', async () => {
    const replica = { host: '127.0.0.1', port: realReplica.port };
    const ours = await sameAsReal('redis_replica.rb', reader, replica, { PRIMARY: JSON.stringify(primary) }, { PRIMARY: JSON.stringify(realRedisTarget()) });
    expect(ours.message).toEqual([['news', 'from the primary']]);
  }, 40_000);

  it('converts the replies of every command family (floats, geo, streams, bitfields, sort, objects) as from redis-server', async () => {
    await sameAsReal('redis_rb_replies.rb', primary, realRedisTarget());
  }, 40_000);

  it('its cluster client works a configuration endpoint and follows MOVED after a resharding to 3 shards', async () => {
    const reshard = async () => {
      await api.send(new ModifyReplicationGroupShardConfigurationCommand({ ReplicationGroupId: 'ruby-cluster', NodeGroupCount: 3, ApplyImmediately: true }));
      await waitUntilReplicationGroupAvailable({ client: api, ...FAST_WAIT }, { ReplicationGroupId: 'ruby-cluster' });
    };
    expect(await run('redis_cluster.rb', config, {}, { reshard })).toEqual({
      set: ['OK'],
      get: 4950,
      tagged: ['OK', ['ann', 'a@x'], [1, 2], 'ann/a@x'],
      crossslot: 'Redis::CommandError',
      cluster: ['ok', 2, true],
      after: [4950, ['ann', 'a@x'], 3, 5050],
      moved: true,
      replica_reads: [5050, 'OK', 'bea', true],
    });
  }, 60_000);
});

describe.skipIf(!HAS_SERVERS)('Sidekiq', () => {
  it('a client and a Launcher (concurrency 5) push, schedule, retry, kill and report jobs, and the Web UI API pages and edits them, on the primary endpoint as on redis-server', async () => {
    const ours = await sameAsReal('sidekiq_jobs.rb', primary, realRedisTarget());
    expect(ours.after).toMatchObject({ sums: [53, 2686, true, true], processed: 58, failed: 3, dead_size: 1 });
  }, 40_000);

  it('does the same over TLS with the AUTH token, its keys under a redis-namespace', async () => {
    await sameAsReal('sidekiq_jobs.rb', secure, realRedisTarget(), { NAMESPACE: 'shop' }, {});
  }, 40_000);

  it('the sidekiq executable boots against the primary endpoint, works the jobs and stops on TERM as on redis-server', async () => {
    const ours = await sameAsReal('sidekiq_jobs.rb', primary, realRedisTarget(), { CLI: '1' });
    expect(ours).toEqual({ process: [[5, ['default', 'low'], 'false']], exit: 0, after: [450, 0, 21] });
  }, 40_000);

  it('every job completes when the group fails over while the Launcher works', async () => {
    const failOver = async () => {
      await api.send(new TestFailoverCommand({ ReplicationGroupId: 'ruby-failover', NodeGroupId: '0001' }));
      await waitUntilReplicationGroupAvailable({ client: api, ...FAST_WAIT }, { ReplicationGroupId: 'ruby-failover' });
      const roles = (await describeGroup(api, 'ruby-failover')).NodeGroups![0]!.NodeGroupMembers!.map((m) => `${m.CacheClusterId}:${m.CurrentRole}`);
      expect(roles.sort()).toEqual(['ruby-failover-001:replica', 'ruby-failover-002:primary']);
    };
    expect(await run('sidekiq_jobs.rb', failover, { FAILOVER: '1' }, { failover: failOver })).toEqual({
      other_node: true,
      counted: true,
      stats: { enqueued: 0, retry: 0, dead: 0 },
    });
  }, 60_000);
});

describe.skipIf(!HAS_SERVERS)('Dalli', () => {
  it('spreads keys over the nodes and stores, counts, swaps, expires, compresses and refuses oversized values as memcached does', async () => {
    const ours = await sameAsReal('dalli_nodes.rb', { servers: memcachedNodes }, realMemcachedTarget());
    expect(ours.many).toEqual([100, 4950, false, 3, 3, true]);
    expect(ours.pool).toEqual(['200', 3]);
  }, 40_000);

  it('does the same over TLS on a cluster with in-transit encryption', async () => {
    await sameAsReal('dalli_nodes.rb', { servers: memcachedTlsNodes, tls: { ca: emulator.caPath } }, realMemcachedTarget());
  }, 40_000);

  it('odd keys and values, long TTLs, counter wrap-around, quiet multi blocks, a staggered delayed flush and stat names as memcached', async () => {
    const ours = await sameAsReal('dalli_edges.rb', { servers: memcachedNodes }, realMemcachedTarget());
    expect(ours.delayed_flush).toEqual([3, [null, 'here', 'here']]);
    expect((ours.settings as unknown[])[1]).toBe(true);
  }, 40_000);
});
