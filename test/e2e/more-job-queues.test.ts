// More job queues and limiters as applications run them, each against the primary endpoint of a group made
// through the API, the TLS + AUTH token group, and a redis-server the test starts, comparing what the
// application sees: Bottleneck's clustering mode (two limiters sharing one id: maxConcurrent across both, a
// reservoir set by one and spent by the other, job expiration, publish, a Group) on ioredis and on node-redis 3,
// and on the cluster-mode configuration endpoint through ioredis; node-resque (queue, worker, scheduler, delayed
// jobs, failed jobs, the Retry plugin); rsmq (queues, send, receive, visibility timeout, delete) and rsmq-worker;
// groupmq (per-group FIFO over Lua and blocking pops: order within a group, groups side by side, delay, retries).
import Bottleneck from 'bottleneck';
import { Queue as GroupQueue, Worker as GroupWorker } from 'groupmq';
import { Cluster, Redis } from 'ioredis';
import { createRequire } from 'node:module';
import { Plugins, Queue, Scheduler, Worker, type Jobs } from 'node-resque';
import RedisSMQ from 'rsmq';
import { describe, expect, it } from 'vitest';
import { keyspaceShape, once, OUR_SERVERS, realRedisForTests, serverAddress, type ComparedServer, type ServerAddress } from '../support/compared-servers.ts';
import { until } from '../support/groups.ts';
import { libraryTargetsForTests, type LibraryFixture } from '../support/library-targets.ts';

const require = createRequire(import.meta.url);
// Bottleneck's "redis" datastore speaks node-redis 3's callback API (the project's own redis is 5+): the copy rsmq
// brings is passed as Bottleneck's `Redis` option, as its README says to when the require finds the wrong one.
const NodeRedis3 = createRequire(require.resolve('rsmq'))('redis') as unknown;

const TOKEN = 'more-queues-auth-token-0123';
let fixture: LibraryFixture;
libraryTargetsForTests('morequeues', TOKEN, (f) => (fixture = f));
const real = realRedisForTests();
const address = (which: ComparedServer): ServerAddress => serverAddress(fixture, real, which);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Datastore = 'ioredis' | 'redis';

/** Bottleneck's connection options for one server, as its Clustering section shows them. */
function bottleneckConnection(datastore: Datastore, which: ComparedServer | 'cluster'): Bottleneck.ConstructorOptions {
  if (which === 'cluster') return { datastore: 'ioredis', clusterNodes: [fixture.config], clientOptions: {} };
  const a = address(which);
  const clientOptions = { host: a.host, port: a.port, ...(a.tls ? { tls: a.tls, password: a.password } : {}) };
  return { datastore, clientOptions, ...(datastore === 'redis' ? { Redis: NodeRedis3 } : {}) };
}

/**
 * What an application sees of two clustered limiters sharing one id: jobs never overlap across them under
 * maxConcurrent 1, settings and a reservoir one limiter sets hold for the other, an expired job is failed and
 * no longer counted as running, published messages arrive, a Group's limiters are listed and deleted.
 */
async function bottleneckTranscript(connection: Bottleneck.ConstructorOptions): Promise<unknown> {
  // The ids carry a hash tag: a limiter's Lua scripts take all its keys, which must share a slot on a cluster.
  const id = 'shared{bn}';
  const errors: string[] = [];
  const made: Bottleneck[] = [];
  const make = (options: Bottleneck.ConstructorOptions) => {
    const limiter = new Bottleneck({ id, ...connection, ...options });
    limiter.on('error', (e: unknown) => errors.push(String(e)));
    made.push(limiter);
    return limiter;
  };
  const out: Record<string, unknown> = {};
  const group = new Bottleneck.Group({ id: 'grp{bn}', ...connection, maxConcurrent: 1 });
  try {
    const a = make({ maxConcurrent: 1, clearDatastore: true });
    await a.ready();
    // The second limiter brings no settings: it runs with the ones the first stored.
    const b = make({});
    await b.ready();
    let running = 0;
    let peak = 0;
    const job = (name: string) => async () => {
      running++;
      peak = Math.max(peak, running);
      await sleep(20);
      running--;
      return name;
    };
    out.shared = await Promise.all([a.schedule(job('a1')), b.schedule(job('b1')), a.schedule(job('a2')), b.schedule(job('b2'))]);
    out.peak = peak;
    out.afterShared = { done: await a.done(), running: await b.running(), queued: await a.clusterQueued() };

    await a.updateSettings({ maxConcurrent: null, reservoir: 2 });
    out.reservoirSeenByB = await b.currentReservoir();
    const spent = [b.schedule(job('r1')), b.schedule(job('r2'))];
    const third = b.schedule(job('r3'));
    out.spent = await Promise.all(spent);
    await until(async () => ((await a.clusterQueued()) === 1 ? true : undefined), 10_000, 'the third job queued');
    out.emptyReservoir = await b.currentReservoir();
    out.incremented = await a.incrementReservoir(1);
    out.third = await third;
    out.reservoirAfter = await a.currentReservoir();
    await a.updateSettings({ reservoir: null });

    out.expired = await b.schedule({ expiration: 100, id: 'stuck' }, () => new Promise(() => {})).catch((e: Error) => `${e.name}: ${e.message}`);
    out.runningAfterExpiry = await a.running();

    const heard = new Promise((resolve) => b.once('message', resolve));
    await a.publish('hello from a');
    out.heard = await heard;

    out.groupJob = await group.key('alpha').schedule(async () => 'alpha done');
    out.groupKeys = await group.clusterKeys();
    out.deleted = await group.deleteKey('alpha');
    out.groupKeysAfter = await group.clusterKeys();
    out.errors = errors;
    return out;
  } finally {
    await Promise.all([...made.map((l) => l.disconnect()), group.disconnect()]);
  }
}

/**
 * Weighted jobs on clustered limiters with a keys' timeout: check() answers from the shared state, two jobs
 * whose weights exceed maxConcurrent together never overlap across limiters, and the limiter's keys carry the
 * timeout as their TTL.
 */
async function bottleneckWeightsTranscript(connection: Bottleneck.ConstructorOptions, raw: Redis | Cluster): Promise<unknown> {
  const id = 'weights{bn}';
  const a = new Bottleneck({ id, ...connection, maxConcurrent: 3, clearDatastore: true, timeout: 60_000 });
  const b = new Bottleneck({ id, ...connection, timeout: 60_000 });
  const out: Record<string, unknown> = {};
  try {
    await Promise.all([a.ready(), b.ready()]);
    out.checks = [await b.check(3), await b.check(4)];
    let weight = 0;
    let peakWeight = 0;
    const job = (w: number, name: string) => async () => {
      weight += w;
      peakWeight = Math.max(peakWeight, weight);
      await sleep(30);
      weight -= w;
      return name;
    };
    out.done = await Promise.all([a.schedule({ weight: 2 }, job(2, 'a2')), b.schedule({ weight: 2 }, job(2, 'b2')), a.schedule({ weight: 1 }, job(1, 'a1'))]);
    out.withinMaxConcurrent = peakWeight <= 3;
    out.doneWeight = await b.done();
    const ttl = await raw.pttl(`b_${id}_settings`);
    out.keysExpire = ttl > 50_000 && ttl <= 60_000;
    return out;
  } finally {
    await Promise.all([a.disconnect(), b.disconnect()]);
  }
}

describe.each(['ioredis', 'redis'] as const)('Bottleneck clustering on %s', (datastore) => {
  const transcripts = once<unknown>();
  const realRun = () => transcripts('real', () => bottleneckTranscript(bottleneckConnection(datastore, 'real')));
  it.each(OUR_SERVERS)('on the %s endpoint behaves as on redis-server', async (which) => {
    const theirs = await realRun();
    expect(await bottleneckTranscript(bottleneckConnection(datastore, which))).toEqual(theirs);
  }, 20_000);
  it.each(OUR_SERVERS)('weighted jobs and the keys\' timeout on the %s endpoint behave as on redis-server', async (which) => {
    const raw = (where: ComparedServer) => {
      const a = address(where);
      return new Redis({ host: a.host, port: a.port, ...(a.tls ? { tls: a.tls, password: a.password } : {}) });
    };
    const run = async (where: ComparedServer) => {
      const client = raw(where);
      try {
        return await bottleneckWeightsTranscript(bottleneckConnection(datastore, where), client);
      } finally {
        client.disconnect();
      }
    };
    const theirs = await transcripts('weights', () => run('real'));
    expect(await run(which)).toEqual(theirs);
  }, 20_000);
  if (datastore === 'ioredis') {
    it('on the cluster-mode configuration endpoint (clusterNodes) behaves as on redis-server', async () => {
      // Group.clusterKeys() SCANs through the client, and ioredis's Cluster sends a keyless command to one master
      // it picks at random: on a real cluster too the list holds the key only when that master owns its slot.
      const { groupKeys: _, ...theirs } = (await realRun()) as Record<string, unknown>;
      const { groupKeys: __, ...ours } = (await bottleneckTranscript(bottleneckConnection(datastore, 'cluster'))) as Record<string, unknown>;
      expect(ours).toEqual(theirs);
    }, 20_000);
  }
});

/**
 * What a node-resque application sees: jobs enqueued now and later, one that fails into the failed queue, one
 * the Retry plugin brings back until it succeeds, one QueueLock refuses a second copy of; a worker and a leader
 * scheduler working them; then the admin view (stats, failed jobs, workers, leader) and removing a failed job.
 */
async function resqueTranscript(a: ServerAddress): Promise<unknown> {
  const connection = { pkg: 'ioredis', host: a.host, port: a.port, namespace: 'resque', options: a.tls ? { tls: a.tls, password: a.password } : {} };
  let flakyTries = 0;
  const jobs: Jobs = {
    add: { perform: async (x: number, y: number) => x + y },
    boom: {
      perform: async () => {
        throw new Error('boom');
      },
    },
    unique: { plugins: [Plugins.QueueLock], perform: async (n: number) => `unique ${n}` },
    flaky: {
      plugins: [Plugins.Retry],
      pluginOptions: { Retry: { retryLimit: 3, retryDelay: 100 } },
      perform: async () => {
        if (++flakyTries < 3) throw new Error(`flaky try ${flakyTries}`);
        return `ok after ${flakyTries}`;
      },
    },
  };
  const out: Record<string, unknown> = {};
  const errors: string[] = [];
  const queue = new Queue({ connection }, jobs);
  const worker = new Worker({ connection, queues: ['math'], timeout: 50 }, jobs);
  const scheduler = new Scheduler({ connection, timeout: 50 });
  for (const emitter of [queue, worker, scheduler]) emitter.on('error', (e: Error) => errors.push(String(e)));
  const successes: string[] = [];
  const failures: string[] = [];
  const reEnqueued: string[] = [];
  worker.on('success', (_q, job, result) => successes.push(`${job.class}(${JSON.stringify(job.args)}) = ${JSON.stringify(result)}`));
  worker.on('failure', (_q, job, failure) => failures.push(`${job.class}: ${failure.message}`));
  worker.on('reEnqueue', (_q, _job, plugin) => reEnqueued.push(`${(plugin as unknown as { remainingAttempts: number }).remainingAttempts}`));
  try {
    await queue.connect();
    out.enqueued = [
      await queue.enqueue('math', 'add', [1, 2]),
      await queue.enqueue('math', 'boom', []),
      await queue.enqueue('math', 'unique', [7]),
      await queue.enqueue('math', 'unique', [7]),
      await queue.enqueue('math', 'flaky', []),
    ];
    await queue.enqueueIn(150, 'math', 'add', [3, 4]);
    out.waiting = { length: await queue.length('math'), queues: await queue.queues(), timestamps: (await queue.timestamps()).length };
    out.scheduled = (await queue.scheduledAt('math', 'add', [3, 4])).length;
    out.delayed = Object.values(await queue.allDelayed()).flat();

    await scheduler.connect();
    scheduler.start();
    await worker.connect();
    worker.start();
    // The Retry plugin reports each failed try as a success (its README says so): the last try ends the wait.
    const done = () => successes.some((s) => s.includes('ok after 3')) && successes.some((s) => s.startsWith('add([3,4])')) && failures.length > 0;
    await until(() => (done() ? true : undefined), 15_000, `${successes} ${failures}`);
    out.successes = successes.sort();
    out.failures = failures;
    out.reEnqueued = reEnqueued;
    out.leader = (await queue.leader()) === scheduler.name;
    out.workers = Object.keys(await queue.workers()).length;
    const stats = await queue.stats();
    out.stats = { processed: stats.processed, failed: stats.failed };
    const failed = await queue.failed(0, -1);
    out.failed = failed.map((f) => ({ queue: f.queue, class: f.payload.class, args: f.payload.args, exception: f.exception, error: f.error }));
    out.failedCount = await queue.failedCount();
    out.removed = await queue.removeFailed(failed[0]!);
    out.failedAfter = await queue.failedCount();
    out.left = { length: await queue.length('math'), delayed: (await queue.timestamps()).length, locks: Object.keys(await queue.locks()) };
    // What node-resque keeps while its worker and scheduler run: names, types, sizes, which expire.
    const raw = new Redis({ host: a.host, port: a.port, ...(a.tls ? { tls: a.tls, password: a.password } : {}) });
    out.keys = await keyspaceShape(raw, 'resque:*').finally(() => raw.disconnect());
  } finally {
    await worker.end();
    await scheduler.end();
    out.workersAfterEnd = Object.keys(await queue.workers()).length;
    await queue.end();
  }
  out.errors = errors;
  return out;
}

describe('node-resque', () => {
  const transcripts = once<unknown>();
  it.each(OUR_SERVERS)('on the %s endpoint behaves as on redis-server', async (which) => {
    const theirs = await transcripts('real', () => resqueTranscript(address('real')));
    expect(await resqueTranscript(address(which))).toEqual(theirs);
  }, 30_000);
});

interface RsmqWorker {
  on(event: 'message', listener: (message: string, next: (del?: boolean) => void, id: string) => void): void;
  on(event: 'error' | 'timeout' | 'exceeded', listener: (e: unknown) => void): void;
  send(message: string, delay?: number): void;
  start(): void;
  stop(): void;
  quit(): void;
}
// rsmq-worker (CommonJS, no types): a polling worker over its own rsmq and node-redis 2 connection.
const RSMQWorker = require('rsmq-worker') as new (queue: string, options: Record<string, unknown>) => RsmqWorker;

/** rsmq's constructor options for one server: node-redis 3 takes TLS and the password beside host and port. */
function rsmqOptions(a: ServerAddress): RedisSMQ.ConstructorOptions {
  return { host: a.host, port: a.port, ns: 'rsmq', realtime: true, ...(a.tls ? { tls: a.tls, password: a.password } : {}) } as RedisSMQ.ConstructorOptions;
}

/**
 * What an rsmq application sees: queues made, listed and deleted; messages sent, received (hidden for the
 * visibility timeout, shown again when it runs out or is changed), popped and deleted; queue attributes; the
 * realtime notices it publishes; errors a user meets (duplicate queue, message too long, queue gone).
 */
async function rsmqTranscript(a: ServerAddress): Promise<unknown> {
  const rsmq = new RedisSMQ(rsmqOptions(a));
  const listener = new Redis({ host: a.host, port: a.port, ...(a.tls ? { tls: a.tls, password: a.password } : {}) });
  const notices: string[] = [];
  const out: Record<string, unknown> = {};
  const failure = (e: Error) => `${e.name}: ${e.message}`;
  const attributes = async () => {
    const { vt, delay, maxsize, totalrecv, totalsent, msgs, hiddenmsgs } = await rsmq.getQueueAttributesAsync({ qname: 'jobs' });
    return { vt, delay, maxsize, totalrecv, totalsent, msgs, hiddenmsgs };
  };
  try {
    listener.on('message', (channel: string, count: string) => notices.push(`${channel} ${count}`));
    await listener.subscribe('rsmq:rt:jobs');
    out.created = await rsmq.createQueueAsync({ qname: 'jobs', vt: 1 });
    out.duplicate = await rsmq.createQueueAsync({ qname: 'jobs' }).catch(failure);
    out.queues = await rsmq.listQueuesAsync();
    const first = await rsmq.sendMessageAsync({ qname: 'jobs', message: 'first' });
    const second = await rsmq.sendMessageAsync({ qname: 'jobs', message: 'second' });
    await rsmq.sendMessageAsync({ qname: 'jobs', message: 'later', delay: 30 });
    // hiddenmsgs counts messages due from the start of the current second on: left out while the first two are
    // due now, since it changes with the second the call lands in.
    const { hiddenmsgs: _, ...sent } = await attributes();
    out.sent = sent;
    const received = async () => {
      const m = (await rsmq.receiveMessageAsync({ qname: 'jobs' })) as Partial<RedisSMQ.QueueMessage>;
      return m.id === undefined ? 'nothing' : { message: m.message, rc: m.rc, which: m.id === first ? 'first' : m.id === second ? 'second' : m.id };
    };
    out.receivedOnce = [await received(), await received(), await received()];
    out.shownAgain = await rsmq.changeMessageVisibilityAsync({ qname: 'jobs', id: first, vt: 0 });
    out.receivedAgain = await received();
    out.deleted = [await rsmq.deleteMessageAsync({ qname: 'jobs', id: first }), await rsmq.deleteMessageAsync({ qname: 'jobs', id: first })];
    // The queue's visibility timeout is one second: then the second message is there to take again.
    await sleep(1100);
    out.afterTimeout = await received();
    out.popped = await rsmq.popMessageAsync({ qname: 'jobs' });
    out.resized = (await rsmq.setQueueAttributesAsync({ qname: 'jobs', maxsize: 1024 })).maxsize;
    out.tooLong = await rsmq.sendMessageAsync({ qname: 'jobs', message: 'x'.repeat(2000) }).catch(failure);
    out.before = await attributes();
    out.queueDeleted = await rsmq.deleteQueueAsync({ qname: 'jobs' });
    out.queuesAfter = await rsmq.listQueuesAsync();
    out.gone = await rsmq.receiveMessageAsync({ qname: 'jobs' }).catch(failure);
    // Deleting the queue leaves none of its keys (the listener is subscribed: a second connection looks).
    const raw = listener.duplicate();
    out.keysLeft = await keyspaceShape(raw, 'rsmq:*').finally(() => raw.disconnect());
    await until(() => (notices.length >= 3 ? true : undefined), 5000, 'realtime notices');
    out.notices = notices;
      return out;
  } finally {
    listener.disconnect();
    await new Promise((resolve) => rsmq.quit(resolve));
  }
}

/** What an rsmq-worker application sees: the messages it sent, each handled once and deleted after next(). */
async function rsmqWorkerTranscript(a: ServerAddress): Promise<unknown> {
  const rsmq = new RedisSMQ(rsmqOptions(a));
  const worker = new RSMQWorker('work', { host: a.host, port: a.port, options: a.tls ? { tls: a.tls, password: a.password } : {}, interval: [0, 0.05] });
  const handled: string[] = [];
  const errors: string[] = [];
  try {
    // The worker makes its queue when it connects.
    worker.on('message', (message, next) => {
      handled.push(message);
      next();
    });
    for (const event of ['error', 'timeout', 'exceeded'] as const) worker.on(event, (e) => errors.push(`${event} ${String(e)}`));
    worker.start();
    for (const m of ['one', 'two', 'three']) worker.send(m, 0);
    await until(() => (handled.length >= 3 ? true : undefined), 10_000, `handled ${handled}`);
    // next() deletes the message a moment later: the queue is empty once that has gone through.
    await until(async () => ((await rsmq.getQueueAttributesAsync({ qname: 'work' })).msgs === 0 ? true : undefined), 10_000, 'messages deleted');
    const { totalrecv, totalsent, msgs } = await rsmq.getQueueAttributesAsync({ qname: 'work' });
    await rsmq.deleteQueueAsync({ qname: 'work' });
    return { handled: handled.sort(), totalrecv, totalsent, msgs, errors };
  } finally {
    worker.quit();
    await new Promise((resolve) => rsmq.quit(resolve));
  }
}

describe('rsmq and rsmq-worker', () => {
  const transcripts = once<unknown>();
  it.each(OUR_SERVERS)('rsmq on the %s endpoint behaves as on redis-server', async (which) => {
    const theirs = await transcripts('rsmq', () => rsmqTranscript(address('real')));
    expect(await rsmqTranscript(address(which))).toEqual(theirs);
  }, 20_000);
  it.each(OUR_SERVERS)('rsmq-worker on the %s endpoint behaves as on redis-server', async (which) => {
    const theirs = await transcripts('worker', () => rsmqWorkerTranscript(address('real')));
    expect(await rsmqWorkerTranscript(address(which))).toEqual(theirs);
  }, 20_000);
});

/**
 * What a groupmq application sees: jobs of one group run one at a time in their order while groups run side by
 * side, a delayed job waits its turn, a job that keeps failing is retried then kept as failed; then the
 * queue's counts and the jobs it retained.
 */
async function groupmqTranscript(a: ServerAddress): Promise<unknown> {
  const redis = new Redis({ host: a.host, port: a.port, ...(a.tls ? { tls: a.tls, password: a.password } : {}) });
  const queue = new GroupQueue<{ name: string }>({ redis, namespace: 'orders', keepCompleted: 50, keepFailed: 50, maxAttempts: 2 });
  const order = new Map<string, string[]>();
  const active = new Set<string>();
  let overlapped = 0;
  const completed: string[] = [];
  const failed: string[] = [];
  const errors: string[] = [];
  const out: Record<string, unknown> = {};
  let worker: GroupWorker<{ name: string }> | undefined;
  try {
    const now = Date.now();
    for (const [groupId, name, i] of [['a', 'a1', 1], ['b', 'b1', 2], ['a', 'a2', 3], ['b', 'b2', 4], ['a', 'a3', 5], ['d', 'doomed', 6]] as const) {
      await queue.add({ groupId, data: { name }, orderMs: now + i });
    }
    const later = await queue.add({ groupId: 'c', data: { name: 'later' }, delay: 200 });
    out.before = await queue.getJobCounts();
    out.laterState = await later.getState();
    out.groups = (await queue.getUniqueGroups()).sort();
    // The worker starts working as it is made (its README's run() call is not needed).
    worker = new GroupWorker<{ name: string }>({
      queue,
      concurrency: 4,
      backoff: () => 50,
      blockingTimeoutSec: 1,
      handler: async (job) => {
        if (active.has(job.groupId)) overlapped++;
        active.add(job.groupId);
        order.set(job.groupId, [...(order.get(job.groupId) ?? []), job.data.name]);
        await sleep(10);
        active.delete(job.groupId);
        if (job.data.name === 'doomed') throw new Error('doomed for good');
        return `done ${job.data.name}`;
      },
    });
    worker.on('completed', (job) => completed.push(job.data.name));
    worker.on('failed', (job) => failed.push(`${job.data.name}: ${job.failedReason}`));
    worker.on('error', (e) => errors.push(String(e)));
    // 'failed' is emitted for each try: the job is failed for good once the queue counts it.
    await until(async () => (completed.length >= 6 && (await queue.getFailedCount()) === 1 ? true : undefined), 15_000, `completed ${completed} failed ${failed}`);
    out.order = Object.fromEntries([...order].sort());
    out.overlapped = overlapped;
    out.completed = completed.sort();
    out.failed = failed;
    out.counts = { completed: await queue.getCompletedCount(), failed: await queue.getFailedCount(), waiting: await queue.getWaitingCount(), delayed: await queue.getDelayedCount() };
    const [kept] = await queue.getFailedJobs(10);
    out.keptFailed = { name: kept?.data.name, reason: kept?.failedReason, attempts: kept?.attemptsMade, state: await kept?.getState() };
    out.returned = (await queue.getCompletedJobs(10)).map((j) => j.returnvalue).sort();
    out.errors = errors;
    return out;
  } finally {
    await worker?.close(2000);
    await queue.close();
    redis.disconnect();
  }
}

describe('groupmq', () => {
  const transcripts = once<unknown>();
  it.each(OUR_SERVERS)('on the %s endpoint behaves as on redis-server', async (which) => {
    const theirs = await transcripts('real', () => groupmqTranscript(address('real')));
    expect(await groupmqTranscript(address(which))).toEqual(theirs);
  }, 30_000);
});
