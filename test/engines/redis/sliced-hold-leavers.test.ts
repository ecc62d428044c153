// A client that sends commands and closes while its node is held by something redis-server would simply
// be busy running (another client's command in slices, DEBUG SLEEP) has them run once the hold ends:
// redis-server reads them after its command, runs them, and only then reads the end of the stream.
// Ours dropped the client, and its commands, as its connection closed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newString } from '../../../engines/redis/db/objects.ts';
import type { Engine } from '../../../engines/redis/engine.ts';
import { encodeCommand, RawClient, realRedisAvailable, startRealRedis, startServer, waitUntil, type RealRedis, type Started } from './helpers.ts';
import { sendAndLeave } from './send-and-leave.ts';

const KEYS = 300_000;

/**
 * Until our node has seen the connection it accepted after `known` (its clients then) close: the client
 * gone from the node, or kept to run what it sent.
 */
async function leaverSeenClosed(e: Engine, accepted: number, known: Set<number>): Promise<void> {
  await waitUntil('the leaving client seen closed', () => {
    if (e.totalConnections <= accepted) return false;
    const c = [...e.clients.values()].find((x) => !known.has(x.id));
    return c === undefined || c.peerGone;
  });
}

const ids = (e: Engine) => new Set(e.clients.keys());

const LEAVER = [
  ['SET', 'after', 'v'],
  ['INCR', 'n'],
  ['INCR', 'n'],
];

describe('a client that leaves while its node is held', () => {
  let node: Started;
  beforeAll(async () => {
    node = await startServer();
  });
  afterAll(() => node?.server.close());

  it('by another client\'s DEL in slices: its commands run after the DEL', { timeout: 120_000 }, async () => {
    const e = node.server.engine;
    const db = e.ks.db(0);
    for (let i = 0; i < KEYS; i++) db.set(`k${i}`, newString('x'));
    const a = await RawClient.connect(node.port);
    const c = await RawClient.connect(node.port);
    try {
      a.write(encodeCommand(['DEL', ...Array.from({ length: KEYS }, (_, i) => `k${i}`)]));
      await waitUntil('the DEL holds the node', () => e.pause?.command === true, 60_000);
      const [accepted, known] = [e.totalConnections, ids(e)];
      await sendAndLeave(node.port, LEAVER);
      await leaverSeenClosed(e, accepted, known);
      // The leaver's close was seen while the DEL still ran (else this test proves nothing).
      expect(e.pause?.command).toBe(true);
      expect((await a.read(60_000)).toString()).toBe(`:${KEYS}\r\n`);
      expect(await c.call('GET', 'after')).toBe('$1\r\nv\r\n');
      expect(await c.call('GET', 'n')).toBe('$1\r\n2\r\n');
      expect(await c.call('DBSIZE')).toBe(':2\r\n');
      // It is gone once its commands ran: no client left behind.
      await waitUntil('the leaver removed', () => e.clients.size === 2);
    } finally {
      a.close();
      c.close();
    }
  });
});

describe('a client that leaves during DEBUG SLEEP, next to redis-server', () => {
  let ours: Started;
  let real: RealRedis | null = null;
  beforeAll(async () => {
    ours = await startServer();
    if (realRedisAvailable()) real = await startRealRedis(['--enable-debug-command', 'yes']);
  });
  afterAll(async () => {
    ours?.server.close();
    await real?.stop();
  });

  async function leaveDuringSleep(port: number, e: Engine | null): Promise<string[]> {
    const a = await RawClient.connect(port);
    try {
      const [accepted, known] = e === null ? [0, new Set<number>()] : [e.totalConnections, ids(e)];
      a.write(encodeCommand(['DEBUG', 'SLEEP', '2']));
      // redis-server sleeps in the call: the leaver's bytes and its end wait in the socket meanwhile.
      if (e !== null) await waitUntil('the sleep holds the node', () => e.pause !== null);
      await sendAndLeave(port, LEAVER);
      if (e !== null) await leaverSeenClosed(e, accepted, known);
      if (e !== null) expect(e.pause).not.toBe(null);
      expect((await a.read(30_000)).toString()).toBe('+OK\r\n');
      return [await a.call('GET', 'after'), await a.call('GET', 'n')];
    } finally {
      a.close();
    }
  }

  it('runs what it sent once the sleep ends, as redis-server does', { timeout: 60_000 }, async () => {
    const mine = await leaveDuringSleep(ours.port, ours.server.engine);
    expect(mine).toEqual(['$1\r\nv\r\n', '$1\r\n2\r\n']);
    if (real !== null) expect(await leaveDuringSleep(real.port, null)).toEqual(mine);
  });
});
