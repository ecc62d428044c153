// A snapshot the API takes (CreateSnapshot) while a node runs a write in slices (DEL of many keys) sees
// the write whole, before or after, as a fork of redis-server would: ours dumped between the write's
// slices and held half the keys.
import { CreateCacheClusterCommand, CreateSnapshotCommand } from '@aws-sdk/client-elasticache';
import { describe, expect, it } from 'vitest';
import { findEngine } from '../../engines/redis/registry.ts';
import { snapshotRunning } from '../../engines/redis/snapshot-fence.ts';
import { encodeCommand, RawClient, waitUntil } from '../engines/redis/helpers.ts';
import { emulatorForTests } from '../support/emulator.ts';
import { fill, keys, slicedSnapshotApi } from './sliced-snapshot-support.ts';

const { client } = emulatorForTests({ transitionDelayMs: 0 });
const N = 400_000;

const { nodePort, waitSnapshot, restoredSize } = slicedSnapshotApi(client);

async function filled(id: string): Promise<{ a: RawClient; port: number }> {
  await client.send(new CreateCacheClusterCommand({ CacheClusterId: id, Engine: 'redis', CacheNodeType: 'cache.t3.medium', NumCacheNodes: 1 }));
  const port = await nodePort(id);
  const a = await RawClient.connect(port);
  await fill(a, N);
  return { a, port };
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
    expect([`:0\r\n`, `:${N}\r\n`]).toContain(await restoredSize('sliced-copy', { SnapshotName: 'mid-del' }));
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
    expect(await restoredSize('dumped-copy', { SnapshotName: 'before-del' })).toBe(`:${N}\r\n`);
  });
});
