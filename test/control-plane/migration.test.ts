import {
  CompleteMigrationCommand,
  CreateReplicationGroupCommand,
  DeleteReplicationGroupCommand,
  DescribeEventsCommand,
  DescribeReplicationGroupsCommand,
  StartMigrationCommand,
  TestMigrationCommand,
  type ElastiCacheClient,
  waitUntilReplicationGroupAvailable,
} from '@aws-sdk/client-elasticache';
import { Redis } from 'ioredis';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/index.ts';
import { MigrationLink } from '../../src/lifecycle/migration.ts';
import { FAST_WAIT, hasTool, sdkClient, startEmulator } from '../support/emulator.ts';
import { freePort } from '../support/net.ts';

const haveRedis = hasTool('redis-server');
let emulator: Emulator;
let client: ElastiCacheClient;
let source: ChildProcess | undefined;
let sourcePort = 0;
let sourceDir: string | undefined;

beforeAll(async () => {
  emulator = await startEmulator({ transitionDelayMs: 100 });
  client = sdkClient(emulator);
  if (!haveRedis) return;
  sourcePort = await freePort();
  // A full sync makes the source write an RDB: keep it in a temporary directory, and start it at once.
  const dir = (sourceDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecl-migration-')));
  source = spawn(
    'redis-server',
    ['--port', String(sourcePort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--repl-diskless-sync-delay', '0'],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  await new Promise<void>((resolve) => source!.stdout!.on('data', (d: Buffer) => d.toString().includes('Ready to accept') && resolve()));
});
afterAll(async () => {
  client.destroy();
  await emulator.stop();
  // The directory goes once the server is gone, so no late RDB write recreates what was removed.
  if (source && source.exitCode === null && source.signalCode === null) {
    await new Promise<void>((resolve) => {
      source!.once('exit', () => resolve());
      source!.kill('SIGKILL');
    });
  }
  if (sourceDir) fs.rmSync(sourceDir, { recursive: true, force: true });
});

describe.skipIf(!haveRedis)('online migration from a self-hosted Redis', () => {
  it('copies a real redis-server into a replication group, follows its writes, and completes', async () => {
    const src = new Redis({ port: sourcePort });
    await src.set('before', 'copied by the full sync');
    await src.hset('h', { a: '1' });
    await src.select(2);
    await src.set('db2', 'yes');
    await src.select(0);

    await client.send(new CreateReplicationGroupCommand({
      ReplicationGroupId: 'landing', ReplicationGroupDescription: 'target', Engine: 'redis', CacheNodeType: 'cache.m5.large', NumCacheClusters: 2,
    }));
    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'landing' });
    const endpoint = [{ Address: '127.0.0.1', Port: sourcePort }];
    await client.send(new TestMigrationCommand({ ReplicationGroupId: 'landing', CustomerNodeEndpointList: endpoint }));
    await expect
      .poll(async () => (await client.send(new DescribeEventsCommand({ SourceType: 'replication-group', SourceIdentifier: 'landing' }))).Events!.map((e) => e.Message))
      .toContain(`Test migration from 127.0.0.1:${sourcePort} succeeded`);

    await client.send(new StartMigrationCommand({ ReplicationGroupId: 'landing', CustomerNodeEndpointList: endpoint }));
    await expect(client.send(new StartMigrationCommand({ ReplicationGroupId: 'landing', CustomerNodeEndpointList: endpoint }))).rejects.toMatchObject({
      name: 'ReplicationGroupAlreadyUnderMigrationFault',
    });
    const group = (await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'landing' }))).ReplicationGroups![0]!;
    const target = new Redis({ port: group.NodeGroups![0]!.PrimaryEndpoint!.Port });
    await expect.poll(() => target.get('before'), { timeout: 10_000 }).toBe('copied by the full sync');
    expect(await target.hgetall('h')).toEqual({ a: '1' });
    // Writes on the source after the full sync arrive through the replication stream.
    await src.set('after', 'streamed');
    await src.incrby('counter', 5);
    await src.select(2);
    await src.del('db2');
    await expect.poll(() => target.get('after')).toBe('streamed');
    await expect.poll(() => target.get('counter')).toBe('5');
    await target.select(2);
    await expect.poll(() => target.exists('db2')).toBe(0);
    await target.select(0);
    // The group's replica follows its primary as usual.
    const replicaPort = group.NodeGroups![0]!.NodeGroupMembers!.find((m) => m.CurrentRole === 'replica')!.ReadEndpoint!.Port;
    const replica = new Redis({ port: replicaPort });
    await expect.poll(() => replica.get('after')).toBe('streamed');

    await client.send(new CompleteMigrationCommand({ ReplicationGroupId: 'landing' }));
    await src.select(0);
    await src.set('after-complete', 'not copied');
    await new Promise((r) => setTimeout(r, 300));
    expect(await target.get('after-complete')).toBeNull();
    await expect(client.send(new CompleteMigrationCommand({ ReplicationGroupId: 'landing' }))).rejects.toMatchObject({
      name: 'ReplicationGroupNotUnderMigrationFault',
    });
    src.disconnect();
    target.disconnect();
    replica.disconnect();
  });

  it('carries many keys and a burst of writes, and deleting the group during the migration stops the link', async () => {
    const src = new Redis({ port: sourcePort });
    await src.flushall();
    const fill = async (prefix: string, n: number) => {
      for (let i = 0; i < n; i += 5000) {
        const batch = src.pipeline();
        for (let j = i; j < Math.min(n, i + 5000); j++) batch.set(`${prefix}:${j}`, `value-${j}`);
        await batch.exec();
      }
    };
    await fill('rdb', 20_000);
    await client.send(new CreateReplicationGroupCommand({
      ReplicationGroupId: 'bulk', ReplicationGroupDescription: 'target', Engine: 'redis', CacheNodeType: 'cache.m5.large', NumCacheClusters: 1,
    }));
    await waitUntilReplicationGroupAvailable({ client, ...FAST_WAIT }, { ReplicationGroupId: 'bulk' });
    await client.send(new StartMigrationCommand({ ReplicationGroupId: 'bulk', CustomerNodeEndpointList: [{ Address: '127.0.0.1', Port: sourcePort }] }));
    const group = (await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'bulk' }))).ReplicationGroups![0]!;
    const target = new Redis({ port: group.NodeGroups![0]!.PrimaryEndpoint!.Port });
    await expect.poll(() => target.dbsize(), { timeout: 20_000 }).toBe(20_000);
    await fill('stream', 20_000);
    await expect.poll(() => target.dbsize(), { timeout: 20_000 }).toBe(40_000);
    expect(await target.get('stream:19999')).toBe('value-19999');
    expect(await src.info('replication')).toMatch(/connected_slaves:1/);

    await client.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: 'bulk' }));
    // The source sees its replica go away as the link closes with the group.
    await expect.poll(async () => /connected_slaves:0/.test(await src.info('replication')), { timeout: 10_000 }).toBe(true);
    src.disconnect();
    target.disconnect();
  });

  it('pauses reading the source while the target does not take what it was sent', async () => {
    const src = new Redis({ port: sourcePort });
    await src.flushall();
    // A target that accepts and never reads: its socket buffer fills, then ours.
    const accepted: net.Socket[] = [];
    const stalled = net.createServer((s) => accepted.push(s.pause()));
    await new Promise<void>((resolve) => stalled.listen(0, '127.0.0.1', resolve));
    const errors: string[] = [];
    const link = new MigrationLink('127.0.0.1', sourcePort, '127.0.0.1', (stalled.address() as net.AddressInfo).port, () => undefined, (m) => errors.push(m));
    link.start();
    await expect.poll(async () => /connected_slaves:1/.test(await src.info('replication'))).toBe(true);
    const value = 'x'.repeat(64 * 1024);
    for (let i = 0; i < 320 && !link.holdingSource; i += 20) {
      const batch = src.pipeline();
      for (let j = i; j < i + 20; j++) batch.set(`big:${j}`, value);
      await batch.exec();
    }
    await expect.poll(() => link.holdingSource).toBe(true);
    // What the target has not taken waits in the source's output buffer for its replica, not in this process.
    await expect.poll(async () => {
      const replica = (await src.client('LIST') as string).split('\n').find((l) => / flags=S /.test(l)) ?? '';
      return Number(/ omem=(\d+)/.exec(replica)?.[1] ?? 0);
    }).toBeGreaterThan(0);
    expect(errors).toEqual([]);
    link.stop();
    for (const s of accepted) s.destroy();
    await new Promise<void>((resolve) => stalled.close(() => resolve()));
    src.disconnect();
  });
});
