// A command sent on a just-opened connection runs before one sent after it on an older connection, as
// on redis-server (Redis's tcl stream-cgroups under --singledb: a deferring client's XREADGROUP BLOCK,
// then DEL from the established client, must answer UNBLOCKED). libuv registered a new socket for
// reading one event-loop turn late, so the older connection's DEL ran first.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EndpointProxy } from '../../../src/lifecycle/endpoint-proxy.ts';
import { encodeCommand, RawClient, realRedisAvailable, startRealRedis, startServer, type RealRedis, type Started } from './helpers.ts';

const TRIES = 20;
/**
 * Under load the kernel itself may queue the DEL ahead (a process moved between CPUs between two
 * writes): redis-server then runs it first too, so two tries of twenty may go either way. Without the
 * fix none of the twenty answered UNBLOCKED here.
 */
const MAY_MISS = 2;
const BLOCKING_READ = encodeCommand(['XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', '0', 'STREAMS', 's', '>']);

/** Connects, sends XREADGROUP BLOCK 0 at once, then DEL on `old`: answers what the new connection got. */
async function raceOnce(old: RawClient, port: number): Promise<string> {
  await old.call('DEL', 's');
  await old.call('XADD', 's', '1-1', 'f', 'v');
  await old.call('XGROUP', 'CREATE', 's', 'g', '$');
  const fresh = await RawClient.connect(port);
  try {
    fresh.write(BLOCKING_READ);
    // Written as soon as the first write is handed to the kernel, without waiting for anything.
    await old.call('DEL', 's');
    return (await fresh.read(10000)).toString('latin1');
  } finally {
    fresh.close();
  }
}

async function race(port: number, tries: number, until?: (reply: string) => boolean): Promise<string[]> {
  const old = await RawClient.connect(port);
  try {
    const replies: string[] = [];
    for (let i = 0; i < tries; i++) {
      replies.push(await raceOnce(old, port));
      if (until?.(replies[i] as string)) break;
    }
    return replies;
  } finally {
    old.close();
  }
}

describe.skipIf(!realRedisAvailable())('a new connection\'s first command against a later one on an older connection', () => {
  let ours: Started;
  let real: RealRedis;
  let proxy: EndpointProxy;
  /** redis-server's reply when it serves the XREADGROUP first (it usually does; under load not always). */
  let expected: string;

  beforeAll(async () => {
    [ours, real] = await Promise.all([startServer(), startRealRedis()]);
    // A primary endpoint handing its connections to the node in this process, as the emulator's do.
    proxy = new EndpointProxy('127.0.0.1', '127.0.0.1', () => ours.port, (_port, socket) => {
      ours.server.accept(socket);
      return true;
    });
    await proxy.listen(0);
    // redis-server loses the same race under heavy load (18% of tries at load 21 in one measurement): the first win is its reply.
    const replies = await race(real.port, 200, (r) => r.includes('UNBLOCKED'));
    expected = replies.find((r) => r.includes('UNBLOCKED')) ?? '';
  }, 120000);
  afterAll(async () => {
    await proxy?.close();
    await ours?.server.close();
    await real?.stop();
  });

  it('redis-server serves the blocking read first: the DEL wakes it with UNBLOCKED', () => {
    expect(expected).toBe('-UNBLOCKED the stream key no longer exists\r\n');
  });

  const servedFirst = (replies: string[]): number => replies.filter((r) => r === expected).length;

  it('a bare engine serves it first', async () => {
    const replies = await race(ours.port, TRIES);
    expect(replies.filter((r) => r !== expected && !r.startsWith('-NOGROUP '))).toEqual([]);
    expect(servedFirst(replies)).toBeGreaterThanOrEqual(TRIES - MAY_MISS);
  });

  it('so does a node reached through an endpoint that hands it the connection', async () => {
    const replies = await race(proxy.port, TRIES);
    expect(replies.filter((r) => r !== expected && !r.startsWith('-NOGROUP '))).toEqual([]);
    expect(servedFirst(replies)).toBeGreaterThanOrEqual(TRIES - MAY_MISS);
  });
});
