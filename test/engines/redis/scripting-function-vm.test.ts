// Functions run in a Lua VM of their own, as redis-server 7.0 keeps function_lua.c's VM apart from
// EVAL's: compared with redis-server through ioredis. SCRIPT FLUSH leaves the libraries' state, a
// function sees neither EVAL's globals nor its redis.breakpoint/debug/replicate_commands, rawget and
// next read the read-only tables, FUNCTION STATS answers -BUSY while an EVAL holds the server, and
// FUNCTION LIST lists the same libraries and functions (in an order that in redis-server 7.0 follows
// its dicts' hashes with a seed drawn at start: it differs from one process to the next).
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realRedisAvailable, startRealRedis, startServer, type RealRedis, type Started } from './helpers.ts';
import { answer } from './ioredis-answer.ts';

const available = realRedisAvailable();

async function both(pair: [Redis, Redis], cmds: (string | number)[][]): Promise<{ cmd: string; ours: unknown; real: unknown }[]> {
  const out = [];
  for (const cmd of cmds) out.push({ cmd: cmd.join(' ').slice(0, 120), ours: await answer(pair[0], cmd), real: await answer(pair[1], cmd) });
  return out;
}

const sortedKeys = (t: string) => `local t = {} for k in pairs(${t}) do t[#t + 1] = k end table.sort(t) return t`;
const lib = (name: string, body: string) => `#!lua name=${name}\n${body}`;

describe.skipIf(!available)('the functions VM, apart from EVAL as in redis-server 7.0', () => {
  let ours: Started;
  let real: RealRedis;
  let pair: [Redis, Redis];
  beforeAll(async () => {
    ours = await startServer();
    real = await startRealRedis();
    pair = [new Redis({ port: ours.port, maxRetriesPerRequest: 0 }), new Redis({ port: real.port, maxRetriesPerRequest: 0 })];
  });
  afterAll(async () => {
    for (const c of pair) c.disconnect();
    await ours.server.close();
    await real.stop();
  });

  it("SCRIPT FLUSH keeps a library's state; FUNCTION FLUSH and a new load start it again", async () => {
    const counter = lib('cnt', "local n = 0\nredis.register_function('inc', function() n = n + 1 return n end)");
    const out = await both(pair, [
      ['FUNCTION', 'FLUSH'], ['FUNCTION', 'LOAD', counter], ['FCALL', 'inc', 0], ['FCALL', 'inc', 0],
      ['SCRIPT', 'FLUSH'], ['FCALL', 'inc', 0], ['SCRIPT', 'FLUSH', 'SYNC'], ['FCALL', 'inc', 0],
      ['EVAL', 'return 1', 0], ['FUNCTION', 'LOAD', lib('other', "redis.register_function('o', function() return 1 end)")], ['FCALL', 'inc', 0],
      ['FUNCTION', 'FLUSH'], ['FCALL', 'inc', 0], ['FUNCTION', 'LOAD', counter], ['FCALL', 'inc', 0],
    ]);
    expect(out.filter((r) => JSON.stringify(r.ours) !== JSON.stringify(r.real))).toEqual([]);
    expect(out.map((r) => r.ours).filter((v) => typeof v === 'number')).toEqual([1, 2, 3, 4, 1, 5, 1]);
  });

  it("a function sees its VM's globals and redis table, not EVAL's; EVAL keeps its own", async () => {
    const probe = lib('probe', [
      `redis.register_function('globals', function() ${sortedKeys('_G')} end)`,
      `redis.register_function('api', function() ${sortedKeys('redis')} end)`,
      "redis.register_function('handler', function() return type(__redis__err__handler) end)",
      "redis.register_function('loaded', function() return loadstring('return type(KEYS)')() end)",
      "redis.register_function('bp', function() return redis.breakpoint() end)",
      "redis.register_function('rc', function() return redis.replicate_commands() end)",
      "redis.register_function('dbg', function() return {pcall(redis.debug, 'x')} end)",
      "redis.register_function('keys', function(keys, args) return {#keys, #args, type(KEYS)} end)",
    ].join('\n'));
    const loadApi = lib('loadapi', `local t = {} for k in pairs(redis) do t[#t + 1] = k end table.sort(t)\nlocal s = table.concat(t, ' ')\nredis.register_function('seen', function() return s end)`);
    const out = await both(pair, [
      ['FUNCTION', 'FLUSH'], ['FUNCTION', 'LOAD', probe], ['FUNCTION', 'LOAD', loadApi],
      ['FCALL', 'globals', 0], ['EVAL', sortedKeys('_G'), 0], ['FCALL', 'api', 0], ['EVAL', sortedKeys('redis'), 0],
      ['FCALL', 'handler', 0], ['EVAL', 'return type(__redis__err__handler)', 0], ['FCALL', 'loaded', 0], ['EVAL', "return loadstring('return type(KEYS)')()", 0],
      ['FCALL', 'bp', 0], ['FCALL', 'rc', 0], ['FCALL', 'dbg', 0], ['EVAL', 'return {redis.breakpoint(), redis.replicate_commands()}', 0],
      ['FCALL', 'keys', 2, 'a', 'b', 'c'], ['FCALL', 'seen', 0],
    ]);
    expect(out.filter((r) => JSON.stringify(r.ours) !== JSON.stringify(r.real))).toEqual([]);
  });

  it('rawget and next read the read-only tables, in EVAL and in functions', async () => {
    const reads = lib('reads', [
      "redis.register_function('rg', function() return {tostring(rawget(_G, 'redis') ~= nil), type(rawget(string, 'rep')), tostring(next(_G) ~= nil)} end)",
      "local at_load = tostring(rawget(_G, 'redis') ~= nil) .. ' ' .. tostring(next(_G))\nredis.register_function('rl', function() return at_load end)",
    ].join('\n'));
    const out = await both(pair, [
      ['FUNCTION', 'FLUSH'], ['FUNCTION', 'LOAD', reads], ['FCALL', 'rg', 0], ['FCALL', 'rl', 0],
      ['EVAL', "return {tostring(rawget(_G, 'redis') ~= nil), type(rawget(string, 'rep')), tostring(next(_G) ~= nil), type(rawget(_G, 'KEYS'))}", 0],
      ['EVAL', 'local n = 0 for k in next, _G do n = n + 1 end return n', 0],
      ['EVAL', 'return rawget(nil)', 0], ['EVAL', 'return rawget(_G)', 0], ['EVAL', 'return next()', 0], ['EVAL', 'return {pcall(next, 1)}', 0],
      ['EVAL', "local s = rawget(_G, 'string') s.x = 1", 0], ['EVAL', 'return {next({7})}', 0], ['EVAL', 'return tostring(pairs({}) == next)', 0],
    ]);
    expect(out.filter((r) => JSON.stringify(r.ours) !== JSON.stringify(r.real))).toEqual([]);
  });

  it('FUNCTION LIST and FUNCTION STATS show the same 1, 2 and 5 libraries (order aside)', async () => {
    const names = ['alpha', 'beta', 'gamma', 'delta', 'eps'];
    for (const count of [1, 2, 5]) {
      const cmds: (string | number)[][] = [['FUNCTION', 'FLUSH']];
      for (const name of names.slice(0, count)) {
        cmds.push(['FUNCTION', 'LOAD', lib(name, ['a', 'b', 'c'].map((f) => `redis.register_function{function_name='${name}_${f}', callback=function() return 1 end, description='${f}', flags={'no-writes'}}`).join('\n'))]);
      }
      cmds.push(['FUNCTION', 'STATS'], ['FUNCTION', 'LIST']);
      const out = await both(pair, cmds);
      const stats = out[out.length - 2]!;
      const list = out[out.length - 1]!;
      expect(stats.ours).toEqual(stats.real);
      // Each library as text, its functions sorted: redis-server's order changes with its hash seed.
      const canonical = (v: unknown) =>
        (v as unknown[][]).map((l) => JSON.stringify([...l.slice(0, 5), ...((l[5] as unknown[]).map((f) => JSON.stringify(f)).sort())])).sort();
      expect(canonical(list.ours)).toEqual(canonical(list.real));
      expect((list.ours as unknown[]).length).toBe(count);
    }
  });

  it('FUNCTION STATS answers -BUSY while an EVAL holds the server, and shows a busy function', async () => {
    const spin = 'local a = 0 while true do a = a + 1 end';
    const seen: unknown[][] = [];
    for (const port of [ours.port, real.port]) {
      const runner = new Redis({ port, maxRetriesPerRequest: 0 });
      const admin = new Redis({ port, maxRetriesPerRequest: 0 });
      try {
        await admin.call('CONFIG', 'SET', 'busy-reply-threshold', '50');
        await admin.call('FUNCTION', 'FLUSH');
        await admin.call('FUNCTION', 'LOAD', lib('spinlib', `redis.register_function{function_name='spin', callback=function() ${spin} end, flags={'no-writes'}}`));
        const answers: unknown[] = [];
        for (const start of [['EVAL', spin, '0'], ['FCALL', 'spin', '0']]) {
          const ran = answer(runner, start);
          // Until the script is past the threshold, other clients' commands wait rather than fail.
          while (!String(await answer(admin, ['PING'])).startsWith('ERR! BUSY'));
          const stats = await answer(admin, ['FUNCTION', 'STATS']);
          answers.push(Array.isArray(stats) && Array.isArray(stats[1]) ? [stats[0], (stats[1] as unknown[]).slice(0, 4), stats.slice(2)] : stats);
          answers.push(await answer(admin, start[0] === 'EVAL' ? ['FUNCTION', 'KILL'] : ['SCRIPT', 'KILL']));
          answers.push(await answer(admin, start[0] === 'EVAL' ? ['SCRIPT', 'KILL'] : ['FUNCTION', 'KILL']));
          answers.push(await ran);
        }
        await admin.call('CONFIG', 'SET', 'busy-reply-threshold', '5000');
        seen.push(answers);
      } finally {
        runner.disconnect();
        admin.disconnect();
      }
    }
    expect(seen[0]).toEqual(seen[1]);
    expect(String(seen[0]?.[0])).toMatch(/^ERR! BUSY/);
  });
});
