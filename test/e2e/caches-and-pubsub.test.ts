// Caches and GraphQL subscriptions as applications run them, against the primary endpoint of a group made
// through the API, the TLS + AUTH token group and the cluster-mode configuration endpoint, each compared with
// a redis-server the test starts: cache-manager 7 over two tiers (in-process Keyv, then Redis through
// @keyv/redis) shared by two application instances (set, get, mset/mget, ttl, wrap, del, expiry, clear), and
// graphql-redis-subscriptions' RedisPubSub under graphql's own subscribe(): a filtered subscription, a pattern
// subscription, two server instances, unsubscribing; Socket.IO's Redis streams adapter (XADD and blocking
// XREAD between servers, connection state recovery through a session key and XRANGE); @socket.io/redis-emitter
// driving servers on the classic adapter from outside (rooms, socketsJoin, serverSideEmit, disconnectSockets);
// keyspace notifications turned on in a running group's parameter group, heard through a RedisPubSub pattern;
// redis-lru (values and a sorted-set index in MULTI blocks, ZADD XX CH INCR) on ioredis and node-redis 3;
// cacheable's two tiers with tags kept in Redis.
import { CreateCacheParameterGroupCommand, ModifyCacheParameterGroupCommand } from '@aws-sdk/client-elasticache';
import KeyvRedis from '@keyv/redis';
import { createCache, type Cache } from 'cache-manager';
import { Cacheable } from 'cacheable';
import { GraphQLObjectType, GraphQLSchema, GraphQLString, parse, subscribe, type ExecutionResult } from 'graphql';
import { RedisPubSub, type PubSubRedisOptions } from 'graphql-redis-subscriptions';
import { withFilter } from 'graphql-subscriptions';
import { createAdapter } from '@socket.io/redis-adapter';
import { Emitter } from '@socket.io/redis-emitter';
import { createAdapter as createStreamsAdapter } from '@socket.io/redis-streams-adapter';
import { Cluster, Redis } from 'ioredis';
import Keyv from 'keyv';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io as connectClient, type Socket } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import { comparedClients, once, OUR_SERVERS, realRedisForTests, serverAddress, type ComparedServer } from '../support/compared-servers.ts';
import { until } from '../support/groups.ts';
import { libraryTargetsForTests, type LibraryFixture } from '../support/library-targets.ts';

const TOKEN = 'caches-auth-token-0123456789';
let fixture: LibraryFixture;
// The plain and TLS groups' own parameter group: the keyspace notification test changes it while they run.
const EVENTS_GROUP = 'caches-events';
libraryTargetsForTests('caches', TOKEN, (f) => (fixture = f), async (api) => {
  await api.send(new CreateCacheParameterGroupCommand({ CacheParameterGroupName: EVENTS_GROUP, CacheParameterGroupFamily: 'redis7', Description: 'keyspace events' }));
  return { plain: EVENTS_GROUP };
});
const real = realRedisForTests();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Where = ComparedServer | 'cluster';
const WHERE: Exclude<Where, 'real'>[] = [...OUR_SERVERS, 'cluster'];

const { ioredis, nodeRedis } = comparedClients(() => fixture, real);

/** @keyv/redis on one server: node-redis options, a cluster's root nodes, TLS with the AUTH token. */
function keyvRedis(where: Where): KeyvRedis<unknown> {
  if (where === 'cluster') return new KeyvRedis({ rootNodes: [{ socket: fixture.config }] });
  const a = serverAddress(fixture, real, where);
  const socket = a.tls ? { host: a.host, port: a.port, tls: true as const, ca: a.tls.ca } : { host: a.host, port: a.port };
  return new KeyvRedis({ socket, ...(a.password ? { password: a.password } : {}) });
}

/** Every key on the server (each master of a cluster), sorted. */
async function allKeys(client: Redis | Cluster): Promise<string[]> {
  const nodes = client instanceof Cluster ? client.nodes('master') : [client];
  return (await Promise.all(nodes.map((n) => n.keys('*')))).flat().sort();
}

/**
 * What two instances of an application see through cache-manager: one caches in process and in Redis, the
 * other only in Redis; values, wrap's single computation, TTLs and expiry, deletes and a clear pass between
 * them; and the keys the server holds meanwhile.
 */
async function cacheTranscript(where: Where): Promise<unknown> {
  const caches: Cache[] = [];
  const raw = ioredis(where);
  const out: Record<string, unknown> = {};
  try {
    const app = createCache({ stores: [new Keyv(), new Keyv({ store: keyvRedis(where) })], ttl: 10_000 });
    const other = createCache({ stores: [new Keyv({ store: keyvRedis(where) })] });
    caches.push(app, other);
    await app.set('user:1', { name: 'ann', roles: ['admin'] });
    out.read = [await app.get('user:1'), await other.get('user:1')];
    const ttl = await other.ttl('user:1');
    out.ttlInRange = ttl !== undefined && ttl > Date.now() + 5_000 && ttl <= Date.now() + 10_000;
    await app.mset<number | string>([{ key: 'a', value: 1 }, { key: 'b', value: 'short', ttl: 300 }]);
    out.mget = await other.mget(['a', 'b', 'missing']);
    out.keys = await allKeys(raw);
    let computed = 0;
    const compute = async () => ({ n: ++computed });
    out.wrapped = [await app.wrap('computed', compute, 5_000), await other.wrap('computed', compute, 5_000), computed];
    out.deleted = await app.del('a');
    out.afterDelete = [await other.get('a'), await app.get('a')];
    // The short value ends in Redis by its TTL and in the in-process tier by its own: both readers lose it.
    await until(async () => ((await other.get('b')) === undefined ? true : undefined), 10_000, 'b expired in Redis');
    await sleep(50);
    out.expired = [await app.get('b'), await other.get('b')];
    out.cleared = await other.clear();
    out.afterClear = [await other.get('user:1'), await other.get('computed'), await allKeys(raw)];
    return out;
  } finally {
    await Promise.all(caches.map((c) => c.disconnect()));
    raw.disconnect();
  }
}

describe('cache-manager over @keyv/redis', () => {
  const transcripts = once<unknown>();
  it.each(WHERE)('on the %s endpoint behaves as on redis-server', async (where) => {
    const theirs = await transcripts('real', () => cacheTranscript('real'));
    expect(await cacheTranscript(where)).toEqual(theirs);
  }, 20_000);
});

interface Changed {
  somethingChanged: { id: string; value: string };
}

// graphql-redis-subscriptions' types name the ioredis 5 it brings; the application's ioredis 6 clients work the same.
const ioredis5 = (where: Where) => ioredis(where) as unknown as NonNullable<PubSubRedisOptions['publisher']>;

/** The schema of the README: somethingChanged(relevantId) filtered by id, anyChange on a pattern. */
function subscriptionSchema(pubsub: RedisPubSub): GraphQLSchema {
  const Result = new GraphQLObjectType({ name: 'Result', fields: { id: { type: GraphQLString }, value: { type: GraphQLString } } });
  return new GraphQLSchema({
    query: new GraphQLObjectType({ name: 'Query', fields: { hello: { type: GraphQLString, resolve: () => 'world' } } }),
    subscription: new GraphQLObjectType({
      name: 'Subscription',
      fields: {
        somethingChanged: {
          type: Result,
          args: { relevantId: { type: GraphQLString } },
          subscribe: withFilter(
            (_: unknown, args?: { relevantId: string }) => pubsub.asyncIterator<Changed>(`changed.${args!.relevantId}`),
            (payload: unknown, variables?: { relevantId: string }) => {
              const { id, value } = (payload as Changed).somethingChanged;
              return value !== 'hidden' && id === variables?.relevantId;
            },
          ),
        },
        anyChange: {
          type: Result,
          subscribe: () => pubsub.asyncIterator<Changed>('changed.*', { pattern: true }),
          resolve: (payload: Changed) => payload.somethingChanged,
        },
      },
    }),
  });
}

/** Reads `n` results of a subscription, then ends it (graphql's return() unsubscribes from Redis). */
async function take(results: AsyncGenerator<ExecutionResult>, n: number): Promise<unknown[]> {
  const got: unknown[] = [];
  for await (const r of results) {
    got.push(r.errors ? r.errors.map((e) => e.message) : r.data);
    if (got.length === n) break;
  }
  return got;
}

/**
 * What two GraphQL server instances see through graphql-redis-subscriptions: one runs the subscriptions, the other
 * publishes mutations' events; the subscriber's Redis connection is left with no channel or pattern afterwards.
 */
async function subscriptionTranscript(where: Where): Promise<unknown> {
  const listening = new RedisPubSub({ publisher: ioredis5(where), subscriber: ioredis5(where) });
  const publishing = new RedisPubSub({ publisher: ioredis5(where), subscriber: ioredis5(where) });
  const probe = ioredis(where);
  const out: Record<string, unknown> = {};
  try {
    const schema = subscriptionSchema(listening);
    const start = async (query: string, variableValues?: Record<string, string>) =>
      (await subscribe({ schema, document: parse(query), variableValues })) as AsyncGenerator<ExecutionResult>;
    const filtered = await start('subscription($id: String) { somethingChanged(relevantId: $id) { id value } }', { id: '7' });
    const patterned = await start('subscription { anyChange { id value } }');
    const seven = take(filtered, 2);
    const any = take(patterned, 3);
    // Subscribing is asynchronous: publish once the channel and the pattern are there, as seen by PUBSUB.
    const subscribed = async () => {
      const channels = (await probe.pubsub('NUMSUB', 'changed.7')) as [string, number];
      return channels[1] === 1 && Number(await probe.pubsub('NUMPAT')) === 1 ? true : undefined;
    };
    if (!(probe instanceof Cluster)) await until(subscribed, 10_000, 'subscriptions made');
    else await sleep(300);
    for (const [id, value] of [['7', 'hidden'], ['7', 'first'], ['8', 'other'], ['7', 'second']]) {
      await publishing.publish(`changed.${id}`, { somethingChanged: { id, value } });
    }
    out.filtered = await seven;
    out.pattern = await any;
    await sleep(100);
    const left = (await probe.pubsub('NUMSUB', 'changed.7')) as [string, number];
    out.leftSubscribed = { channel: left[1], patterns: probe instanceof Cluster ? 'n/a' : Number(await probe.pubsub('NUMPAT')) };
    return out;
  } finally {
    await Promise.all([listening.close(), publishing.close()]);
    probe.disconnect();
  }
}

describe('graphql-redis-subscriptions', () => {
  const transcripts = once<unknown>();
  it.each(WHERE)('on the %s endpoint behaves as on redis-server', async (where) => {
    const theirs = (await transcripts('real', () => subscriptionTranscript('real'))) as Record<string, unknown>;
    const ours = (await subscriptionTranscript(where)) as Record<string, unknown>;
    // PUBSUB NUMPAT is per node in a cluster: what is left is compared outside cluster mode only.
    if (where === 'cluster') expect({ ...ours, leftSubscribed: undefined }).toEqual({ ...theirs, leftSubscribed: undefined });
    else expect(ours).toEqual(theirs);
  }, 20_000);
});

/**
 * What users of two Socket.IO servers on the Redis streams adapter see: a message to a room reaches its
 * browsers on both servers and no other, fetchSockets and serverSideEmit cross servers, and a browser whose
 * connection dropped gets the room's messages it missed when it comes back (connection state recovery: the
 * session saved in Redis, the missed packets read back from the stream).
 */
async function streamsAdapterTranscript(where: Where): Promise<unknown> {
  const clients = await Promise.all([nodeRedis(where), nodeRedis(where)]);
  const servers = clients.map((client) => {
    const server = new Server({ adapter: createStreamsAdapter(client, { blockTimeInMs: 500 }), connectionStateRecovery: { maxDisconnectionDuration: 10_000 } });
    server.on('connection', (socket) => {
      if (!socket.recovered) void socket.join(`room-${String(socket.handshake.query.room)}`);
      socket.on('shout', (m: string) => server.to('room-x').emit('msg', m));
    });
    server.listen(0);
    return server;
  });
  const [a, b] = servers as [Server, Server];
  const url = (s: Server) => `http://127.0.0.1:${(s.httpServer.address() as AddressInfo).port}`;
  const browsers: Socket[] = [];
  const out: Record<string, unknown> = {};
  try {
    for (const [server, room] of [[a, 'x'], [b, 'x'], [b, 'y']] as const) browsers.push(connectClient(url(server), { query: { room }, transports: ['websocket'] }));
    await Promise.all(browsers.map((c) => new Promise((resolve) => c.on('connect', () => resolve(undefined)))));
    const heard: string[] = [];
    browsers.forEach((c, i) => c.on('msg', (m: string) => heard.push(`${i}:${m}`)));
    // The adapter reads the stream from where it stood when made: a first message may land before both listen.
    await until(async () => ((await a.in('room-x').fetchSockets()).length === 2 ? true : undefined), 10_000, 'both servers answer');
    browsers[0]!.emit('shout', 'hello');
    await until(() => (heard.length >= 2 ? true : undefined), 10_000, JSON.stringify(heard));
    await sleep(100);
    out.heard = [...heard].sort();
    out.inRoom = (await b.in('room-x').fetchSockets()).length;
    const emitted = new Promise((resolve) => b.on('ping-all', resolve));
    a.serverSideEmit('ping-all', 42);
    out.serverSideEmit = await emitted;

    // Browser 1 (on server b) loses its connection; server a sends the room a message meanwhile.
    const dropped = browsers[1]!;
    const back = new Promise((resolve) => dropped.once('connect', () => resolve(dropped.recovered)));
    dropped.io.engine.close();
    await until(() => (dropped.connected ? undefined : true), 5_000, 'dropped');
    a.to('room-x').emit('msg', 'while away');
    out.recovered = await back;
    await until(() => (heard.filter((h) => h.endsWith('while away')).length >= 2 ? true : undefined), 10_000, JSON.stringify(heard));
    out.heardAfter = [...heard].sort();
    return out;
  } finally {
    for (const c of browsers) c.close();
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    await Promise.all(clients.map((c) => c.close()));
  }
}

describe('Socket.IO Redis streams adapter', () => {
  const transcripts = once<unknown>();
  it.each(WHERE)('on the %s endpoint behaves as on redis-server', async (where) => {
    const theirs = await transcripts('real', () => streamsAdapterTranscript('real'));
    expect(await streamsAdapterTranscript(where)).toEqual(theirs);
  }, 20_000);
});

/**
 * What users see when a process that is no Socket.IO server drives two servers (on the classic Redis adapter)
 * through @socket.io/redis-emitter: a message to a room, moving a room's sockets into another room, an event
 * for the servers, disconnecting a room's sockets.
 */
async function emitterTranscript(where: Where): Promise<unknown> {
  const redis = [ioredis(where), ioredis(where), ioredis(where), ioredis(where)];
  // The adapter counts servers on every node it knows: a cluster client must have found its nodes first.
  await Promise.all(redis.map((c) => (c.status === 'ready' ? undefined : new Promise((resolve) => c.once('ready', resolve)))));
  const emitterClient = await nodeRedis(where);
  const serverSide: unknown[] = [];
  const servers = [0, 1].map((i) => {
    const server = new Server({ adapter: createAdapter(redis[2 * i]!, redis[2 * i + 1]!) });
    server.on('connection', (socket) => void socket.join(`room-${String(socket.handshake.query.room)}`));
    server.on('hello', (n: unknown) => serverSide.push(n));
    server.listen(0);
    return server;
  });
  const [a, b] = servers as [Server, Server];
  const url = (s: Server) => `http://127.0.0.1:${(s.httpServer.address() as AddressInfo).port}`;
  const browsers: Socket[] = [];
  const out: Record<string, unknown> = {};
  try {
    await until(async () => ((await a.of('/').adapter.serverCount()) === 2 ? true : undefined), 10_000, 'both servers subscribed');
    for (const [server, room] of [[a, 'x'], [b, 'x'], [b, 'y']] as const) browsers.push(connectClient(url(server), { query: { room }, transports: ['websocket'] }));
    await Promise.all(browsers.map((c) => new Promise((resolve) => c.on('connect', () => resolve(undefined)))));
    const heard: string[] = [];
    browsers.forEach((c, i) => c.on('msg', (m: string) => heard.push(`${i}:${m}`)));
    const emitter = new Emitter(emitterClient);
    emitter.to('room-x').emit('msg', 'to x');
    await until(() => (heard.length >= 2 ? true : undefined), 10_000, JSON.stringify(heard));
    emitter.in('room-y').socketsJoin('room-x');
    await until(async () => ((await a.in('room-x').fetchSockets()).length === 3 ? true : undefined), 10_000, 'room y joined x');
    emitter.to('room-x').emit('msg', 'to x and y');
    await until(() => (heard.length >= 5 ? true : undefined), 10_000, JSON.stringify(heard));
    await sleep(100);
    out.heard = [...heard].sort();
    emitter.serverSideEmit('hello', 1);
    await until(() => (serverSide.length >= 2 ? true : undefined), 10_000, 'both servers heard');
    out.serverSide = serverSide;
    const reason = new Promise((resolve) => browsers[2]!.once('disconnect', resolve));
    emitter.in('room-y').disconnectSockets();
    out.disconnected = await reason;
    out.left = (await b.fetchSockets()).length;
    return out;
  } finally {
    for (const c of browsers) c.close();
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    for (const c of redis) c.disconnect();
    await emitterClient.close();
  }
}

describe('@socket.io/redis-emitter', () => {
  const transcripts = once<unknown>();
  it.each(WHERE)('on the %s endpoint behaves as on redis-server', async (where) => {
    const theirs = await transcripts('real', () => emitterTranscript('real'));
    expect(await emitterTranscript(where)).toEqual(theirs);
  }, 20_000);
});

/**
 * Keyspace notifications an application turns on the ElastiCache way (notify-keyspace-events in the group's
 * parameter group, changed while the group runs; CONFIG SET on the redis-server), then hears through a
 * RedisPubSub pattern subscription: a deleted key, a key that expired, nothing for a plain SET.
 */
async function keyeventTranscript(where: Exclude<Where, 'cluster'>): Promise<unknown> {
  // Event messages are bare key names, not JSON: the deserializer (its README's hook) names the event with them.
  const deserializer = (source: string | Buffer, { channel }: { channel: string }) => `${channel.replace('__keyevent@0__:', '')} ${String(source)}`;
  const pubsub = new RedisPubSub({ publisher: ioredis5(where), subscriber: ioredis5(where), deserializer });
  const client = ioredis(where);
  const heard: string[] = [];
  try {
    if (where === 'real') await client.config('SET', 'notify-keyspace-events', 'Egx');
    else await fixture.api.send(new ModifyCacheParameterGroupCommand({ CacheParameterGroupName: EVENTS_GROUP, ParameterNameValues: [{ ParameterName: 'notify-keyspace-events', ParameterValue: 'Egx' }] }));
    const id = await pubsub.subscribe('__keyevent@0__:*', (message: unknown) => heard.push(String(message)), { pattern: true });
    // The change reaches the nodes a moment after the API answers: a probe key's deletion is heard once it has.
    await until(async () => {
      await client.set('probe', '1');
      await client.del('probe');
      await sleep(20);
      return heard.includes('del probe') ? true : undefined;
    }, 10_000, 'notifications on');
    await sleep(50);
    heard.length = 0;
    // Long enough that the DEL below is heard first even at load.
    await client.set('session:1', 'a', 'PX', 1000);
    await client.set('session:2', 'b');
    await client.del('session:2');
    await until(() => (heard.includes('expired session:1') ? true : undefined), 10_000, `expired heard: ${heard}`);
    pubsub.unsubscribe(id);
    return { heard };
  } finally {
    if (where === 'real') await client.config('SET', 'notify-keyspace-events', '');
    else await fixture.api.send(new ModifyCacheParameterGroupCommand({ CacheParameterGroupName: EVENTS_GROUP, ParameterNameValues: [{ ParameterName: 'notify-keyspace-events', ParameterValue: '' }] }));
    await pubsub.close();
    client.disconnect();
  }
}

// Not on a cluster: a node publishes the events of its own keys, and a cluster client subscribes on one node.
describe('keyspace notifications through graphql-redis-subscriptions', () => {
  const transcripts = once<unknown>();
  it.each(OUR_SERVERS)('on the %s endpoint, turned on in the parameter group, behave as on redis-server', async (where) => {
    const theirs = await transcripts('real', () => keyeventTranscript('real'));
    expect(await keyeventTranscript(where)).toEqual(theirs);
  }, 20_000);
});

interface LruCache {
  set(key: string, value: unknown, maxAge?: number): Promise<unknown>;
  get(key: string): Promise<unknown>;
  getOrSet(key: string, fn: () => unknown, maxAge?: number): Promise<unknown>;
  peek(key: string): Promise<unknown>;
  del(key: string): Promise<unknown>;
  reset(): Promise<unknown>;
  has(key: string): Promise<boolean>;
  keys(): Promise<string[]>;
  values(): Promise<unknown[]>;
  count(): Promise<number>;
}
// redis-lru (CommonJS, no types): values and a sorted-set index kept together in MULTI blocks.
const lru = createRequire(import.meta.url)('redis-lru') as (client: unknown, options: Record<string, unknown>) => LruCache;
// node-redis 3's callback client, the other client redis-lru's README names (rsmq brings it).
const NodeRedis3 = createRequire(createRequire(import.meta.url).resolve('rsmq'))('redis') as { createClient(options: Record<string, unknown>): { quit(done: () => void): void } };

/**
 * What an application sees of redis-lru as its README uses it: an LRU of two that evicts the least recently
 * read, an LFU (score 1, incremented), per-key maxAge, getOrSet, peek, keys/values in recency order. Scores come
 * from a counter instead of the clock, so recency never ties within a millisecond.
 */
async function lruTranscript(client: unknown): Promise<unknown> {
  let tick = 0;
  const bands = lru(client, { max: 2, namespace: '{lru}bands', score: () => ++tick });
  const lfu = lru(client, { max: 2, namespace: '{lru}lfu', score: () => 1, increment: true });
  const out: Record<string, unknown> = {};
  await bands.set('beatles', 'john, paul, george, ringo');
  await bands.set('zeppelin', 'jimmy, robert, john, bonzo');
  out.read = await bands.get('beatles');
  await bands.set('floyd', { members: 5 });
  out.evicted = [await bands.get('zeppelin'), await bands.has('zeppelin'), await bands.count()];
  out.keys = await bands.keys();
  out.values = await bands.values();
  out.peek = await bands.peek('beatles');
  out.keysAfterPeek = await bands.keys();
  out.getOrSet = [await bands.getOrSet('who', () => 'roger, pete'), await bands.getOrSet('who', () => 'not called')];
  await bands.set('short', 'lived', 100);
  await sleep(200);
  out.expired = [await bands.get('short'), await bands.has('short')];
  out.deleted = [await bands.del('who'), await bands.has('who')];
  await bands.reset();
  out.afterReset = [await bands.count(), await bands.keys()];
  await lfu.set('beatles', 1);
  await lfu.get('beatles');
  await lfu.set('zeppelin', 2);
  await lfu.set('floyd', 3);
  out.lfu = [await lfu.get('zeppelin'), await lfu.get('beatles'), await lfu.keys()];
  await lfu.reset();
  return out;
}

describe('redis-lru', () => {
  const transcripts = once<unknown>();
  const onIoredis = async (where: Where) => {
    const client = ioredis(where);
    try {
      return await lruTranscript(client);
    } finally {
      client.disconnect();
    }
  };
  const onNodeRedis3 = async (where: Exclude<Where, 'cluster'>) => {
    const a = serverAddress(fixture, real, where);
    const client = NodeRedis3.createClient({ host: a.host, port: a.port, ...(a.tls ? { tls: a.tls, password: a.password } : {}) });
    try {
      return await lruTranscript(client);
    } finally {
      await new Promise<void>((resolve) => client.quit(() => resolve()));
    }
  };
  it.each(WHERE)('on ioredis on the %s endpoint behaves as on redis-server', async (where) => {
    const theirs = await transcripts('ioredis', () => onIoredis('real'));
    expect(await onIoredis(where)).toEqual(theirs);
  }, 20_000);
  it.each(OUR_SERVERS)('on node-redis 3 on the %s endpoint behaves as on redis-server', async (where) => {
    const theirs = await transcripts('redis', () => onNodeRedis3('real'));
    expect(await onNodeRedis3(where)).toEqual(theirs);
  }, 20_000);
});

/**
 * What two application instances see through cacheable: each keeps an in-process primary and shares a Redis
 * secondary (@keyv/redis) where tag versions live too, so a tag one instance invalidates is stale for the other;
 * getOrSet computes once across them; getMany, hasMany, take, delete.
 */
async function cacheableTranscript(where: Exclude<Where, 'cluster'>): Promise<unknown> {
  const make = () => new Cacheable({ primary: new Keyv(), secondary: new Keyv({ store: keyvRedis(where) }), tags: true, ttl: '1m' });
  const [a, b] = [make(), make()];
  const out: Record<string, unknown> = {};
  try {
    await a.set('page:/products', '<ul>', { ttl: '10m', tags: ['entity:42', 'collection:products'] });
    await a.set('page:/products/42', '<li>', { ttl: '10m', tags: ['entity:42'] });
    await a.set('page:/about', '<p>', { tags: ['static'] });
    out.seenByB = await b.getMany(['page:/products', 'page:/products/42', 'page:/about', 'missing']);
    await a.tags.invalidateTag('entity:42');
    out.afterInvalidate = await b.getMany(['page:/products', 'page:/products/42', 'page:/about']);
    out.hasMany = await b.hasMany(['page:/about', 'page:/products']);
    let computed = 0;
    const compute = async () => ({ n: ++computed });
    out.getOrSet = [await a.getOrSet('report', compute), await b.getOrSet('report', compute), computed];
    out.take = [await b.take('report'), await a.get('report'), await b.get('report')];
    out.deleted = [await a.delete('page:/about'), await b.get('page:/about')];
    return out;
  } finally {
    await Promise.all([a.disconnect(), b.disconnect()]);
  }
}

// Not on a cluster: a fresh @keyv/redis store reads the cluster client's slot map before it was discovered
// ("Cannot read properties of undefined (reading 'master')"), on a real redis-server cluster too.
describe('cacheable', () => {
  const transcripts = once<unknown>();
  it.each(OUR_SERVERS)('on the %s endpoint behaves as on redis-server', async (where) => {
    const theirs = await transcripts('real', () => cacheableTranscript('real'));
    expect(await cacheableTranscript(where)).toEqual(theirs);
  }, 20_000);
});
