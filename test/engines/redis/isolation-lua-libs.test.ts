// Library calls of a script whose work grows with their input are one JavaScript call each: table.concat of
// a million strings, string.rep of 100 MB, cmsgpack and cjson (both ways) of a million values. They run in steps and yield between them once the script's
// slice is over (lib-slices.ts), so another node answers PING meanwhile; the results equal redis-server's.
import { describe, expect, it } from 'vitest';
import { realRedisAvailable } from './helpers.ts';
import { digestOf, slicedDigest, stallServers } from './stall.ts';

const N = Number(process.env.ISO_N ?? 300_000);
const available = realRedisAvailable();

const eval_ = (body: string) => ['EVAL', body, '0'];

describe.skipIf(!available)('script library calls on big inputs', () => {
  const s = stallServers(() => []);

  it('table.concat, string.rep, cmsgpack and cjson of big inputs answer as redis-server while another node answers', async () => {
    for (const cmd of [
      eval_(`local s = string.rep('x', 100) local t = {} for i = 1, ${N} do t[i] = s end local r = table.concat(t, ',') return {#r, redis.sha1hex(r)}`),
      eval_(`local t = {} for i = 1, ${N / 10} do t[i] = i * 1.5 end return redis.sha1hex(table.concat(t, '', 2))`),
      eval_(`local r = string.rep('xyz', ${Math.floor((64 * 2 ** 20) / 3)}) return {#r, redis.sha1hex(r)}`),
      eval_(`local t = {} for i = 1, ${N} do t[i] = i end local s = cmsgpack.pack(t) t = nil local u = cmsgpack.unpack(s) return {#u, u[1], u[#u]}`),
      eval_(`local t = {} for i = 1, ${N / 10} do t[i] = {i, 'v' .. i, k = {i}} end local u = cmsgpack.unpack(cmsgpack.pack(t)) return {#u, u[7][2], u[9].k[1], cjson.encode(u[3])}`),
      eval_(`local t = {} for i = 1, ${N} do t[i] = i end local s = cjson.encode(t) return {#s, redis.sha1hex(s)}`),
      eval_(`local u = cjson.decode('[' .. string.rep('{"a":[1,"x"]},', ${N / 10}) .. '1]') return {#u, u[5].a[2], cjson.encode(u[7])}`),
      // Errors met after the call yielded, caught by pcall or not.
      eval_(`local s = '[' .. string.rep('1,', ${N}) .. ']' local ok, e = pcall(cjson.decode, s) return {tostring(ok), e, redis.call('SET', 'after', 'x')}`),
      eval_(`local t = {} for i = 1, ${N} do t[i] = 'x' end t[${N}] = {} return table.concat(t)`),
    ]) {
      const ours = await slicedDigest(s, cmd);
      expect(ours, cmd[1]).toEqual(await digestOf(s.real.port, cmd));
    }
  }, 300_000);

  it('cmsgpack and cjson in steps still answer as redis-server: nesting, maps, offsets, errors', async () => {
    for (const body of [
      "return {cmsgpack.unpack(cmsgpack.pack({1,2,{a=1,b={3,4}},'x'}, 5, {}, true))}",
      "return cjson.encode({cmsgpack.unpack(string.char(0x82, 0xa1, 0x61, 1, 0xa1, 0x62, 0x91, 0xc0))})",
      'return {cmsgpack.unpack(string.char(0x80, 0x90, 0x81, 1, 2))}',
      "return {cmsgpack.unpack_limit(cmsgpack.pack(1, {2, 3}, 'z'), 2)}",
      'return {pcall(cmsgpack.unpack, string.char(0x92, 1))}',
      'return {pcall(cmsgpack.unpack, string.char(0xc1))}',
      'return {cmsgpack.unpack_one(cmsgpack.pack(1, 2), 5)}',
      'return {cmsgpack.unpack_one(cmsgpack.pack(1, 2), -1)}',
      'return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2), -1)}',
      "local t = {} for i = 1, 300 do t['k' .. i] = i end local s = '' for k in pairs(cmsgpack.unpack(cmsgpack.pack(t))) do s = s .. k end return s",
      "return cmsgpack.pack({a={1,2,{}}, b='x', [3]=4, [1.5]=2}, {[{1}]={2}}, function() end, true)",
      'local t = {} local c = t for i = 1, 20 do c[1] = {} c = c[1] end return cmsgpack.pack(t)',
      'return {cmsgpack.pack({1, 2, nil, 4}), cmsgpack.pack({[2]=1, [3]=2}), pcall(cmsgpack.pack)}',
      "return {cjson.encode({a={1,2,{}}, b='x', [3]=4, [1.5]=2}), cjson.encode({[2]=1, [3]=2}), cjson.encode({{}, {{}}})}",
      'local t = {} local c = t for i = 1, 1100 do c[1] = {} c = c[1] end return {pcall(cjson.encode, t)}',
      'return {pcall(cjson.encode, {[{1}]={2}}), pcall(cjson.encode, {[1000]=1}), pcall(cjson.encode, {a = {b = function() end}})}',
      'local c = cjson.new() c.encode_max_depth(2) return {pcall(c.encode, {{{1}}})}',
      `return cjson.encode(cjson.decode(' { "a" : [ ] , "b" : { } , "c" : [ [ ] , { } ], "d": [1, {"e": null}] } '))`,
      `return {pcall(cjson.decode, '[1,2'), pcall(cjson.decode, '[1 2]'), pcall(cjson.decode, '{"a" 1}'), pcall(cjson.decode, '{1:2}')}`,
      `return {pcall(cjson.decode, '{"a":1,}'), pcall(cjson.decode, '[1] x'), pcall(cjson.decode, ''), pcall(cjson.decode, '{}}')}`,
      "return {pcall(cjson.decode, string.rep('[', 1001) .. string.rep(']', 1001))}",
      `local s = '' for k in pairs(cjson.decode('{"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7}')) do s = s .. k end return s`,
    ]) {
      expect(await digestOf(s.busy.port, eval_(body)), body).toEqual(await digestOf(s.real.port, eval_(body)));
    }
  });
});
