// Texts of Lua errors a user sees (pcall's message, the error reply), against redis-server 7.0's Lua
// 5.1 where our 5.3 VM words them otherwise: type errors name the variable first ("attempt to index
// local 't' (a nil value)"), "bad argument" names a function only by how it was called ('?' through
// pcall, 'format' with the caller's position), error() positions a number too, ipairs takes only a
// table, assert wants a string message, compile errors quote '<eof>' and do not say where a long string began, and lua-cjson names
// the token it found.
import { describe, it } from 'vitest';
import { realRedisAvailable } from './helpers.ts';
import { expectSameEvalReplies, serverPair } from './server-pair.ts';

const available = realRedisAvailable();

const SCRIPTS = [
  "return pcall(string.format, '%d', 'x')",
  "local ok, e = pcall(string.format, '%d', 'x') return e",
  "local ok, e = pcall(string.rep) return e",
  "local ok, e = pcall(string.sub) return e",
  "local ok, e = pcall(function() return string.format('%d', 'x') end) return e",
  "local ok, e = pcall(tonumber) return e",
  "local ok, e = pcall(math.floor, 'a') return e",
  "local ok, e = pcall(table.concat, {{}}) return e",
  "local ok, e = pcall(redis.sha1hex) return e",
  "local ok, e = pcall(cjson.decode, '{') return e",
  "local ok, e = pcall(setmetatable, 1) return e",
  "local ok, e = pcall(ipairs) return e",
  "local ok, e = pcall(function() local t = nil; return t.x end) return e",
  "local ok, e = pcall(function() local t = {} ; return t.x.y end) return e",
  "local ok, e = pcall(function() return #nil end) return e",
  "local ok, e = pcall(function() return 1 + {} end) return e",
  "local ok, e = pcall(function() return 'a' .. {} end) return e",
  "local ok, e = pcall(function() return {} < {} end) return e",
  "local ok, e = pcall(function() undefinedfn() end) return e",
  "local ok, e = pcall(function() local x = 1; x() end) return e",
  "return string.format('%d', 'x')",
  "return tostring(1/0) .. tostring(-1/0) .. tostring(0/0)",
  "return x +",
  "return 'abc",
  "for i=1 do end",
  "local x = [[abc",
  "x = = 1",
  "return 1 end",
  "if true then",
  "return 0x",
  "return 1..2",
  "local function f() return ... end",
  "local a <const> = 1",
  "local t = {} t[nil] = 1",
  "return string.rep('x', -1)",
  "return select(-1, 1, 2)",
  "return select(0, 1)",
  "return math.fmod(1, 0)",
  "return tostring(math.huge)",
  "return string.format('%5.2s', 'abc')",
  "return table.concat({1,2,3}, ', ', 2, 5)",
  "return unpack({1,2,3}, 2)",
  "return {string.find('abc', 'b', 1, true)}",
  "return string.format('%q', 'a\\0b\\n')",
  "return tostring(nil) .. type(print)",
  "return loadstring == nil",
  "return error()",
  "error(nil)",
  "error(12)",
  "error('x', 0)",
  "error('x', 2)",
  "assert(false)",
  "assert(false, 'msg')",
  "local ok, e = pcall(cjson.decode, '{') return e",
  "local ok, e = pcall(cjson.decode, '{1}') return e",
  "local ok, e = pcall(cjson.decode, '{\"a\" 1}') return e",
  "local ok, e = pcall(cjson.decode, '{\"a\":1 2}') return e",
  "local ok, e = pcall(cjson.decode, '[1 2]') return e",
  "local ok, e = pcall(cjson.decode, '[1,]') return e",
  "local ok, e = pcall(cjson.decode, '}') return e",
  "local ok, e = pcall(cjson.decode, '[1 true]') return e",
  "local ok, e = pcall(cjson.decode, '{\"a\":1 null}') return e",
  "local ok, e = pcall(cjson.decode, '{\"a\":1 \"b\"}') return e",
  "local ok, e = pcall(cjson.decode, '{\"a\":1 :}') return e",
  "local ok, e = pcall(cjson.decode, '[1 ,,]') return e",
  "local ok, e = pcall(cjson.decode, '[1 x]') return e",
  "local ok, e = pcall(cjson.decode, '') return e",
  "local ok, e = pcall(cjson.decode, '1 2') return e",
  "assert(nil, {err='T x'})",
  "assert(false)",
  "assert(false, 'msg')",
  "assert(false, 12)",
  "assert()",
  "return assert(1, 2, 3)",
  "local ok, e = pcall(assert, false, 'm') return e",
  "local ok, e = pcall(assert, nil) return e",
  "local ok, e = pcall(assert) return e",
  "return {assert('a', 'b')}",
];

describe.skipIf(!available)('Lua 5.1 error texts', () => {
  const servers = serverPair();

  it('match redis-server reply for reply', async () => {
    await expectSameEvalReplies(servers, SCRIPTS);
  }, 60_000);
});
