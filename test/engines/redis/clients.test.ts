// Real application clients (ioredis, node-redis) against our server.
import { Redis } from 'ioredis';
import { BasicClientSideCache, createClient, RESP_TYPES } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Started } from './helpers.ts';

let s: Started;
beforeAll(async () => {
  s = await startServer();
});
afterAll(async () => {
  await s.server.close();
});

describe('ioredis', () => {
  it('runs common commands, pipelines and transactions', async () => {
    const r = new Redis({ port: s.port, lazyConnect: true });
    await r.connect();
    try {
      expect(await r.set('greeting', 'hello')).toBe('OK');
      expect(await r.get('greeting')).toBe('hello');
      expect(await r.incr('counter')).toBe(1);
      const pipe = await r.pipeline().set('a', '1').incr('a').get('a').exec();
      expect(pipe).toEqual([
        [null, 'OK'],
        [null, 2],
        [null, '2'],
      ]);
      const tx = await r.multi().hset('h', 'f', 'v').hgetall('h').exec();
      expect(tx).toEqual([
        [null, 1],
        [null, { f: 'v' }],
      ]);
      await r.zadd('z', '1', 'one', '2', 'two');
      expect(await r.zrange('z', '0', '-1', 'WITHSCORES')).toEqual(['one', '1', 'two', '2']);
      const bin = Buffer.from([0, 255, 13, 10, 128]);
      await r.set('bin', bin);
      expect(await r.getBuffer('bin')).toEqual(bin);
      await expect(r.lpush('greeting', 'x')).rejects.toThrow('WRONGTYPE');
    } finally {
      r.disconnect();
    }
  });

  it('delivers pub/sub messages and patterns', async () => {
    const sub = new Redis({ port: s.port });
    const pub = new Redis({ port: s.port });
    try {
      const got: string[] = [];
      const done = new Promise<void>((resolve) => {
        sub.on('message', (ch: string, msg: string) => {
          got.push(`${ch}:${msg}`);
          if (got.length === 2) resolve();
        });
        sub.on('pmessage', (_p: string, ch: string, msg: string) => {
          got.push(`p:${ch}:${msg}`);
          if (got.length === 2) resolve();
        });
      });
      await sub.subscribe('news');
      await sub.psubscribe('ne*');
      expect(await pub.publish('news', 'hi')).toBe(2);
      await done;
      expect(got.sort()).toEqual(['news:hi', 'p:news:hi']);
    } finally {
      sub.disconnect();
      pub.disconnect();
    }
  });

  it('wakes a blocked BLPOP when another client pushes', async () => {
    const a = new Redis({ port: s.port });
    const b = new Redis({ port: s.port });
    try {
      const pending = a.blpop('jobs', 5);
      await new Promise((r) => setTimeout(r, 50));
      await b.rpush('jobs', 'job1');
      expect(await pending).toEqual(['jobs', 'job1']);
      expect(await a.blpop('nothing', 0.05)).toBeNull();
    } finally {
      a.disconnect();
      b.disconnect();
    }
  });

  it('serves XREAD BLOCK and consumer groups', async () => {
    const a = new Redis({ port: s.port });
    const b = new Redis({ port: s.port });
    try {
      const pending = a.xread('BLOCK', 10_000, 'STREAMS', 'events', '$');
      // `$` means entries added after the XREAD is blocked: add only once the server says it is (a fixed wait lost
      // the race on a loaded machine, and the read timed out empty).
      while (!/blocked_clients:1\r\n/.test(await b.info('clients'))) await new Promise((r) => setTimeout(r, 10));
      const id = await b.xadd('events', '*', 'type', 'click');
      expect(await pending).toEqual([['events', [[id, ['type', 'click']]]]]);
      await b.xgroup('CREATE', 'events', 'workers', '0');
      const got = (await a.xreadgroup('GROUP', 'workers', 'w1', 'COUNT', 10, 'STREAMS', 'events', '>')) as [string, [string, string[]][]][];
      expect(got[0]?.[1].map(([eid]) => eid)).toEqual([id]);
      expect(await a.xack('events', 'workers', id as string)).toBe(1);
    } finally {
      a.disconnect();
      b.disconnect();
    }
  });

  it('iterates every key with scanStream while keys change, and auto-pipelines', async () => {
    const r = new Redis({ port: s.port, db: 3, enableAutoPipelining: true });
    try {
      await Promise.all(Array.from({ length: 1000 }, (_, i) => r.set(`scan:${i}`, String(i))));
      const seen = new Set<string>();
      let deleted = 0;
      const deletions: Promise<number>[] = [];
      await new Promise<void>((resolve, reject) => {
        const stream = r.scanStream({ match: 'scan:*', count: 50 });
        stream.on('data', (keys: string[]) => {
          for (const k of keys) seen.add(k);
          // Keys deleted mid-scan may or may not be returned; the others must all be.
          if (deleted < 100) deletions.push(r.del(`scan:${900 + deleted++}`));
        });
        stream.on('end', () => resolve());
        stream.on('error', reject);
      });
      await Promise.all(deletions);
      for (let i = 0; i < 900; i++) expect(seen.has(`scan:${i}`)).toBe(true);
    } finally {
      r.disconnect();
    }
  });

  it('fails EXEC when a watched key changes', async () => {
    const a = new Redis({ port: s.port });
    const b = new Redis({ port: s.port });
    try {
      await a.set('balance', '10');
      await a.watch('balance');
      await b.set('balance', '20');
      expect(await a.multi().set('balance', '30').exec()).toBeNull();
      expect(await a.get('balance')).toBe('20');
    } finally {
      a.disconnect();
      b.disconnect();
    }
  });
});

describe('node-redis', () => {
  it('works over RESP2 and RESP3', async () => {
    const c2 = createClient({ socket: { port: s.port } });
    const c3 = createClient({ socket: { port: s.port }, RESP: 3 });
    await c2.connect();
    await c3.connect();
    try {
      await c2.hSet('user:1', { name: 'ada', age: '36' });
      expect(await c2.hGetAll('user:1')).toEqual({ name: 'ada', age: '36' });
      expect(await c3.hGetAll('user:1')).toEqual({ name: 'ada', age: '36' });
      await c3.zAdd('scores', [
        { score: 1.5, value: 'a' },
        { score: 2, value: 'b' },
      ]);
      expect(await c3.zScore('scores', 'a')).toBe(1.5);
      expect(await c3.sAdd('set', ['x', 'y'])).toBe(2);
      expect((await c3.sMembers('set')).sort()).toEqual(['x', 'y']);
      const multi = await c2.multi().set('k', 'v').get('k').exec();
      expect(multi).toEqual(['OK', 'v']);
      const bin = c2.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
      await c2.set('raw', Buffer.from([1, 2, 3, 250]));
      expect(await bin.get('raw')).toEqual(Buffer.from([1, 2, 3, 250]));
    } finally {
      c2.destroy();
      c3.destroy();
    }
  });

  it('keeps a client-side cache coherent through CLIENT TRACKING invalidations', async () => {
    const cache = new BasicClientSideCache({ ttl: 0, maxEntries: 0, evictPolicy: 'LRU' });
    const cached = createClient({ socket: { port: s.port }, RESP: 3, clientSideCache: cache });
    const writer = createClient({ socket: { port: s.port } });
    await cached.connect();
    await writer.connect();
    try {
      await writer.set('csc', 'one');
      expect(await cached.get('csc')).toBe('one');
      expect(await cached.get('csc')).toBe('one');
      expect(cache.stats().hitCount).toBeGreaterThanOrEqual(1);
      await writer.set('csc', 'two');
      await new Promise((r) => setTimeout(r, 50));
      expect(await cached.get('csc')).toBe('two');
    } finally {
      cached.destroy();
      writer.destroy();
    }
  });

  it('receives RESP3 push messages on a subscribed connection', async () => {
    const sub = createClient({ socket: { port: s.port }, RESP: 3 });
    const pub = createClient({ socket: { port: s.port } });
    await sub.connect();
    await pub.connect();
    try {
      const got = new Promise<string>((resolve) => {
        void sub.subscribe('chan', (msg) => resolve(msg));
      });
      await new Promise((r) => setTimeout(r, 50));
      await pub.publish('chan', 'payload');
      expect(await got).toBe('payload');
      // RESP3 connections may keep running normal commands while subscribed.
      expect(await sub.ping()).toBe('PONG');
    } finally {
      sub.destroy();
      pub.destroy();
    }
  });
});
