import {
  CreateServerlessCacheCommand,
  CreateUserGroupCommand,
  DescribeUserGroupsCommand,
  DeleteServerlessCacheCommand,
  DescribeServerlessCachesCommand,
  ModifyServerlessCacheCommand,
} from '@aws-sdk/client-elasticache';
import { Redis } from 'ioredis';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { emulatorForTests } from '../support/emulator.ts';

const { emulator, client } = emulatorForTests({ transitionDelayMs: 100 });

async function waitStatus(name: string, status: string | undefined): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      const c = (await client.send(new DescribeServerlessCachesCommand({ ServerlessCacheName: name }))).ServerlessCaches![0]!;
      if (c.Status === status) return;
    } catch (err) {
      if (status === undefined && (err as { name: string }).name === 'ServerlessCacheNotFoundFault') return;
      throw err;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${name} never reached ${status}`);
}

describe('serverless caches', () => {
  it('creates a Valkey cache served over TLS on its endpoint and reader endpoint, modifies and deletes it', async () => {
    const created = await client.send(
      new CreateServerlessCacheCommand({
        ServerlessCacheName: 'sessions',
        Engine: 'valkey',
        Description: 'session store',
        CacheUsageLimits: { DataStorage: { Maximum: 10, Unit: 'GB' }, ECPUPerSecond: { Maximum: 5000 } },
        SubnetIds: ['subnet-a1'],
      }),
    );
    expect(created.ServerlessCache).toMatchObject({ Status: 'creating', Engine: 'valkey', MajorEngineVersion: '8', FullEngineVersion: '8.2' });
    await waitStatus('sessions', 'available');
    const cache = (await client.send(new DescribeServerlessCachesCommand({ ServerlessCacheName: 'sessions' }))).ServerlessCaches![0]!;
    expect(cache.Endpoint!.Port).not.toBe(cache.ReaderEndpoint!.Port);
    expect(cache.SnapshotRetentionLimit).toBe(0);
    const ca = fs.readFileSync(emulator.caPath);
    const redis = new Redis({ host: cache.Endpoint!.Address, port: cache.Endpoint!.Port, tls: { ca }, lazyConnect: true });
    await redis.connect();
    await redis.set('s', '1');
    redis.disconnect();
    const reader = new Redis({ host: cache.ReaderEndpoint!.Address, port: cache.ReaderEndpoint!.Port, tls: { ca }, lazyConnect: true });
    await reader.connect();
    expect(await reader.get('s')).toBe('1');
    reader.disconnect();
    // Plaintext is refused: serverless caches always require TLS.
    const plain = await new Promise<string>((resolve) => {
      let got = '';
      const s = net.connect({ host: '127.0.0.1', port: cache.Endpoint!.Port! }, () => s.write('PING\r\n'));
      s.on('data', (d) => (got += d.toString('latin1')));
      s.on('close', () => resolve(got));
      s.on('error', () => undefined);
      setTimeout(() => s.destroy(), 1000);
    });
    expect(plain).not.toContain('PONG');

    await expect(
      client.send(new CreateServerlessCacheCommand({ ServerlessCacheName: 'sessions', Engine: 'redis' })),
    ).rejects.toMatchObject({ name: 'ServerlessCacheAlreadyExistsFault' });
    const modified = await client.send(new ModifyServerlessCacheCommand({ ServerlessCacheName: 'sessions', Description: 'bigger', SnapshotRetentionLimit: 3 }));
    expect(modified.ServerlessCache).toMatchObject({ Status: 'modifying', Description: 'bigger', SnapshotRetentionLimit: 3 });
    await expect(client.send(new DeleteServerlessCacheCommand({ ServerlessCacheName: 'sessions' }))).rejects.toMatchObject({
      name: 'InvalidServerlessCacheStateFault',
    });
    await waitStatus('sessions', 'available');
    await client.send(new DeleteServerlessCacheCommand({ ServerlessCacheName: 'sessions' }));
    await waitStatus('sessions', undefined);
  });

  it('refuses what AWS refuses', async () => {
    await expect(
      client.send(new CreateServerlessCacheCommand({ ServerlessCacheName: 'mc', Engine: 'memcached', SnapshotRetentionLimit: 1 })),
    ).rejects.toMatchObject({ name: 'InvalidParameterCombinationException' });
    await expect(
      client.send(new CreateServerlessCacheCommand({ ServerlessCacheName: 'big', Engine: 'redis', CacheUsageLimits: { DataStorage: { Maximum: 9000, Unit: 'GB' } } })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    await expect(
      client.send(new CreateServerlessCacheCommand({ ServerlessCacheName: 'old', Engine: 'redis', MajorEngineVersion: '5' })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    await expect(client.send(new DescribeServerlessCachesCommand({ ServerlessCacheName: 'none' }))).rejects.toMatchObject({
      name: 'ServerlessCacheNotFoundFault',
    });
    const mc = await client.send(new CreateServerlessCacheCommand({ ServerlessCacheName: 'mc', Engine: 'memcached' }));
    expect(mc.ServerlessCache).toMatchObject({ MajorEngineVersion: '1.6', FullEngineVersion: '1.6.22' });
    expect(mc.ServerlessCache!.SnapshotRetentionLimit).toBeUndefined();
  });

  it('touches no user group when a create or modify naming one is refused', async () => {
    await client.send(new CreateUserGroupCommand({ UserGroupId: 'sl-users', Engine: 'redis', UserIds: ['default'] }));
    const groupStatus = async () => (await client.send(new DescribeUserGroupsCommand({ UserGroupId: 'sl-users' }))).UserGroups![0]!.Status;
    await expect.poll(groupStatus, { timeout: 10_000 }).toBe('active');
    await client.send(new CreateServerlessCacheCommand({ ServerlessCacheName: 'sl-ug', Engine: 'redis' }));
    await waitStatus('sl-ug', 'available');
    // Refused at the last checks: an invalid snapshot time, an engine move, a name already taken.
    await expect(
      client.send(new ModifyServerlessCacheCommand({ ServerlessCacheName: 'sl-ug', UserGroupId: 'sl-users', DailySnapshotTime: 'noon' })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    await expect(
      client.send(new ModifyServerlessCacheCommand({ ServerlessCacheName: 'sl-ug', UserGroupId: 'sl-users', Engine: 'memcached' })),
    ).rejects.toMatchObject({ name: 'InvalidParameterCombinationException' });
    await expect(
      client.send(new CreateServerlessCacheCommand({ ServerlessCacheName: 'sl-ug', Engine: 'redis', UserGroupId: 'sl-users' })),
    ).rejects.toMatchObject({ name: 'ServerlessCacheAlreadyExistsFault' });
    expect(await groupStatus()).toBe('active');
    const cache = (await client.send(new DescribeServerlessCachesCommand({ ServerlessCacheName: 'sl-ug' }))).ServerlessCaches![0]!;
    expect(cache.Status).toBe('available');
    expect(cache.UserGroupId).toBeUndefined();
    expect(cache.DailySnapshotTime).not.toBe('noon');
    await client.send(new DeleteServerlessCacheCommand({ ServerlessCacheName: 'sl-ug' }));
    await waitStatus('sl-ug', undefined);
  });
});

describe('serverless cache snapshots', () => {
  it('snapshots a serverless cache, copies and exports it, and restores new caches from its ARN and from S3', async () => {
    const { CreateServerlessCacheSnapshotCommand, DescribeServerlessCacheSnapshotsCommand, CopyServerlessCacheSnapshotCommand,
      ExportServerlessCacheSnapshotCommand, DeleteServerlessCacheSnapshotCommand } = await import('@aws-sdk/client-elasticache');
    await client.send(new CreateServerlessCacheCommand({ ServerlessCacheName: 'snapsrc', Engine: 'redis' }));
    await waitStatus('snapsrc', 'available');
    const ca = fs.readFileSync(emulator.caPath);
    const endpointOf = async (name: string) =>
      (await client.send(new DescribeServerlessCachesCommand({ ServerlessCacheName: name }))).ServerlessCaches![0]!.Endpoint!;
    const src = await endpointOf('snapsrc');
    const w = new Redis({ port: src.Port, tls: { ca }, lazyConnect: true });
    await w.connect();
    await w.set('cart:1', 'three items');
    w.disconnect();

    const created = await client.send(new CreateServerlessCacheSnapshotCommand({ ServerlessCacheSnapshotName: 'nightly', ServerlessCacheName: 'snapsrc' }));
    expect(created.ServerlessCacheSnapshot).toMatchObject({ Status: 'creating', SnapshotType: 'manual', ServerlessCacheConfiguration: { ServerlessCacheName: 'snapsrc', Engine: 'redis' } });
    const snapshotOf = async (name: string) =>
      (await client.send(new DescribeServerlessCacheSnapshotsCommand({ ServerlessCacheSnapshotName: name }))).ServerlessCacheSnapshots![0]!;
    await expect.poll(async () => (await snapshotOf('nightly')).Status).toBe('available');
    expect(Number((await snapshotOf('nightly')).BytesUsedForCache)).toBeGreaterThan(0);

    await client.send(new CopyServerlessCacheSnapshotCommand({ SourceServerlessCacheSnapshotName: 'nightly', TargetServerlessCacheSnapshotName: 'nightly-copy' }));
    await expect.poll(async () => (await snapshotOf('nightly-copy')).Status).toBe('available');
    await client.send(new ExportServerlessCacheSnapshotCommand({ ServerlessCacheSnapshotName: 'nightly', S3BucketName: 'exports' }));
    expect(fs.existsSync(path.join(emulator.config.dataDir, 's3', 'exports', 'nightly-0001.rdb'))).toBe(true);

    const arn = (await snapshotOf('nightly-copy')).ARN!;
    await client.send(new CreateServerlessCacheCommand({ ServerlessCacheName: 'from-arn', Engine: 'redis', SnapshotArnsToRestore: [arn] }));
    await client.send(new CreateServerlessCacheCommand({ ServerlessCacheName: 'from-s3', Engine: 'valkey', SnapshotArnsToRestore: ['arn:aws:s3:::exports/nightly-0001.rdb'] }));
    for (const name of ['from-arn', 'from-s3']) {
      await waitStatus(name, 'available');
      const e = await endpointOf(name);
      const r = new Redis({ port: e.Port, tls: { ca }, lazyConnect: true });
      await r.connect();
      expect(await r.get('cart:1')).toBe('three items');
      r.disconnect();
    }

    await client.send(new DeleteServerlessCacheSnapshotCommand({ ServerlessCacheSnapshotName: 'nightly-copy' }));
    await expect(snapshotOf('nightly-copy')).rejects.toMatchObject({ name: 'ServerlessCacheSnapshotNotFoundFault' });
    await expect(
      client.send(new CreateServerlessCacheSnapshotCommand({ ServerlessCacheSnapshotName: 'nightly', ServerlessCacheName: 'snapsrc' })),
    ).rejects.toMatchObject({ name: 'ServerlessCacheSnapshotAlreadyExistsFault' });
  });
});
