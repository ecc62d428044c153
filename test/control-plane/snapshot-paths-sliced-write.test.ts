// Every way the API takes a snapshot of a live node sees a write in slices (DEL of 400k keys) whole,
// before or after, as CreateSnapshot does (snapshot-sliced-write): the final snapshot of DeleteCacheCluster
// and DeleteReplicationGroup (dumped in one turn midway before), CreateServerlessCacheSnapshot and
// DeleteServerlessCache's final one (the same, or not taken at all), and what CopySnapshot and
// ExportServerlessCacheSnapshot write from such a snapshot; and CreateSnapshot during a script that writes
// in steps (its yields let the dump run between them). Each is restored and its keys counted.
import fs from 'node:fs';
import {
  CopySnapshotCommand,
  CreateCacheClusterCommand,
  CreateReplicationGroupCommand,
  CreateServerlessCacheCommand,
  CreateServerlessCacheSnapshotCommand,
  CreateSnapshotCommand,
  DeleteCacheClusterCommand,
  DeleteReplicationGroupCommand,
  DeleteServerlessCacheCommand,
  DescribeServerlessCacheSnapshotsCommand,
  DescribeServerlessCachesCommand,
  ExportServerlessCacheSnapshotCommand,
} from '@aws-sdk/client-elasticache';
import { describe, expect, it } from 'vitest';
import type { Engine } from '../../engines/redis/engine.ts';
import { findEngine, registeredEngines } from '../../engines/redis/registry.ts';
import { snapshotRunning } from '../../engines/redis/snapshot-fence.ts';
import { encodeCommand, RawClient, waitUntil } from '../engines/redis/helpers.ts';
import { emulatorForTests } from '../support/emulator.ts';
import { fill, keys, slicedSnapshotApi } from './sliced-snapshot-support.ts';

const { emulator, client } = emulatorForTests({ transitionDelayMs: 0 });
const N = 400_000;
const WHOLE_OR_NONE = [':0\r\n', `:${N}\r\n`];

const { nodePort, waitSnapshot, restoredSize } = slicedSnapshotApi(client);

/** A new cluster's connection and engine. */
async function newCluster(id: string): Promise<{ a: RawClient; e: Engine }> {
  await client.send(new CreateCacheClusterCommand({ CacheClusterId: id, Engine: 'redis', CacheNodeType: 'cache.t3.medium', NumCacheNodes: 1 }));
  const port = await nodePort(id);
  return { a: await RawClient.connect(port), e: findEngine(port)! };
}

/** Fills the node, sends the DEL of every key, calls `ask` while the DEL runs in slices, and checks the DEL's answer. */
async function askDuringDel(a: RawClient, e: Engine, ask: () => Promise<unknown>): Promise<void> {
  try {
    await fill(a, N);
    a.write(encodeCommand(['DEL', ...keys(0, N)]));
    await waitUntil('the DEL runs in slices', () => e.pause?.command === true, 60_000);
    await ask();
    // Asked for while the DEL still ran (else this proves nothing).
    expect(e.pause?.command).toBe(true);
    expect((await a.read(120_000)).toString()).toBe(`:${N}\r\n`);
  } finally {
    a.close();
  }
}

describe('final snapshots during a write in slices', () => {
  it('DeleteCacheCluster with FinalSnapshotIdentifier: the DEL whole or not at all', { timeout: 300_000 }, async () => {
    const { a, e } = await newCluster('final-c');
    await askDuringDel(a, e, () => client.send(new DeleteCacheClusterCommand({ CacheClusterId: 'final-c', FinalSnapshotIdentifier: 'final-c-last' })));
    await waitSnapshot('final-c-last');
    expect(WHOLE_OR_NONE).toContain(await restoredSize('final-c-copy', { SnapshotName: 'final-c-last' }));
  });

  it('DeleteReplicationGroup with FinalSnapshotIdentifier: the DEL whole or not at all', { timeout: 300_000 }, async () => {
    await client.send(new CreateReplicationGroupCommand({
      ReplicationGroupId: 'final-g', ReplicationGroupDescription: 'final', Engine: 'redis', CacheNodeType: 'cache.t3.medium', NumCacheClusters: 1,
    }));
    const port = await nodePort('final-g-001');
    await askDuringDel(await RawClient.connect(port), findEngine(port)!, () =>
      client.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: 'final-g', FinalSnapshotIdentifier: 'final-g-last' })),
    );
    await waitSnapshot('final-g-last');
    expect(WHOLE_OR_NONE).toContain(await restoredSize('final-g-copy', { SnapshotName: 'final-g-last' }));
  });

  it('CreateSnapshot while a script writes in steps: the script whole or not at all', { timeout: 300_000 }, async () => {
    const { a, e } = await newCluster('script-src');
    try {
      a.write(encodeCommand(['EVAL', "for i = 1, tonumber(ARGV[1]) do redis.call('SET', 'key:' .. i, 'v') end return 1", '0', String(N)]));
      await waitUntil('the script runs in steps', () => e.scripting.running?.suspended === true, 60_000);
      await client.send(new CreateSnapshotCommand({ CacheClusterId: 'script-src', SnapshotName: 'script-mid' }));
      // Asked for while the script still ran (else this proves nothing).
      expect(e.scripting.running).not.toBeNull();
      expect((await a.read(120_000)).toString()).toBe(':1\r\n');
    } finally {
      a.close();
    }
    await waitSnapshot('script-mid');
    expect(WHOLE_OR_NONE).toContain(await restoredSize('script-copy', { SnapshotName: 'script-mid' }));
  });

  it('a script that may write, sent while CreateSnapshot dumps, begins after it: the snapshot has every key', { timeout: 300_000 }, async () => {
    const { a, e } = await newCluster('script-after');
    try {
      await fill(a, N);
      await client.send(new CreateSnapshotCommand({ CacheClusterId: 'script-after', SnapshotName: 'before-script' }));
      await waitUntil('the dump runs', () => snapshotRunning(e), 60_000);
      // From the last key: the dump writes the keys in the order they were set, so it has yet to reach these.
      a.write(encodeCommand(['EVAL', "for i = tonumber(ARGV[1]) - 1, 0, -1 do redis.call('DEL', 'key:' .. i) end return 1", '0', String(N)]));
      // Held before it begins, or, without the hold, running in steps between the dump's slices.
      await waitUntil('the script arrived', () => e.scripting.running !== null || [...e.clients.values()].some((c) => c.queue.length > 0), 60_000);
      // Sent while the dump still ran (else this proves nothing).
      expect(snapshotRunning(e)).toBe(true);
      expect((await a.read(120_000)).toString()).toBe(':1\r\n');
      expect(await a.call('DBSIZE')).toBe(':0\r\n');
    } finally {
      a.close();
    }
    await waitSnapshot('before-script');
    expect(await restoredSize('script-after-copy', { SnapshotName: 'before-script' })).toBe(`:${N}\r\n`);
  });

  it('CopySnapshot, to a snapshot and to a bucket, writes what the fenced snapshot holds', { timeout: 300_000 }, async () => {
    const { a, e } = await newCluster('copy-src');
    await askDuringDel(a, e, () => client.send(new CreateSnapshotCommand({ CacheClusterId: 'copy-src', SnapshotName: 'copy-mid' })));
    await waitSnapshot('copy-mid');
    await client.send(new CopySnapshotCommand({ SourceSnapshotName: 'copy-mid', TargetSnapshotName: 'copy-mid-2' }));
    await client.send(new CopySnapshotCommand({ SourceSnapshotName: 'copy-mid', TargetSnapshotName: 'copy-mid-3', TargetBucket: 'fenced' }));
    await waitSnapshot('copy-mid-2');
    const original = await restoredSize('copy-orig', { SnapshotName: 'copy-mid' });
    expect(WHOLE_OR_NONE).toContain(original);
    expect(await restoredSize('copy-copy', { SnapshotName: 'copy-mid-2' })).toBe(original);
    expect(await restoredSize('copy-export', { SnapshotArns: ['arn:aws:s3:::fenced/copy-mid-3-0001.rdb'] })).toBe(original);
  });
});

describe('serverless snapshots during a write in slices', () => {
  const ca = () => fs.readFileSync(emulator.caPath);

  /** A new serverless cache, a TLS connection to it, and its node's engine. */
  async function serverless(name: string, from?: string): Promise<{ a: RawClient; e: Engine }> {
    await client.send(new CreateServerlessCacheCommand({ ServerlessCacheName: name, Engine: 'redis', SnapshotArnsToRestore: from === undefined ? undefined : [from] }));
    let cache;
    await waitUntil(`${name} available`, async () => {
      cache = (await client.send(new DescribeServerlessCachesCommand({ ServerlessCacheName: name }))).ServerlessCaches![0]!;
      return cache.Status === 'available';
    }, 60_000);
    const a = await RawClient.connectTls(cache!.Endpoint!.Port!, ca());
    // The node behind the endpoint: the engine that has this connection (CONFIG is refused on ElastiCache).
    expect(await a.call('CLIENT', 'SETNAME', `probe-${name}`)).toBe('+OK\r\n');
    const e = registeredEngines().find((x) => [...x.clients.values()].some((c) => c.name === `probe-${name}`));
    if (e === undefined) throw new Error(`no engine has the client probe-${name}`);
    return { a, e };
  }

  async function snapshotArn(name: string): Promise<string> {
    let arn = '';
    await waitUntil(`serverless snapshot ${name} available`, async () => {
      const s = (await client.send(new DescribeServerlessCacheSnapshotsCommand({ ServerlessCacheSnapshotName: name })).catch(() => undefined))?.ServerlessCacheSnapshots?.[0];
      if (s?.Status === 'failed') throw new Error(`snapshot ${name} failed`);
      arn = s?.ARN ?? '';
      return s?.Status === 'available';
    }, 120_000);
    return arn;
  }

  async function restoredServerlessSize(name: string, from: string): Promise<string> {
    const { a } = await serverless(name, from);
    try {
      return await a.call('DBSIZE');
    } finally {
      a.close();
    }
  }

  it('CreateServerlessCacheSnapshot, and ExportServerlessCacheSnapshot of it: the DEL whole or not at all', { timeout: 300_000 }, async () => {
    const { a, e } = await serverless('sl-src');
    await askDuringDel(a, e, () => client.send(new CreateServerlessCacheSnapshotCommand({ ServerlessCacheName: 'sl-src', ServerlessCacheSnapshotName: 'sl-mid' })));
    const arn = await snapshotArn('sl-mid');
    const taken = await restoredServerlessSize('sl-from-snapshot', arn);
    expect(WHOLE_OR_NONE).toContain(taken);
    await client.send(new ExportServerlessCacheSnapshotCommand({ ServerlessCacheSnapshotName: 'sl-mid', S3BucketName: 'sl-fenced' }));
    expect(await restoredServerlessSize('sl-from-export', 'arn:aws:s3:::sl-fenced/sl-mid-0001.rdb')).toBe(taken);
  });

  it('DeleteServerlessCache with FinalSnapshotName: taken, with the DEL whole or not at all', { timeout: 300_000 }, async () => {
    const { a, e } = await serverless('sl-final');
    await askDuringDel(a, e, () => client.send(new DeleteServerlessCacheCommand({ ServerlessCacheName: 'sl-final', FinalSnapshotName: 'sl-final-last' })));
    const arn = await snapshotArn('sl-final-last');
    expect(WHOLE_OR_NONE).toContain(await restoredServerlessSize('sl-from-final', arn));
  });
});
