// A snapshot the API takes (CreateSnapshot) while a node runs a write in slices (DEL of many keys) sees
// the write whole, before or after, as a fork of redis-server would: ours dumped between the write's
// slices and held half the keys.
import {
  CreateCacheClusterCommand,
  CreateSnapshotCommand,
  DescribeCacheClustersCommand,
  DescribeSnapshotsCommand,
  waitUntilCacheClusterAvailable,
} from '@aws-sdk/client-elasticache';
import { describe, expect, it } from 'vitest';
import { findEngine } from '../../engines/redis/registry.ts';
import { snapshotRunning } from '../../engines/redis/snapshot-fence.ts';
import { encodeCommand, RawClient, waitUntil } from '../engines/redis/helpers.ts';
import { emulatorForTests, FAST_WAIT } from '../support/emulator.ts';

const { client } = emulatorForTests({ transitionDelayMs: 0 });
const N = 400_000;
const BATCH = 20_000;

async function nodePort(id: string): Promise<number> {
  await waitUntilCacheClusterAvailable({ client, ...FAST_WAIT }, { CacheClusterId: id });
  const c = (await client.send(new DescribeCacheClustersCommand({ CacheClusterId: id, ShowCacheNodeInfo: true }))).CacheClusters![0]!;
  return c.CacheNodes![0]!.Endpoint!.Port!;
}

async function waitSnapshot(name: string): Promise<void> {
  await waitUntil(`snapshot ${name} available`, async () => {
    const s = (await client.send(new DescribeSnapshotsCommand({ SnapshotName: name }))).Snapshots![0]!;
    if (s.SnapshotStatus === 'failed') throw new Error(`snapshot ${name} failed`);
    return s.SnapshotStatus === 'available';
  }, 120_000);
}

const keys = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `key:${from + i}`);

async function filled(id: string): Promise<{ a: RawClient; port: number }> {
  await client.send(new CreateCacheClusterCommand({ CacheClusterId: id, Engine: 'redis', CacheNodeType: 'cache.t3.medium', NumCacheNodes: 1 }));
  const port = await nodePort(id);
  const a = await RawClient.connect(port);
  for (let i = 0; i < N; i += BATCH) expect(await a.call('MSET', ...keys(i, i + BATCH).flatMap((k) => [k, 'v']))).toBe('+OK\r\n');
  expect(await a.call('DBSIZE')).toBe(`:${N}\r\n`);
  return { a, port };
}

/** The number of keys a new cluster restored from `snapshot` holds. */
async function restoredSize(snapshot: string, id: string): Promise<string> {
  await client.send(new CreateCacheClusterCommand({ CacheClusterId: id, Engine: 'redis', CacheNodeType: 'cache.t3.medium', SnapshotName: snapshot }));
  const copy = await RawClient.connect(await nodePort(id));
  try {
    return await copy.call('DBSIZE');
  } finally {
    copy.close();
  }
}

describe('CreateSnapshot during a write in slices', () => {
  it('asked for while the DEL runs: holds the keys of before or after it, never a part', { timeout: 300_000 }, async () => {
    const { a, port } = await filled('sliced-src');
    try {
      const e = findEngine(port)!;
      a.write(encodeCommand(['DEL', ...keys(0, N)]));
      await waitUntil('the DEL runs in slices', () => e.pause?.command === true, 60_000);
      await client.send(new CreateSnapshotCommand({ CacheClusterId: 'sliced-src', SnapshotName: 'mid-del' }));
      // Asked for while the DEL still ran (else this proves nothing).
      expect(e.pause?.command).toBe(true);
      expect((await a.read(120_000)).toString()).toBe(`:${N}\r\n`);
      await waitSnapshot('mid-del');
    } finally {
      a.close();
    }
    expect([`:0\r\n`, `:${N}\r\n`]).toContain(await restoredSize('mid-del', 'sliced-copy'));
  });

  it('a DEL sent while the snapshot is dumped waits for it: the snapshot has every key', { timeout: 300_000 }, async () => {
    const { a, port } = await filled('dumped-src');
    try {
      const e = findEngine(port)!;
      await client.send(new CreateSnapshotCommand({ CacheClusterId: 'dumped-src', SnapshotName: 'before-del' }));
      await waitUntil('the dump runs', () => snapshotRunning(e), 60_000);
      a.write(encodeCommand(['DEL', ...keys(0, N)]));
      await waitUntil('the DEL is held', () => e.pause?.command === true, 60_000);
      // Sent while the dump still ran (else this proves nothing).
      expect(snapshotRunning(e)).toBe(true);
      expect((await a.read(120_000)).toString()).toBe(`:${N}\r\n`);
      await waitSnapshot('before-del');
    } finally {
      a.close();
    }
    expect(await restoredSize('before-del', 'dumped-copy')).toBe(`:${N}\r\n`);
  });
});
