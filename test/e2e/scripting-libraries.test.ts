// Real libraries built on Lua scripts, against a replication group's primary endpoint created through
// the API: BullMQ (queue, worker, delayed job, retries with backoff, repeatable job, flow), Redlock,
// rate-limiter-flexible, ioredis defineCommand and node-redis scripts; script effects reach the replica.
// REAL_PORT=<port of a redis-server> runs the same library code against the real thing, to compare.
import { type ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { FlowProducer, Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { createClient, defineScript } from 'redis';
import Redlock from 'redlock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/index.ts';
import { sdkClient, startEmulator } from '../support/emulator.ts';
import { availableGroup, readerEndpoint, realPortOverride, until, userEndpoint, type Endpoint } from '../support/groups.ts';

let emulator: Emulator;
let api: ElastiCacheClient;
let primary: Endpoint;
let replicaPort: number;

beforeAll(async () => {
  emulator = await startEmulator({ transitionDelayMs: 100 });
  api = sdkClient(emulator);
  const g = await availableGroup(api, { ReplicationGroupId: 'jobs', NumCacheClusters: 2 });
  primary = realPortOverride(userEndpoint(g));
  replicaPort = readerEndpoint(g).port;
}, 60_000);

afterAll(async () => {
  api.destroy();
  await emulator.stop();
});

describe('libraries built on scripts', () => {
  it('BullMQ: jobs, a delayed job, retries with backoff, a repeatable job and a flow', async () => {
    const connection = { host: primary.host, port: primary.port, maxRetriesPerRequest: null };
    const queue = new Queue('work', { connection });
    const seen: string[] = [];
    const attempts = new Map<string, number>();
    const worker = new Worker(
      'work',
      async (job: Job) => {
        const n = (attempts.get(job.name) ?? 0) + 1;
        attempts.set(job.name, n);
        if (job.name === 'flaky' && n < 3) throw new Error(`fail ${n}`);
        seen.push(job.name);
        return `done:${job.name}`;
      },
      { connection },
    );
    const flows = new FlowProducer({ connection });
    const completed = (id: string) => until(async () => ((await queue.getJobState(id)) === 'completed' ? true : undefined), 15_000, `${id}: ${JSON.stringify(seen)}`);
    try {
      const plain = await queue.add('plain', { x: 1 });
      await completed(plain.id!);
      expect((await queue.getJob(plain.id!))!.returnvalue).toBe('done:plain');
      const delayed = await queue.add('delayed', {}, { delay: 300 });
      await completed(delayed.id!);
      expect((await queue.getJob(delayed.id!))!.finishedOn! - delayed.timestamp).toBeGreaterThanOrEqual(300);
      const flaky = await queue.add('flaky', {}, { attempts: 3, backoff: { type: 'fixed', delay: 50 } });
      await completed(flaky.id!);
      expect((await queue.getJob(flaky.id!))!.attemptsMade).toBe(3);
      const flow = await flows.add({ name: 'parent', queueName: 'work', children: [{ name: 'child-a', queueName: 'work' }, { name: 'child-b', queueName: 'work' }] });
      await completed(flow.job.id!);
      expect(seen.indexOf('parent')).toBeGreaterThan(Math.max(seen.indexOf('child-a'), seen.indexOf('child-b')));
      await queue.upsertJobScheduler('ticker', { every: 150 }, { name: 'tick' });
      await until(() => (seen.filter((s) => s === 'tick').length >= 2 ? true : undefined), 15_000, JSON.stringify(seen));
      expect((await queue.getJobCounts('failed')).failed).toBe(0);
    } finally {
      await worker.close();
      await flows.close();
      await queue.obliterate({ force: true });
      await queue.close();
    }
  }, 30_000);

  it('Redlock: acquire, contention, extend, release', async () => {
    const a = new Redis(primary.port, primary.host);
    const b = new Redis(primary.port, primary.host);
    const la = new Redlock([a], { retryCount: 0 });
    const lb = new Redlock([b], { retryCount: 0 });
    try {
      const lock = await la.acquire(['lock:res'], 2000);
      await expect(lb.acquire(['lock:res'], 2000)).rejects.toThrow();
      const longer = await lock.extend(5000);
      expect(await a.pttl('lock:res')).toBeGreaterThan(2000);
      await longer.release();
      const again = await lb.acquire(['lock:res'], 1000);
      await again.release();
    } finally {
      a.disconnect();
      b.disconnect();
    }
  });

  it('rate-limiter-flexible RateLimiterRedis', async () => {
    const c = new Redis(primary.port, primary.host, { enableOfflineQueue: false });
    await until(() => (c.status === 'ready' ? true : undefined));
    try {
      const limiter = new RateLimiterRedis({ storeClient: c, points: 2, duration: 10, keyPrefix: 'rl' });
      expect((await limiter.consume('user')).remainingPoints).toBe(1);
      expect((await limiter.consume('user')).remainingPoints).toBe(0);
      await expect(limiter.consume('user')).rejects.toMatchObject({ remainingPoints: 0 });
    } finally {
      c.disconnect();
    }
  });

  it('ioredis defineCommand and node-redis scripts; effects replicate', async () => {
    const io = new Redis(primary.port, primary.host);
    io.defineCommand('incrTwice', { numberOfKeys: 1, lua: "redis.call('incr', KEYS[1]) return redis.call('incr', KEYS[1])" });
    const nr = createClient({
      socket: { host: primary.host, port: primary.port },
      scripts: {
        setGet: defineScript({
          NUMBER_OF_KEYS: 1,
          SCRIPT: "redis.call('set', KEYS[1], ARGV[1]) return redis.call('get', KEYS[1])",
          parseCommand(parser, key: string, value: string) {
            parser.pushKey(key);
            parser.push(value);
          },
          transformReply: (r: unknown) => r as string,
        }),
      },
    });
    await nr.connect();
    const replica = new Redis(replicaPort, primary.host);
    try {
      expect(await (io as unknown as { incrTwice(k: string): Promise<number> }).incrTwice('counter')).toBe(2);
      expect(await (io as unknown as { incrTwice(k: string): Promise<number> }).incrTwice('counter')).toBe(4);
      expect(await nr.setGet('greeting', 'hello')).toBe('hello');
      await until(async () => ((await replica.get('counter')) === '4' ? true : undefined));
      expect(await replica.get('greeting')).toBe('hello');
      await expect(replica.eval("return redis.call('set', 'x', '1')", 0)).rejects.toThrow(/READONLY You can't write against a read only replica/);
    } finally {
      io.disconnect();
      await nr.quit();
      replica.disconnect();
    }
  });
});
