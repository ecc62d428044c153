// More locks and rate limits as applications use them, against the primary endpoint of a group made through
// the API, the TLS + AUTH token group and the cluster-mode configuration endpoint, each compared with a
// redis-server the test starts: simple-redis-mutex on node-redis (tryLock, a blocked lock() woken by the
// release's PUBLISH, fencing tokens, a lock that times out, failAfter, refreshTimeout), async-ratelimiter
// (its Lua sliding window on ioredis: consume, peek, per-call max) and rolling-rate-limiter (MULTI over a
// sorted set, on ioredis and on node-redis: the count limit, minDifference, wouldLimit) and ratelimiter (MULTI
// over a sorted set on ioredis); @sesamecare-oss/redlock's quorum over three instances.
import { Redlock as QuorumRedlock } from '@sesamecare-oss/redlock';
import RateLimiter from 'async-ratelimiter';
import { Cluster, Redis } from 'ioredis';
import { createRequire } from 'node:module';
import { IORedisRateLimiter, NodeRedisRateLimiter, type RateLimitInfo } from 'rolling-rate-limiter';
import { lock, tryLock } from 'simple-redis-mutex';
import { describe, expect, it } from 'vitest';
import { comparedClients, once, OUR_SERVERS, realRedisForTests, type ComparedServer } from '../support/compared-servers.ts';
import { libraryTargetsForTests, type LibraryFixture } from '../support/library-targets.ts';

const require = createRequire(import.meta.url);
const TOKEN = 'more-locks-auth-token-01234';
let fixture: LibraryFixture;
libraryTargetsForTests('morelocks', TOKEN, (f) => (fixture = f));
const real = realRedisForTests();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Where = ComparedServer | 'cluster';
const WHERE: Exclude<Where, 'real'>[] = [...OUR_SERVERS, 'cluster'];

const { ioredis, nodeRedis } = comparedClients(() => fixture, real);

/** Compares a transcript taken on `where` with the one redis-server gave (taken once per describe). */
function compared(run: (where: Where) => Promise<unknown>, where: Exclude<Where, 'real'>[] = WHERE, timeout = 20_000): void {
  const transcripts = once<unknown>();
  it.each(where)('on the %s endpoint behaves as on redis-server', async (where) => {
    const theirs = await transcripts('real', () => run('real'));
    expect(await run(where)).toEqual(theirs);
  }, timeout);
}

/**
 * What two processes sharing a resource see through simple-redis-mutex: one holds the lock, the other's tryLock
 * is refused and its lock() waits until the release wakes it; fencing tokens grow; a lock never released
 * times out for the next taker; failAfter gives up; refreshTimeout keeps a lock past its first timeout.
 */
async function mutexTranscript(where: Where): Promise<unknown> {
  // Its types take node-redis's client with any modules; ours is the default one.
  const [a, b] = (await Promise.all([nodeRedis(where), nodeRedis(where)])) as Parameters<typeof lock>[0][];
  const out: Record<string, unknown> = {};
  const events: string[] = [];
  try {
    const name = 'mutex';
    const first = await lock(a, name, { timeout: 5_000 });
    const [gotIt] = await tryLock(b, name);
    out.tryWhileHeld = gotIt;
    const waiting = lock(b, name, { timeout: 5_000, pollingInterval: 10_000 }).then((release) => {
      events.push('b has it');
      return release;
    });
    await sleep(100);
    events.push('a releases');
    await first();
    const second = await waiting;
    out.events = events;
    out.tokensGrow = second.fencingToken > first.fencingToken;
    await second();

    // Never released: the next taker gets it once it timed out, found by polling.
    const abandoned = await lock(a, `${name}:abandoned`, { timeout: 200 });
    const taken = await lock(b, `${name}:abandoned`, { timeout: 1_000, pollingInterval: 50 });
    out.afterTimeout = taken.fencingToken > abandoned.fencingToken;
    await taken();

    // Timings with room for a loaded machine: b gives up (600 ms) long before the held lock's first timeout
    // (1200 ms), so no attempt of b's still in flight can find it expired (simple-redis-mutex lets such an
    // attempt take the lock after failAfter, for its default 30 s); the check comes 900 ms after the refresh,
    // past the first timeout and 300 ms before the refreshed one.
    const held = await lock(a, `${name}:held`, { timeout: 1200 });
    let failed = false;
    out.failAfter = await lock(b, `${name}:held`, { failAfter: 600, pollingInterval: 50, onFail: () => (failed = true) }).then(
      () => 'acquired',
      (e: Error) => e.message,
    );
    out.onFail = failed;
    await held.refreshTimeout();
    await sleep(900);
    const [stillHeld] = await tryLock(b, `${name}:held`);
    out.refreshedStillHeld = !stillHeld;
    await held();
    const [afterRelease, release] = await tryLock(b, `${name}:held`);
    out.afterRelease = afterRelease;
    await release();
    return out;
  } finally {
    await Promise.all([a!.close(), b!.close()]);
  }
}

// Not on a cluster: its release script names the releases channel as a second key, in another slot than the
// lock's (CROSSSLOT on a real cluster too).
describe('simple-redis-mutex', () => compared(mutexTranscript, OUR_SERVERS));

/** What an API sees of async-ratelimiter: a window of 3 calls, peeks that do not count, a larger max for one id. */
async function asyncRateLimiterTranscript(where: Where): Promise<unknown> {
  const db = ioredis(where);
  try {
    // Its types name a plain ioredis client; a Cluster runs its one-key script just the same.
    const limiter = new RateLimiter({ db: db as Redis, max: 3, duration: 2_000, namespace: 'limit' });
    const id = 'user-1';
    const statuses = [];
    const before = Date.now();
    for (let i = 0; i < 5; i++) statuses.push(await limiter.get({ id }));
    const peeked = await limiter.get({ id, peek: true });
    const other = [await limiter.get({ id: 'vip', max: 10 }), await limiter.get({ id: 'vip', max: 10, peek: true })];
    const resetInWindow = statuses.every((s) => s.reset * 1000 >= before && s.reset * 1000 <= Date.now() + 2_000 + 1_000);
    const strip = ({ total, remaining }: RateLimiter.Status) => ({ total, remaining });
    return { statuses: statuses.map(strip), peeked: strip(peeked), other: other.map(strip), resetInWindow };
  } finally {
    db.disconnect();
  }
}

describe('async-ratelimiter', () => compared(asyncRateLimiterTranscript));

/** rolling-rate-limiter on ioredis and on node-redis: 3 actions a minute, 100 ms apart at least. */
async function rollingTranscript(where: Where): Promise<unknown> {
  // Its types describe an older ioredis's multi(); version 6's client is used the same way.
  const io = ioredis(where) as unknown as ConstructorParameters<typeof IORedisRateLimiter>[0]['client'] & { disconnect(): void };
  const nr = await nodeRedis(where);
  try {
    const options = { interval: 60_000, maxInInterval: 3, namespace: 'rolling' };
    const limiters = { ioredis: new IORedisRateLimiter({ client: io, ...options }), 'node-redis': new NodeRedisRateLimiter({ client: nr, ...options }) };
    const out: Record<string, unknown> = {};
    const shape = ({ blocked, blockedDueToCount, blockedDueToMinDifference, actionsRemaining, millisecondsUntilAllowed }: RateLimitInfo) => ({
      blocked,
      blockedDueToCount,
      blockedDueToMinDifference,
      actionsRemaining,
      mustWait: millisecondsUntilAllowed > 0,
    });
    for (const [name, limiter] of Object.entries(limiters)) {
      const user = `user-${name}`;
      const seen = [];
      for (let i = 0; i < 4; i++) seen.push(shape(await limiter.limitWithInfo(user)));
      out[name] = { seen, wouldLimit: await limiter.wouldLimit(user), other: await limiter.limit(`other-${name}`) };
    }
    const spaced = new IORedisRateLimiter({ client: io, interval: 60_000, maxInInterval: 10, minDifference: 5_000, namespace: 'spaced' });
    out.minDifference = [shape(await spaced.limitWithInfo('u')), shape(await spaced.limitWithInfo('u'))];
    return out;
  } finally {
    io.disconnect();
    await nr.close();
  }
}

describe('rolling-rate-limiter', () => compared(rollingTranscript));

interface Limit {
  total: number;
  remaining: number;
  reset: number;
  resetMs: number;
}
// ratelimiter (CommonJS, no types): one MULTI per call, on the client the application passes.
const Limiter = require('ratelimiter') as new (options: { id: string; db: unknown; max: number; duration: number }) => { get(done: (err: Error | null, limit: Limit) => void): void };

/** What an API sees of ratelimiter on ioredis: 3 calls per 2 s for one id, the fourth and fifth over, another id untouched. */
async function ratelimiterTranscript(where: Where): Promise<unknown> {
  const db = ioredis(where);
  try {
    const get = (id: string) =>
      new Promise<Limit>((resolve, reject) => new Limiter({ id, db, max: 3, duration: 2_000 }).get((err, limit) => (err ? reject(err) : resolve(limit))));
    const before = Date.now();
    const limits = [];
    for (let i = 0; i < 5; i++) limits.push(await get('user'));
    limits.push(await get('other'));
    const resetInWindow = limits.every((l) => l.resetMs >= before && l.resetMs <= Date.now() + 2_000 && Math.floor(l.resetMs / 1000) === l.reset);
    return { limits: limits.map(({ total, remaining }) => ({ total, remaining })), resetInWindow };
  } finally {
    db.disconnect();
  }
}

describe('ratelimiter', () => compared(ratelimiterTranscript));


/**
 * What an application sees of @sesamecare-oss/redlock over three independent instances (ours: the primary,
 * TLS and cluster-mode endpoints; theirs: three redis-servers): quorum votes, a refused contender, extend, a
 * quorum won with one instance held by someone else, release, and `using` with automatic extension.
 */
async function redlockQuorumTranscript(clients: (Redis | Cluster)[]): Promise<unknown> {
  // Extensions start 1.5 s before the lease ends: a loaded event loop must not let it lapse.
  const redlock = new QuorumRedlock(clients, { retryCount: 0, automaticExtensionThreshold: 1_500 });
  const votes = async (result: { attempts: ReadonlyArray<Promise<{ membershipSize: number; quorumSize: number; votesFor: Set<unknown>; votesAgainst: Map<unknown, Error> }>> }) => {
    const last = await result.attempts[result.attempts.length - 1]!;
    return { members: last.membershipSize, quorum: last.quorumSize, for: last.votesFor.size, against: [...last.votesAgainst.values()].map((e) => e.name) };
  };
  const out: Record<string, unknown> = {};
  const resource = '{redlock}order:1';
  const lock = await redlock.acquire([resource], 2_000);
  out.acquired = await votes(lock);
  out.contender = await redlock.acquire([resource], 2_000).then(
    () => 'acquired',
    (e: Error) => `${e.name}: ${e.message}`,
  );
  const extended = await lock.extend(5_000);
  out.extendedTtls = (await Promise.all(clients.map((c) => c.pttl(resource)))).map((t) => t > 2_000 && t <= 5_000);
  out.released = await votes(await extended.release());
  out.keysLeft = await Promise.all(clients.map((c) => c.exists(resource)));

  // Someone else holds the resource on one instance: two of three still make a quorum.
  await clients[0]!.set('{redlock}order:2', 'someone else', 'PX', 5_000);
  const partial = await redlock.acquire(['{redlock}order:2'], 2_000);
  out.partial = await votes(partial);
  await partial.release();
  out.foreignKept = await clients[0]!.get('{redlock}order:2');

  out.using = await redlock.using(['{redlock}order:3'], 2_000, async (signal) => {
    await sleep(800);
    return { aborted: signal.aborted, held: (await Promise.all(clients.map((c) => c.exists('{redlock}order:3')))).every((n) => n === 1) };
  });
  out.afterUsing = await Promise.all(clients.map((c) => c.exists('{redlock}order:3')));
  return out;
}

describe('@sesamecare-oss/redlock over three instances', () => {
  const others = [realRedisForTests(), realRedisForTests()];
  it('on the primary, TLS and cluster-mode endpoints behaves as on three redis-servers', async () => {
    const run = async (clients: (Redis | Cluster)[]) => {
      try {
        return await redlockQuorumTranscript(clients);
      } finally {
        for (const c of clients) c.disconnect();
      }
    };
    const theirs = await run([real, ...others].map((r) => new Redis({ host: '127.0.0.1', port: r.port })));
    expect(await run([ioredis('primary'), ioredis('tls'), ioredis('cluster')])).toEqual(theirs);
  }, 20_000);
});
