// Two script admission rules redis-server 7.0.15 follows that unit/scripting exposed (session 31):
// DEBUG SET-DISABLE-DENY-SCRIPTS lets scripts call commands flagged noscript (the suite's DEBUG PROTOCOL
// and time-freezing tests call DEBUG from scripts); and on a replica whose link is down under
// replica-serve-stale-data no, a script without a shebang passes the command check (EVAL is 'stale')
// but is refused as it starts, in EXEC too, while an allow-stale script runs and may call only stale
// commands. Compared with redis-server through ioredis (values and error texts, error stats).
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realRedisAvailable, startRealRedis, startServer, type RealRedis, type Started } from './helpers.ts';
import { answer } from './ioredis-answer.ts';

const available = realRedisAvailable();

async function both(pair: Redis[], cmds: (string | number)[][]): Promise<{ cmd: string; ours: unknown; real: unknown }[]> {
  const out = [];
  for (const cmd of cmds) out.push({ cmd: cmd.join(' ').slice(0, 100), ours: await answer(pair[0] as Redis, cmd), real: await answer(pair[1] as Redis, cmd) });
  return out;
}

const differing = (rows: { ours: unknown; real: unknown }[]) => rows.filter((r) => JSON.stringify(r.ours) !== JSON.stringify(r.real));

describe.skipIf(!available)('script admission as redis-server 7.0.15: noscript commands and stale replicas', () => {
  let ours: Started;
  let real: RealRedis;
  let pair: Redis[];
  beforeAll(async () => {
    [ours, real] = await Promise.all([startServer(), startRealRedis(['--enable-debug-command', 'yes'])]);
    pair = [ours.port, real.port].map((port) => new Redis({ port, maxRetriesPerRequest: 0 }));
  }, 60000);
  afterAll(async () => {
    for (const c of pair) c.disconnect();
    await ours?.server.close();
    await real?.stop();
  });

  it('DEBUG SET-DISABLE-DENY-SCRIPTS lets a script call DEBUG (PROTOCOL replies, SLEEP) until it is set back to 0', async () => {
    const debugProtocol = (kind: string, resp: number) => `redis.setresp(${resp}); return redis.call('debug', 'protocol', '${kind}')`;
    const kinds = ['bignum', 'map', 'set', 'double', 'null', 'verbatim', 'true', 'false', 'attrib'];
    const rows = await both(pair, [
      ['EVAL', "return redis.call('debug', 'protocol', 'true')", 0],
      ['DEBUG', 'SET-DISABLE-DENY-SCRIPTS', 1],
      ...kinds.flatMap((k) => [2, 3].map((resp) => ['EVAL', debugProtocol(k, resp), 0])),
      ['EVAL', "return redis.pcall('debug', 'sleep', 0)", 0],
      // Other noscript commands are let through as well (the script's own client differs: CLIENT ID 1 there, 0 here).
      ['EVAL', "return type(redis.pcall('client', 'id'))", 0],
      ['DEBUG', 'SET-DISABLE-DENY-SCRIPTS', 'junk'],
      ['EVAL', "return redis.call('debug', 'protocol', 'true')", 0],
      ['EVAL', "return redis.pcall('client', 'id')", 0],
    ]);
    expect(differing(rows)).toEqual([]);
    expect(rows[0]?.real).toMatch(/not allowed from script/);
    expect(rows[rows.length - 2]?.real).toMatch(/not allowed from script/);
  });

  it('on a stale replica: scripts without a shebang refused as they start (also inside EXEC), allow-stale ones held to stale commands', async () => {
    const lib = [
      '#!lua name=stalelib',
      "redis.register_function('w', function() return 1 end)",
      "redis.register_function{function_name='ro', callback=function() return 2 end, flags={'no-writes'}}",
      "redis.register_function{function_name='st', callback=function() return 3 end, flags={'allow-stale','no-writes'}}",
    ].join('\n');
    const setup = await both(pair, [['FLUSHALL'], ['SET', 'x', 'v'], ['FUNCTION', 'LOAD', 'REPLACE', lib], ['SCRIPT', 'LOAD', 'return 1']]);
    expect(differing(setup)).toEqual([]);
    const sha = setup[3]?.real as string;
    const staleGet = "#!lua flags=allow-stale,no-writes\nreturn redis.call('get', KEYS[1])";
    const stalePcall = "#!lua flags=allow-stale,no-writes\nreturn redis.pcall('get', KEYS[1])['err']";
    const staleEcho = "#!lua flags=allow-stale,no-writes\nreturn redis.call('echo', 'foobar')";
    try {
      const rows = await both(pair, [
        ['CONFIG', 'RESETSTAT'],
        ['CONFIG', 'SET', 'replica-serve-stale-data', 'no'],
        ['REPLICAOF', '127.0.0.1', 1],
        ['EVAL', "return redis.call('get', KEYS[1])", 1, 'x'],
        ['EVAL', 'return 1', 0],
        ['EVAL_RO', 'return 1', 0],
        ['EVALSHA', sha, 0],
        ['EVALSHA', '0123456789012345678901234567890123456789', 0],
        ['EVAL', '#!lua flags=no-writes\nreturn 1', 0],
        ['EVAL', '#!lua flags=bogus\nreturn 1', 0],
        ['EVAL', staleGet, 1, 'x'],
        ['EVAL', stalePcall, 1, 'x'],
        ['EVAL', staleEcho, 0],
        ['FCALL', 'w', 0],
        ['FCALL', 'ro', 0],
        ['FCALL_RO', 'ro', 0],
        ['FCALL', 'st', 0],
      ]);
      expect(differing(rows)).toEqual([]);
      expect(rows[3]?.real).toMatch(/^ERR! MASTERDOWN/);
      expect(rows[10]?.real).toMatch(/Can not execute the command on a stale replica/);

      // Queued, then refused one by one inside EXEC; a shebang script without allow-stale aborts the transaction.
      const execs = [];
      for (const c of pair) {
        const compat = await c.multi().eval('return 1', 0).eval("return redis.call('ping')", 0).exec();
        let aborted: string;
        try {
          await c.multi().eval('#!lua flags=no-writes\nreturn 1', 0).exec();
          aborted = 'ran';
        } catch (err) {
          aborted = (err as Error).message;
        }
        const allowed = await c.multi().eval(staleEcho, 0).fcall('st', 0).exec();
        execs.push(JSON.stringify([compat?.map(([e, v]) => e?.message ?? v), aborted, allowed?.map(([e, v]) => e?.message ?? v)]));
      }
      expect(execs[0]).toEqual(execs[1]);
      expect(execs[1]).toMatch(/MASTERDOWN/);

      const stats = await both(pair, [['INFO', 'errorstats']]);
      const lines = (s: unknown) => String(s).split('\r\n').filter((l) => l.startsWith('errorstat_')).sort();
      expect(lines(stats[0]?.ours)).toEqual(lines(stats[0]?.real));
    } finally {
      await both(pair, [['REPLICAOF', 'NO', 'ONE'], ['CONFIG', 'SET', 'replica-serve-stale-data', 'yes']]);
    }
  });
});
