// How applications hear about changes through ElastiCache, against the endpoints the API hands out: Socket.IO
// servers sharing rooms through @socket.io/redis-adapter (the classic adapter on ioredis pub/sub, the sharded
// adapter on node-redis SPUBLISH/SSUBSCRIBE), and node-redis client-side caching (RESP3 CLIENT TRACKING, the
// cache dropped by invalidation pushes). Each on a primary endpoint with one replica, a cluster-mode
// configuration endpoint and a TLS + AUTH token group.
import { createAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io as connectClient, type Socket } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import { until } from '../support/groups.ts';
import { ioredisClient, libraryTargetsForTests, nodeRedisClient, TARGETS, type LibraryFixture, type Target } from '../support/library-targets.ts';

const TOKEN = 'realtime-auth-token-0123456789';

let fixture: LibraryFixture;
libraryTargetsForTests('realtime', TOKEN, (f) => (fixture = f));
const ioredis = (target: Target) => ioredisClient(fixture, target);
const nodeRedis = (target: Target, options: Parameters<typeof nodeRedisClient>[2] = {}) => nodeRedisClient(fixture, target, options);

type Adapter = ReturnType<typeof createAdapter> | ReturnType<typeof createShardedAdapter>;

/**
 * Two Socket.IO servers on one adapter kind, three browsers: two in room x (one on each server), one in room y.
 * A message shouted to room x through server A reaches both room-x sockets and not the other.
 */
async function twoServers(adapter: () => Promise<{ adapter: Adapter; close(): Promise<void> | void }>): Promise<void> {
  const made = await Promise.all([adapter(), adapter()]);
  const servers = made.map(({ adapter: a }) => {
    const server = new Server({ adapter: a });
    server.on('connection', (socket) => {
      void socket.join(`room-${String(socket.handshake.query.room)}`);
      socket.on('shout', (m: string) => server.to('room-x').emit('msg', m));
    });
    server.listen(0);
    return server;
  });
  const [a, b] = servers as [Server, Server];
  const url = (s: Server) => `http://127.0.0.1:${(s.httpServer.address() as AddressInfo).port}`;
  const browsers: Socket[] = [];
  try {
    // Each adapter counts the servers subscribed to its channels: both are listening once it says 2.
    await until(async () => ((await a.of('/').adapter.serverCount()) === 2 ? true : undefined), 10_000, 'both servers subscribed');
    for (const [server, room] of [[a, 'x'], [b, 'x'], [b, 'y']] as const) browsers.push(connectClient(url(server), { query: { room }, transports: ['websocket'] }));
    await Promise.all(browsers.map((c) => new Promise((resolve) => c.on('connect', () => resolve(undefined)))));
    const heard: string[] = [];
    browsers.forEach((c, i) => c.on('msg', (m: string) => heard.push(`${i}:${m}`)));
    browsers[0]!.emit('shout', 'hello');
    await until(() => (heard.length >= 2 ? true : undefined), 10_000, JSON.stringify(heard));
    // The room-y browser sits on the server that delivered to room x: had it been sent the message, it would be here.
    expect(heard.sort()).toEqual(['0:hello', '1:hello']);

    // Requests across servers: which sockets are in room x, and an event for the other servers.
    expect((await a.in('room-x').fetchSockets()).length).toBe(2);
    const emitted = new Promise((resolve) => b.on('ping-all', resolve));
    a.serverSideEmit('ping-all', 42);
    expect(await emitted).toBe(42);
  } finally {
    for (const c of browsers) c.close();
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    await Promise.all(made.map((m) => m.close()));
  }
}

describe.each(TARGETS)('Socket.IO Redis adapters on the %s endpoint', (target) => {
  it('the classic adapter on ioredis pub/sub shares rooms between servers', async () => {
    await twoServers(async () => {
      const [pub, sub] = [ioredis(target), ioredis(target)];
      // The adapter counts servers on every node it knows: a cluster client must have found its nodes first.
      await Promise.all([pub, sub].map((c) => new Promise((resolve) => c.once('ready', resolve))));
      return { adapter: createAdapter(pub, sub), close: () => void [pub, sub].forEach((c) => c.disconnect()) };
    });
  }, 20_000);

  it('the sharded adapter on node-redis sharded pub/sub shares rooms between servers', async () => {
    await twoServers(async () => {
      const pub = nodeRedis(target);
      const sub = pub.duplicate();
      await Promise.all([pub.connect(), sub.connect()]);
      return { adapter: createShardedAdapter(pub, sub, { subscriptionMode: 'dynamic' }), close: async () => void (await Promise.all([pub.close(), sub.close()])) };
    });
  }, 20_000);
});

describe.each(TARGETS)('node-redis client-side caching on the %s endpoint', (target) => {
  it('serves a repeated read from its cache until another client changes the key', async () => {
    const cached = nodeRedis(target, { RESP: 3, clientSideCache: { ttl: 0, maxEntries: 0 } });
    const writer = nodeRedis(target);
    await Promise.all([cached.connect(), writer.connect()]);
    try {
      await writer.set('profile', 'v1');
      await writer.hSet('settings', 'theme', 'dark');
      expect(await cached.get('profile')).toBe('v1');
      expect(await cached.get('profile')).toBe('v1');
      expect(await cached.hGetAll('settings')).toEqual({ theme: 'dark' });
      expect(await cached.hGetAll('settings')).toEqual({ theme: 'dark' });
      const stats = cached.clientSideCache!.stats();
      expect({ hits: stats.hitCount, misses: stats.missCount }).toEqual({ hits: 2, misses: 2 });

      // The node pushes an invalidation for each key the cache read; the next read goes to the node again.
      await writer.set('profile', 'v2');
      await writer.hSet('settings', 'theme', 'light');
      await until(async () => ((await cached.get('profile')) === 'v2' ? true : undefined), 10_000, 'profile invalidated');
      await until(async () => ((await cached.hGetAll('settings')).theme === 'light' ? true : undefined), 10_000, 'settings invalidated');
    } finally {
      cached.destroy();
      writer.destroy();
    }
  });
});
