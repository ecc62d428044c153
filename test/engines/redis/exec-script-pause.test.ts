// A script queued in MULTI runs inside EXEC as a client's EVAL does: once it outlives its slice it
// yields, so the other nodes of the process keep answering; the node's other clients wait (their
// commands never run between the transaction's: they get -BUSY past busy-reply-threshold), SCRIPT KILL
// and FUNCTION KILL reach it, and EXEC's reply holds its error where its reply would be, the commands
// after it still run. Once an endless script inside EXEC froze the whole process. Each step is compared
// with redis-server 7.0.15; our nodes run in a child process so a freeze fails the test.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, encodeCommand, realRedisAvailable, startRealRedis, type RealRedis } from './helpers.ts';
import { startTwoNodes, type TwoNodes } from './two-nodes-process.ts';

const available = realRedisAvailable();

const SPIN_LIBRARY = "#!lua name=spinlib\nredis.register_function('spin', function(KEYS, ARGV) while true do end end)";

/** PING on a new connection to `port`, read within RawClient's 5 s: a held event loop never answers. */
async function pingOnce(port: number): Promise<string> {
  const n = await RawClient.connect(port);
  try {
    return await n.call('PING');
  } finally {
    n.close();
  }
}

/**
 * Runs the transaction `queued` on one connection and waits, on another, for -BUSY; then `during`
 * there, and the EXEC's reply. `neighbour`: another node of the same process, pinged meanwhile;
 * `killAgain`: sent until EXEC answers, unrecorded (when a later script of it starts is up to timing).
 */
async function execWhileBusy(port: number, queued: string[][], during: string[][], neighbour?: number, killAgain?: string[]): Promise<{ seen: string[]; neighbourPing: string }> {
  const runner = await RawClient.connect(port);
  const other = await RawClient.connect(port);
  try {
    const seen = [await other.call('FLUSHALL'), await other.call('CONFIG', 'SET', 'busy-reply-threshold', '50')];
    seen.push(await other.call('FUNCTION', 'LOAD', 'REPLACE', SPIN_LIBRARY));
    seen.push(await runner.call('MULTI'));
    for (const args of queued) seen.push(await runner.call(...args));
    runner.write(encodeCommand(['EXEC']));
    const neighbourPing = neighbour === undefined ? '' : await pingOnce(neighbour);
    const deadline = Date.now() + 20_000;
    let ping = await other.call('PING');
    while (!ping.startsWith('-BUSY') && Date.now() < deadline) ping = await other.call('PING');
    seen.push(ping);
    for (const args of during) seen.push(await other.call(...args));
    if (killAgain !== undefined) {
      const until = Date.now() + 20_000;
      for (;;) {
        try {
          seen.push((await runner.read(100)).toString('latin1'));
          break;
        } catch (err) {
          if (Date.now() > until) throw err;
          await other.call(...killAgain);
        }
      }
    } else seen.push((await runner.read(20_000)).toString('latin1'));
    seen.push(await other.call('MGET', 'a', 'b'));
    seen.push(await other.call('SCRIPT', 'KILL'));
    return { seen, neighbourPing };
  } finally {
    runner.close();
    other.close();
  }
}

describe.skipIf(!available)('a script inside MULTI/EXEC that runs long', () => {
  let ours: TwoNodes;
  let real: RealRedis;
  beforeAll(async () => {
    [ours, real] = await Promise.all([startTwoNodes(), startRealRedis()]);
  }, 90_000);
  afterAll(async () => {
    await Promise.all([ours?.stop(), real?.stop()]);
  });

  it('an endless EVAL in EXEC: the other node answers, this one says -BUSY, SCRIPT KILL ends it, the rest of EXEC runs', async () => {
    const queued = [['SET', 'a', '1'], ['EVAL', 'while true do end', '0'], ['INCR', 'a'], ['SET', 'b', 'x']];
    const during = [['GET', 'a'], ['FUNCTION', 'KILL'], ['SCRIPT', 'KILL']];
    const want = await execWhileBusy(real.port, queued, during);
    expect(want.seen[12]).toMatch(/^\*4\r\n\+OK\r\n-ERR Script killed by user with SCRIPT KILL\.\.\. script: [0-9a-f]{40}, on @user_script:1\.\r\n:2\r\n\+OK\r\n$/);
    const got = await execWhileBusy(ours.ports[0], queued, during, ours.ports[1]);
    expect(got.neighbourPing).toBe('+PONG\r\n');
    expect(got.seen).toEqual(want.seen);
  }, 60_000);

  it('an endless FCALL in EXEC ends with FUNCTION KILL as on redis-server', async () => {
    const queued = [['INCR', 'a'], ['FCALL', 'spin', '0'], ['INCR', 'a'], ['FCALL', 'spin', '1', 'b']];
    // The second spin starts once the first was killed: the transaction waits for it in turn.
    const during = [['SCRIPT', 'KILL'], ['FUNCTION', 'KILL']];
    const kill = (port: number, neighbour?: number) => execWhileBusy(port, queued, during, neighbour, ['FUNCTION', 'KILL']);
    const want = await kill(real.port);
    expect(want.seen[11]).toBe('*4\r\n:1\r\n-ERR Script killed by user with SCRIPT KILL... script: spin, on @user_function:2.\r\n:2\r\n-ERR Script killed by user with SCRIPT KILL... script: spin, on @user_function:2.\r\n');
    const got = await kill(ours.ports[0], ours.ports[1]);
    expect(got.neighbourPing).toBe('+PONG\r\n');
    expect(got.seen).toEqual(want.seen);
  }, 60_000);

  it('a long finite script in EXEC: nothing of another client runs between the transaction’s commands', async () => {
    const steps = async (port: number, neighbour?: number) => {
      const runner = await RawClient.connect(port);
      const other = await RawClient.connect(port);
      const out = [await other.call('FLUSHALL'), await other.call('CONFIG', 'SET', 'busy-reply-threshold', '60000')];
      out.push(await runner.call('MULTI'));
      for (const args of [['SET', 'a', '1'], ['EVAL', "for i = 1, 3000000 do end return redis.call('INCR', 'a')", '0'], ['INCR', 'a'], ['GET', 'a']]) out.push(await runner.call(...args));
      runner.write(encodeCommand(['EXEC']));
      const neighbourPing = neighbour === undefined ? '' : await pingOnce(neighbour);
      // Sent while the script may still run: it waits for the whole transaction.
      other.write(Buffer.concat([encodeCommand(['SET', 'a', '100']), encodeCommand(['INCR', 'a'])]));
      out.push((await runner.read(20_000)).toString('latin1'));
      out.push((await other.read(20_000)).toString('latin1'), (await other.read(20_000)).toString('latin1'));
      runner.close();
      other.close();
      return { out, neighbourPing };
    };
    const want = await steps(real.port);
    expect(want.out[7]).toBe('*4\r\n+OK\r\n:2\r\n:3\r\n$1\r\n3\r\n');
    const got = await steps(ours.ports[0], ours.ports[1]);
    expect(got.neighbourPing).toBe('+PONG\r\n');
    expect(got.out).toEqual(want.out);
  }, 60_000);

  it('MONITOR shows an EXEC that paused for its script after the commands it ran, as redis-server', async () => {
    const steps = async (port: number) => {
      const monitor = await RawClient.connect(port);
      const runner = await RawClient.connect(port);
      await monitor.call('MONITOR');
      await runner.call('MULTI');
      await runner.call('SET', 'a', '1');
      await runner.call('EVAL', "redis.call('SET', 'b', '1') for i = 1, 3000000 do end redis.call('SET', 'c', '1') return 7", '0');
      await runner.call('INCR', 'a');
      const reply = await runner.call('EXEC');
      const lines: string[] = [];
      // The client's address differs between the servers: what follows it is compared.
      while (lines.length < 7) lines.push((await monitor.read(5000)).toString('latin1').replace(/^\+[\d.]+ \[0 [^\]]*\]/, ''));
      monitor.close();
      runner.close();
      return [reply, ...lines];
    };
    const want = await steps(real.port);
    expect(want.at(-1)).toBe(' "EXEC"\r\n');
    expect(await steps(ours.ports[0])).toEqual(want);
  }, 60_000);

  // Last: the script never ends (redis-server needs SHUTDOWN NOSAVE, which our nodes refuse: their owner stops them).
  it('a script in EXEC that wrote cannot be killed: UNKILLABLE, as on redis-server', async () => {
    const steps = async (port: number) => {
      const runner = await RawClient.connect(port);
      const other = await RawClient.connect(port);
      const out = [await other.call('CONFIG', 'SET', 'busy-reply-threshold', '50'), await runner.call('MULTI')];
      out.push(await runner.call('SET', 'a', '1'), await runner.call('EVAL', "redis.call('SET', 'b', 'in') while true do end", '0'), await runner.call('INCR', 'a'));
      runner.write(encodeCommand(['EXEC']));
      let ping = await other.call('PING');
      const deadline = Date.now() + 20_000;
      while (!ping.startsWith('-BUSY') && Date.now() < deadline) ping = await other.call('PING');
      out.push(ping, await other.call('SCRIPT', 'KILL'), await other.call('GET', 'a'));
      return { out, runner, other };
    };
    const want = await steps(real.port);
    expect(want.out[6]).toMatch(/^-UNKILLABLE /);
    want.other.write(encodeCommand(['SHUTDOWN', 'NOSAVE']));
    await want.runner.waitClosed(20_000);
    expect(want.runner.pending()).toBe('');
    const got = await steps(ours.ports[0]);
    expect(got.out).toEqual(want.out);
    expect(await pingOnce(ours.ports[1])).toBe('+PONG\r\n');
    got.runner.close();
    got.other.close();
    want.other.close();
  }, 60_000);
});
