// PHP applications against the endpoints the API hands out, with Debian's php-cli and its extensions (.ci/run
// installs them): phpredis's Redis class on a primary endpoint, a reader endpoint and a TLS + AUTH token group,
// RedisCluster on a cluster-mode configuration endpoint (replica reads, a shard's failover), PHP sessions in Redis
// (locking; the rediscluster handler) and in Memcached (locking), and php-memcached over a 3-node Memcached cluster
// (ketama, text and binary protocol). The scripts in php/ print what they saw as one JSON line; each runs at the
// same time against the real thing of the same shape (redis-server, a replica of it, one under requirepass, a
// two-shard redis-server cluster, three memcached processes), and the two reports must be the same.
import {
  CreateCacheClusterCommand,
  DescribeCacheClustersCommand,
  TestFailoverCommand,
  waitUntilCacheClusterAvailable,
  waitUntilReplicationGroupAvailable,
  type ElastiCacheClient,
} from '@aws-sdk/client-elasticache';
import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/index.ts';
import { realMemcachedAvailable, startReal, type Target } from '../engines/memcached/helpers.ts';
import { realRedisAvailable, startRealRedis, type RealRedis } from '../engines/redis/helpers.ts';
import { startRealCluster, type RealCluster } from '../engines/redis/real-cluster.ts';
import { FAST_WAIT, hasTool, sdkClient, startEmulator } from '../support/emulator.ts';
import { describeGroup, libraryTargets, readerEndpoint, type Endpoint } from '../support/groups.ts';

// Debian's interpreter, where apt puts the extensions (a php earlier on the PATH may be another build).
const PHP = '/usr/bin/php';
const HAS_PHP =
  hasTool(PHP, ['-r', 'exit(extension_loaded("redis") && extension_loaded("memcached") && extension_loaded("igbinary") && extension_loaded("pcntl") ? 0 : 1);']) &&
  realRedisAvailable() &&
  realMemcachedAvailable();
const SCRIPTS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'php');
const TOKEN = 'php-auth-token-0123456789';
const LOCALHOST = '127.0.0.1';

type Report = Record<string, unknown>;

let emulator: Emulator;
let api: ElastiCacheClient;
let primary: Endpoint;
let config: Endpoint;
let secure: Endpoint & { tls: { ca: string }; password: string };
let nodes: Endpoint[];
let memcachedVersion: string;
let reader: Endpoint;
let realRedis: RealRedis;
let realReplica: RealRedis;
let realAuth: RealRedis;
let realCluster: RealCluster;
let realMemcached: Target[] = [];

beforeAll(async () => {
  if (!HAS_PHP) return;
  emulator = await startEmulator({ transitionDelayMs: 100 });
  api = sdkClient(emulator);
  await api.send(new CreateCacheClusterCommand({ CacheClusterId: 'php-memcached', Engine: 'memcached', CacheNodeType: 'cache.t3.micro', NumCacheNodes: 3 }));
  let tlsEndpoint: Endpoint | undefined;
  // Each kept as soon as it runs, so that afterAll stops it even when another fails to start.
  await Promise.all([
    libraryTargets(api, 'php', TOKEN).then((t) => ({ primary, config, secure: tlsEndpoint } = t)),
    // Its replica (for the reader endpoint's comparison) syncs at once rather than after 7.0's 5 s diskless delay.
    startRealRedis(['--repl-diskless-sync-delay', '0']).then((r) => (realRedis = r)),
    startRealRedis(['--requirepass', TOKEN]).then((r) => (realAuth = r)),
    // The shape of libraryTargets' cluster-mode group: two shards of a primary and a replica.
    startRealCluster([1, 1]).then((c) => (realCluster = c)),
    // As a node of the default parameter group runs: lru_crawler and slab_reassign 0 (their stats are left out).
    ...[0, 1, 2].map(() => startReal(['-o', 'no_lru_crawler,no_slab_reassign']).then((m) => realMemcached.push(m))),
  ]);
  secure = { ...tlsEndpoint!, tls: { ca: emulator.caPath }, password: TOKEN };
  reader = readerEndpoint(await describeGroup(api, 'php'));
  realReplica = await startRealRedis(['--replicaof', LOCALHOST, String(realRedis.port)]);
  await waitUntilCacheClusterAvailable({ client: api, ...FAST_WAIT }, { CacheClusterId: 'php-memcached' });
  const cluster = (await api.send(new DescribeCacheClustersCommand({ CacheClusterId: 'php-memcached', ShowCacheNodeInfo: true }))).CacheClusters![0]!;
  nodes = cluster.CacheNodes!.map((n) => ({ host: n.Endpoint!.Address!, port: n.Endpoint!.Port! }));
  memcachedVersion = cluster.EngineVersion!;
}, 60_000);

afterAll(async () => {
  api?.destroy();
  await emulator?.stop();
  await realRedis?.stop();
  await realAuth?.stop();
  await realReplica?.stop();
  await realCluster?.stop();
  await Promise.all(realMemcached.map((m) => m.close()));
});

/**
 * Runs one script against `target`; its last stdout line is its JSON report. `onLine` hears every other line
 * and what it returns is written to the script's stdin (the cluster script waits for the test there).
 */
function run(script: string, target: object, env: Record<string, string> = {}, onLine?: (line: string) => Promise<string>): Promise<Report> {
  return new Promise((resolve, reject) => {
    // Warnings go to stderr only; a TLS target's CA is PHP's default for every stream (the session handler has no
    // stream context of its own), as a server with the CA installed would have it.
    const ca = 'tls' in target ? ['-d', `openssl.cafile=${(target as typeof secure).tls.ca}`] : [];
    const child = spawn(PHP, ['-d', 'display_errors=0', '-d', 'log_errors=1', ...ca, path.join(SCRIPTS, script)], {
      cwd: SCRIPTS,
      env: { ...process.env, ...env, TARGET: JSON.stringify(target) },
      timeout: 60_000,
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      for (let nl = stdout.indexOf('\n'); nl >= 0 && !stdout.startsWith('{'); nl = stdout.indexOf('\n')) {
        const line = stdout.slice(0, nl);
        stdout = stdout.slice(nl + 1);
        onLine?.(line).then((answer) => child.stdin.write(answer), reject);
      }
    });
    child.once('error', reject);
    child.once('close', (code) => {
      if (code !== 0 || !stdout.startsWith('{')) return reject(new Error(`${script} on ${JSON.stringify(target)} exited ${code}:\n${stderr}\n${stdout}`));
      // A warning is a difference too: the library met a reply it did not expect.
      if (stderr.trim() !== '') return reject(new Error(`${script} warned:\n${stderr}`));
      resolve(JSON.parse(stdout.trim()) as Report);
    });
  });
}

/** Runs `script` against one of ours and a real server at once: both reports must be the same. Returns ours. */
async function expectSameReport(script: string, ours: object, real: object, env: Record<string, string> = {}): Promise<Report> {
  const [a, b] = await Promise.all([run(script, ours, env), run(script, real, env)]);
  expect(a).toEqual(b);
  return a;
}

const realTarget = (): Endpoint => ({ host: LOCALHOST, port: realRedis.port });
const realNodes = () => ({ nodes: realMemcached.map((m) => ({ host: LOCALHOST, port: m.port })) });

describe.skipIf(!HAS_PHP)('phpredis', () => {
  it('the Redis class on a primary endpoint replies as on redis-server: every type, transactions, pipelines, WATCH, scripts, pub/sub, SCAN_RETRY, serializers, compression', async () => {
    const ours = await expectSameReport('phpredis.php', primary, realTarget());
    expect(ours.pubsub).toEqual([[['news.*', 'news.a', 'one'], ['news.*', 'news.b', 'stop'], 'Connection closed'], 'read error on connection', true]);
    expect(Object.keys(ours)).toHaveLength(13);
  }, 60_000);

  it('the rest an application meets (geo, streams, HyperLogLog, bits, SORT, DUMP/RESTORE, float formatting, errors in MULTI, reply options) as on redis-server', async () => {
    await expectSameReport('phpredis_more.php', primary, realTarget());
  }, 60_000);

  it('on a reader endpoint reads what the primary wrote and refuses writes, as a redis-server replica', async () => {
    // Written on each primary, then WAIT until the replica has it (the real one may still be in its first sync).
    const write = ['-d', 'display_errors=0', '-r', 'require "target.php"; $r = redis_client(); $r->setEx("written-on-primary", 1000, "yes"); $r->hSet("h-on-primary", "f", "v"); while ($r->wait(1, 1000) < 1);'];
    const primaries = [primary, realTarget()].map((t) => promisify(execFile)(PHP, write, { cwd: SCRIPTS, env: { ...process.env, TARGET: JSON.stringify(t) } }));
    await Promise.all(primaries);
    await expectSameReport('phpredis_reader.php', reader, { host: LOCALHOST, port: realReplica.port });
  }, 60_000);

  it('does the same over TLS with the AUTH token (stream context, auth)', async () => {
    await expectSameReport('phpredis.php', secure, realTarget());
  }, 60_000);

  it('the AUTH token refuses commands before AUTH and wrong tokens with the replies of redis-server under requirepass', async () => {
    await expectSameReport('phpredis_auth.php', secure, { host: LOCALHOST, port: realAuth.port, password: TOKEN });
  }, 60_000);

  it('RedisCluster reads the slot map from the configuration endpoint, spreads keys and MGET over the shards, reads from replicas, and follows a shard failover, as on a redis-server cluster', async () => {
    const testFailover = async () => {
      await api.send(new TestFailoverCommand({ ReplicationGroupId: 'php-cluster', NodeGroupId: '0001' }));
      await waitUntilReplicationGroupAvailable({ client: api, ...FAST_WAIT }, { ReplicationGroupId: 'php-cluster' });
      return '\n';
    };
    const clusterFailover = async () => {
      await realCluster.failover(0);
      return '\n';
    };
    const [ours, real] = await Promise.all([
      run('phpredis_cluster.php', config, { FAILOVER: '1' }, testFailover),
      run('phpredis_cluster.php', { host: LOCALHOST, port: realCluster.shards[1]!.primary.port }, { FAILOVER: '1' }, clusterFailover),
    ]);
    expect(ours).toEqual(real);
    expect(ours).toEqual({
      primaries: 2,
      spread: 2,
      mget: true,
      mset: [true, ['1', '3', '2', '4']],
      del: 2,
      multi: [2, 3, '2'],
      script: 12,
      crossslot: [false, "CROSSSLOT Keys in request don't hash to the same slot"],
      scan: true,
      state: 'ok',
      hash: [1, { f: 'v' }, 1, { a: 1.0 }],
      replicated: [1, 1],
      'replica reads': [true, '12', { f: 'v' }],
      'replicas asked READONLY': true,
      'after failover': [40, true, 2],
    });
  }, 60_000);
});

const SESSION = { waited: true, 'second saw': 3, session: { n: 3, by: 'first' }, 'lock left': false, lifetime: 'gc_maxlifetime', expired: true, 'after expiry': [] };

describe.skipIf(!HAS_PHP)('PHP sessions', () => {
  it('in Redis (phpredis handler with locking): a second process waits for the lock, the key lives gc_maxlifetime', async () => {
    const [ours, tls, real] = await Promise.all([
      run('session.php', primary, { HANDLER: 'redis' }),
      run('session.php', secure, { HANDLER: 'redis' }),
      run('session.php', realTarget(), { HANDLER: 'redis' }),
    ]);
    expect(real).toEqual(SESSION);
    expect(ours).toEqual(SESSION);
    expect(tls).toEqual(SESSION);
  }, 60_000);

  it('on a cluster-mode configuration endpoint (phpredis rediscluster handler) as on a redis-server cluster', async () => {
    const ours = await expectSameReport('session_cluster.php', config, { host: LOCALHOST, port: realCluster.shards[0]!.primary.port });
    expect(ours).toMatchObject({ 'shards used': 2, 'after expiry': [], destroyed: 0 });
  }, 60_000);

  for (const binary of ['1', '0']) {
    it(`in Memcached (php-memcached handler with locking, consistent hashing, ${binary === '1' ? 'binary' : 'text'} protocol) the same`, async () => {
      expect(await expectSameReport('session.php', { nodes }, realNodes(), { HANDLER: 'memcached', BINARY: binary })).toEqual(SESSION);
    }, 60_000);
  }
});

describe.skipIf(!HAS_PHP)('php-memcached', () => {
  for (const binary of ['0', '1']) {
    it(`Memcached over three nodes with ketama, ${binary === '1' ? 'binary' : 'text'} protocol, replies as three memcached processes`, async () => {
      const [ours, real] = await Promise.all([run('memcached_client.php', { nodes }, { BINARY: binary }), run('memcached_client.php', realNodes(), { BINARY: binary })]);
      expect(ours.version).toEqual([memcachedVersion]);
      expect(real.version).toEqual(['1.6.18']);
      expect({ ...ours, version: undefined }).toEqual({ ...real, version: undefined });
      expect(ours.spread).toBe(3);
    }, 60_000);
  }
});
