import {
  CopySnapshotCommand,
  CreateCacheClusterCommand,
  CreateReplicationGroupCommand,
  CreateSnapshotCommand,
  DeleteReplicationGroupCommand,
  DeleteSnapshotCommand,
  DescribeCacheClustersCommand,
  DescribeReplicationGroupsCommand,
  DescribeSnapshotsCommand,
  ModifyReplicationGroupCommand,
  waitUntilCacheClusterAvailable,
  waitUntilReplicationGroupAvailable,
  waitUntilReplicationGroupDeleted,
} from '@aws-sdk/client-elasticache';
import { Redis } from 'ioredis';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { emulatorForTests, FAST_WAIT, hasTool } from '../support/emulator.ts';
import { freePort } from '../support/net.ts';

const haveRedis = hasTool('redis-server');
const { emulator, client } = emulatorForTests({ transitionDelayMs: 100 });

async function connect(port: number): Promise<Redis> {
  const redis = new Redis({ port, lazyConnect: true });
  await redis.connect();
  return redis;
}

async function primaryPort(group: string): Promise<number> {
  const g = (await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: group }))).ReplicationGroups![0]!;
  return g.NodeGroups![0]!.PrimaryEndpoint!.Port!;
}

async function waitSnapshot(name: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const s = (await client.send(new DescribeSnapshotsCommand({ SnapshotName: name }))).Snapshots![0]!;
    if (s.SnapshotStatus === 'available') return;
    if (s.SnapshotStatus === 'failed') throw new Error(`snapshot ${name} failed`);
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`snapshot ${name} never became available`);
}

/** Writes one key of every type, in two databases, with a TTL. */
async function fill(redis: Redis): Promise<void> {
  await redis.set('str', 'hello');
  await redis.set('num', '12345');
  await redis.set('ttl', 'soon', 'EX', 3600);
  await redis.rpush('list', 'a', 'b', 'c');
  await redis.hset('hash', { f1: 'v1', f2: 'v2' });
  await redis.sadd('set', 'x', 'y');
  await redis.sadd('ints', '1', '2', '3');
  await redis.zadd('zset', '1', 'one', '2.5', 'two');
  await redis.xadd('stream', '1-1', 'k', 'v');
  await redis.select(3);
  await redis.set('in-db-3', 'yes');
  await redis.select(0);
}

async function expectFilled(redis: Redis): Promise<void> {
  expect(await redis.get('str')).toBe('hello');
  expect(await redis.get('num')).toBe('12345');
  const ttl = await redis.ttl('ttl');
  expect(ttl).toBeGreaterThan(3500);
  expect(await redis.lrange('list', 0, -1)).toEqual(['a', 'b', 'c']);
  expect(await redis.hgetall('hash')).toEqual({ f1: 'v1', f2: 'v2' });
  expect((await redis.smembers('set')).sort()).toEqual(['x', 'y']);
  expect((await redis.smembers('ints')).sort()).toEqual(['1', '2', '3']);
  expect(await redis.zrange('zset', '0', '-1', 'WITHSCORES')).toEqual(['one', '1', 'two', '2.5']);
  expect(await redis.xrange('stream', '-', '+')).toEqual([['1-1', ['k', 'v']]]);
  await redis.select(3);
  expect(await redis.get('in-db-3')).toBe('yes');
  await redis.select(0);
}

/** Starts Debian's redis-server on a directory holding dump.rdb. */
async function realRedis(dir: string): Promise<{ port: number; stop: () => void }> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--dbfilename', 'dump.rdb', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((r) => net.connect(port, '127.0.0.1').once('connect', function (this: net.Socket) { this.destroy(); r(true); }).once('error', () => r(false)));
    if (ok) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return { port, stop: () => child.kill('SIGKILL') };
}

describe('snapshots', () => {
  it('snapshots a replication group into a standard RDB that real redis-server loads, and restores it into a new group', async () => {
    await client.send(new CreateReplicationGroupCommand({
      ReplicationGroupId: 'snap-src', ReplicationGroupDescription: 'source', Engine: 'redis', CacheNodeType: 'cache.t3.small', NumCacheClusters: 1,
    }));
    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'snap-src' });
    const source = await connect(await primaryPort('snap-src'));
    await fill(source);
    source.disconnect();

    const created = await client.send(new CreateSnapshotCommand({ ReplicationGroupId: 'snap-src', SnapshotName: 'before-change' }));
    expect(created.Snapshot).toMatchObject({ SnapshotStatus: 'creating', SnapshotSource: 'manual', ReplicationGroupId: 'snap-src' });
    const during = (await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'snap-src' }))).ReplicationGroups![0]!;
    expect(during.Status).toBe('snapshotting');
    await waitSnapshot('before-change');
    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'snap-src' });
    const described = (await client.send(new DescribeSnapshotsCommand({ ReplicationGroupId: 'snap-src', ShowNodeGroupConfig: true }))).Snapshots!;
    expect(described).toHaveLength(1);
    expect(described[0]!.NodeSnapshots![0]).toMatchObject({ NodeGroupId: '0001', CacheClusterId: 'snap-src-001', CacheSize: '1 MB' });
    await expect(client.send(new CreateSnapshotCommand({ ReplicationGroupId: 'snap-src', SnapshotName: 'before-change' }))).rejects.toMatchObject({
      name: 'SnapshotAlreadyExistsFault',
    });

    // The file is a real RDB: Debian's redis-server loads it with every key, value and TTL.
    const file = path.join(emulator.config.dataDir, 'snapshots', '000000000000', 'us-east-1', 'before-change', '0001.rdb');
    expect(fs.readFileSync(file).subarray(0, 9).toString()).toBe('REDIS0010');
    if (haveRedis) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecl-rdb-'));
      fs.copyFileSync(file, path.join(dir, 'dump.rdb'));
      const real = await realRedis(dir);
      try {
        const redis = await connect(real.port);
        await expectFilled(redis);
        redis.disconnect();
      } finally {
        real.stop();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }

    await client.send(new CreateReplicationGroupCommand({
      ReplicationGroupId: 'snap-restored', ReplicationGroupDescription: 'restored', Engine: 'redis', CacheNodeType: 'cache.t3.small',
      NumCacheClusters: 2, SnapshotName: 'before-change',
    }));
    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'snap-restored' });
    const restored = await connect(await primaryPort('snap-restored'));
    await expectFilled(restored);
    restored.disconnect();
  });

  it('exports to the local S3 stand-in and restores a cluster from SnapshotArns, including a dump written by real redis-server', async () => {
    await client.send(new CopySnapshotCommand({ SourceSnapshotName: 'before-change', TargetSnapshotName: 'exported', TargetBucket: 'my-backups' }));
    const exported = path.join(emulator.config.dataDir, 's3', 'my-backups', 'exported-0001.rdb');
    expect(fs.existsSync(exported)).toBe(true);
    await client.send(new CreateCacheClusterCommand({
      CacheClusterId: 'from-s3', Engine: 'redis', CacheNodeType: 'cache.t3.small', SnapshotArns: ['arn:aws:s3:::my-backups/exported-0001.rdb'],
    }));
    await waitUntilCacheClusterAvailable({ client, ...FAST_WAIT }, { CacheClusterId: 'from-s3' });
    const node = (await client.send(new DescribeCacheClustersCommand({ CacheClusterId: 'from-s3', ShowCacheNodeInfo: true }))).CacheClusters![0]!;
    const redis = await connect(node.CacheNodes![0]!.Endpoint!.Port!);
    await expectFilled(redis);
    redis.disconnect();

    if (haveRedis) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecl-real-'));
      const real = await realRedis(dir);
      try {
        const r = await connect(real.port);
        await fill(r);
        await r.save();
        r.disconnect();
      } finally {
        real.stop();
      }
      fs.mkdirSync(path.join(emulator.config.dataDir, 's3', 'seed'), { recursive: true });
      fs.copyFileSync(path.join(dir, 'dump.rdb'), path.join(emulator.config.dataDir, 's3', 'seed', 'prod.rdb'));
      fs.rmSync(dir, { recursive: true, force: true });
      await client.send(new CreateReplicationGroupCommand({
        ReplicationGroupId: 'seeded', ReplicationGroupDescription: 'from real redis', Engine: 'redis', CacheNodeType: 'cache.t3.small',
        SnapshotArns: ['arn:aws:s3:::seed/prod.rdb'],
      }));
      await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'seeded' });
      const seeded = await connect(await primaryPort('seeded'));
      await expectFilled(seeded);
      seeded.disconnect();
    }
    await expect(
      client.send(new CreateCacheClusterCommand({ CacheClusterId: 'missing-s3', Engine: 'redis', CacheNodeType: 'cache.t3.small', SnapshotArns: ['arn:aws:s3:::nope/x.rdb'] })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
  });

  it('copies, refuses Memcached and unknown names, takes a final snapshot on delete, and deletes', async () => {
    const copy = await client.send(new CopySnapshotCommand({ SourceSnapshotName: 'before-change', TargetSnapshotName: 'copy-of-before' }));
    expect(copy.Snapshot!.SnapshotName).toBe('copy-of-before');
    await waitSnapshot('copy-of-before');
    await client.send(new CreateCacheClusterCommand({ CacheClusterId: 'mc-nosnap', Engine: 'memcached', CacheNodeType: 'cache.t3.micro', NumCacheNodes: 1 }));
    await expect(client.send(new CreateSnapshotCommand({ CacheClusterId: 'mc-nosnap', SnapshotName: 'x' }))).rejects.toMatchObject({
      name: 'SnapshotFeatureNotSupportedFault',
    });
    await expect(client.send(new DescribeSnapshotsCommand({ SnapshotName: 'nope' }))).rejects.toMatchObject({ name: 'SnapshotNotFoundFault' });

    await client.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: 'snap-src', FinalSnapshotIdentifier: 'snap-src-final' }));
    await waitUntilReplicationGroupDeleted({ client, ...FAST_WAIT }, { ReplicationGroupId: 'snap-src' });
    await waitSnapshot('snap-src-final');

    const deleted = await client.send(new DeleteSnapshotCommand({ SnapshotName: 'copy-of-before' }));
    expect(deleted.Snapshot!.SnapshotStatus).toBe('deleting');
    await expect(client.send(new DescribeSnapshotsCommand({ SnapshotName: 'copy-of-before' }))).rejects.toMatchObject({ name: 'SnapshotNotFoundFault' });
  });

  it('takes daily automated snapshots inside the window and prunes them past the retention limit', async () => {
    await client.send(new CreateReplicationGroupCommand({
      ReplicationGroupId: 'auto', ReplicationGroupDescription: 'auto', Engine: 'redis', CacheNodeType: 'cache.t3.micro',
      SnapshotRetentionLimit: 1, SnapshotWindow: '00:00-23:59',
    }));
    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'auto' });
    // The window is almost the whole day: moving the clock runs the scheduler at once.
    const advance = (ms: number) => fetch(`${emulator.url}/_elasticache-local/clock?advanceMs=${ms}`, { method: 'POST' });
    await advance(1);
    const list = async () => (await client.send(new DescribeSnapshotsCommand({ ReplicationGroupId: 'auto', SnapshotSource: 'system' }))).Snapshots!;
    let automated = await list();
    expect(automated).toHaveLength(1);
    expect(automated[0]!.SnapshotSource).toBe('automated');
    expect(automated[0]!.SnapshotName).toMatch(/^automatic\.auto-\d{4}-\d\d-\d\d-\d\d-\d\d$/);
    await waitSnapshot(automated[0]!.SnapshotName!);
    await advance(60_000);
    expect(await list()).toHaveLength(1);
    // Two days later: a new one is taken and the old one is past its one-day retention.
    await advance(2 * 86_400_000);
    automated = await list();
    expect(automated).toHaveLength(1);
    expect((await client.send(new DescribeSnapshotsCommand({ SnapshotSource: 'user', ReplicationGroupId: 'auto' }))).Snapshots).toEqual([]);
    await client.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: 'auto', SnapshotRetentionLimit: 0, ApplyImmediately: true }));
  });
});
