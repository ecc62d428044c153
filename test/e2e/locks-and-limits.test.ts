// Locks and rate limits as applications use them, through the endpoints the API hands out: Redlock
// (acquire, contention with and without retries, extend, release, `using` with auto-extension),
// redis-semaphore (mutex, counting and multi semaphores, its Redlock mutex), rate-limiter-flexible's
// RateLimiterRedis on ioredis and node-redis, and express-rate-limit with rate-limit-redis in an Express app,
// each against a primary endpoint with one replica, a cluster-mode configuration endpoint and a TLS + AUTH
// token group; and RateLimiterMemcache on a memcached client that finds a 3-node cluster through its
// configuration endpoint.
import { CreateCacheClusterCommand, DescribeCacheClustersCommand, waitUntilCacheClusterAvailable } from '@aws-sdk/client-elasticache';
import { rateLimit } from 'express-rate-limit';
import type { RedisOptions } from 'ioredis';
import type http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { RedisStore as RateLimitStore, type RedisReply } from 'rate-limit-redis';
import { RateLimiterMemcache, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { MultiSemaphore, Mutex, RedlockMutex, Semaphore } from 'redis-semaphore';
import Redlock from 'redlock';
import { describe, expect, it } from 'vitest';
import { FAST_WAIT } from '../support/emulator.ts';
import { ioredisClient, libraryTargetsForTests, nodeRedisClient, TARGETS, type LibraryFixture, type Target } from '../support/library-targets.ts';
import { exchange } from '../support/net.ts';

interface DiscoveringClient {
  on(event: 'autoDiscover', listener: (nodes: string[]) => void): void;
  end(): void;
}
// memcached-elasticache (CommonJS, no types): the `memcached` client with ElastiCache auto discovery.
const MemcachedElastiCache = createRequire(import.meta.url)('memcached-elasticache') as new (location: string, options: Record<string, unknown>) => DiscoveringClient;

interface ExpressApp {
  use(path: string, handler: unknown): void;
  get(path: string, handler: (req: unknown, res: { send(body: string): void }) => void): void;
  listen(port: number, host: string, done: () => void): http.Server;
}
// Express 5 ships no types; this is the part the app below uses.
const express = createRequire(import.meta.url)('express') as () => ExpressApp;

const TOKEN = 'locks-auth-token-0123456789';
let fixture: LibraryFixture;
libraryTargetsForTests('locks', TOKEN, (f) => (fixture = f));
const ioredis = (target: Target, options: RedisOptions = {}) => ioredisClient(fixture, target, options);

async function nodeRedis(target: Target) {
  const client = nodeRedisClient(fixture, target);
  await client.connect();
  return client;
}

describe.each(TARGETS)('Redlock on the %s endpoint', (target) => {
  it('acquires, refuses a contender, lets a retrying contender in after release, extends and auto-extends', async () => {
    const a = ioredis(target);
    const b = ioredis(target);
    // Extensions start a second before the lease ends: a loaded event loop must not let it lapse.
    const noRetry = new Redlock([a], { retryCount: 0, automaticExtensionThreshold: 1000 });
    const patient = new Redlock([b], { retryCount: 40, retryDelay: 50, retryJitter: 10 });
    const resource = `lock:${target}`;
    try {
      const lock = await noRetry.acquire([resource], 2000);
      await expect(new Redlock([b], { retryCount: 2, retryDelay: 20 }).acquire([resource], 2000)).rejects.toThrow(/quorum|attempts/);
      const extended = await lock.extend(5000);
      expect(await a.pttl(resource)).toBeGreaterThan(2000);
      // The patient contender keeps retrying and gets the lock once the holder releases it.
      const waiting = patient.acquire([resource], 2000);
      await new Promise((r) => setTimeout(r, 150));
      await extended.release();
      const second = await waiting;
      expect(await a.get(resource)).not.toBeNull();
      await expect(noRetry.acquire([resource], 1000)).rejects.toThrow();
      await second.release();
      expect(await a.exists(resource)).toBe(0);

      // `using` extends the lock while the routine outlives the first lease.
      const held = await noRetry.using([`${resource}:job`], 1500, async (signal) => {
        await new Promise((r) => setTimeout(r, 1800));
        expect(signal.aborted).toBe(false);
        return b.pttl(`${resource}:job`);
      });
      expect(held).toBeGreaterThan(0);
      expect(await a.exists(`${resource}:job`)).toBe(0);
    } finally {
      a.disconnect();
      b.disconnect();
    }
  }, 20_000);
});

describe.each(TARGETS)('redis-semaphore on the %s endpoint', (target) => {
  it('a mutex refuses a second holder and hands over on release; semaphores count holders', async () => {
    const a = ioredis(target);
    const b = ioredis(target);
    const timing = { lockTimeout: 2000, acquireTimeout: 300, retryInterval: 20 };
    try {
      const held = new Mutex(a, `mutex:${target}`, { ...timing, refreshInterval: 500 });
      await held.acquire();
      expect(await new Mutex(b, `mutex:${target}`, timing).tryAcquire()).toBe(false);
      // A waiting contender gets the mutex once the holder releases it.
      const waiting = new Mutex(b, `mutex:${target}`, { ...timing, acquireTimeout: 10_000 });
      const acquired = waiting.acquire();
      await held.release();
      await acquired;
      expect(waiting.isAcquired).toBe(true);
      await waiting.release();

      const permits = [0, 1, 2].map(() => new Semaphore(a, `sem:${target}`, 2, timing));
      expect(await Promise.all(permits.map((p) => p.tryAcquire()))).toEqual([true, true, false]);
      await permits[0]!.release();
      expect(await permits[2]!.tryAcquire()).toBe(true);
      await Promise.all([permits[1]!.release(), permits[2]!.release()]);

      // Two of three permits at once: a second such request does not fit.
      const pair = new MultiSemaphore(b, `multi:${target}`, 3, 2, timing);
      expect(await pair.tryAcquire()).toBe(true);
      expect(await new MultiSemaphore(a, `multi:${target}`, 3, 2, timing).tryAcquire()).toBe(false);
      await pair.release();

      if (target !== 'cluster') {
        const quorum = new RedlockMutex([a], `redlock:${target}`, timing);
        await quorum.acquire();
        expect(await new RedlockMutex([b], `redlock:${target}`, timing).tryAcquire()).toBe(false);
        await quorum.release();
      }
    } finally {
      a.disconnect();
      b.disconnect();
    }
  }, 20_000);
});

async function exhaust(limiter: RateLimiterRedis | RateLimiterMemcache, key: string): Promise<void> {
  expect((await limiter.consume(key)).remainingPoints).toBe(2);
  expect((await limiter.consume(key, 2)).remainingPoints).toBe(0);
  const refused = await limiter.consume(key).catch((e: unknown) => e);
  expect(refused).toBeInstanceOf(RateLimiterRes);
  expect(refused).toMatchObject({ remainingPoints: 0, consumedPoints: 4 });
  expect((refused as RateLimiterRes).msBeforeNext).toBeGreaterThan(0);
  expect((refused as RateLimiterRes).msBeforeNext).toBeLessThanOrEqual(10_000);
  expect(await limiter.get(key)).toMatchObject({ consumedPoints: 4 });
  await limiter.delete(key);
  expect(await limiter.get(key)).toBeNull();
  expect((await limiter.consume(key)).remainingPoints).toBe(2);
}

describe.each(TARGETS)('rate-limiter-flexible on the %s endpoint', (target) => {
  it('RateLimiterRedis on ioredis counts, refuses, blocks and forgets', async () => {
    const client = ioredis(target, { enableOfflineQueue: false });
    await new Promise<void>((resolve) => client.once('ready', () => resolve()));
    try {
      await exhaust(new RateLimiterRedis({ storeClient: client, points: 3, duration: 10, keyPrefix: 'rl-io' }), `user:${target}`);
      const blocking = new RateLimiterRedis({ storeClient: client, points: 1, duration: 10, blockDuration: 30, keyPrefix: 'rl-block' });
      await blocking.consume('ip');
      await expect(blocking.consume('ip')).rejects.toMatchObject({ remainingPoints: 0 });
      expect(await client.ttl('rl-block:ip')).toBeGreaterThan(20);
    } finally {
      client.disconnect();
    }
  });

  it('RateLimiterRedis on node-redis counts, refuses and forgets', async () => {
    const client = await nodeRedis(target);
    try {
      await exhaust(new RateLimiterRedis({ storeClient: client, useRedisPackage: true, points: 3, duration: 10, keyPrefix: 'rl-nr' }), `user:${target}`);
    } finally {
      client.destroy();
    }
  });
});

describe.each(TARGETS)('express-rate-limit with rate-limit-redis on the %s endpoint', (target) => {
  it('answers 429 past the limit, with the RateLimit headers, on ioredis and node-redis stores', async () => {
    const io = ioredis(target);
    const nr = await nodeRedis(target);
    const app = express();
    app.use('/io', rateLimit({ windowMs: 10_000, limit: 3, standardHeaders: 'draft-8', legacyHeaders: false, store: new RateLimitStore({ prefix: 'rl-io:', sendCommand: (command: string, ...args: string[]) => io.call(command, ...args) as Promise<RedisReply> }) }));
    // The store's README: node-redis's sendCommand, which a cluster client routes by the command's first key.
    const send = (...args: string[]) => ('masters' in nr ? nr.sendCommand(args[1], false, args) : nr.sendCommand(args)) as Promise<RedisReply>;
    app.use('/nr', rateLimit({ windowMs: 10_000, limit: 2, standardHeaders: 'draft-7', legacyHeaders: false, store: new RateLimitStore({ prefix: 'rl-nr:', sendCommand: send }) }));
    app.get('/io', (_req, res) => res.send('ok'));
    app.get('/nr', (_req, res) => res.send('ok'));
    let server: http.Server | undefined;
    await new Promise<void>((resolve) => (server = app.listen(0, '127.0.0.1', resolve)));
    const base = `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
    // The seconds left in the window (t=, reset=) depend on how fast the requests go: kept out of the comparison.
    const hit = async (path: string) => {
      const res = await fetch(base + path);
      return `${res.status} ${res.headers.get('ratelimit')!.replace(/(; t=|, reset=)(10|[1-9])$/, '')}`;
    };
    try {
      const io4 = [];
      for (let i = 0; i < 4; i++) io4.push(await hit('/io'));
      expect(io4).toEqual(['200 "3-in-10sec"; r=2', '200 "3-in-10sec"; r=1', '200 "3-in-10sec"; r=0', '429 "3-in-10sec"; r=0']);
      const nr3 = [];
      for (let i = 0; i < 3; i++) nr3.push(await hit('/nr'));
      expect(nr3).toEqual(['200 limit=2, remaining=1', '200 limit=2, remaining=0', '429 limit=2, remaining=0']);
      // Each client's count lives under its store's prefix, with the window as its TTL.
      expect(await io.pttl('rl-io:127.0.0.1')).toBeGreaterThan(5000);
    } finally {
      await new Promise((resolve) => server!.close(resolve));
      io.disconnect();
      nr.destroy();
    }
  });
});

describe('rate-limiter-flexible on Memcached', () => {
  it('RateLimiterMemcache counts over a 3-node cluster found through the configuration endpoint', async () => {
    await fixture.api.send(new CreateCacheClusterCommand({ CacheClusterId: 'limits', Engine: 'memcached', CacheNodeType: 'cache.t3.micro', NumCacheNodes: 3 }));
    await waitUntilCacheClusterAvailable({ client: fixture.api, ...FAST_WAIT }, { CacheClusterId: 'limits' });
    const cluster = (await fixture.api.send(new DescribeCacheClustersCommand({ CacheClusterId: 'limits', ShowCacheNodeInfo: true }))).CacheClusters![0]!;
    const client = new MemcachedElastiCache(`127.0.0.1:${cluster.ConfigurationEndpoint!.Port}`, { autoDiscoverInterval: 60_000, retries: 0, timeout: 2000 });
    const nodes = await new Promise<string[]>((resolve) => client.on('autoDiscover', resolve));
    expect(nodes).toEqual(cluster.CacheNodes!.map((n) => `127.0.0.1:${n.Endpoint!.Port}`).sort());
    try {
      const limiter = new RateLimiterMemcache({ storeClient: client, points: 3, duration: 10, keyPrefix: 'rl' });
      await exhaust(limiter, 'user:1');
      // Consistent hashing spreads the limiter's keys over the nodes.
      for (let i = 0; i < 30; i++) await limiter.consume(`spread:${i}`);
      const perNode = await Promise.all(
        cluster.CacheNodes!.map(async (n) => {
          const keys = Array.from({ length: 30 }, (_, i) => `rl:spread:${i}`).join(' ');
          return ((await exchange(n.Endpoint!.Port!, `get ${keys}\r\n`, /END\r\n$/)).match(/^VALUE /gm) ?? []).length;
        }),
      );
      expect(perNode.reduce((x, y) => x + y, 0)).toBe(30);
      expect(perNode.filter((n) => n > 0).length).toBeGreaterThanOrEqual(2);
    } finally {
      client.end();
    }
  }, 20_000);
});
