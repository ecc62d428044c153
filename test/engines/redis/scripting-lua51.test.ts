// Where Lua 5.1 inside redis-server 7.0 differs from a Lua 5.3 VM, against the real server: numbers
// are doubles (no 32-bit integer wrap), printf rounds exact halves to even, nesting limits and their
// messages, and keys expire as of the script's start.
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { differential, encodeCommand, realRedisAvailable } from './helpers.ts';
import { serverPair } from './server-pair.ts';

const available = realRedisAvailable();

const nest = (n: number, tail = 'return t'): string => `local t = {} local cur = t for i=1,${n} do cur[1] = {} cur = cur[1] end ${tail}`;

const SCRIPTS = [
  // Integers are doubles: products of lengths, string positions and table keys do not wrap.
  'local t = {} for i=1,50000 do t[i]=i end return #t*#t',
  "local n = string.len(string.rep('a', 70000)) return n * string.len(string.rep('a', 70000))",
  'local t = {[50000]=1, [60000.5]=2} local s = {} for k,v in pairs(t) do s[#s+1] = k * k end table.sort(s) return s',
  "local s = 0 for i, c in ipairs({string.byte(string.rep('z', 10), 1, 10)}) do s = s + i * c * 2^31 end return s",
  "return select('#', 1, 2, 3) * 2^40",
  // Hexadecimal numerals are read whole (BullMQ's priority score is priority * 0x100000000 + counter).
  "return {tostring(0x100000000), tostring(0xffffffff), tostring(0x80000000), tostring(-0x10), tostring('0x100000000' + 0), tostring(tonumber('0x1FFFFFFFFF')), tostring(0x123456789abcdef), tostring(0x1fffffffffffffffffff), tostring(tonumber(' -0x20 ')), tostring(tonumber('0x')), tostring(0x10 * 0x100000000 + 7 % 0x100000000)}",
  // printf: exact halves to even, exponents of at least two digits, %g's choice, flags and widths.
  "return string.format('%.1f', 0.25)",
  "return {string.format('%.1f', 0.35), string.format('%.2f', 0.125), string.format('%.0f', 2.5), string.format('%.0f', 3.5), string.format('%.3g', 2.5e-5), string.format('%.1e', 2.5), string.format('%5.1f', -0.25), tostring(0.1+0.2), string.format('%.14g', 2^53+1)}",
  "return {string.format('%5.2f|%-8.3e|%+d|%x|%X|%o|%#x|%05d|%.3d|% d|%g|%g|%g|%G', 3.14159, 1234.5, 5, 255, 255, 8, 255, -42, 7, 3, 100000, 1000000, 1e-5, 1e-20)}",
  "return {string.format('%d', 3.7), string.format('%d', -3.7), string.format('%s|%10s|%-5s|%.2s', 'abc', 'abc', 'ab', 'abc'), string.format('%c%c', 65, 66), string.format('%.20f', 0.1), string.format('%.3f', 1e300):sub(1,20), string.format('%e', 0)}",
  'return {tostring(12345678901234.5), tostring(0.1), tostring(1/3), tostring(123456789012345678), tostring(2^53), tostring(-1e-300), tostring(5e-324), tostring(100), tostring(-7.5)}',
  "return {string.format('%.14g', 2^53+1), string.format('%.0f', 0.5), string.format('%.0f', 1.5), string.format('%.1f', 0.05), string.format('%.2e', 1.125), string.format('%10.4g|%-10.2G|', 0.00012345, 1234567)}",
  "return {string.format('%#.3g|%#x|%#o|%+.2e|% .1f|%-6d|', 1, 0, 8, 12345.678, 2.25, -3)}",
  // %q: 5.1 escapes only the quote, backslash, newline, \r and NUL, and quotes a number's string form.
  "return {string.format('%q', 'a\\0b\\1c\\r\\n\"\\\\\\t\\255'), string.format('%q', 1.5), string.format('%q', 1e100), string.format('%5q|%s|%%|%q', 'x', 'y', 'z'), ('%q'):format('')}",
  'return cjson.encode({1.5, 0.1, 1e100, 2^53, -0.25, 123456789012345.5})',
  // Nesting: lua_cjson's limits and messages, and the depth at which Redis's reply conversion stops.
  nest(1100, 'return cjson.encode(t)'),
  nest(999, 'return #cjson.encode(t)'),
  nest(1000, 'return #cjson.encode(t)'),
  nest(250, 'return cjson.encode(t)'),
  "return cjson.decode(string.rep('[', 1100) .. string.rep(']', 1100))",
  "return #cjson.decode(string.rep('[', 1000) .. string.rep(']', 1000))",
  "return #cjson.decode(string.rep('[', 1001) .. string.rep(']', 1001))",
  "local ok, e = pcall(cjson.decode, string.rep('[', 300) .. string.rep(']', 300)) return {tostring(ok), type(e)}",
  nest(1100),
  "return {map={a=1,b={1,2,{set={x=true}}}}, set={1}, double=1.5}",
  "return {1, {map={a={map={b={1,{err='x'},{ok='y'}}}}}}, {set={'q'}}, {double=2.5}, {big_number='123'}, true, false, nil, 5}",
  "return {map={[{1}]='v'}}",
  "return {set={[{1,2}]=true}}",
];

/** Sends one command and reads until a PING sent after it answers: no parsing of very deep replies. */
async function rawUntilPong(port: number, args: string[]): Promise<string> {
  const s = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => s.once('connect', resolve).once('error', reject));
  let out = '';
  const done = new Promise<void>((resolve) =>
    s.on('data', (d: Buffer) => {
      out += d.toString('latin1');
      if (out.endsWith('+PONG\r\n')) resolve();
    }),
  );
  s.write(Buffer.concat([encodeCommand(args), encodeCommand(['PING'])]));
  await done;
  s.destroy();
  return out;
}

describe.skipIf(!available)('Lua 5.1 as redis-server 7.0 runs it', () => {
  const pair = serverPair();

  it('numbers, printf, nesting and reply conversion', async () => {
    const out = await differential(pair.ours.port, pair.real.port, SCRIPTS.map((s) => ['EVAL', s, '0']));
    expect(out.filter((r) => r.ours !== r.real)).toEqual([]);
  });

  it('reply conversion under RESP3', async () => {
    const out = await differential(pair.ours.port, pair.real.port, SCRIPTS.filter((s) => s.includes('map=') || s.includes('return t')).map((s) => ['EVAL', s, '0']), 3);
    expect(out.filter((r) => r.ours !== r.real)).toEqual([]);
  });

  it('a reply nested to the depth where Redis stops converting, and past it', async () => {
    for (const n of [7994, 7995, 9000]) {
      for (const s of [nest(n), nest(n - 1, 'return {1, 2, t}')]) {
        const [x, y] = await Promise.all([rawUntilPong(pair.ours.port, ['EVAL', s, '0']), rawUntilPong(pair.real.port, ['EVAL', s, '0'])]);
        expect(x.length, `${n}: ${x.slice(-80)} vs ${y.slice(-80)}`).toBe(y.length);
        expect(x === y).toBe(true);
      }
    }
  });

  it('keys expire as of the script start: a key whose TTL passes mid-script is still there', async () => {
    // The script waits (polling TIME, which is not frozen) until the key's deadline has passed.
    const body = `
      redis.call('SET', KEYS[1], 'v')
      local t = redis.call('TIME')
      local deadline = t[1] * 1000 + math.floor(t[2] / 1000) + 30
      redis.call('PEXPIREAT', KEYS[1], deadline)
      repeat t = redis.call('TIME') until t[1] * 1000 + math.floor(t[2] / 1000) > deadline + 5
      return {redis.call('EXISTS', KEYS[1]), redis.call('GET', KEYS[1]) or 'gone'}`;
    const out = await differential(pair.ours.port, pair.real.port, [['EVAL', body, '1', 'k'], ['EXISTS', 'k']]);
    expect(out.filter((r) => r.ours !== r.real)).toEqual([]);
    expect(out[0]?.ours).toBe('*2\r\n:1\r\n$1\r\nv\r\n');
    expect(out[1]?.ours).toBe(':0\r\n');
  });
});
