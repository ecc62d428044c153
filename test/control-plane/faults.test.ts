import {
  CreateCacheClusterCommand,
  CopySnapshotCommand,
  CreateReplicationGroupCommand,
  CreateSnapshotCommand,
  DescribeCacheClustersCommand,
  DescribeEventsCommand,
  DescribeReplicationGroupsCommand,
  DescribeSnapshotsCommand,
  ElastiCacheClient,
  waitUntilCacheClusterAvailable,
  waitUntilReplicationGroupAvailable,
  type ReplicationGroup,
} from '@aws-sdk/client-elasticache';
import { Redis } from 'ioredis';
import memjs from 'memjs';
import net from 'node:net';
import { once } from 'node:events';
import { createClient, SocketTimeoutError } from 'redis';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { testClient, type TestClient } from '../../src/index.ts';
import { CREDENTIALS, FAST_WAIT, emulatorForTests } from '../support/emulator.ts';
import { exchange, firstReply } from '../support/net.ts';

const { emulator, client } = emulatorForTests({ transitionDelayMs: 100 });
let local: TestClient;
beforeAll(async () => {
  local = testClient(emulator.url);
});
beforeEach(() => local.reset());

async function until<T>(probe: () => Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function group(id: string): Promise<ReplicationGroup> {
  return (await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }))).ReplicationGroups![0]!;
}

async function createGroup(id: string, clusters: number, automaticFailover: boolean): Promise<ReplicationGroup> {
  await client.send(new CreateReplicationGroupCommand({
    ReplicationGroupId: id, ReplicationGroupDescription: id, Engine: 'redis', CacheNodeType: 'cache.t3.micro',
    NumCacheClusters: clusters, AutomaticFailoverEnabled: automaticFailover, MultiAZEnabled: automaticFailover,
  }));
  await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: id });
  return group(id);
}

const primaryOf = (g: ReplicationGroup) => g.NodeGroups![0]!.NodeGroupMembers!.find((m) => m.CurrentRole === 'primary')!.CacheClusterId;
const nodePort = async (clusterId: string) =>
  (await client.send(new DescribeCacheClustersCommand({ CacheClusterId: clusterId, ShowCacheNodeInfo: true }))).CacheClusters![0]!.CacheNodes![0]!.Endpoint!.Port!;
const messages = async (sourceId: string, sourceType: 'cache-cluster' | 'replication-group' = 'cache-cluster') =>
  ((await client.send(new DescribeEventsCommand({ SourceIdentifier: sourceId, SourceType: sourceType, Duration: 60 }))).Events ?? []).map((e) => e.Message);

describe('crash-node', () => {
  it('resets the clients; automatic failover promotes the replica and ioredis carries on through the primary endpoint', async () => {
    const g = await createGroup('crash', 2, true);
    const endpoint = g.NodeGroups![0]!.PrimaryEndpoint!;
    const redis = new Redis({ host: endpoint.Address, port: endpoint.Port, maxRetriesPerRequest: null, retryStrategy: () => 25 });
    // The reset and the refused reconnections until the failover are what this test is about.
    redis.on('error', () => undefined);
    await redis.set('before', '1');
    const replica = new Redis({ port: await nodePort('crash-002') });
    await until(async () => (await replica.get('before')) === '1' || undefined);
    replica.disconnect();
    let closed = 0;
    redis.on('close', () => closed++);

    const id = await local.faults.crashNode('crash-001');
    await until(async () => closed > 0);
    // ioredis reconnects through the endpoint by itself; the write lands once the replica is promoted.
    expect(await redis.set('after', '2')).toBe('OK');
    expect(await redis.get('before')).toBe('1');
    expect(primaryOf(await group('crash'))).toBe('crash-002');
    expect(await messages('crash', 'replication-group')).toContain('Failover to replica node crash-002 completed');
    expect(await messages('crash-001')).toContain('Recovering cache nodes 0001');

    // The failed node comes back, empty, as a replica of the new primary, and the fault ends.
    await until(async () => (await local.faults.list()).length === 0 || undefined);
    expect(await messages('crash-001')).toContain('Finished recovery for cache nodes 0001');
    const old = new Redis({ port: await nodePort('crash-001') });
    await until(async () => (await old.get('after')) === '2' || undefined);
    expect((await old.role())[0]).toBe('slave');
    old.disconnect();
    redis.disconnect();
    expect(id).toMatch(/^fault-/);
  });

  it('without a replica the node comes back empty after durationMs', async () => {
    await client.send(new CreateCacheClusterCommand({ CacheClusterId: 'solo', Engine: 'redis', CacheNodeType: 'cache.t3.micro', NumCacheNodes: 1 }));
    await waitUntilCacheClusterAvailable({ client, ...FAST_WAIT }, { CacheClusterId: 'solo' });
    const port = await nodePort('solo');
    const redis = new Redis({ port, maxRetriesPerRequest: null, retryStrategy: () => 25 });
    // Refused reconnections while the node is down are expected.
    redis.on('error', () => undefined);
    await redis.set('k', 'v');
    await local.faults.crashNode('solo/0001', { durationMs: 400 });
    expect(await redis.get('k')).toBeNull();
    expect(await redis.dbsize()).toBe(0);
    redis.disconnect();
  });
});

describe('lose-az', () => {
  it('crashes every node of the zone, fails over to the other zone, and brings the nodes back when it ends', async () => {
    await createGroup('zones', 2, true);
    const az = (await client.send(new DescribeCacheClustersCommand({ CacheClusterId: 'zones-001', ShowCacheNodeInfo: true }))).CacheClusters![0]!.PreferredAvailabilityZone!;
    const other = (await client.send(new DescribeCacheClustersCommand({ CacheClusterId: 'zones-002' }))).CacheClusters![0]!.PreferredAvailabilityZone!;
    expect(other).not.toBe(az);
    const id = await local.faults.loseAz(az, { durationMs: 60_000 });
    expect((await local.faults.list())[0]).toMatchObject({ id, action: 'lose-az', nodes: ['zones-001/0001'] });
    await until(async () => primaryOf(await group('zones')) === 'zones-002' || undefined);
    await local.faults.clear(id);
    const back = new Redis({ port: await nodePort('zones-001') });
    expect((await back.role())[0]).toBe('slave');
    back.disconnect();
    expect(await messages('zones-001')).toEqual(expect.arrayContaining(['Recovering cache nodes 0001', 'Finished recovery for cache nodes 0001']));
    expect(await messages('zones', 'replication-group')).toContain('Failover to replica node zones-002 completed');
  });
});

describe('replication faults', () => {
  const field = (info: string, name: string) => new RegExp(`^${name}:(.*)\r?$`, 'm').exec(info)?.[1];
  /** The primary's slave0 line as redis-server writes it: ip, port, state, acknowledged offset, seconds since the last ACK. */
  const slave0 = async (primary: Redis) => {
    const info = await primary.info('replication');
    const m = /^slave0:ip=127\.0\.0\.1,port=(\d+),state=online,offset=(\d+),lag=(\d+)\r?$/m.exec(info);
    if (m === null) throw new Error(`no slave0 line in ${info}`);
    return { port: Number(m[1]), offset: Number(m[2]), lag: Number(m[3]), masterOffset: Number(field(info, 'master_repl_offset')) };
  };

  it('cut-replication: WAIT runs into its timeout, INFO shows the lag growing on both sides; clearing wakes a waiting WAIT', async () => {
    const g = await createGroup('cut', 2, false);
    const primary = new Redis({ port: g.NodeGroups![0]!.PrimaryEndpoint!.Port });
    const replicaPort = await nodePort('cut-002');
    const replica = new Redis({ port: replicaPort });
    await primary.set('a', '1');
    expect(await primary.call('WAIT', '1', '1000')).toBe(1);
    const healthy = await slave0(primary);
    expect(healthy).toMatchObject({ port: replicaPort, offset: healthy.masterOffset, lag: 0 });

    const id = await local.faults.cutReplication('cut-002');
    await primary.set('b', '2');
    const started = performance.now();
    expect(await primary.call('WAIT', '1', '300')).toBe(0);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(await replica.get('b')).toBeNull();
    expect(await messages('cut-002')).toContain('Replication from the primary to cache node 0001 interrupted');

    // No ACK comes back: the primary keeps the replica (until repl-timeout, 60 s) at its last acknowledged offset.
    const cut = await slave0(primary);
    expect(cut.offset).toBe(healthy.offset);
    expect(cut.masterOffset).toBeGreaterThan(cut.offset);
    const later = await until(async () => { const s = await slave0(primary); return s.lag >= 2 && s; }, 10_000);
    expect(later.offset).toBe(healthy.offset);
    const seen = await replica.info('replication');
    expect(field(seen, 'master_link_status')).toBe('up');
    expect(Number(field(seen, 'master_last_io_seconds_ago'))).toBeGreaterThanOrEqual(2);
    expect(Number(field(seen, 'slave_repl_offset'))).toBe(healthy.offset);
    expect(Number(field(seen, 'master_repl_offset'))).toBeLessThan(later.masterOffset);

    // A WAIT with no timeout blocks until the link is back and the replica acknowledged the write.
    const waiting = primary.call('WAIT', '1', '0');
    await new Promise((r) => setTimeout(r, 100));
    await local.faults.clear(id);
    expect(await waiting).toBe(1);
    expect(await replica.get('b')).toBe('2');
    const back = await slave0(primary);
    expect(back).toMatchObject({ offset: back.masterOffset, lag: 0 });
    const after = await replica.info('replication');
    expect(field(after, 'master_last_io_seconds_ago')).toBe('0');
    expect(Number(field(after, 'slave_repl_offset'))).toBe(back.masterOffset);
    expect(await messages('cut-002')).toContain('Replication from the primary to cache node 0001 resumed');
    primary.disconnect();
    replica.disconnect();
  });

  it('delay-replication: node-redis sees the replica trail; WAIT times out at 0, counts the replica once the delay passed, and at once after clearing', async () => {
    const g = await createGroup('lag', 2, false);
    const primary = createClient({ socket: { port: g.NodeGroups![0]!.PrimaryEndpoint!.Port!, host: '127.0.0.1' } });
    const replica = createClient({ socket: { port: await nodePort('lag-002'), host: '127.0.0.1' } });
    await Promise.all([primary.connect(), replica.connect()]);
    const id = await local.faults.delayReplication('lag', 1500);
    expect(await messages('lag-002')).toContain('Replication from the primary to cache node 0001 delayed by 1500 ms');
    await primary.set('x', '1');
    const started = performance.now();
    expect(await primary.sendCommand(['WAIT', '1', '200'])).toBe(0);
    expect(await replica.get('x')).toBeNull();
    const info = await primary.info('replication');
    const slave = /^slave0:.*,offset=(\d+),lag=(\d+)\r?$/m.exec(info)!;
    expect(Number(slave[1])).toBeLessThan(Number(field(info, 'master_repl_offset')));
    const seen = await replica.info('replication');
    expect(field(seen, 'master_link_status')).toBe('up');
    expect(Number(field(seen, 'slave_repl_offset'))).toBeLessThan(Number(field(info, 'master_repl_offset')));

    // The write reaches the replica 1.5 s after it was made; a WAIT long enough sees it acknowledged.
    expect(await primary.sendCommand(['WAIT', '1', '20000'])).toBe(1);
    expect(performance.now() - started).toBeGreaterThanOrEqual(1400);
    expect(await replica.get('x')).toBe('1');

    await primary.set('y', '2');
    expect(await primary.sendCommand(['WAIT', '1', '100'])).toBe(0);
    await local.faults.clear(id);
    expect(await primary.sendCommand(['WAIT', '1', '100'])).toBe(1);
    expect(await replica.get('y')).toBe('2');
    await Promise.all([primary.quit(), replica.quit()]);
  });
});

describe('network and memory faults', () => {
  it('add-latency: node-redis requests take the added latency, then not', async () => {
    const g = await createGroup('slow', 1, false);
    const redis = createClient({ socket: { port: g.NodeGroups![0]!.PrimaryEndpoint!.Port, host: '127.0.0.1' } });
    await redis.connect();
    const id = await local.faults.addLatency('slow', 200);
    let t = performance.now();
    expect(await redis.set('k', 'v')).toBe('OK');
    expect(performance.now() - t).toBeGreaterThanOrEqual(190);
    // Pipelined requests keep their order.
    const replies = await Promise.all([redis.incr('n'), redis.incr('n'), redis.incr('n')]);
    expect(replies).toEqual([1, 2, 3]);
    await local.faults.clear(id);
    t = performance.now();
    await redis.get('k');
    expect(performance.now() - t).toBeLessThan(150);

    // An application whose client gives up on a socket silent for 100 ms retries through a second of 300 ms
    // latency: node-redis drops the connection, reconnects, and the application's retry gets its answer.
    const impatient = createClient({ socket: { port: g.NodeGroups![0]!.PrimaryEndpoint!.Port, host: '127.0.0.1', socketTimeout: 100, reconnectStrategy: 20 } });
    const socketErrors: unknown[] = [];
    impatient.on('error', (err: unknown) => socketErrors.push(err));
    await impatient.connect();
    await local.faults.addLatency('slow', 300, { durationMs: 1000 });
    const failures: unknown[] = [];
    let value: string | null = null;
    for (const deadline = Date.now() + 15_000; Date.now() < deadline;) {
      try {
        value = await impatient.get('k');
        break;
      } catch (err) {
        failures.push(err);
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    expect(value).toBe('v');
    expect(failures.length).toBeGreaterThan(0);
    expect(socketErrors.some((err) => err instanceof SocketTimeoutError)).toBe(true);
    impatient.destroy();
    expect(await redis.incr('n')).toBe(4);
    await redis.quit();
  });

  it('drop-connections resets the clients and refuses the next ones (a count); stop-node freezes until cleared', async () => {
    const g = await createGroup('drop', 1, false);
    const port = g.NodeGroups![0]!.PrimaryEndpoint!.Port!;
    const redis = new Redis({ port, maxRetriesPerRequest: null, retryStrategy: () => 10 });
    redis.on('error', () => undefined);
    await redis.ping();
    let closed = 0;
    redis.on('close', () => closed++);
    await local.faults.dropConnections('drop', { count: 2 });
    await until(async () => closed >= 1 || undefined);
    expect(await redis.ping()).toBe('PONG');
    expect(await messages('drop-001')).toContain('Reset 1 client connections of cache node 0001');
    await until(async () => (await local.faults.list()).length === 0 || undefined);

    const stop = await local.faults.stopNode('drop');
    let answered = false;
    const pending = redis.ping().then(() => (answered = true));
    await new Promise((r) => setTimeout(r, 150));
    expect(answered).toBe(false);
    await local.faults.clear(stop);
    await pending;
    expect(answered).toBe(true);
    redis.disconnect();
  });

  it('fill-memory: volatile keys are evicted, then writes meet -OOM; the filler is no key and goes with the fault', async () => {
    const g = await createGroup('full', 1, false);
    const redis = new Redis({ port: g.NodeGroups![0]!.PrimaryEndpoint!.Port });
    await redis.set('keep', '1');
    await redis.set('volatile', '1', 'EX', 3600);
    const id = await local.faults.fillMemory('full');
    const info = await redis.info('memory');
    const field = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)![1]);
    expect(field('used_memory')).toBeGreaterThanOrEqual(field('maxmemory'));
    // Writes first make room by evicting what volatile-lru may evict (the key with a TTL), then fail.
    const written: string[] = [];
    let refusal: unknown;
    for (let i = 0; i < 100 && refusal === undefined; i++) {
      await redis.set(`k${i}`, 'x'.repeat(1024)).then(() => written.push(`k${i}`), (err: unknown) => (refusal = err));
    }
    expect(String(refusal)).toMatch(/OOM command not allowed when used memory > 'maxmemory'/);
    expect(await redis.exists('volatile')).toBe(0);
    expect((await redis.info('stats')).match(/^evicted_keys:(\d+)/m)![1]).toBe('1');
    // The application sees its own keys, never filler.
    const [cursor, keys] = await redis.scan('0', 'COUNT', 1000);
    expect(cursor).toBe('0');
    expect(keys.sort()).toEqual(['keep', ...written].sort());
    expect(await redis.dbsize()).toBe(1 + written.length);
    await local.faults.clear(id);
    expect(await redis.set('after', 'v')).toBe('OK');
    expect(await redis.dbsize()).toBe(2 + written.length);
    redis.disconnect();
  });
});

describe('endpoint faults', () => {
  it('add-latency and drop-connections on <group>/primary reach connections through that endpoint only', async () => {
    const g = await createGroup('edge', 2, false);
    const endpoint = g.NodeGroups![0]!.PrimaryEndpoint!.Port!;
    const viaEndpoint = createClient({ socket: { port: endpoint, host: '127.0.0.1', reconnectStrategy: () => 25 } });
    viaEndpoint.on('error', () => undefined);
    const direct = createClient({ socket: { port: await nodePort('edge-001'), host: '127.0.0.1' } });
    await Promise.all([viaEndpoint.connect(), direct.connect()]);
    const timed = async (c: typeof direct) => {
      const started = performance.now();
      await c.ping();
      return performance.now() - started;
    };

    const id = await local.faults.addLatency('edge/primary', 250);
    expect(await timed(viaEndpoint)).toBeGreaterThanOrEqual(240);
    expect(await timed(direct)).toBeLessThan(200);
    // A connection made through the endpoint after the fault is slowed too.
    const late = createClient({ socket: { port: endpoint, host: '127.0.0.1', reconnectStrategy: false } });
    late.on('error', () => undefined);
    await late.connect();
    expect(await timed(late)).toBeGreaterThanOrEqual(240);
    await local.faults.clear(id);
    expect(await timed(viaEndpoint)).toBeLessThan(200);
    expect(await messages('edge', 'replication-group')).toEqual(expect.arrayContaining([
      'Network latency of the primary endpoint increased by 250 ms',
      'Network latency of the primary endpoint back to normal',
    ]));

    let closed = 0;
    viaEndpoint.on('reconnecting', () => closed++);
    await local.faults.dropConnections('edge/primary', { count: 1 });
    await until(async () => closed >= 1 || undefined);
    // The node's own port kept its connection; node-redis reconnects through the endpoint once the count is spent.
    expect(await direct.ping()).toBe('PONG');
    expect(await viaEndpoint.ping()).toBe('PONG');
    await expect(local.faults.addLatency('edge/configuration', 10)).rejects.toThrow(/no configuration endpoint/);
    await Promise.all([viaEndpoint.quit(), direct.quit(), late.disconnect()]);
  });
});

describe('faults on memcached nodes', () => {
  it('add-latency, stop-node and drop-connections reach a memcached node as its clients see them', async () => {
    await client.send(new CreateCacheClusterCommand({ CacheClusterId: 'mc', Engine: 'memcached', CacheNodeType: 'cache.t3.micro', NumCacheNodes: 1 }));
    await waitUntilCacheClusterAvailable({ client, ...FAST_WAIT }, { CacheClusterId: 'mc' });
    const port = await nodePort('mc');
    const mc = memjs.Client.create(`127.0.0.1:${port}`, { retries: 0, timeout: 5, logger: { log: () => undefined } });
    await mc.set('k', 'v', {});
    const timedGet = async () => {
      const started = performance.now();
      const { value } = await mc.get('k');
      return { value: value?.toString(), ms: performance.now() - started };
    };

    const latency = await local.faults.addLatency('mc', 300);
    const slow = await timedGet();
    expect(slow.value).toBe('v');
    expect(slow.ms).toBeGreaterThanOrEqual(290);
    await local.faults.clear(latency);
    expect((await timedGet()).value).toBe('v');

    const stop = await local.faults.stopNode('mc/0001');
    let answered = false;
    const pending = mc.get('k').then(() => (answered = true));
    await new Promise((r) => setTimeout(r, 300));
    expect(answered).toBe(false);
    await local.faults.clear(stop);
    await pending;
    expect(answered).toBe(true);

    mc.close();

    // The open connection is reset, the next one refused (a count of 1), the one after served.
    const open = net.connect(port, '127.0.0.1');
    await once(open, 'connect');
    open.on('error', () => undefined);
    const reset = new Promise((resolve) => open.once('close', resolve));
    await local.faults.dropConnections('mc', { count: 1 });
    await reset;
    expect(await firstReply({ port }, 'version\r\n')).toBe('closed');
    expect(await firstReply({ port }, 'version\r\n')).toMatch(/^VERSION /);

    expect(await messages('mc')).toEqual(expect.arrayContaining([
      'Network latency of cache node 0001 increased by 300 ms',
      'Cache node 0001 shutdown',
      'Cache node 0001 restarted',
    ]));
  });

  it('fill-memory: the node runs as with no memory to spare, so memjs writes evict the oldest items; ending it restores', async () => {
    await client.send(new CreateCacheClusterCommand({ CacheClusterId: 'mcfull', Engine: 'memcached', CacheNodeType: 'cache.t3.micro', NumCacheNodes: 1 }));
    await waitUntilCacheClusterAvailable({ client, ...FAST_WAIT }, { CacheClusterId: 'mcfull' });
    const port = await nodePort('mcfull');
    const mc = memjs.Client.create(`127.0.0.1:${port}`, { retries: 0, timeout: 5, logger: { log: () => undefined } });
    const stat = async (name: string) => Number(new RegExp(`STAT ${name} (\\d+)`).exec(await exchange(port, 'stats\r\n', /END\r\n/))![1]);
    const value = 'v'.repeat(1000);
    const write = async (prefix: string, n: number) => {
      for (let i = 0; i < n; i += 100) await Promise.all(Array.from({ length: 100 }, (_, j) => mc.set(`${prefix}${i + j}`, value, {})));
    };
    await write('a', 100);
    const id = await local.faults.fillMemory('mcfull');
    // One slab page (1 MB) of ~1 KB chunks holds under a thousand: the next writes must evict the oldest.
    await write('b', 2000);
    expect(await stat('evictions')).toBeGreaterThan(0);
    expect((await mc.get('a0')).value).toBeNull();
    expect((await mc.get('b1999')).value?.toString()).toBe(value);
    await local.faults.clear(id);
    const evicted = await stat('evictions');
    await write('c', 2000);
    expect(await stat('evictions')).toBe(evicted);
    expect((await mc.get('c0')).value?.toString()).toBe(value);
    expect(await messages('mcfull')).toContain('Memory of cache node 0001 filled to 100% of maxmemory');
    mc.close();
  });
});

describe('progress of restores and exports', () => {
  it('CopySnapshot to a bucket and a cluster-mode group restored from the snapshot report each node group in DescribeEvents', async () => {
    await client.send(new CreateReplicationGroupCommand({
      ReplicationGroupId: 'src', ReplicationGroupDescription: 'src', Engine: 'redis', CacheNodeType: 'cache.t3.micro',
      NumNodeGroups: 2, ReplicasPerNodeGroup: 0, CacheParameterGroupName: 'default.redis7.cluster.on',
    }));
    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'src' });
    await client.send(new CreateSnapshotCommand({ ReplicationGroupId: 'src', SnapshotName: 'snap' }));
    await until(async () => (await client.send(new DescribeSnapshotsCommand({ SnapshotName: 'snap' }))).Snapshots![0]!.SnapshotStatus === 'available' || undefined);

    await client.send(new CopySnapshotCommand({ SourceSnapshotName: 'snap', TargetSnapshotName: 'out', TargetBucket: 'exports' }));
    expect(await messages('src', 'replication-group')).toEqual(expect.arrayContaining([
      expect.stringMatching(/^Export of snapshot 'snap' to S3 bucket 'exports' started: [\d.]+ MB$/),
      "Exported node group 0001 of snapshot 'snap' to S3 bucket 'exports' as out-0001.rdb (1 of 2)",
      "Exported node group 0002 of snapshot 'snap' to S3 bucket 'exports' as out-0002.rdb (2 of 2)",
      "Export of snapshot 'snap' to S3 bucket 'exports' completed",
    ]));

    await client.send(new CreateReplicationGroupCommand({
      ReplicationGroupId: 'restored', ReplicationGroupDescription: 'r', Engine: 'redis', CacheNodeType: 'cache.t3.micro',
      NumNodeGroups: 2, ReplicasPerNodeGroup: 0, CacheParameterGroupName: 'default.redis7.cluster.on', SnapshotName: 'snap',
    }));
    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'restored' });
    const restored = await messages('restored', 'replication-group');
    expect(restored).toEqual(expect.arrayContaining([
      expect.stringMatching(/^Restore from snapshot 'snap' started: [\d.]+ MB to load$/),
      "Restored data of node group 0001 from snapshot 'snap' (1 of 2 node groups)",
      "Restored data of node group 0002 from snapshot 'snap' (2 of 2 node groups)",
      "Restore from snapshot 'snap' completed",
    ]));
  });
});

describe('api-error and the contract', () => {
  it("api-error: the SDK retries ThrottlingException, counted in $metadata.attempts; ServiceUnavailable is a 503", async () => {
    const retrying = new ElastiCacheClient({ endpoint: emulator.url, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 3 });
    await local.faults.apiError('DescribeCacheClusters', { count: 2 });
    const out = await retrying.send(new DescribeCacheClustersCommand({}));
    expect(out.$metadata.attempts).toBe(3);

    await local.faults.apiError('*', { count: 1, error: 'ServiceUnavailable' });
    const raw = await fetch(emulator.url, { method: 'POST', body: 'Action=DescribeCacheClusters&Version=2015-02-02', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(raw.status).toBe(503);
    expect(await raw.text()).toContain('<Code>ServiceUnavailable</Code>');

    await local.faults.apiError('DescribeReplicationGroups', { durationMs: 60_000 });
    await expect(client.send(new DescribeReplicationGroupsCommand({}))).rejects.toMatchObject({ name: 'Throttling', $metadata: { httpStatusCode: 400 } });
    await local.faults.clear();
    retrying.destroy();

    // The faults concern API actions, no resource: their events have no source and show in an unfiltered listing.
    const events = (await client.send(new DescribeEventsCommand({ Duration: 60 }))).Events!.filter((e) => e.SourceType === undefined);
    expect(events.every((e) => e.SourceIdentifier === undefined)).toBe(true);
    expect(events.map((e) => e.Message).reverse()).toEqual([
      'API action DescribeCacheClusters answers ThrottlingException for the next 2 requests',
      'API action DescribeCacheClusters answers normally again',
      'Every API action answers ServiceUnavailable for the next request',
      'Every API action answers normally again',
      'API action DescribeReplicationGroups answers ThrottlingException for 60000 ms',
      'API action DescribeReplicationGroups answers normally again',
    ]);
    expect((await client.send(new DescribeEventsCommand({ SourceType: 'cache-cluster', Duration: 60 }))).Events).toEqual([]);
  });

  it('POST answers 201 with an id, GET lists, DELETE clears one or all, a bad body is a 400 with a message', async () => {
    const url = `${emulator.url}/_elasticache-local/faults`;
    const post = (body: unknown) => fetch(url, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    const created = await post({ action: 'api-error', target: 'DescribeEvents', count: 5 });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const listed = (await (await fetch(url)).json()) as { faults: { id: string; remaining: number; action: string }[] };
    expect(listed.faults).toMatchObject([{ id, action: 'api-error', remaining: 5 }]);
    expect((await fetch(`${url}/${id}`, { method: 'DELETE' })).status).toBe(200);
    expect((await fetch(`${url}/${id}`, { method: 'DELETE' })).status).toBe(404);

    for (const bad of ['{', { action: 'melt', target: 'x' }, { action: 'crash-node' }, { action: 'crash-node', target: 'nope' }, { action: 'add-latency', target: 'x' }, { action: 'api-error', target: 'X', count: 1, durationMs: 5 }]) {
      const res = typeof bad === 'string' ? await fetch(url, { method: 'POST', body: bad }) : await post(bad);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error.length).toBeGreaterThan(5);
    }
    await post({ action: 'api-error', target: 'A' });
    await post({ action: 'api-error', target: 'B' });
    expect(await (await fetch(url, { method: 'DELETE' })).json()).toEqual({ cleared: 2 });
  });
});
