import {
  CompleteMigrationCommand,
  CreateReplicationGroupCommand,
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
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/index.ts';
import { FAST_WAIT, hasTool, sdkClient, startEmulator } from '../support/emulator.ts';
import { freePort } from '../support/net.ts';

const haveRedis = hasTool('redis-server');
let emulator: Emulator;
let client: ElastiCacheClient;
let source: ChildProcess | undefined;
let sourcePort = 0;

beforeAll(async () => {
  emulator = await startEmulator({ transitionDelayMs: 100 });
  client = sdkClient(emulator);
  if (!haveRedis) return;
  sourcePort = await freePort();
  // A full sync makes the source write an RDB: keep it in a temporary directory, and start it at once.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecl-migration-'));
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
  source?.kill('SIGKILL');
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
});
