// The Lua scripts real libraries ship, with the arguments they really pass: BullMQ (jobs, a delayed
// job, retries with backoff, priorities, a flow, a job scheduler, progress, logs, pause, clean,
// obliterate), Redlock (acquire, contention, extend, release) and rate-limiter-flexible (consume,
// penalty, reward, block, delete) run against a redis-server while MONITOR records every command
// they send. The record is then replayed, command by command, on our node and on a flushed
// redis-server: every reply and the whole keyspace afterwards must match. Blocking pops are
// replayed as their non-blocking forms (both sides alike); stream IDs and TTLs depend on the clock
// and are compared by shape.
import { FlowProducer, Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import net from 'node:net';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import Redlock from 'redlock';
import { describe, expect, it } from 'vitest';
import { until } from '../../support/groups.ts';
import { RawClient, realRedisAvailable } from './helpers.ts';
import { serverPair } from './server-pair.ts';

const available = realRedisAvailable();

/** Reads one argument of a MONITOR line (sdscatrepr's quoting) starting at the quote at s[i]. */
function readQuoted(s: string, i: number): [string, number] {
  let out = '';
  for (i++; i < s.length && s[i] !== '"'; i++) {
    if (s[i] !== '\\') {
      out += s[i];
      continue;
    }
    const e = s[++i];
    if (e === 'x') {
      out += String.fromCharCode(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else out += ({ n: '\n', r: '\r', t: '\t', a: '\x07', b: '\b' } as Record<string, string>)[e as string] ?? e;
  }
  return [out, i + 1];
}

/** `+1700000000.123456 [0 127.0.0.1:5555] "SET" "k" "v"` as its client and arguments. */
function parseMonitorLine(line: string): { client: string; args: string[] } | null {
  const m = /^\+\d+\.\d+ \[\d+ ([^\]]+)\] /.exec(line);
  if (m === null) return null;
  const args: string[] = [];
  let i = m[0].length;
  while (i < line.length) {
    if (line[i] === '"') {
      const [arg, next] = readQuoted(line, i);
      args.push(arg);
      i = next;
    } else i++;
  }
  return { client: m[1] as string, args };
}

/** Records what clients send a server (not what scripts call): MONITOR's lines, latin1 throughout. */
async function record(port: number, workload: () => Promise<void>): Promise<string[][]> {
  const lines: string[] = [];
  const sock = net.connect(port, '127.0.0.1');
  sock.setEncoding('latin1');
  let buf = '';
  sock.on('data', (d: string) => {
    buf += d;
    let nl: number;
    while ((nl = buf.indexOf('\r\n')) >= 0) {
      lines.push(buf.slice(0, nl));
      buf = buf.slice(nl + 2);
    }
  });
  sock.write('MONITOR\r\n');
  await until(() => (lines.includes('+OK') ? true : undefined), 5000, 'MONITOR');
  await workload();
  // A last command that marks the end of the record.
  const end = new Redis({ port, host: '127.0.0.1' });
  await end.ping('record-end');
  await until(() => (lines.some((l) => l.includes('"record-end"')) ? true : undefined), 5000, 'end of record');
  end.disconnect();
  sock.destroy();
  return lines
    .map(parseMonitorLine)
    .filter((c): c is { client: string; args: string[] } => c !== null && c.client !== 'lua')
    .map((c) => replayable(c.args))
    .filter((a): a is string[] => a !== null);
}

/** Connection chatter and transactions' frames are dropped; blocking pops become their plain forms. */
const SKIP = new Set(['client', 'hello', 'info', 'ping', 'select', 'auth', 'quit', 'monitor', 'multi', 'exec', 'discard', 'watch', 'unwatch', 'wait', 'subscribe', 'psubscribe', 'unsubscribe', 'punsubscribe', 'readonly', 'command', 'config']);

function replayable(args: string[]): string[] | null {
  const name = (args[0] ?? '').toLowerCase();
  if (SKIP.has(name)) return null;
  if (name === 'bzpopmin' || name === 'bzpopmax') return args.length === 3 ? [name.slice(1), args[1] as string] : null;
  if (name === 'brpoplpush') return ['rpoplpush', args[1] as string, args[2] as string];
  if (name === 'blmove') return ['lmove', ...args.slice(1, 5)];
  if (name === 'blpop' || name === 'brpop') return args.length === 3 ? [name.slice(1), args[1] as string] : null;
  if (name === 'xread' || name === 'xreadgroup') return null;
  return args;
}

/** What depends on the clock: stream IDs (and scores or fields made of them) and remaining TTLs. */
function normalize(reply: string): string {
  return reply.replace(/\b1\d{12}-\d+\b/g, '<id>').replace(/\b1\d{12}\b/g, '<ms>');
}

/**
 * Replies compared line by line: clock-made values by shape, and a time left (a TTL a script
 * returns, milliseconds since a timestamp) within the two runs' clock drift. A hash in the
 * hashtable encoding lists its fields in an order redis-server draws at random when it starts
 * (its hash seed), so a reply that differs only in order is compared as a multiset of lines.
 */
function sameReply(x: string, y: string): boolean {
  const a = normalize(x).split('\r\n');
  const b = normalize(y).split('\r\n');
  if (a.length !== b.length) return false;
  if (a.every((l, i) => l === b[i] || closeMillis(l, b[i] as string))) return true;
  const unordered = (lines: string[]) => lines.map((l) => (/^:?\d{4,}$/.test(l) ? '<n>' : l)).sort();
  return unordered(a).join('\n') === unordered(b).join('\n');
}

function closeMillis(a: string, b: string): boolean {
  const x = /^:?(\d{4,})$/.exec(a);
  const y = /^:?(\d{4,})$/.exec(b);
  return x !== null && y !== null && Math.abs(Number(x[1]) - Number(y[1])) <= 2000;
}

/** The first line where two replies part, with a little context. */
function firstDifference(x: string, y: string): { ours: string; real: string } {
  const a = normalize(x).split('\r\n');
  const b = normalize(y).split('\r\n');
  let i = 0;
  while (i < a.length && (a[i] === b[i] || closeMillis(a[i] as string, b[i] as string))) i++;
  return { ours: a.slice(Math.max(0, i - 3), i + 2).join(' | '), real: b.slice(Math.max(0, i - 3), i + 2).join(' | ') };
}

/** Every key with its type, content and whether it expires, in an order both servers share. */
async function dumpKeyspace(c: RawClient): Promise<string[]> {
  const keys = (await c.call('KEYS', '*')).split('\r\n').filter((l, i) => i > 0 && i % 2 === 0).sort();
  const out: string[] = [];
  for (const k of keys) {
    const type = (await c.call('TYPE', k)).trim();
    const ttl = Number((await c.call('PTTL', k)).slice(1));
    let content: string;
    if (type === '+string') content = await c.call('GET', k);
    else if (type === '+list') content = await c.call('LRANGE', k, '0', '-1');
    else if (type === '+hash') {
      const lines = normalize(await c.call('HGETALL', k)).split('\r\n').slice(1, -1);
      const pairs: string[] = [];
      for (let i = 0; i < lines.length; i += 4) pairs.push(lines.slice(i, i + 4).join(' '));
      content = pairs.sort().join('|');
    }
    else if (type === '+set') content = (await c.call('SORT', k, 'ALPHA')).split('\r\n').join('|');
    else if (type === '+zset') content = await c.call('ZRANGE', k, '0', '-1', 'WITHSCORES');
    else content = await c.call('XRANGE', k, '-', '+');
    out.push(`${k} ${type} ttl:${ttl < 0 ? ttl : 'set'} ${normalize(content)}`);
  }
  return out;
}

/** Marks the record where the replay compares the whole keyspace (before obliterate empties the queue). */
const CHECKPOINT = 'replay-checkpoint';
async function checkpoint(port: number): Promise<void> {
  const r = new Redis({ port, host: '127.0.0.1' });
  await r.echo(CHECKPOINT);
  r.disconnect();
}

async function bullmqWorkload(port: number): Promise<void> {
  const connection = { host: '127.0.0.1', port, maxRetriesPerRequest: null };
  const queue = new Queue('replay', { connection });
  const flows = new FlowProducer({ connection });
  const tries = new Map<string, number>();
  const worker = new Worker(
    'replay',
    async (job: Job) => {
      const n = (tries.get(job.name) ?? 0) + 1;
      tries.set(job.name, n);
      await job.updateProgress(50);
      await job.log(`try ${n}`);
      if (job.name === 'flaky' && n < 2) throw new Error('first try fails');
      return { name: job.name, n };
    },
    { connection, concurrency: 1 },
  );
  const state = (id: string, want: string) => until(async () => ((await queue.getJobState(id)) === want ? true : undefined), 15_000, `${id} ${want}`);
  try {
    const plain = await queue.add('plain', { x: 1 }, { removeOnComplete: false });
    await state(plain.id as string, 'completed');
    const flaky = await queue.add('flaky', {}, { attempts: 2, backoff: { type: 'fixed', delay: 20 } });
    await state(flaky.id as string, 'completed');
    const delayed = await queue.add('delayed', {}, { delay: 100 });
    await state(delayed.id as string, 'completed');
    await queue.pause();
    const jobs = await queue.addBulk([
      { name: 'low', data: {}, opts: { priority: 5 } },
      { name: 'high', data: {}, opts: { priority: 1 } },
      { name: 'lifo', data: {}, opts: { lifo: true } },
    ]);
    await queue.getJobCounts('wait', 'prioritized', 'completed', 'failed', 'delayed');
    await queue.resume();
    for (const j of jobs) await state(j.id as string, 'completed');
    const flow = await flows.add({ name: 'parent', queueName: 'replay', children: [{ name: 'child-a', queueName: 'replay', data: {} }, { name: 'child-b', queueName: 'replay', data: {} }] });
    await state(flow.job.id as string, 'completed');
    await queue.upsertJobScheduler('every', { every: 60_000, limit: 1 }, { name: 'scheduled' });
    await queue.getJobSchedulers();
    await queue.removeJobScheduler('every');
    await queue.getJobs(['completed'], 0, 10);
    await queue.clean(0, 2, 'completed');
    await worker.close();
    await checkpoint(port);
    await queue.obliterate({ force: true });
  } finally {
    await worker.close();
    await flows.close();
    await queue.close();
  }
}

async function locksAndLimitsWorkload(port: number): Promise<void> {
  const a = new Redis({ port, host: '127.0.0.1' });
  const b = new Redis({ port, host: '127.0.0.1' });
  try {
    const redlock = new Redlock([a], { retryCount: 0 });
    const rival = new Redlock([b], { retryCount: 0 });
    const lock = await redlock.acquire(['res:1'], 5000);
    await rival.acquire(['res:1'], 5000).then(
      () => {
        throw new Error('the rival got the lock');
      },
      () => undefined,
    );
    const extended = await lock.extend(8000);
    await extended.release();
    const again = await rival.acquire(['res:1', 'res:2'], 5000);
    await again.release();

    const limiter = new RateLimiterRedis({ storeClient: a, keyPrefix: 'rl', points: 3, duration: 60, blockDuration: 30 });
    await limiter.consume('u1');
    await limiter.consume('u1', 2);
    await limiter.consume('u1').catch(() => undefined);
    await limiter.penalty('u2', 2);
    await limiter.reward('u2', 1);
    await limiter.get('u2');
    await limiter.block('u3', 10);
    await limiter.delete('u2');
  } finally {
    a.disconnect();
    b.disconnect();
  }
}

describe.skipIf(!available)('scripts of real libraries replayed on our node and redis-server', () => {
  const recorder = serverPair();
  const pair = serverPair();

  it('BullMQ, Redlock and rate-limiter-flexible: same replies, same keyspace', async () => {
    const commands = await record(recorder.real.port, async () => {
      await bullmqWorkload(recorder.real.port);
      await locksAndLimitsWorkload(recorder.real.port);
    });
    const scripts = commands.filter((c) => /^eval/i.test(c[0] as string));
    expect(scripts.length).toBeGreaterThan(30);
    const a = await RawClient.connect(pair.ours.port);
    const b = await RawClient.connect(pair.real.port);
    try {
      await Promise.all([a.call('FLUSHALL'), b.call('FLUSHALL'), a.call('SCRIPT', 'FLUSH'), b.call('SCRIPT', 'FLUSH')]);
      const diffs: { cmd: string; ours: string; real: string }[] = [];
      let checkpoints = 0;
      for (const cmd of commands) {
        if (cmd[0]?.toLowerCase() === 'echo' && cmd[1] === CHECKPOINT) {
          checkpoints++;
          const ours = await dumpKeyspace(a);
          if (process.env.REPLAY_VERBOSE) console.log(`${ours.length} keys at the checkpoint; ${new Set(scripts.map((c) => c[1]?.slice(0, 40))).size} scripts`);
          expect(ours.length).toBeGreaterThan(10);
          expect(ours).toEqual(await dumpKeyspace(b));
        }
        const [x, y] = await Promise.all([a.call(...cmd), b.call(...cmd)]);
        if (!sameReply(x, y)) diffs.push({ cmd: cmd.map((p) => (p.length > 60 ? `${p.slice(0, 60)}...` : p)).join(' '), ...firstDifference(x, y) });
      }
      expect(diffs).toEqual([]);
      expect(checkpoints).toBe(1);
      expect(await dumpKeyspace(a)).toEqual(await dumpKeyspace(b));
    } finally {
      a.close();
      b.close();
    }
  }, 120_000);
});
