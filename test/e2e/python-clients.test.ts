// Python applications against the endpoints the API hands out, with Debian's packages of the libraries
// (.ci/run installs them): redis-py (a primary endpoint with one replica, a cluster-mode configuration endpoint
// through RedisCluster, a TLS + AUTH token group), RQ's worker, Celery with Redis as broker and result backend
// (over TLS), and pymemcache on the nodes a Memcached configuration endpoint lists. The scripts in python/
// print what they saw as one JSON line; this file compares it.
import { CreateCacheClusterCommand, DescribeCacheClustersCommand, waitUntilCacheClusterAvailable, type ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/index.ts';
import { FAST_WAIT, sdkClient, startEmulator } from '../support/emulator.ts';
import { libraryTargets, type Endpoint } from '../support/groups.ts';
import { hasPythonModules, runPython as run } from '../support/python.ts';

const HAS_LIBRARIES = hasPythonModules(['redis', 'rq', 'celery', 'pymemcache']);
const TOKEN = 'python-auth-token-0123456789';

let emulator: Emulator;
let api: ElastiCacheClient;
let primary: Endpoint;
let config: Endpoint;
let secure: Endpoint & { tls: { ca: string }; password: string };
let memcached: Endpoint;

beforeAll(async () => {
  if (!HAS_LIBRARIES) return;
  emulator = await startEmulator({ transitionDelayMs: 100 });
  api = sdkClient(emulator);
  await api.send(new CreateCacheClusterCommand({ CacheClusterId: 'py-memcached', Engine: 'memcached', CacheNodeType: 'cache.t3.micro', NumCacheNodes: 3 }));
  let tlsEndpoint: Endpoint;
  ({ primary, config, secure: tlsEndpoint } = await libraryTargets(api, 'python', TOKEN));
  secure = { ...tlsEndpoint, tls: { ca: emulator.caPath }, password: TOKEN };
  await waitUntilCacheClusterAvailable({ client: api, ...FAST_WAIT }, { CacheClusterId: 'py-memcached' });
  const cluster = (await api.send(new DescribeCacheClustersCommand({ CacheClusterId: 'py-memcached' }))).CacheClusters![0]!;
  memcached = { host: cluster.ConfigurationEndpoint!.Address!, port: cluster.ConfigurationEndpoint!.Port! };
}, 60_000);

afterAll(async () => {
  api?.destroy();
  await emulator?.stop();
});

const STANDALONE = {
  basics: [true, true, 2, '2'],
  pipeline: [true, '2', 2, { x: '1', y: '2' }],
  script: [5, 10],
  // acquired, refused to a second lock, extended, released, gone
  lock: [true, false, true, true, 0],
  subscribed: 'subscribe',
  message: 'hello',
  transaction: [[true], '3'],
  stream: [true, { kind: 'signup' }, 1],
};

describe.skipIf(!HAS_LIBRARIES)('redis-py', () => {
  it('works a primary endpoint: pipeline, script, lock, pub/sub, WATCH transaction, consumer group', async () => {
    expect(await run('redis_py.py', primary)).toEqual(STANDALONE);
  }, 30_000);

  it('works a cluster-mode configuration endpoint through RedisCluster', async () => {
    const keys = Array.from({ length: 20 }, (_, i) => `key:${i}`);
    expect(await run('redis_py.py', config, { CLUSTER: '1' })).toEqual({
      primaries: 2,
      mget: keys.map((_, i) => String(i)),
      pipeline: keys.map((_, i) => i + 1),
      scanned: [...keys].sort(),
      script: '4',
      lock: [true, false],
      state: 'ok',
    });
  }, 30_000);

  it('works over TLS with the AUTH token', async () => {
    expect(await run('redis_py.py', secure)).toEqual(STANDALONE);
  }, 30_000);
});

describe.skipIf(!HAS_LIBRARIES)('RQ', () => {
  const expected = {
    queued: 3,
    jobs: [['finished', 5], ['failed', null], ['finished', 'second try'], ['finished', 30]],
    failed: true,
  };

  it('runs, fails, retries and schedules jobs on the primary endpoint', async () => {
    expect(await run('rq_jobs.py', primary)).toEqual(expected);
  }, 30_000);

  it('does the same over TLS with the AUTH token', async () => {
    expect(await run('rq_jobs.py', secure)).toEqual(expected);
  }, 30_000);
});

describe.skipIf(!HAS_LIBRARIES)('Celery', () => {
  it('a worker runs tasks, retries, failures, a countdown, a group, a chain and a chord over TLS with the AUTH token', async () => {
    expect(await run('celery_jobs.py', secure)).toEqual({ add: 5, retried: 2, boom: 'boom', countdown: 2, group: [0, 2, 4, 6, 8], chain: 13, chord: 0, workers: 1 });
  }, 60_000);
});

describe.skipIf(!HAS_LIBRARIES)('pymemcache', () => {
  it('finds the nodes through the configuration endpoint and stores, counts, swaps and spreads keys', async () => {
    expect(await run('pymemcache_nodes.py', memcached)).toEqual({
      nodes: 3,
      store: [true, { a: 1 }, false, true, 3],
      counters: [true, 8, 0, null],
      cas: [true, false, 7],
      concat: [true, true, true, 'zzabcd'],
      touch: [true, false],
      many: [[], { x: 1, y: 2 }, true, null],
      ring: 30,
      spread: 3,
    });
  }, 30_000);
});
