// A restart that finds a cluster's published port held by another program: AWS's incompatible-network
// (the cluster cannot be placed on its network), never a silent move to a port its clients do not know.
import {
  CreateCacheClusterCommand,
  DeleteCacheClusterCommand,
  DescribeCacheClustersCommand,
  DescribeEventsCommand,
  ModifyCacheClusterCommand,
  RebootCacheClusterCommand,
  waitUntilCacheClusterAvailable,
  waitUntilCacheClusterDeleted,
  type ElastiCacheClient,
} from '@aws-sdk/client-elasticache';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/index.ts';
import { run } from '../support/exec.ts';
import { listening } from '../support/net.ts';
import { CREDENTIALS, FAST_WAIT, hasTool, sdkClient, startEmulator } from '../support/emulator.ts';

// Below Linux's ephemeral range and apart from the ranges other test files use.
const FROM = 23600;
const TO = 23619;

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecl-network-'));
const haveCli = hasTool('aws');
const running: Emulator[] = [];
const squatters: net.Server[] = [];
afterAll(async () => {
  for (const e of running) await e.stop();
  for (const s of squatters) await new Promise<void>((resolve) => s.close(() => resolve()));
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function boot(): Promise<{ emulator: Emulator; client: ElastiCacheClient }> {
  const emulator = await startEmulator({ dataDir, nodePortRange: `${FROM}-${TO}`, redisDefaultPort: 0, transitionDelayMs: 50 });
  running.push(emulator);
  return { emulator, client: sdkClient(emulator) };
}

async function shutDown(emulator: Emulator, client: ElastiCacheClient): Promise<void> {
  client.destroy();
  await emulator.stop();
  running.splice(running.indexOf(emulator), 1);
}

async function squat(port: number): Promise<net.Server> {
  const server = net.createServer((socket) => {
    socket.on('error', () => {});
    socket.end('not redis\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  squatters.push(server);
  return server;
}

async function release(server: net.Server): Promise<void> {
  squatters.splice(squatters.indexOf(server), 1);
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

const describeCluster = (client: ElastiCacheClient, id: string) =>
  client.send(new DescribeCacheClustersCommand({ CacheClusterId: id, ShowCacheNodeInfo: true })).then((r) => r.CacheClusters![0]!);

async function eventsOf(client: ElastiCacheClient, id: string): Promise<string[]> {
  const res = await client.send(new DescribeEventsCommand({ SourceType: 'cache-cluster', SourceIdentifier: id, Duration: 60 }));
  return (res.Events ?? []).map((e) => e.Message!);
}

async function ping(port: number): Promise<string> {
  const redis = new Redis({ port, lazyConnect: true, maxRetriesPerRequest: 0 });
  try {
    await redis.connect();
    return await redis.ping();
  } finally {
    redis.disconnect();
  }
}

describe('a published port taken while the emulator was down', () => {
  it('leaves the cluster incompatible-network with nodes incompatible_network; it deletes, or comes back once the port is free', async () => {
    let { emulator, client } = await boot();
    for (const id of ['squatted', 'healthy', 'recovers']) {
      await client.send(new CreateCacheClusterCommand({ CacheClusterId: id, Engine: 'redis', CacheNodeType: 'cache.t3.micro', Tags: [{ Key: 'k', Value: id }] }));
    }
    for (const id of ['squatted', 'healthy', 'recovers']) await waitUntilCacheClusterAvailable({ client, ...FAST_WAIT }, { CacheClusterId: id });
    const portOf = async (id: string) => (await describeCluster(client, id)).CacheNodes![0]!.Endpoint!.Port!;
    const [squattedPort, healthyPort, recoversPort] = [await portOf('squatted'), await portOf('healthy'), await portOf('recovers')];
    await shutDown(emulator, client);

    // Another program takes two of the ports while the emulator is down.
    const onSquatted = await squat(squattedPort);
    const onRecovers = await squat(recoversPort);
    ({ emulator, client } = await boot());

    const squatted = await describeCluster(client, 'squatted');
    expect(squatted.CacheClusterStatus).toBe('incompatible-network');
    expect(squatted.CacheNodes!.map((n) => [n.CacheNodeStatus, n.Endpoint])).toEqual([['incompatible_network', undefined]]);
    expect(await eventsOf(client, 'squatted')).toContainEqual(expect.stringMatching(/^Failed to recover cache nodes 0001 due to incompatible network state/));
    // The other cluster came back where its clients know it is.
    expect((await describeCluster(client, 'healthy')).CacheClusterStatus).toBe('available');
    expect(await portOf('healthy')).toBe(healthyPort);
    expect(await ping(healthyPort)).toBe('PONG');

    if (haveCli) {
      const cli = await run('aws', ['elasticache', 'describe-cache-clusters', '--cache-cluster-id', 'squatted', '--show-cache-node-info', '--endpoint-url', emulator.url, '--region', 'us-east-1', '--output', 'json'], {
        env: { ...process.env, AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey, AWS_PAGER: '' },
        timeoutMs: 60_000,
      });
      expect(cli.code, cli.stderr).toBe(0);
      const shown = JSON.parse(cli.stdout).CacheClusters[0];
      expect([shown.CacheClusterStatus, shown.CacheNodes[0].CacheNodeStatus]).toEqual(['incompatible-network', 'incompatible_network']);
    }

    // AWS allows only deletion of a cluster in this state.
    await expect(client.send(new ModifyCacheClusterCommand({ CacheClusterId: 'squatted', SnapshotRetentionLimit: 1, ApplyImmediately: true }))).rejects.toMatchObject({
      name: 'InvalidCacheClusterStateFault',
    });
    await expect(client.send(new RebootCacheClusterCommand({ CacheClusterId: 'squatted', CacheNodeIdsToReboot: ['0001'] }))).rejects.toMatchObject({
      name: 'InvalidCacheClusterStateFault',
    });
    await client.send(new DeleteCacheClusterCommand({ CacheClusterId: 'squatted' }));
    await waitUntilCacheClusterDeleted({ client, ...FAST_WAIT }, { CacheClusterId: 'squatted' });
    // The squatter still has its port and was never disturbed; once it lets go, nothing of ours listens there.
    expect(await listening(squattedPort)).toBe(true);
    await release(onSquatted);
    expect(await listening(squattedPort)).toBe(false);

    // The other squatter leaves; at the next restart its cluster is placed again, on the same port.
    expect((await describeCluster(client, 'recovers')).CacheClusterStatus).toBe('incompatible-network');
    await shutDown(emulator, client);
    await release(onRecovers);
    ({ emulator, client } = await boot());
    const recovered = await describeCluster(client, 'recovers');
    expect([recovered.CacheClusterStatus, recovered.CacheNodes![0]!.CacheNodeStatus, recovered.CacheNodes![0]!.Endpoint?.Port]).toEqual(['available', 'available', recoversPort]);
    expect(await ping(recoversPort)).toBe('PONG');
    expect(await eventsOf(client, 'recovers')).toContain('Finished recovery for cache nodes 0001');

    for (const id of ['healthy', 'recovers']) await client.send(new DeleteCacheClusterCommand({ CacheClusterId: id }));
    for (const id of ['healthy', 'recovers']) await waitUntilCacheClusterDeleted({ client, ...FAST_WAIT }, { CacheClusterId: id });
    for (let p = FROM; p <= TO; p++) expect(await listening(p), `port ${p}`).toBe(false);
    await shutDown(emulator, client);
    const db = new Database(path.join(dataDir, 'elasticache-local.sqlite'), { readonly: true });
    try {
      expect((db.prepare('SELECT COUNT(*) AS n FROM tags').get() as { n: number }).n).toBe(0);
    } finally {
      db.close();
    }
    // Each clean stop saved the running nodes' data; none of it outlives its cluster.
    const nodesDir = path.join(dataDir, 'nodes');
    const saved = fs.existsSync(nodesDir) ? fs.readdirSync(nodesDir, { recursive: true, withFileTypes: true }).filter((f) => f.isFile()) : [];
    expect(saved.map((f) => f.name)).toEqual([]);
  }, 90_000);
});
