// Talking to a Redis-compatible server in terms of RdbEntry: fill it through ordinary commands, and
// read everything back through commands. Used against real redis-server and against our engine,
// so each side is checked by what a client sees rather than by its internals.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { compareIds, formatId, type RdbEntry, type RdbStream, type RdbStreamConsumer, type RdbStreamGroup, type RdbStreamPending, type RdbValue, type StreamId } from '../../../../engines/redis/rdb/entries.ts';
import { formatScore, parseScore } from '../../../../engines/redis/rdb/num.ts';

export const REDIS_SERVER = '/usr/bin/redis-server';

/** Whether real-Redis tests can run; in CI a missing redis-server is a failure, not a skip. */
export function haveRealRedis(): boolean {
  if (existsSync(REDIS_SERVER)) return true;
  if (process.env.CI === 'true') throw new Error(`${REDIS_SERVER} is required in CI for RDB differential tests`);
  return false;
}

/** "7.0.15" etc., from `redis-server --version`. */
export function realRedisVersion(): string {
  const out = spawnSync(REDIS_SERVER, ['--version'], { encoding: 'utf8' }).stdout;
  const m = /v=(\d+\.\d+\.\d+)/.exec(out);
  if (m === null) throw new Error(`cannot parse redis-server version from ${out}`);
  return m[1] as string;
}

/** The newest RDB version a Redis release can load (and writes). */
export function maxRdbVersionFor(redisVersion: string): number {
  const [maj, min] = redisVersion.split('.').map(Number) as [number, number];
  if (maj > 7 || (maj === 7 && min >= 4)) return 12;
  if (maj === 7 && min >= 2) return 11;
  if (maj === 7) return 10;
  return 9;
}

export interface RealRedisProc {
  socket: string;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts redis-server on a unix socket (no port races) with its data dir at `dir`; it loads
 * `dir/dump.rdb` if present. Rejects with the server's log if it exits, e.g. refusing a file.
 */
export function startRealRedis(dir: string, extra: string[] = []): Promise<RealRedisProc> {
  const socket = path.join(dir, 'redis.sock');
  const child: ChildProcess = spawn(REDIS_SERVER, ['--port', '0', '--unixsocket', socket, '--dir', dir, '--dbfilename', 'dump.rdb', '--save', '', '--appendonly', 'no', '--daemonize', 'no', ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const stop = (): Promise<void> =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  return new Promise<RealRedisProc>((resolve, reject) => {
    const t = setTimeout(() => {
      void stop();
      reject(new Error(`redis-server did not start: ${out}`));
    }, 10_000);
    const onData = (d: Buffer): void => {
      out += d.toString();
      if (/ready to accept connections/i.test(out)) {
        clearTimeout(t);
        resolve({ socket, output: () => out, stop });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`redis-server exited with ${code}: ${out}`));
    });
  });
}

const str = (b: Buffer): string => b.toString('latin1');

/** Loads entries through commands. Streams get their exact metadata via XSETID/XGROUP/XCLAIM. */
export async function fillThroughCommands(r: Redis, entries: readonly RdbEntry[]): Promise<void> {
  const byDb = new Map<number, RdbEntry[]>();
  for (const e of entries) byDb.set(e.db, [...(byDb.get(e.db) ?? []), e]);
  for (const [db, list] of byDb) {
    await r.select(db);
    for (const e of list) {
      await fillValue(r, e.key, e.value);
      if (e.expireAtMs !== undefined) await r.call('PEXPIREAT', [e.key, e.expireAtMs]);
    }
  }
  await r.select(0);
}

async function fillValue(r: Redis, key: Buffer, v: RdbValue): Promise<void> {
  const batch = 500;
  switch (v.type) {
    case 'string':
      await r.call('SET', [key, v.value]);
      return;
    case 'list':
      for (let i = 0; i < v.items.length; i += batch) await r.call('RPUSH', [key, ...v.items.slice(i, i + batch)]);
      return;
    case 'set':
      for (let i = 0; i < v.members.length; i += batch) await r.call('SADD', [key, ...v.members.slice(i, i + batch)]);
      return;
    case 'hash':
      for (let i = 0; i < v.fields.length; i += batch) await r.call('HSET', [key, ...v.fields.slice(i, i + batch).flat()]);
      return;
    case 'zset':
      for (let i = 0; i < v.entries.length; i += batch) await r.call('ZADD', [key, ...v.entries.slice(i, i + batch).flatMap((e) => [formatScore(e.score), e.member])]);
      return;
    case 'stream':
      return fillStream(r, key, v);
  }
}

async function fillStream(r: Redis, key: Buffer, v: RdbStream): Promise<void> {
  for (const e of v.entries) await r.call('XADD', [key, formatId(e.id), ...e.fields.flat()]);
  if (v.entries.length === 0) {
    await r.call('XGROUP', ['CREATE', key, '__rdb_tmp', '$', 'MKSTREAM']);
    await r.call('XGROUP', ['DESTROY', key, '__rdb_tmp']);
  }
  await r.call('XSETID', [key, formatId(v.lastId), 'ENTRIESADDED', String(v.entriesAdded ?? v.entries.length), 'MAXDELETEDID', formatId(v.maxDeletedId ?? { ms: 0n, seq: 0n })]);
  for (const g of v.groups) {
    await r.call('XGROUP', ['CREATE', key, g.name, formatId(g.lastId), ...(g.entriesRead >= 0n ? ['ENTRIESREAD', String(g.entriesRead)] : [])]);
    for (const c of g.consumers) await r.call('XGROUP', ['CREATECONSUMER', key, g.name, c.name]);
    for (const p of g.pending) {
      await r.call('XCLAIM', [key, g.name, p.consumer, 0, formatId(p.id), 'TIME', p.deliveryTimeMs, 'RETRYCOUNT', p.deliveryCount, 'FORCE', 'JUSTID']);
    }
  }
}

function asArray(x: unknown, what: string): unknown[] {
  if (!Array.isArray(x)) throw new Error(`expected an array for ${what}, got ${String(x)}`);
  return x;
}

function asBuf(x: unknown, what: string): Buffer {
  if (!Buffer.isBuffer(x)) throw new Error(`expected a bulk string for ${what}, got ${String(x)}`);
  return x;
}

function asNum(x: unknown, what: string): number {
  if (typeof x === 'number') return x;
  if (Buffer.isBuffer(x)) return Number(str(x));
  throw new Error(`expected an integer for ${what}, got ${String(x)}`);
}

function parseId(x: unknown): StreamId {
  const [ms, seq] = str(asBuf(x, 'stream ID')).split('-');
  return { ms: BigInt(ms as string), seq: BigInt(seq as string) };
}

/** A RESP2 flat [name, value, ...] reply as a map. */
function flatMap(x: unknown, what: string): Map<string, unknown> {
  const a = asArray(x, what);
  const m = new Map<string, unknown>();
  for (let i = 0; i + 1 < a.length; i += 2) m.set(str(asBuf(a[i], what)), a[i + 1]);
  return m;
}

async function readStream(r: Redis, key: Buffer): Promise<RdbStream> {
  const info = flatMap(await r.callBuffer('XINFO', ['STREAM', key, 'FULL', 'COUNT', 0]), 'XINFO STREAM FULL');
  const entries = asArray(info.get('entries'), 'entries').map((e) => {
    const [id, kv] = asArray(e, 'entry') as [unknown, unknown];
    const flat = asArray(kv, 'entry fields').map((f) => asBuf(f, 'field'));
    const fields: [Buffer, Buffer][] = [];
    for (let i = 0; i < flat.length; i += 2) fields.push([flat[i] as Buffer, flat[i + 1] as Buffer]);
    return { id: parseId(id), fields };
  });
  const groups: RdbStreamGroup[] = asArray(info.get('groups'), 'groups').map((gx) => {
    const g = flatMap(gx, 'group');
    const er = g.get('entries-read');
    const consumers: RdbStreamConsumer[] = [];
    const owner = new Map<string, Buffer>();
    for (const cx of asArray(g.get('consumers'), 'consumers')) {
      const c = flatMap(cx, 'consumer');
      const name = asBuf(c.get('name'), 'consumer name');
      const consumer: RdbStreamConsumer = { name, seenTimeMs: asNum(c.get('seen-time'), 'seen-time') };
      if (c.has('active-time')) consumer.activeTimeMs = asNum(c.get('active-time'), 'active-time');
      consumers.push(consumer);
      for (const p of asArray(c.get('pending'), 'consumer pending')) owner.set(formatId(parseId(asArray(p, 'pending')[0])), name);
    }
    const pending: RdbStreamPending[] = asArray(g.get('pending'), 'pending').map((px) => {
      const [id, consumer, time, count] = asArray(px, 'pending entry');
      const pid = parseId(id);
      const own = owner.get(formatId(pid));
      if (own === undefined || !own.equals(asBuf(consumer, 'owner'))) throw new Error(`PEL entry ${formatId(pid)} not listed under its consumer`);
      return { id: pid, consumer: own, deliveryTimeMs: asNum(time, 'delivery time'), deliveryCount: asNum(count, 'delivery count') };
    });
    return { name: asBuf(g.get('name'), 'group name'), lastId: parseId(g.get('last-delivered-id')), entriesRead: er === null || er === undefined ? -1n : BigInt(asNum(er, 'entries-read')), pending, consumers };
  });
  return {
    type: 'stream',
    entries: entries.sort((a, c) => compareIds(a.id, c.id)),
    lastId: parseId(info.get('last-generated-id')),
    firstId: parseId(info.get('recorded-first-entry-id')),
    maxDeletedId: parseId(info.get('max-deleted-entry-id')),
    entriesAdded: BigInt(asNum(info.get('entries-added'), 'entries-added')),
    groups,
  };
}

async function readValue(r: Redis, key: Buffer, type: string): Promise<RdbValue> {
  switch (type) {
    case 'string':
      return { type: 'string', value: asBuf(await r.callBuffer('GET', [key]), 'GET') };
    case 'list':
      return { type: 'list', items: asArray(await r.callBuffer('LRANGE', [key, 0, -1]), 'LRANGE').map((x) => asBuf(x, 'item')) };
    case 'set':
      return { type: 'set', members: asArray(await r.callBuffer('SMEMBERS', [key]), 'SMEMBERS').map((x) => asBuf(x, 'member')) };
    case 'hash': {
      const flat = asArray(await r.callBuffer('HGETALL', [key]), 'HGETALL').map((x) => asBuf(x, 'field'));
      const fields: [Buffer, Buffer][] = [];
      for (let i = 0; i < flat.length; i += 2) fields.push([flat[i] as Buffer, flat[i + 1] as Buffer]);
      return { type: 'hash', fields };
    }
    case 'zset': {
      // Some client versions group WITHSCORES replies into [member, score] pairs; accept both shapes.
      const flat = asArray(await r.callBuffer('ZRANGE', [key, 0, -1, 'WITHSCORES']), 'ZRANGE').flatMap((x) => (Array.isArray(x) ? x : [x])).map((x) => (typeof x === 'number' ? Buffer.from(formatScore(x)) : asBuf(x, 'zset item')));
      const entries: { member: Buffer; score: number }[] = [];
      for (let i = 0; i < flat.length; i += 2) entries.push({ member: flat[i] as Buffer, score: parseScore(flat[i + 1] as Buffer) });
      return { type: 'zset', entries };
    }
    case 'stream':
      return readStream(r, key);
    default:
      throw new Error(`unexpected type ${type}`);
  }
}

/** XRANGE only: for servers without XINFO STREAM FULL, streams come back with their entries alone. */
async function readStreamEntries(r: Redis, key: Buffer): Promise<RdbStream> {
  const entries = asArray(await r.callBuffer('XRANGE', [key, '-', '+']), 'XRANGE').map((e) => {
    const [id, kv] = asArray(e, 'entry') as [unknown, unknown];
    const flat = asArray(kv, 'entry fields').map((f) => asBuf(f, 'field'));
    const fields: [Buffer, Buffer][] = [];
    for (let i = 0; i < flat.length; i += 2) fields.push([flat[i] as Buffer, flat[i + 1] as Buffer]);
    return { id: parseId(id), fields };
  });
  return { type: 'stream', entries, lastId: { ms: 0n, seq: 0n }, groups: [] };
}

/**
 * Everything a client can see, as entries: every db, key, value and absolute expiry. With
 * `streams: 'entries'` only stream entries are read (XRANGE), not metadata or consumer groups.
 */
export async function readThroughCommands(r: Redis, opts: { dbs?: number; streams?: 'full' | 'entries' } = {}): Promise<RdbEntry[]> {
  const dbs = opts.dbs ?? 16;
  const out: RdbEntry[] = [];
  for (let db = 0; db < dbs; db++) {
    await r.select(db);
    const keys = asArray(await r.callBuffer('KEYS', ['*']), 'KEYS').map((k) => asBuf(k, 'key'));
    for (const key of keys) {
      const type = str(asBuf(await r.callBuffer('TYPE', [key]), 'TYPE'));
      const value = type === 'stream' && opts.streams === 'entries' ? await readStreamEntries(r, key) : await readValue(r, key, type);
      const e: RdbEntry = { db, key, value };
      const at = asNum(await r.call('PEXPIRETIME', [key]), 'PEXPIRETIME');
      if (at >= 0) e.expireAtMs = at;
      out.push(e);
    }
  }
  await r.select(0);
  return out;
}
