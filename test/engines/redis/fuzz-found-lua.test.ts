// Lua differences the generated scripts of the random differential (tools/redis-fuzz/lua-gen.ts)
// found, each script compared with redis-server 7.0 byte for byte.
import { describe, expect, it } from 'vitest';
import { differential, RawClient, realRedisAvailable } from './helpers.ts';
import { expectSameEvalReplies, serverPair } from './server-pair.ts';

const available = realRedisAvailable();

describe.skipIf(!available)('Lua differences found by the random differential', () => {
  const pair = serverPair();

  it("`^` is C's pow (1 ^ nan is 1), and Math.pow of the process stays JavaScript's", async () => {
    const jsPow = Math.pow;
    await expectSameEvalReplies(pair, [
      'return tostring(1 ^ (0/0))',
      'local x = 0/0 return tostring(1 ^ x)',
      'return {tostring((-1) ^ (1/0)), tostring((-1) ^ (-1/0)), tostring((0/0) ^ 0), tostring((-8) ^ (1/3)), tostring(2 ^ 0.5)}',
      'return tostring(math.pow(1, 0/0))',
    ]);
    // Our engine runs in this process: its scripts changed no global.
    expect(Math.pow).toBe(jsPow);
    expect(Math.pow(1, NaN)).toBeNaN();
  });

  it('math functions of two numbers check the second argument first (seeds 40017, 40044)', async () => {
    await expectSameEvalReplies(pair, ['return math.pow(false, nil)', 'return math.ldexp({}, {})', 'return math.fmod(nil, false)', 'return math.atan2(nil, false)', 'return math.mod(nil, 1)', "return math.pow('x', 2)"]);
  });
  it('struct.size counts an unknown letter or digit as 0 bytes, and ! refuses an alignment not a power of 2 (seed 40039)', async () => {
    await expectSameEvalReplies(pair, [
      "return {struct.size('Q'), struct.size('4'), struct.size('bQh'), struct.size('z i'), struct.size('!4 b i'), struct.size('i17')}",
      "return struct.size('?')",
      "return struct.size('!3i')",
      "return struct.size('!0i')",
      "return struct.pack('!3i', 1)",
      "return struct.pack('Q', 1)",
      "return {struct.unpack('!6 i', 'abcd')}",
    ]);
  });
  it("struct.unpack's position and cmsgpack's offset and limit are 5.1's luaL_optinteger/checkinteger: a table is an error, '2' is 2, 1.7 is 1 (seed 80541)", async () => {
    await expectSameEvalReplies(pair, [
      "return struct.unpack('i8', 'abcdefgh', {})",
      "return {struct.unpack('b', 'abc', '2')}",
      "return {struct.unpack('b', 'abc', nil)}",
      "return {struct.unpack('b', 'abc', 2.7)}",
      "return {struct.unpack('b', 'abc', 'x')}",
      "return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 1, {})}",
      "return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 1.7, '1')}",
      "return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 'x')}",
      "return {cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), '1')}",
      "return {cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), {})}",
      "return {cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), 1.9)}",
    ]);
  });
  it('redis.error_reply reads its text as a C string, up to a NUL (seeds 40084, 40086)', async () => {
    await expectSameEvalReplies(pair, ['return redis.error_reply("\\0")', 'return redis.error_reply("\\0x y")', 'return redis.error_reply("-X a\\0b")', 'return redis.error_reply("a\\0b")', 'return {redis.error_reply("\\0")}']);
  });

  it('a shebang flags list with an empty name is refused; flags= alone names none (seed 40090)', async () => {
    await expectSameEvalReplies(pair, ['#!lua flags=no-writes,\nreturn 1', '#!lua flags=,\nreturn 1', '#!lua flags=\nreturn 1', '#!lua flags=,no-writes\nreturn 1', '#!lua flags=no-writes,,allow-oom\nreturn 1']);
  });
  it("struct.pack's 'string too short' names the argument after the string, as lua_struct's arg++ leaves it (fuzz-differential seed 7)", async () => {
    await expectSameEvalReplies(pair, ["return struct.pack('c3', 'ab')", "return struct.pack('b c3', 1, 'ab')", "return struct.pack('c3', 7)", "return struct.pack('c2 c3', 'ab', 'x')"]);
  });
  it('5.1 names no constant in a type error (fuzz-differential seed 19)', async () => {
    await expectSameEvalReplies(pair, ["return -('1e')", "local x = '1e' return -x", "return ('a') .. {}", "return 1 + true", "return #5", "return ('x')()"]);
  });

  it("pcall with no argument, xpcall's second argument as 5.1 wants it, an uncaught error's text up to a NUL (fuzz-differential seed 22)", async () => {
    await expectSameEvalReplies(pair, [
      'return {pcall()}',
      'local a, b, c, d = pcall(pcall) return {tostring(a), tostring(b), tostring(c), tostring(d)}',
      'local a, b, c, d = pcall(pcall, pcall) return {tostring(a), tostring(b), tostring(c), tostring(d)}',
      'return {xpcall()}',
      'return {xpcall(function() return 1 end)}',
      'return {xpcall(function() return 1 end, 1)}',
      'local a, b = xpcall(error, 1) return {tostring(a), tostring(b)}',
      'local a, b = xpcall(error, nil) return {tostring(a), tostring(b)}',
      "return {xpcall(error, function(e) return e .. '!' end, 'z')}",
      "error('a\\0b')",
      "error('a\\0b', 0)",
    ]);
  });
  it('a function may have 60 upvalues, not counting the globals (5.3 makes them one): 61 fail with or without a global', async () => {
    const ups = (n: number, tail: string): string => {
      const names = Array.from({ length: n }, (_, i) => `a${i}`);
      return `${names.map((v, i) => `local ${v} = ${i}`).join('\n')}\nlocal f = function() return ${names.join(' + ')}${tail} end\nreturn f()`;
    };
    await expectSameEvalReplies(pair, [ups(60, ''), ups(60, ' + (tonumber("1") or 0)'), ups(61, ''), ups(61, ' + tonumber("1")'), ups(59, ' + tonumber("1")')]);
  });
  it("a NaN, an infinity or a number past int64 where an integer is wanted is x86's LLONG_MIN, not an error (seeds 42793, 43047, 43078, 43631)", async () => {
    await expectSameEvalReplies(pair, [
      "return {string.format('%d', 1/0), string.format('%d', 1e400), string.format('%d', 0/0), string.format('%d', 2^63), string.format('%d', -2^63), string.format('%d', 1e19), string.format('% d', '1e400'), string.format('%d', -1/0), string.format('%5.3d', -2^63), string.format('%d', 2^62)}",
      "return {string.sub('hello', 1/0), string.sub('hello', -1/0), string.rep('a', 0/0), select('#', string.byte('abc', 1/0)), string.sub('hello', 2, 1/0), string.sub('hello', 0/0, 3)}",
      "return {select(1/0, 'a')}",
      'return {unpack({1, 2, 3}, 1/0)}',
    ]);
  });
  it("math.ldexp's exponent is luaL_checkint's: cast to int64 then int (seed 43816)", async () => {
    await expectSameEvalReplies(pair, [
      'return {tostring(math.ldexp(3, -2^63)), tostring(math.ldexp(3, 2^32 + 5)), tostring(math.ldexp(1, 1024)), tostring(math.ldexp(0.5, 1024)), tostring(math.ldexp(1, -1074)), tostring(math.ldexp(1, -1075))}',
      'return {tostring(math.ldexp(3, 1/0)), tostring(math.ldexp(3, 0/0)), tostring(math.ldexp(1.5, -1073)), tostring(math.ldexp(3, 2.7)), tostring(math.ldexp(3, -2.7)), tostring(math.ldexp(1, 2^31))}',
    ]);
  });

  it('an uncaught error table without a string err answers an error and the node goes on (redis-server 7.0.15 crashes on it: seed 40138)', async () => {
    // Neighbours of the crashing case still match redis-server byte for byte.
    await expectSameEvalReplies(pair, ["error({err='x'})", 'error({err=1})', "redis.setresp(2) error({err='ERR y'})", "return redis.pcall('x')"]);
    const c = await RawClient.connect(pair.ours.port);
    try {
      const sha = (await c.call('SCRIPT', 'LOAD', 'error({})')).split('\r\n')[1];
      for (const [cmd, at] of [
        [['EVAL', 'error({})', '0'], 1],
        [['EVAL_RO', 'redis.setresp(2)\nerror({})', '0'], 2],
        [['EVALSHA', sha as string, '0'], 1],
        [['EVAL', "error({source='s', line=1, err={}})", '0'], 1],
      ] as const) {
        expect(await c.call(...cmd)).toMatch(new RegExp(`^-ERR unknown error script: [0-9a-f]{40}, on @user_script:${at}\\.\r\n$`));
      }
      await c.call('FUNCTION', 'LOAD', "#!lua name=crashlib\nredis.register_function('f', function() error({}) end)");
      expect(await c.call('FCALL', 'f', '0')).toMatch(/^-ERR unknown error script: f, on @user_function:2\.\r\n$/);
      expect(await c.call('PING')).toBe('+PONG\r\n');
    } finally {
      c.close();
    }
  });
  it('XREAD/XREADGROUP BLOCK from a script names the command as the script spelled it (seed 44077)', async () => {
    await expectSameEvalReplies(pair, ["return redis.pcall('xread', 'BLOCK', '1', 'STREAMS', 'x', '0')", "return redis.pcall('XREAD', 'BLOCK', '1', 'STREAMS', 'x', '0')", "return redis.pcall('xReadGroup', 'GROUP', 'g', 'c', 'BLOCK', '1', 'STREAMS', 'x', '0')"]);
  });

  it("an uncaught error table's err ends at a NUL byte, as the C string redis-server copies (seed 41299)", async () => {
    await expectSameEvalReplies(pair, ['error({err="a\\0b"})', 'redis.setresp(3)\nerror({err="a\\000b"})', 'error({err="\\0"})', 'error({err="-X a\\0b c"})', 'return redis.pcall("error", "x")']);
  });
  it("a returned {ok=} or {err=} ends at a NUL byte (40492, 40808 of task F's run), {verbatim_string=} is a verbatim reply to RESP3, a bulk to RESP2, and a big_number's CR/LF are spaces in both (seed 49532)", async () => {
    const scripts = [
      "return {ok='a\\0b'}", "return {err='a\\0b'}", "return {{ok='a\\0b'}, {err='-X c\\0d'}}", "return redis.status_reply('a\\0b')", "redis.setresp(3) return {big_number='12\\0 3'}",
      "return {verbatim_string={format='txt', string='a\\0b'}}", "return {verbatim_string={format='txt', string='x'}, map={a=1}}", "return {verbatim_string={format='txt', string='x'}, big_number='1'}",
      "return {verbatim_string={format='t', string='x'}}", "return {verbatim_string={format='markdown', string='x'}}", "return {verbatim_string={format='', string='x'}}", "return {verbatim_string={format='t\\0x', string='a\\r\\nb'}}",
      "return {verbatim_string={format=1, string='x'}}", "return {verbatim_string={format='txt', string=12}}", "return {verbatim_string='x'}", "return {1, {verbatim_string={format='txt', string='in'}}}",
      "return {big_number='\\r\\n1'}", "redis.setresp(3) return {big_number='1\\r2\\n'}",
    ];
    for (const proto of [2, 3] as const) {
      const out = await differential(pair.ours.port, pair.real.port, scripts.map((s) => ['EVAL', s, '0']), proto);
      expect(out.filter((r) => r.ours !== r.real)).toEqual([]);
    }
  });
  it("a NaN argument to redis.call is written as %.17g writes it, with its sign: x86's 0/0 is '-nan' (seed 46271)", async () => {
    await expectSameEvalReplies(pair, [
      "redis.call('SET', 'k', 0/0) return redis.call('GET', 'k')",
      "redis.call('SET', 'k', -(0/0)) return redis.call('GET', 'k')",
      "redis.call('SET', 'k', tonumber('nan')) return redis.call('GET', 'k')",
      "redis.call('SET', 'k', 1/0) return {redis.call('GET', 'k'), redis.call('STRLEN', 'k')}",
      "redis.call('MSET', 's1', 0/0, 's2', 'inf') return redis.call('BITOP', 'XOR', 's2', 's1', 's1')",
      "return redis.pcall('INCRBYFLOAT', 'n', 0/0)",
    ]);
  });
  it("struct.unpack's padding x needs a byte of data as every other option (seed 47880)", async () => {
    await expectSameEvalReplies(pair, ["return {struct.unpack('x', '')}", "return {struct.unpack('bx', 'a')}", "return {struct.unpack('xb', 'ab')}", "return {struct.unpack('x', 'a')}", "return {struct.unpack('bxx', 'ab')}"]);
  });
  it('a constant expression making 0 or -0 is folded as 5.1 folds it: it shares the slot of an equal constant met before (seed 47887)', async () => {
    await expectSameEvalReplies(pair, [
      'local a = 0 error(-0)', 'error(-0)', 'local a = 0 return tostring(-0)', 'return {tostring(0), tostring(-0)}', 'return {tostring(-0), tostring(0)}',
      'return {tostring(1-1), tostring(0*-1), tostring(-0.0), tostring(0/-1)}', 'local z = 0 return {tostring(0*-1), tostring(-z)}', 'local x = -0 return tostring(x)', 'return tostring(1/(-0))',
    ]);
  });
  it("each function finds its constants in its own table, as 5.1's fs->h: an enclosing function's 0 does not keep an inner -0 and 0 apart (seed 208490)", async () => {
    await expectSameEvalReplies(pair, [
      'local a = 0 local f = function() return {-0, 1/0} end return tostring(f()[2])', 'for i = 1, 0 do end return (function() return tostring(1/0) .. tostring(-0) end)()',
      "local a = 0 local f = function() local x = -0 return {tostring(1/0), redis.call('ECHO', 1/0)} end return f()", 'local a = -0 local f = function() return tostring(1/0) end return f() .. tostring(a)',
      "local a = 'x' local f = function() return {'x', -0, 0, 1/0} end return tostring(f()[4])", "local f = function() local g = function() return {0, 'k', -0, 1/-0} end return g() end return f()",
    ]);
  });
  it("xpcall's missing second argument names it as 5.1's luaL_argerror: by its caller's name for it, '?' under pcall, a tail call run as a call", async () => {
    await expectSameEvalReplies(pair, [
      'return {pcall(xpcall)}', 'return {pcall(xpcall, 1)}', 'return {xpcall(xpcall, function(e) return e end)}', 'local x = xpcall x(1)',
      'local x = xpcall return {pcall(function() x() end)}', 'local t = {f = xpcall} return {pcall(function() t.f(1) end)}', 'return {pcall(function() xpcall(1) end)}',
      'local x = xpcall return {pcall(function() return x() end)}', 'return {pcall(function() return xpcall(1) end)}', 'return xpcall()',
      "return {xpcall(function() return redis.call('SET', 'k', 1) end, function(e) return e end)}", 'return {xpcall(function() error({err = 1}) end, function(e) return type(e) end)}',
    ]);
  });
  it("a table's or function's address prints with 12 hex digits as redis-server's heap addresses do: packing or measuring tostring({}) gives the same bytes (seed 70345)", async () => {
    await expectSameEvalReplies(pair, [
      'return string.len(tostring({}))', 'return string.len(tostring(function() end))', 'return string.len(tostring(redis.call))',
      'return string.sub(cmsgpack.pack(tostring({})), 1, 1)', "return string.sub(tostring({}), 1, 9)",
    ]);
  });
  it("pcall of an error table whose err is no string answers a third result, that err field, as 7.0.15's luaRedisPcall leaves it on the stack (seed 209084)", async () => {
    await expectSameEvalReplies(pair, [
      "return {pcall(error, {err={err='x'}})}", "return select('#', pcall(error, {}))", "return {pcall(error, {err={1,2}})}", "return {pcall(error, {err={}}, 1, 2)}",
      "return {pcall(function() error({err={err='y', 7}}) end)}", "return {pcall(error, {err=5})}", "return {pcall(error, {err='z'})}", "return {pcall(error, {err=true})}",
      "local t = {err={}} local a, b, c = pcall(error, t) return {tostring(b == t), tostring(c == t.err)}", "return {xpcall(function() error({err={}}) end, function(e) return e end)}",
    ]);
  });
});
