// A client that sends a command big enough to run in slices (DEL of 300k keys, MSET of 150k, KEYS) with more
// commands pipelined behind it and closes at once: redis-server runs its command, then the ones behind
// it, and only then reads the end of the stream. Ours removed the client with its socket's close, and
// with it the commands queued behind its own sliced command (a leaver behind another client's:
// sliced-hold-leavers.test.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../../engines/redis/engine.ts';
import { RawClient, realRedisAvailable, startRealRedis, startServer, waitUntil, type RealRedis, type Started } from './helpers.ts';
import { sendAndLeave } from './send-and-leave.ts';

const KEYS = 300_000;
const PAIRS = 150_000;
const keys = Array.from({ length: KEYS }, (_, i) => `k:${i}`);

const BEHIND = [
  ['SET', 'after', '1'],
  ['INCR', 'n'],
];

const LEAVERS: [string, string[]][] = [
  ['DEL', ['DEL', ...keys]],
  ['MSET', ['MSET', ...Array.from({ length: PAIRS }, (_, i) => [`m:${i}`, 'v']).flat()]],
  // A read in slices (runSliced), whose reply nobody reads.
  ['KEYS', ['KEYS', 'k:*']],
];

/**
 * Runs one leaver on the server at `port` (keys k:0.. filled first) and answers what another client
 * sees once it ran. On ours (`e`), checks the leaver's close was seen while its command still ran.
 */
async function leave(port: number, e: Engine | null, command: string[]): Promise<string[]> {
  const c = await RawClient.connect(port);
  try {
    expect(await c.call('FLUSHALL')).toBe('+OK\r\n');
    expect(await c.call('DEBUG', 'POPULATE', String(KEYS), 'k')).toBe('+OK\r\n');
    const known = e === null ? new Set<number>() : new Set(e.clients.keys());
    const accepted = e?.totalConnections ?? 0;
    // Whether ours saw the leaver's close (client gone, or kept to run the rest) while its command ran.
    let closedWhileRunning = false;
    const watch =
      e === null
        ? null
        : setInterval(() => {
            const x = [...e.clients.values()].find((y) => !known.has(y.id));
            if (e.totalConnections > accepted && e.pause?.command === true && (x === undefined || x.peerGone)) closedWhileRunning = true;
          }, 1);
    await sendAndLeave(port, [command, ...BEHIND]);
    // redis-server ends the connection once it ran everything it read; ours keeps the leaver until then.
    if (e !== null) await waitUntil('the leaver gone', () => e.clients.size === known.size, 120_000);
    if (watch !== null) clearInterval(watch);
    if (e !== null) expect(closedWhileRunning).toBe(true);
    return [await c.call('GET', 'after'), await c.call('GET', 'n'), await c.call('DBSIZE')];
  } finally {
    c.close();
  }
}

describe('a client that leaves right after its own sliced command, next to redis-server', () => {
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

  for (const [name, command] of LEAVERS) {
    it(`runs what it pipelined behind its ${name}`, { timeout: 240_000 }, async () => {
      const mine = await leave(ours.port, ours.server.engine, command);
      const size = { DEL: 2, MSET: KEYS + PAIRS + 2, KEYS: KEYS + 2 }[name];
      expect(mine).toEqual(['$1\r\n1\r\n', '$1\r\n1\r\n', `:${size}\r\n`]);
      if (real !== null) expect(await leave(real.port, null, command)).toEqual(mine);
    });
  }
});
