// Job queues as applications run them, through the endpoints the API hands out: BullMQ (queue, worker,
// QueueEvents, prioritized job, delayed job, retries, a job that fails for good, flow, job scheduler; then a
// rate-limited worker, pause/resume and the queue's housekeeping: getJobs, promote, remove, logs, clean, drain,
// obliterate) against a primary endpoint with one replica, a cluster-mode configuration endpoint (hash-tagged
// prefix, as BullMQ asks for on a cluster) and a TLS + AUTH token group; a worker that goes on through a
// TestFailover behind the primary endpoint; Bull (its own Lua scripts) on the same three; bee-queue against the
// primary and the TLS group.
// REAL_PORT=<port of a redis-server> runs the primary-endpoint scenarios against the real thing.
import { CreateCacheParameterGroupCommand, ModifyCacheParameterGroupCommand, TestFailoverCommand, waitUntilReplicationGroupAvailable, type ElastiCacheClient } from '@aws-sdk/client-elasticache';
import BeeQueue from 'bee-queue';
import { FlowProducer, Queue, QueueEvents, Worker, type ConnectionOptions, type Job } from 'bullmq';
import Bull from 'bull';
import { Cluster, Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { FAST_WAIT } from '../support/emulator.ts';
import { availableGroup, describeGroup, until, userEndpoint, type Endpoint } from '../support/groups.ts';
import { libraryTargetsForTests } from '../support/library-targets.ts';

const TOKEN = 'queue-auth-token-0123456789';
let api: ElastiCacheClient;
let primary: Endpoint;
let config: Endpoint;
let secure: Endpoint;
let ca: Buffer;
// BullMQ asks for noeviction (the default group's volatile-lru could evict job keys): a custom group, as its docs say.
libraryTargetsForTests('queues', TOKEN, (f) => ({ api, primary, config, secure, ca } = f), async (client) => {
  for (const [name, cluster] of [['queues', 'no'], ['queues-cluster', 'yes']] as const) {
    await client.send(new CreateCacheParameterGroupCommand({ CacheParameterGroupName: name, CacheParameterGroupFamily: 'redis7', Description: name }));
    await client.send(new ModifyCacheParameterGroupCommand({
      CacheParameterGroupName: name,
      ParameterNameValues: [{ ParameterName: 'maxmemory-policy', ParameterValue: 'noeviction' }, { ParameterName: 'cluster-enabled', ParameterValue: cluster }],
    }));
  }
  return { plain: 'queues', cluster: 'queues-cluster' };
});

/** One BullMQ application: every component gets its own connection from `connect`, as apps do. */
async function runBullmq(connect: () => ConnectionOptions, prefix?: string): Promise<void> {
  const opts = () => ({ connection: connect(), ...(prefix ? { prefix } : {}) });
  const queue = new Queue('work', opts());
  const events = new QueueEvents('work', opts());
  const flows = new FlowProducer(opts());
  const attempts = new Map<string, number>();
  const ticks: number[] = [];
  const worker = new Worker(
    'work',
    async (job: Job) => {
      const n = (attempts.get(job.name) ?? 0) + 1;
      attempts.set(job.name, n);
      if (job.name === 'flaky' && n < 3) throw new Error(`flaky attempt ${n}`);
      if (job.name === 'doomed') throw new Error('doomed for good');
      if (job.name === 'tick') ticks.push(Date.now());
      if (job.name === 'parent') return Object.values(await job.getChildrenValues()).sort().join(',');
      await job.updateProgress(50);
      return `done:${job.name}`;
    },
    { ...opts(), concurrency: 4 },
  );
  const progress: string[] = [];
  events.on('progress', ({ jobId }) => progress.push(jobId));
  try {
    await Promise.all([events.waitUntilReady(), worker.waitUntilReady()]);
    const plain = await queue.add('plain', { x: 1 });
    expect(await plain.waitUntilFinished(events, 15_000)).toBe('done:plain');
    expect(progress).toContain(plain.id);

    // A prioritized job's score is priority * 0x100000000 + a counter, computed in Lua.
    const urgent = await queue.add('urgent', {}, { priority: 3 });
    expect(await urgent.waitUntilFinished(events, 15_000)).toBe('done:urgent');

    const delayed = await queue.add('delayed', {}, { delay: 300 });
    expect(await queue.getJobState(delayed.id!)).toBe('delayed');
    expect(await delayed.waitUntilFinished(events, 15_000)).toBe('done:delayed');
    expect((await queue.getJob(delayed.id!))!.finishedOn! - delayed.timestamp).toBeGreaterThanOrEqual(300);

    const flaky = await queue.add('flaky', {}, { attempts: 3, backoff: { type: 'exponential', delay: 30 } });
    expect(await flaky.waitUntilFinished(events, 15_000)).toBe('done:flaky');
    expect((await queue.getJob(flaky.id!))!.attemptsMade).toBe(3);

    const doomed = await queue.add('doomed', {}, { attempts: 2 });
    await expect(doomed.waitUntilFinished(events, 15_000)).rejects.toThrow('doomed for good');
    const failed = (await queue.getJob(doomed.id!))!;
    expect(failed.failedReason).toBe('doomed for good');
    expect(failed.attemptsMade).toBe(2);

    const flow = await flows.add({ name: 'parent', queueName: 'work', children: [{ name: 'child-a', queueName: 'work' }, { name: 'child-b', queueName: 'work' }] });
    expect(await flow.job.waitUntilFinished(events, 15_000)).toBe('done:child-a,done:child-b');

    await queue.upsertJobScheduler('ticker', { every: 150 }, { name: 'tick' });
    await until(() => (ticks.length >= 2 ? true : undefined), 15_000, `ticks ${ticks.length}`);
    await queue.removeJobScheduler('ticker');
    expect(await queue.getJobCounts('failed', 'completed')).toMatchObject({ failed: 1 });
  } finally {
    await worker.close();
    await events.close();
    await flows.close();
    await queue.obliterate({ force: true });
    await queue.close();
  }
}

/** Every key left under `pattern`, on each master when `client` is a cluster. */
async function keysLeft(client: Redis | Cluster, pattern: string): Promise<string[]> {
  const nodes = client instanceof Cluster ? client.nodes('master') : [client];
  return (await Promise.all(nodes.map((n) => n.keys(pattern)))).flat();
}

/** A rate-limited worker, pause/resume, and what an application's admin page does with a queue. */
async function runBullmqControls(connect: () => ConnectionOptions, raw: () => Redis | Cluster, prefix = 'bull'): Promise<void> {
  const opts = () => ({ connection: connect(), prefix });
  const queue = new Queue('controls', opts());
  // Polled rather than heard from QueueEvents (runBullmq covers those): a QueueEvents reader starts from '$', so
  // a job finishing before its first XREAD is sent would be missed, with redis-server as with us.
  const finished = (job: Job) =>
    until(async () => ((await job.getState()) === 'completed' ? ((await queue.getJob(job.id!))!.returnvalue as unknown) : undefined), 15_000, job.name);
  const started: number[] = [];
  let manualTries = 0;
  const worker = new Worker(
    'controls',
    async (job: Job) => {
      started.push(Date.now());
      // A job may push the whole queue back (an API it calls said 429): the worker waits, the job runs again.
      if (job.name === 'manual' && ++manualTries === 1) {
        await worker.rateLimit(200);
        throw Worker.RateLimitError();
      }
      return job.data;
    },
    { ...opts(), concurrency: 5, limiter: { max: 2, duration: 500 } },
  );
  const client = raw();
  try {
    await worker.waitUntilReady();
    // Two jobs per 500 ms window: six jobs span three windows, where concurrency 5 alone would run them at once.
    const bulk = await queue.addBulk(Array.from({ length: 6 }, (_, i) => ({ name: `limited-${i}`, data: i })));
    expect(await Promise.all(bulk.map(finished))).toEqual([0, 1, 2, 3, 4, 5]);
    expect(started[5]! - started[0]!).toBeGreaterThanOrEqual(700);
    const manual = await queue.add('manual', 'again');
    expect(await finished(manual)).toBe('again');
    expect(manualTries).toBe(2);

    await queue.pause();
    expect(await queue.isPaused()).toBe(true);
    const held = await queue.add('held', 'held');
    // Nothing to wait for: the job must stay put while the queue is paused (a broken pause passes only by luck).
    await new Promise((r) => setTimeout(r, 300));
    expect(await held.getState()).toBe('waiting');
    await queue.resume();
    expect(await finished(held)).toBe('held');

    const completed = await queue.getJobs(['completed'], 0, 100, true);
    expect(completed.map((j) => j.name).sort()).toEqual([...bulk.map((j) => j.name), 'held', 'manual'].sort());
    expect(await queue.getCompletedCount()).toBe(8);
    const later = await queue.add('later', 'promoted', { delay: 60_000 });
    expect((await queue.getDelayed()).map((j) => j.id)).toEqual([later.id]);
    await later.promote();
    expect(await finished(later)).toBe('promoted');
    const gone = await queue.add('gone', null, { delay: 60_000 });
    await gone.remove();
    expect(await queue.getJobState(gone.id!)).toBe('unknown');
    const logged = await queue.add('logged', null, { delay: 60_000 });
    await logged.log('first');
    await logged.log('second');
    expect(await queue.getJobLogs(logged.id!)).toEqual({ logs: ['first', 'second'], count: 2 });
    expect((await queue.clean(0, 100, 'completed')).length).toBe(9);
    expect(await queue.getCompletedCount()).toBe(0);
    await queue.drain(true);
    expect(await queue.getJobCounts('delayed', 'waiting', 'completed')).toEqual({ delayed: 0, waiting: 0, completed: 0 });
    expect((await queue.getWorkers()).length).toBe(1);
  } finally {
    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();
  }
  try {
    // The limiter's window key outlives obliterate until its TTL, on redis-server too.
    expect((await keysLeft(client, `${prefix}:controls:*`)).filter((k) => !k.endsWith(':limiter'))).toEqual([]);
  } finally {
    client.disconnect();
  }
}

describe('BullMQ', () => {
  it('runs against the primary endpoint of a group with one replica', async () => {
    await runBullmq(() => ({ host: primary.host, port: primary.port, maxRetriesPerRequest: null }));
  }, 40_000);

  it('runs against a cluster-mode configuration endpoint through ioredis Cluster', async () => {
    const clusters: Cluster[] = [];
    await runBullmq(() => {
      const c = new Cluster([config], { redisOptions: { maxRetriesPerRequest: null } });
      clusters.push(c);
      return c;
    }, '{bull}');
    for (const c of clusters) c.disconnect();
  }, 40_000);

  it('runs over TLS with the AUTH token', async () => {
    await runBullmq(() => ({ host: secure.host, port: secure.port, tls: { ca }, password: TOKEN, maxRetriesPerRequest: null }));
  }, 40_000);

  it('rate-limits, pauses and cleans a queue on the primary endpoint', async () => {
    await runBullmqControls(() => ({ host: primary.host, port: primary.port, maxRetriesPerRequest: null }), () => new Redis(primary));
  }, 30_000);

  it('rate-limits, pauses and cleans a queue on a cluster-mode configuration endpoint', async () => {
    const clusters: Cluster[] = [];
    const cluster = () => {
      const c = new Cluster([config], { redisOptions: { maxRetriesPerRequest: null } });
      clusters.push(c);
      return c;
    };
    await runBullmqControls(cluster, cluster, '{bull}');
    for (const c of clusters) c.disconnect();
  }, 30_000);

  it('rate-limits, pauses and cleans a queue over TLS with the AUTH token', async () => {
    const options = { host: secure.host, port: secure.port, tls: { ca }, password: TOKEN, maxRetriesPerRequest: null };
    await runBullmqControls(() => options, () => new Redis(options));
  }, 30_000);
});

describe('BullMQ through a failover', () => {
  it('a worker on the primary endpoint finishes every job added before, during and after TestFailover', async () => {
    const group = await availableGroup(api, { ReplicationGroupId: 'queues-failover', NumCacheClusters: 2, AutomaticFailoverEnabled: true, CacheParameterGroupName: 'queues' });
    const connection = { ...userEndpoint(group), maxRetriesPerRequest: null };
    const queue = new Queue('failover', { connection });
    const processed = new Set<number>();
    const worker = new Worker('failover', async (job: Job<{ i: number }>) => void processed.add(job.data.i), { connection, concurrency: 4 });
    // The failover drops every connection (ECONNRESET): the clients reconnect to the same endpoint by themselves.
    worker.on('error', () => undefined);
    queue.on('error', () => undefined);
    const added: number[] = [];
    let adding = true;
    // An application adding jobs all along; a rejected add is tried again, as such an application would.
    const adder = (async () => {
      for (let i = 0; adding; ) {
        if (await queue.add('job', { i }).then(() => true, () => false)) added.push(i++);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    try {
      await worker.waitUntilReady();
      await until(() => (processed.size >= 5 ? true : undefined), 15_000, 'jobs before the failover').catch((e: Error) => {
        throw new Error(`${e.message}: ${processed.size} processed of ${added.length} added`);
      });
      await api.send(new TestFailoverCommand({ ReplicationGroupId: 'queues-failover', NodeGroupId: '0001' }));
      await waitUntilReplicationGroupAvailable({ client: api, ...FAST_WAIT }, { ReplicationGroupId: 'queues-failover' });
      const roles = (await describeGroup(api, 'queues-failover')).NodeGroups![0]!.NodeGroupMembers!.map((m) => `${m.CacheClusterId}:${m.CurrentRole}`);
      expect(roles.sort()).toEqual(['queues-failover-001:replica', 'queues-failover-002:primary']);
      const before = added.length;
      await until(() => (added.length >= before + 5 ? true : undefined), 15_000, 'jobs added after the failover');
      adding = false;
      await adder;
      await until(() => (processed.size === added.length ? true : undefined), 20_000, `${processed.size} of ${added.length} processed`);
      expect([...processed].sort((a, b) => a - b)).toEqual(added);
      expect(await queue.getJobCounts('completed', 'failed', 'waiting', 'active')).toEqual({ completed: added.length, failed: 0, waiting: 0, active: 0 });
    } finally {
      adding = false;
      await adder;
      await worker.close();
      await queue.obliterate({ force: true });
      await queue.close();
    }
  }, 40_000);
});

/** Bull, BullMQ's predecessor with its own scripts: one queue worked the way its README shows. */
async function runBull(options: Bull.QueueOptions): Promise<void> {
  const queue = new Bull<{ x: number; flaky?: boolean; doomed?: boolean }>('bull3', options);
  const tries = new Map<string, number>();
  const ticks: number[] = [];
  const progress: unknown[] = [];
  queue.on('progress', (_job, p: unknown) => progress.push(p));
  void queue.process('tick', async () => void ticks.push(Date.now()));
  void queue.process(3, async (job) => {
    const n = (tries.get(String(job.id)) ?? 0) + 1;
    tries.set(String(job.id), n);
    if (job.data.flaky && n < 3) throw new Error(`flaky ${n}`);
    if (job.data.doomed) throw new Error('doomed');
    await job.progress(42);
    return { doubled: job.data.x * 2 };
  });
  try {
    const plain = await queue.add({ x: 1 });
    expect(await plain.finished()).toEqual({ doubled: 2 });
    expect(progress).toContain(42);
    const delayed = await queue.add({ x: 2 }, { delay: 300 });
    expect(await delayed.getState()).toBe('delayed');
    expect(await delayed.finished()).toEqual({ doubled: 4 });
    expect((await queue.getJob(delayed.id))!.finishedOn! - delayed.timestamp).toBeGreaterThanOrEqual(300);
    const flaky = await queue.add({ x: 3, flaky: true }, { attempts: 3, backoff: { type: 'exponential', delay: 30 } });
    expect(await flaky.finished()).toEqual({ doubled: 6 });
    expect(tries.get(String(flaky.id))).toBe(3);
    const doomed = await queue.add({ x: 4, doomed: true }, { attempts: 2 });
    await expect(doomed.finished()).rejects.toThrow('doomed');
    expect((await queue.getJob(doomed.id))!.failedReason).toBe('doomed');
    const urgent = await queue.add({ x: 5 }, { priority: 1 });
    expect(await urgent.finished()).toEqual({ doubled: 10 });

    await queue.add('tick', { x: 0 }, { repeat: { every: 200 } });
    await until(() => (ticks.length >= 2 ? true : undefined), 15_000, `ticks ${ticks.length}`);
    expect((await queue.getRepeatableJobs()).length).toBe(1);
    await queue.removeRepeatable('tick', { every: 200 });
    expect(await queue.getRepeatableJobs()).toEqual([]);

    await queue.pause();
    expect(await queue.isPaused()).toBe(true);
    const held = await queue.add({ x: 6 });
    // Nothing to wait for: the job must stay put while the queue is paused (a broken pause passes only by luck).
    await new Promise((r) => setTimeout(r, 300));
    expect(await held.getState()).toBe('paused');
    await queue.resume();
    expect(await held.finished()).toEqual({ doubled: 12 });
    expect(await queue.getJobCounts()).toMatchObject({ waiting: 0, active: 0, failed: 1, delayed: 0, paused: 0 });
    expect((await queue.clean(0, 'failed')).map(String)).toEqual([String(doomed.id)]);
    expect((await queue.clean(0, 'completed')).length).toBeGreaterThanOrEqual(6);
    expect(await queue.getCompletedCount()).toBe(0);
  } finally {
    await queue.obliterate({ force: true });
    await queue.close();
  }
}

describe('Bull', () => {
  it('processes, retries, delays, repeats and pauses jobs on the primary endpoint', async () => {
    await runBull({ redis: primary });
  }, 30_000);

  it('does the same on a cluster-mode configuration endpoint (ioredis Cluster, hash-tagged prefix)', async () => {
    const clusters: Cluster[] = [];
    await runBull({
      prefix: '{bull3}',
      // Bull's docs ask for these two on the clients an application hands it (its blocking client needs them).
      createClient: (() => {
        const c = new Cluster([config], { redisOptions: { maxRetriesPerRequest: null, enableReadyCheck: false } });
        clusters.push(c);
        return c;
      }) as unknown as Bull.QueueOptions['createClient'],
    });
    for (const c of clusters) c.disconnect();
  }, 30_000);

  it('does the same over TLS with the AUTH token', async () => {
    await runBull({ redis: { ...secure, tls: { ca }, password: TOKEN } });
  }, 30_000);
});

interface Outcome {
  result?: unknown;
  error?: string;
}

async function runBeeQueue(redis: BeeQueue.QueueSettings['redis']): Promise<void> {
  const settings = { redis, activateDelayedJobs: true, removeOnSuccess: false, stallInterval: 1000 };
  const producer = new BeeQueue<{ n: number }>('bees', { ...settings, isWorker: false, getEvents: true });
  const worker = new BeeQueue<{ n: number }>('bees', settings);
  const tries = new Map<number, number>();
  worker.process(4, async (job) => {
    const n = (tries.get(job.data.n) ?? 0) + 1;
    tries.set(job.data.n, n);
    if (job.data.n === 2 && n < 3) throw new Error(`try ${n}`);
    if (job.data.n === 3) throw new Error('never');
    job.reportProgress(n * 10);
    return job.data.n * 2;
  });
  const outcome = (job: BeeQueue.Job<{ n: number }>) =>
    new Promise<Outcome>((resolve) => {
      job.on('succeeded', (result) => resolve({ result }));
      job.on('failed', (err) => resolve({ error: err.message }));
    });
  try {
    await Promise.all([producer.ready(), worker.ready()]);
    const first = await producer.createJob({ n: 1 }).save();
    const progressed = new Promise((resolve) => first.on('progress', resolve));
    expect(await outcome(first)).toEqual({ result: 2 });
    expect(await progressed).toBe(10);

    const retried = await producer.createJob({ n: 2 }).retries(2).backoff('fixed', 30).save();
    expect(await outcome(retried)).toEqual({ result: 4 });

    const failing = await producer.createJob({ n: 3 }).retries(1).save();
    expect(await outcome(failing)).toEqual({ error: 'never' });

    const start = Date.now();
    const later = await producer.createJob({ n: 4 }).delayUntil(start + 400).save();
    expect(await outcome(later)).toEqual({ result: 8 });
    expect(Date.now() - start).toBeGreaterThanOrEqual(350);

    const stored = await producer.getJob(first.id);
    expect(stored.status).toBe('succeeded');
    const counts = await producer.checkHealth();
    expect(counts).toMatchObject({ waiting: 0, active: 0, succeeded: 3, failed: 1, delayed: 0 });
  } finally {
    await worker.close(5000);
    await producer.destroy();
    await producer.close(5000);
  }
}

describe('bee-queue', () => {
  it('processes, retries, fails and delays jobs on the primary endpoint', async () => {
    await runBeeQueue({ host: primary.host, port: primary.port });
  }, 30_000);

  it('does the same over TLS with the AUTH token', async () => {
    await runBeeQueue({ host: secure.host, port: secure.port, tls: { ca }, password: TOKEN } as BeeQueue.QueueSettings['redis']);
  }, 30_000);
});
