// The db a MONITOR line names, compared with redis-server 7.0: it shows a command once it ran, with the
// db its client is in after it, so `SELECT 2` shows [2 ...] and RESET [0 ...] (ours showed the db before;
// found by ioredis's monitor(), whose 'monitor' event hands the db to the application). A script still
// shows before the commands it calls, and those with the db of the script's own client.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, realRedisAvailable, startRealRedis, startServer, waitBlocked, type RealRedis, type Started } from './helpers.ts';

const available = realRedisAvailable();

/** Every line a monitor saw until PING, without the time and the client's port. */
async function monitored(port: number): Promise<string[]> {
  const m = await RawClient.connect(port);
  const c = await RawClient.connect(port);
  const blocked = await RawClient.connect(port);
  try {
    await m.call('MONITOR');
    const sent = [
      ['SELECT', '2'], ['SET', 'a', '1'], ['RESET'], ['SET', 'b', '1'],
      ['MULTI'], ['SELECT', '5'], ['SET', 'c', '1'], ['EXEC'], ['SET', 'd', '1'],
      ['EVAL', "redis.call('select', 7); return redis.call('set', 'e', 1)", '0'], ['FCALL_RO', 'nosuch', '0'],
      ['SELECT', '99'], ['SWAPDB', '5', '6'], ['MOVE', 'd', '9'], ['GET', 'd'],
    ];
    for (const cmd of sent) await c.call(...cmd);
    // A blocked command shows once, when it first ran, with its db.
    await blocked.call('SELECT', '4');
    blocked.write('*3\r\n$5\r\nBLPOP\r\n$1\r\nq\r\n$1\r\n0\r\n');
    await waitBlocked(c, 1);
    await c.call('SELECT', '4');
    await c.call('RPUSH', 'q', 'x');
    await blocked.read();
    await c.call('PING');
    const lines: string[] = [];
    while (!lines.some((l) => l.includes('"PING"'))) {
      for (const l of (await m.read()).toString('latin1').split('\r\n')) if (l.startsWith('+') && l !== '+OK') lines.push(l.replace(/^\+[0-9.]+ \[(\d+) ([^\]:]*)(:\d+)?\]/, '[$1 $2]'));
    }
    return lines;
  } finally {
    m.close();
    c.close();
    blocked.close();
  }
}

describe.skipIf(!available)('MONITOR lines name the db after the command', () => {
  let ours: Started;
  let real: RealRedis;
  beforeAll(async () => {
    [ours, real] = await Promise.all([startServer(), startRealRedis()]);
  });
  afterAll(async () => {
    await ours?.server.close();
    await real?.stop();
  });

  it('SELECT, RESET, SELECT inside MULTI and inside a script, a blocked BLPOP', async () => {
    const expected = await monitored(real.port);
    expect(expected).toContain('[2 127.0.0.1] "SELECT" "2"');
    expect(await monitored(ours.port)).toEqual(expected);
  });
});
