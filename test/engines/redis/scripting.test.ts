// EVAL / EVALSHA / SCRIPT against real redis-server: the same scripts must produce identical bytes.
import { describe, expect, it } from 'vitest';
import { differential, RawClient, realRedisAvailable, startServer } from './helpers.ts';
import { serverPair } from './server-pair.ts';
import { SCRIPTS } from './scripting-cases.ts';

const available = realRedisAvailable();

describe.skipIf(!available)('scripting differential', () => {
  const pair = serverPair();

  const compare = async (cmds: string[][], proto: 2 | 3 = 2) => {
    const out = await differential(pair.ours.port, pair.real.port, cmds, proto);
    const diffs = out.filter((r) => r.ours !== r.real);
    expect(diffs).toEqual([]);
  };

  it('every conversion rule, error and library call matches (RESP2)', async () => {
    await compare(SCRIPTS.map((s) => ['EVAL', s, '0']));
  });

  it('matches under RESP3 too', async () => {
    await compare(SCRIPTS.filter((s) => !s.includes('coroutine.yield(1)')).map((s) => ['EVAL', s, '0']), 3);
  });

  it('KEYS, ARGV, numkeys errors, EVALSHA, SCRIPT LOAD/EXISTS/FLUSH', async () => {
    const body = "return {KEYS[1], KEYS[2], ARGV[1], redis.call('set', KEYS[1], ARGV[1])}";
    await compare([
      ['EVAL', body, '2', 'k1', 'k2', 'v'],
      ['EVAL', body, '3', 'k1'],
      ['EVAL', body, '-1'],
      ['EVAL', body, 'x'],
      ['SCRIPT', 'LOAD', body],
      ['EVALSHA', 'ee7e2c7ef6ea3ab5e6bc0d4b5b8b4f3e8d8e2a7d', '0'],
      ['SCRIPT', 'EXISTS', 'ee7e2c7ef6ea3ab5e6bc0d4b5b8b4f3e8d8e2a7d', 'nope'],
      ['SCRIPT', 'LOAD', 'return +'],
      ['SCRIPT', 'LOAD', 'return 42'],
      ['EVALSHA', '1fa00e76656cc152ad327c13fe365858fd7be306', '0'],
      ['EVALSHA', '1FA00E76656CC152AD327C13FE365858FD7BE306', '0'],
      ['SCRIPT', 'EXISTS', '1fa00e76656cc152ad327c13fe365858fd7be306'],
      ['SCRIPT', 'FLUSH'],
      ['SCRIPT', 'EXISTS', '1fa00e76656cc152ad327c13fe365858fd7be306'],
      ['EVALSHA', '1fa00e76656cc152ad327c13fe365858fd7be306', '0'],
      ['SCRIPT', 'FLUSH', 'ASYNC'],
      ['SCRIPT', 'FLUSH', 'bad'],
      ['SCRIPT', 'KILL'],
      ['EVAL_RO', "return redis.call('get', KEYS[1])", '1', 'k1'],
      ['EVAL_RO', "return redis.call('set', KEYS[1], 'x')", '1', 'k1'],
      ['EVAL_RO', "#!lua\nreturn redis.call('set', KEYS[1], 'x')", '1', 'k1'],
      ['EVAL', "#!lua flags=no-writes,allow-oom\nreturn 1", '0'],
      ['EVAL', "#!lua flags=\nreturn 1", '0'],
    ]);
  });

  it('min-replicas-to-write refuses shebang scripts that may write before they run, and writes of other scripts', async () => {
    await compare([
      ['SET', 'x', 'v'],
      ['CONFIG', 'SET', 'min-replicas-to-write', '1'],
      ['EVAL', "#!lua flags=no-writes\nreturn redis.call('get', 'x')", '0'],
      ['EVAL', "return redis.call('get', 'x')", '0'],
      ['EVAL', "#!lua\nreturn redis.call('get', 'x')", '0'],
      ['EVAL', "return redis.pcall('set', 'x', 1)", '0'],
      ['EVAL', "return redis.call('set', 'x', 1)", '0'],
      ['CONFIG', 'SET', 'min-replicas-to-write', '0'],
      ['SCRIPT', 'FLUSH'],
      ['SCRIPT', 'LOAD', 'return 1'],
      ['SCRIPT', 'LOAD', 'return 2'],
    ]);
    const cached = async (port: number) => /number_of_cached_scripts:(\d+)/.exec(await (await RawClient.connect(port)).call('INFO', 'memory'))?.[1];
    expect(await cached(pair.ours.port)).toBe(await cached(pair.real.port));
  });

  it("redis.call runs as the caller's ACL user (refusals logged with context lua); redis.acl_check_cmd checks that user", async () => {
    const calls = [
      ['ACL', 'SETUSER', 'bob', 'reset', 'on', '>123', '+@scripting', '+set', '+publish', '~x*', '&ch*'],
      ['ACL', 'LOG', 'RESET'],
      ['AUTH', 'bob', '123'],
      ['EVAL', "return redis.pcall('set', 'yy', 1)", '0'],
      ['EVAL', "return redis.call('set', 'xx', 1)", '0'],
      ['EVAL', "return redis.call('hset', 'xx', 'f', 1)", '0'],
      ['EVAL', "return redis.pcall('publish', 'zz', 'm')", '0'],
      ['EVAL', "return redis.pcall('publish', 'ch1', 'm')", '0'],
      ['EVAL', "return {redis.acl_check_cmd('set', 'xx', 1), redis.acl_check_cmd('hset', 'xx', 'f', 1), redis.acl_check_cmd('set', 'yy', 1)}", '0'],
      ['EVAL', "return {redis.acl_check_cmd('set', 'xx'), redis.acl_check_cmd('set'), redis.acl_check_cmd('config')}", '0'],
      ['EVAL', "return redis.acl_check_cmd('config', 'nosuch')", '0'],
      ['EVAL', "return redis.acl_check_cmd('nosuch')", '0'],
    ];
    await compare(calls);
    // The log's ages and client details differ by nature; who was refused what, and where, must not.
    const refusals = async (port: number) => {
      const c = await RawClient.connect(port);
      try {
        const log = await c.call('ACL', 'LOG');
        return [...log.matchAll(/\$(?:6\r\nreason|7\r\ncontext|6\r\nobject|8\r\nusername)\r\n\$\d+\r\n([^\r]*)/g)].map((m) => m[1]);
      } finally {
        c.close();
      }
    };
    const want = await refusals(pair.real.port);
    expect(want).toEqual(['channel', 'lua', 'zz', 'bob', 'command', 'lua', 'hset', 'bob', 'key', 'lua', 'yy', 'bob']);
    expect(await refusals(pair.ours.port)).toEqual(want);
  });
});

describe('scripting on our server', () => {
  it('a script sees the caller\'s database and SELECT inside it does not leak out', async () => {
    const s = await startServer();
    const c = await RawClient.connect(s.port);
    try {
      await c.call('SELECT', '3');
      await c.call('SET', 'k', 'in3');
      expect(await c.call('EVAL', "redis.call('select', '0') redis.call('set', 'k', 'in0') return 1", '0')).toBe(':1\r\n');
      expect(await c.call('GET', 'k')).toBe('$3\r\nin3\r\n');
      await c.call('SELECT', '0');
      expect(await c.call('GET', 'k')).toBe('$3\r\nin0\r\n');
    } finally {
      c.close();
      await s.server.close();
    }
  });
});
