// ElastiCache memcached1.6 parameters reach the node as memcached's own options: a cluster made with
// the default group and one made with a modified group report them in `stats settings`, read through
// memjs (the binary protocol's stat with a key) as an application or operator would.
import {
  CreateCacheClusterCommand,
  CreateCacheParameterGroupCommand,
  DescribeCacheClustersCommand,
  ModifyCacheParameterGroupCommand,
  waitUntilCacheClusterAvailable,
} from '@aws-sdk/client-elasticache';
import memjs from 'memjs';
import { afterAll, describe, expect, it } from 'vitest';
import { emulatorForTests, FAST_WAIT } from '../support/emulator.ts';
import { exchange } from '../support/net.ts';

const { client } = emulatorForTests();
const clients: memjs.Client[] = [];
afterAll(() => {
  for (const c of clients) c.close();
});

/** A memjs client of the cluster's first node, once the cluster is available. */
async function nodeClient(clusterId: string): Promise<memjs.Client> {
  await waitUntilCacheClusterAvailable({ client, ...FAST_WAIT }, { CacheClusterId: clusterId });
  const cluster = (await client.send(new DescribeCacheClustersCommand({ CacheClusterId: clusterId, ShowCacheNodeInfo: true }))).CacheClusters![0]!;
  const mc = memjs.Client.create(`127.0.0.1:${cluster.CacheNodes![0]!.Endpoint!.Port}`, { retries: 0, timeout: 5, logger: { log: () => {} } });
  clients.push(mc);
  return mc;
}

function statsOf(mc: memjs.Client, key: string): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => mc.statsWithKey(key, (err, _server, stats) => (err ? reject(err) : resolve(stats as Record<string, string>))));
}

async function nodeSettings(clusterId: string): Promise<Record<string, string>> {
  return statsOf(await nodeClient(clusterId), 'settings');
}

/** A one-node memcached1.6 cluster whose parameter group `group` sets `values`. */
async function clusterWithGroup(clusterId: string, group: string, values: Record<string, string>): Promise<void> {
  await client.send(new CreateCacheParameterGroupCommand({ CacheParameterGroupName: group, CacheParameterGroupFamily: 'memcached1.6', Description: group }));
  await client.send(
    new ModifyCacheParameterGroupCommand({
      CacheParameterGroupName: group,
      ParameterNameValues: Object.entries(values).map(([ParameterName, ParameterValue]) => ({ ParameterName, ParameterValue })),
    }),
  );
  await client.send(
    new CreateCacheClusterCommand({ CacheClusterId: clusterId, Engine: 'memcached', CacheNodeType: 'cache.t3.micro', NumCacheNodes: 1, CacheParameterGroupName: group }),
  );
}

describe('memcached1.6 parameters on the node', () => {
  it('the default group: memcached 1.6 runs its LRU maintainer, with ElastiCache connection and crawler defaults', async () => {
    await client.send(new CreateCacheClusterCommand({ CacheClusterId: 'mc-defaults', Engine: 'memcached', CacheNodeType: 'cache.t3.micro', NumCacheNodes: 1 }));
    const s = await nodeSettings('mc-defaults');
    expect([s.lru_maintainer_thread, s.lru_segmented, s.maxconns, s.lru_crawler, s.slab_reassign, s.slab_automove]).toEqual(['yes', 'yes', '65000', 'no', 'no', '0']);
    expect([s.chunk_size, s.growth_factor, s.item_size_max, s.reqs_per_event, s.tcp_backlog, s.binding_protocol]).toEqual([
      '48', '1.25', '1048576', '20', '1024', 'auto-negotiate',
    ]);
  });

  it('a modified group: lru_maintainer, crawler, reassign, automove and the slab geometry as set', async () => {
    await clusterWithGroup('mc-tuned', 'mc-tuned', {
      lru_maintainer: '1',
      lru_crawler: '1',
      slab_reassign: '1',
      slab_automove: '2',
      chunk_size: '64',
      chunk_size_growth_factor: '1.5',
      max_item_size: String(2 * 1024 * 1024),
      idle_timeout: '600',
    });
    const s = await nodeSettings('mc-tuned');
    expect([s.lru_maintainer_thread, s.lru_crawler, s.slab_reassign, s.slab_automove]).toEqual(['yes', 'yes', 'yes', '2']);
    expect([s.chunk_size, s.growth_factor, s.item_size_max, s.idle_timeout]).toEqual(['64', '1.50', String(2 * 1024 * 1024), '600']);
  });
});

describe('memcached1.6 log, hash and size-tracking parameters on the node', () => {
  /** `stats sizes` after one 100-byte value is stored. */
  async function sizes(clusterId: string): Promise<Record<string, string>> {
    const mc = await nodeClient(clusterId);
    await mc.set('k', 'v'.repeat(100), { expires: 0 });
    return statsOf(mc, 'sizes');
  }

  it('the default group: jenkins hash, no size tracking, 256/64 KiB log buffers', async () => {
    await client.send(new CreateCacheClusterCommand({ CacheClusterId: 'mc-logs-default', Engine: 'memcached', CacheNodeType: 'cache.t3.micro', NumCacheNodes: 1 }));
    const s = await nodeSettings('mc-logs-default');
    expect([s.hash_algorithm, s.track_sizes, s.watcher_logbuf_size, s.worker_logbuf_size]).toEqual(['jenkins', 'no', '262144', '65536']);
    expect(await sizes('mc-logs-default')).toEqual({ sizes_status: 'disabled' });
  });

  it('a modified group: murmur3, track_sizes (stats sizes counts without sizes_enable), log buffers in KiB', async () => {
    await clusterWithGroup('mc-logs', 'mc-logs', { hash_algorithm: 'murmur3', track_sizes: '1', watcher_logbuf_size: '512', worker_logbuf_size: '128' });
    const s = await nodeSettings('mc-logs');
    expect([s.hash_algorithm, s.track_sizes, s.watcher_logbuf_size, s.worker_logbuf_size]).toEqual(['murmur3', 'yes', String(512 * 1024), String(128 * 1024)]);
    // One item of 48 + 8 + 1 + 1 + 100 + 2 = 160 bytes: memcached's 32-byte bucket 160.
    expect(await sizes('mc-logs')).toEqual({ '160': '1' });
  });
});

describe('admin commands on the node', () => {
  /** The node's answers to `script` over the text protocol. */
  async function exchangeWith(clusterId: string, script: string, lines: number): Promise<string> {
    await waitUntilCacheClusterAvailable({ client, ...FAST_WAIT }, { CacheClusterId: clusterId });
    const cluster = (await client.send(new DescribeCacheClustersCommand({ CacheClusterId: clusterId, ShowCacheNodeInfo: true }))).CacheClusters![0]!;
    return exchange(cluster.CacheNodes![0]!.Endpoint!.Port!, script, new RegExp(`^(?:[^\\n]*\\n){${lines}}$`));
  }

  it('from 1.6.17, lru_crawler, lru and slabs are not served (AWS sets them through the parameter group); 1.6.12 still serves them', async () => {
    await client.send(new CreateCacheClusterCommand({ CacheClusterId: 'mc-new', Engine: 'memcached', CacheNodeType: 'cache.t3.micro', NumCacheNodes: 1 }));
    await client.send(new CreateCacheClusterCommand({ CacheClusterId: 'mc-old', Engine: 'memcached', EngineVersion: '1.6.12', CacheNodeType: 'cache.t3.micro', NumCacheNodes: 1 }));
    const script = 'lru_crawler crawl all\r\nslabs automove 1\r\nlru mode flat\r\nversion\r\n';
    expect(await exchangeWith('mc-new', script, 4)).toMatch(/^ERROR\r\nERROR\r\nERROR\r\nVERSION 1\.6\.\d+\r\n$/);
    // The default group leaves the crawler off (lru_crawler 0), which the command reports.
    expect(await exchangeWith('mc-old', script, 4)).toMatch(/^CLIENT_ERROR lru crawler disabled\r\nOK\r\nOK\r\nVERSION 1\.6\.\d+\r\n$/);
  });
});
