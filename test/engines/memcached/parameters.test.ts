// ElastiCache memcached parameters, turned into node options by the control plane, change what the
// node reports and does.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { memcachedNodeOptions } from '../../../src/lifecycle/memcached-parameters.ts';
import { startOurs, textExchange, type Target } from './helpers.ts';

let node: Target | undefined;
afterEach(async () => {
  await node?.close();
  node = undefined;
});

async function settings(port: number): Promise<Map<string, string>> {
  const reply = (await textExchange(port, 'stats settings\r\n')).reply.toString();
  return new Map(reply.split('\r\n').filter((l) => l.startsWith('STAT ')).map((l) => [l.split(' ')[1]!, l.split(' ')[2]!]));
}

describe('memcached parameters reach the node', () => {
  it('slab geometry, crawler, reassign, item size and memory', async () => {
    const parameters = new Map([
      ['chunk_size', '64'],
      ['chunk_size_growth_factor', '1.5'],
      ['slab_reassign', '0'],
      ['lru_crawler', '0'],
      ['max_item_size', String(2 * 1024 * 1024)],
      ['memcached_connections_overhead', '100'],
      ['idle_timeout', '30'],
    ]);
    node = await startOurs(memcachedNodeOptions(parameters, 555 * 1024 * 1024));
    const s = await settings(node.port);
    expect([s.get('chunk_size'), s.get('growth_factor'), s.get('slab_reassign'), s.get('lru_crawler')]).toEqual(['64', '1.50', 'no', 'no']);
    expect([s.get('item_size_max'), s.get('maxbytes'), s.get('idle_timeout')]).toEqual([String(2 * 1024 * 1024), String(455 * 1024 * 1024), '30']);
    const reply = (await textExchange(node.port, 'slabs reassign 1 2\r\nlru_crawler metadump all\r\n')).reply.toString();
    expect(reply).toBe('CLIENT_ERROR slab reassignment disabled\r\nCLIENT_ERROR lru crawler disabled\r\nMN\r\n');
  });

  it('idle_timeout closes a connection that stays silent', async () => {
    node = await startOurs(memcachedNodeOptions(new Map([['idle_timeout', '1']]), 64 * 1024 * 1024));
    const socket = net.connect(node.port, '127.0.0.1');
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => {});
    const started = Date.now();
    await closed;
    // Closed by the sweep (about a second after the timeout), not at once.
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  }, 10_000);
});
