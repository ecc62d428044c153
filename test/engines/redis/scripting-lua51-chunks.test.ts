// Chunks as Redis 7.0's Lua 5.1 names and loads them: the name before ":line:" in messages (5.1's
// luaO_chunkid: a C string, cut at \r or \n, 60 bytes at run time and 80 in a syntax error), and no
// binary chunk ever loads: a text beginning with ESC (string.dump's first byte) is a syntax error
// through loadstring, EVAL and FUNCTION LOAD. Ours once loaded a 5.3 bytecode body given to EVAL.
import { describe, expect, it } from 'vitest';
import { RawClient, realRedisAvailable } from './helpers.ts';
import { expectSameEvalReplies, serverPair } from './server-pair.ts';

const available = realRedisAvailable();

const NAMES = ["string.rep('a', 50)", "'x\\rb'", "'@' .. string.rep('b', 70)", "'=' .. string.rep('c', 70)", "'q\\0z'", "'a\\nb'", "string.rep('d', 70)"];

describe.skipIf(!available)('Lua chunk names and binary chunks', () => {
  const pair = serverPair();

  it('a chunk name in runtime and syntax errors, and loadstring of a dump or of ESC, match redis-server', async () => {
    const scripts: string[] = [];
    for (const n of NAMES) {
      scripts.push(`local ok, e = pcall(loadstring('local x = nil; x()', ${n})) return e`);
      scripts.push(`local f, e = loadstring('x x', ${n}) return e`);
      scripts.push(`local f, e = loadstring('\\27Lua', ${n}) return e`);
    }
    scripts.push(
      "local f, e = loadstring('x x\\0abc') return e",
      "local f, e = loadstring('\\27') return {tostring(f), e}",
      'local f, e = loadstring(string.dump(function() return 1 end)) return e',
      'local d = string.dump(function() return 1 end) return {type(d), d:sub(1, 5)}',
      'return {pcall(string.dump, string.len)}',
      '\x1bLuaQ',
      '#!lua\n\x1bLuaQ',
      '\x1bLuaS\x00\x19\x93\r\n\x1a\n\x04\x04\x04\x04\x08',
    );
    await expectSameEvalReplies(pair, scripts);
  });

  it('FUNCTION LOAD of a body beginning with ESC is a syntax error', async () => {
    const replies = await Promise.all(
      [pair.ours.port, pair.real.port].map(async (port) => {
        const c = await RawClient.connect(port);
        const r = await c.call('FUNCTION', 'LOAD', '#!lua name=esc\n\x1bLuaQ');
        c.close();
        return r;
      }),
    );
    expect(replies[0]).toMatch(/char\(27\)/);
    expect(replies[0]).toBe(replies[1]);
  });
});
