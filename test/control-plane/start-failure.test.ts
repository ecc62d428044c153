// A start() that fails half-way (here: the API port is taken once every node is up again) leaves nothing
// behind: the nodes' ports are free, the database is closed, and the next start on the same data
// directory brings the cluster back with its data.
import { CreateCacheClusterCommand, DescribeCacheClustersCommand, waitUntilCacheClusterAvailable } from '@aws-sdk/client-elasticache';
import { Redis } from 'ioredis';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DB_FILE } from '../../src/world.ts';
import { FAST_WAIT, sdkClient, startEmulator } from '../support/emulator.ts';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecl-start-failure-'));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

/** Files of this process open under the data directory (SQLite's database and journal among them). */
function openFilesUnder(dir: string): string[] {
  const real = fs.realpathSync(dir);
  return fs.readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      const target = fs.readlinkSync(path.join('/proc/self/fd', fd));
      return target.startsWith(real) ? [target] : [];
    } catch {
      return [];
    }
  });
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

describe('start() failing half-way', () => {
  it('stops the nodes it started, closes the database and can start again on the same data', async () => {
    const first = await startEmulator({ dataDir });
    let client = sdkClient(first);
    await client.send(new CreateCacheClusterCommand({ CacheClusterId: 'kept', Engine: 'redis', CacheNodeType: 'cache.t3.micro', NumCacheNodes: 1 }));
    await waitUntilCacheClusterAvailable({ client, ...FAST_WAIT }, { CacheClusterId: 'kept' });
    const described = await client.send(new DescribeCacheClustersCommand({ CacheClusterId: 'kept', ShowCacheNodeInfo: true }));
    const nodePort = described.CacheClusters![0]!.CacheNodes![0]!.Endpoint!.Port!;
    const writer = new Redis({ port: nodePort, lazyConnect: true });
    await writer.connect();
    await writer.set('survives', 'a failed start');
    writer.disconnect();
    client.destroy();
    await first.stop();

    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const takenPort = (squatter.address() as net.AddressInfo).port;
    try {
      await expect(startEmulator({ dataDir, port: takenPort })).rejects.toThrow(/EADDRINUSE|address already in use/);
    } finally {
      await new Promise<void>((resolve) => squatter.close(() => resolve()));
    }
    expect(await canListen(nodePort)).toBe(true);
    expect(openFilesUnder(dataDir).filter((f) => f.includes(DB_FILE))).toEqual([]);

    const second = await startEmulator({ dataDir });
    client = sdkClient(second);
    try {
      const again = await client.send(new DescribeCacheClustersCommand({ CacheClusterId: 'kept', ShowCacheNodeInfo: true }));
      expect(again.CacheClusters![0]!.CacheClusterStatus).toBe('available');
      expect(again.CacheClusters![0]!.CacheNodes![0]!.Endpoint!.Port).toBe(nodePort);
      const reader = new Redis({ port: nodePort, lazyConnect: true });
      await reader.connect();
      expect(await reader.get('survives')).toBe('a failed start');
      reader.disconnect();
    } finally {
      client.destroy();
      await second.stop();
    }
  });
});
