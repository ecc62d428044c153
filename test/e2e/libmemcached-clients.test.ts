// Python tools built on libmemcached, and rate limiters, against what the API hands out, with Debian's packages
// (.ci/run installs them): pylibmc 1.6 over a 3-node Memcached cluster (text and binary, ketama, tcp_nodelay,
// no_block, cas), Django 3.2's PyLibMCCache and PyMemcacheCache and its cache-backed sessions, and python3-limits'
// FixedWindow, MovingWindow and FixedWindowElasticExpiry limiters on the Memcached cluster, a Redis group's
// primary endpoint and a cluster-mode group (redis+cluster://). Each script's report is compared with the same
// script's against three memcached processes, a redis-server or a redis-server cluster.
import { CreateCacheClusterCommand, DescribeCacheClustersCommand, waitUntilCacheClusterAvailable, type ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/index.ts';
import { realMemcachedAvailable, startReal as startRealMemcached, type Target as MemcachedTarget } from '../engines/memcached/helpers.ts';
import { realRedisAvailable, startRealRedis, type RealRedis } from '../engines/redis/helpers.ts';
import { startRealCluster, type RealCluster } from '../engines/redis/real-cluster.ts';
import { FAST_WAIT, sdkClient, startEmulator } from '../support/emulator.ts';
import { availableGroup, userEndpoint, type Endpoint } from '../support/groups.ts';
import { hasPythonModules, runPython } from '../support/python.ts';

const HAS_ALL = hasPythonModules(['pylibmc', 'pymemcache', 'django', 'limits', 'redis']) && realMemcachedAvailable() && realRedisAvailable();

let emulator: Emulator;
let api: ElastiCacheClient;
let nodes: string[];
let primary: Endpoint;
let config: Endpoint;
let realMemcached: MemcachedTarget[] = [];
let realRedis: RealRedis;
let realCluster: RealCluster;

beforeAll(async () => {
  if (!HAS_ALL) return;
  emulator = await startEmulator({ transitionDelayMs: 100 });
  api = sdkClient(emulator);
  await api.send(new CreateCacheClusterCommand({ CacheClusterId: 'py-libmemcached', Engine: 'memcached', CacheNodeType: 'cache.t3.micro', NumCacheNodes: 3 }));
  let plain;
  let sharded;
  [plain, sharded, realRedis, realCluster, realMemcached] = await Promise.all([
    availableGroup(api, { ReplicationGroupId: 'py-limits', NumCacheClusters: 1 }),
    availableGroup(api, { ReplicationGroupId: 'py-limits-cluster', NumNodeGroups: 2, ReplicasPerNodeGroup: 0, CacheParameterGroupName: 'default.redis7.cluster.on' }),
    startRealRedis(),
    startRealCluster([0, 0]),
    // As a node of the default parameter group runs: lru_crawler and slab_reassign 0.
    Promise.all([0, 1, 2].map(() => startRealMemcached(['-o', 'no_lru_crawler,no_slab_reassign']))),
  ]);
  primary = userEndpoint(plain);
  config = userEndpoint(sharded);
  await waitUntilCacheClusterAvailable({ client: api, ...FAST_WAIT }, { CacheClusterId: 'py-libmemcached' });
  const cluster = (await api.send(new DescribeCacheClustersCommand({ CacheClusterId: 'py-libmemcached', ShowCacheNodeInfo: true }))).CacheClusters![0]!;
  nodes = cluster.CacheNodes!.map((n) => `${n.Endpoint!.Address}:${n.Endpoint!.Port}`);
}, 60_000);

afterAll(async () => {
  api?.destroy();
  await Promise.all([emulator?.stop(), realRedis?.stop(), realCluster?.stop(), ...realMemcached.map((m) => m.close())]);
});

const realNodes = () => realMemcached.map((m) => `127.0.0.1:${m.port}`);

/** The script's report on our endpoints and on the real servers, run side by side. */
function both(script: string, ours: object, real: object): Promise<Record<string, unknown>[]> {
  return Promise.all([runPython(script, ours), runPython(script, real)]);
}

describe.skipIf(!HAS_ALL)('pylibmc', () => {
  it('text and binary, with ketama/tcp_nodelay/no_block/cas: every call and error as on memcached, keys spread over the nodes', async () => {
    const [ours, theirs] = await both('pylibmc_nodes.py', { servers: nodes }, { servers: realNodes() });
    expect(ours).toEqual(theirs);
    expect(ours.spread).toEqual([60, 3, 60]);
    // A refused SET of a value past the item size limit drops the old value (binary too), as memcached does.
    expect((ours.binary as Record<string, unknown[]>).big).toEqual([true, 512000, true, 1048064, 'TooBig', null, true, 3000000, 'TooBig']);
  }, 60_000);
});

describe.skipIf(!HAS_ALL)('Django 3.2', () => {
  it('PyLibMCCache (text, binary) and PyMemcacheCache answer get_or_set, incr, touch and the many-key calls as on memcached; a cache session round-trips', async () => {
    const [ours, theirs] = await both('django_cache.py', { servers: nodes }, { servers: realNodes() });
    expect(ours).toEqual(theirs);
    expect(ours.session).toEqual([['book', 'pen'], true, true, ['book', 'pen', 'ink'], true, false, ['book', 'pen', 'ink'], null, {}]);
  }, 60_000);
});

describe.skipIf(!HAS_ALL)('python3-limits', { concurrent: true }, () => {
  // Each strategy: [hit x4], stats, another identity, cleared, cost, 20 identities, then the short window
  // (2 per 5 s) filled, hammered for 7.5 s (only elastic expiry stays shut), reopened and hit.
  const windows = (elastic: boolean) => ({
    hits: [true, true, true, false],
    stats: [false, true, 0],
    other: [true, 2],
    cleared: [true, true, 2],
    crowd: [60, 0],
    short: [true, true, false, !elastic, true, true],
  });

  it('on the Memcached cluster as on memcached (moving windows are not supported there)', async ({ expect }) => {
    const [ours, theirs] = await both('limits_storages.py', { uri: `memcached://${nodes.join(',')}` }, { uri: `memcached://${realNodes().join(',')}` });
    expect(ours).toEqual(theirs);
    expect(ours).toMatchObject({ check: true, fixed: windows(false), moving: 'NotImplementedError', elastic: windows(true) });
  }, 60_000);

  it('on a Redis primary endpoint as on redis-server', async ({ expect }) => {
    const [ours, theirs] = await both('limits_storages.py', { uri: `redis://${primary.host}:${primary.port}` }, { uri: `redis://127.0.0.1:${realRedis.port}` });
    expect(ours).toEqual(theirs);
    expect(ours).toMatchObject({ check: true, fixed: windows(false), moving: windows(false), elastic: windows(true), reset_after: true });
  }, 60_000);

  it('on a cluster-mode configuration endpoint (redis+cluster://) as on a redis-server cluster', async ({ expect }) => {
    const realSeed = realCluster.shards[0]!.primary.port;
    const [ours, theirs] = await both('limits_storages.py', { uri: `redis+cluster://${config.host}:${config.port}` }, { uri: `redis+cluster://127.0.0.1:${realSeed}` });
    expect(ours).toEqual(theirs);
    expect(ours).toMatchObject({ check: true, fixed: windows(false), moving: windows(false), elastic: windows(true), reset_after: true });
  }, 60_000);
});
