// What a script does in one call or a few instructions whose work grows with the input: a command it calls
// over a big key (the command's own work, before its reply reaches Lua), table.sort, patterns that backtrack
// (string.find of 'a*b'), gsub/gmatch over long strings, upper/lower/reverse of many MB, loops of big unpacks
// and of redis.calls with thousands of arguments. Each runs in steps between the script's yields: another node
// answers PING meanwhile (CPU-time bound), the script stays atomic on its node, the replies equal redis-server's,
// and SCRIPT KILL stops a pattern that would backtrack for hours.
import { describe, expect, it } from 'vitest';
import { RawClient, realRedisAvailable } from './helpers.ts';
import { digestOf, slicedDigest, STALL_BOUND_MS, stallServers, whileWorking } from './stall.ts';

const N = Number(process.env.ISO_N ?? 200_000);
const available = realRedisAvailable();

/** Sorted set `z`, hash `h` of N elements each. */
function fill(): string[][] {
  const out: string[][] = [];
  for (let from = 0; from < N; from += 1000) {
    const [z, h] = [['ZADD', 'z'], ['HSET', 'h']];
    for (let i = from; i < from + 1000; i++) {
      z.push(String(i % 977), `m${i}`);
      h.push(`f${i}`, `v${i}`);
    }
    out.push(z, h);
  }
  return out;
}

const eval_ = (body: string, ...keys: string[]) => ['EVAL', body, String(keys.length), ...keys];

describe.skipIf(!available)('script calls whose work grows with their input', () => {
  const s = stallServers(fill);

  it('commands over big keys, table.sort, patterns, big strings, unpack and many-argument calls answer as redis-server while another node answers', async () => {
    const numbers = `local t = {} for i = 1, ${N} do t[i] = (i * 7919) % ${N / 4} end`;
    for (const cmd of [
      eval_(`local t = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES') return {#t, t[1], t[2], t[#t]}`, 'z'),
      // A hash's order is each server's own: sorted before it is compared.
      eval_(`local t = redis.call('HKEYS', KEYS[1]) table.sort(t) return {#t, t[7], redis.sha1hex(table.concat(t))}`, 'h'),
      eval_(`${numbers} table.sort(t) return {t[1], t[${N / 2}], t[${N}], redis.sha1hex(table.concat(t, ','))}`),
      // Equal keys under a comparator: their order is 5.1's quicksort's.
      eval_(`local t = {} for i = 1, ${N} do t[i] = {k = i % 13, i = i} end table.sort(t, function(a, b) return a.k < b.k end) local r = {} for i = 1, ${N} do r[i] = t[i].i end return redis.sha1hex(table.concat(r, ','))`),
      eval_(`local t = {} for i = 1, ${N} do t[i] = i % 5 end return {pcall(table.sort, t, function(a, b) return true end)}`),
      eval_(`return {string.find(string.rep('a', 5000), 'a*b')}`),
      eval_(`return {string.find(string.rep('a', 5000) .. 'b', '(a-)(b)')}`),
      eval_(`local r, n = string.gsub(string.rep('ab', ${N}), '(a)', '%1x') return {n, #r, redis.sha1hex(r)}`),
      eval_(`local n = 0 for w in string.gmatch(string.rep('ab ', ${N}), '%a+') do n = n + 1 end return n`),
      eval_(`return {pcall(string.gsub, string.rep('a', ${N}), 'a', function(c) if c == 'a' then error('stop') end end)}`),
      eval_(`local t = {} for i = 1, 7999 do t[i] = i end local n = 0 for i = 1, 100 do n = n + #{unpack(t)} end return n`),
      eval_(`local t = {'SADD', 'many'} for i = 1, 7997 do t[#t + 1] = 'm' .. i end for i = 1, 60 do redis.call(unpack(t)) end return redis.call('SCARD', 'many')`),
    ]) {
      const ours = await slicedDigest(s, cmd);
      expect(ours, cmd[1]).toEqual(await digestOf(s.real.port, cmd));
    }
    // upper/lower/reverse of 12 MB: in steps, what remains is the collection of the 12 MB strings each makes,
    // which a whole run pays too (whole 391 ms, a PING meanwhile 214 alone and 260 in a loaded fresh clone, of
    // process CPU with the collector's threads). Held to twice the stall bound; its replies still as redis-server's.
    const big = eval_(`local s = string.rep('aBc', ${(8 * 2 ** 20) / 2}) return {redis.sha1hex(s:upper()), redis.sha1hex(s:lower()), redis.sha1hex(s:reverse())}`);
    expect(await slicedDigest(s, big, 2 * STALL_BOUND_MS), 'upper/lower/reverse').toEqual(await digestOf(s.real.port, big));
  }, 600_000);

  it('SCRIPT KILL stops a pattern that backtracks without end, while another node answers', async () => {
    const e = s.busy.server.engine;
    const killer = await RawClient.connect(s.busy.port);
    try {
      // SCRIPT KILL is answered once the script made the node busy.
      expect(await killer.call('CONFIG', 'SET', 'busy-reply-threshold', '50')).toBe('+OK\r\n');
      let reply = '';
      const { answered } = await whileWorking(s.other.port, async () => {
        const running = digestOf(s.busy.port, eval_(`return string.find(string.rep('a', 1000000), '.-b')`));
        await expect.poll(() => e.scripting.running !== null, { interval: 5 }).toBe(true);
        expect(await killer.call('SCRIPT', 'KILL')).toBe('+OK\r\n');
        reply = (await running).head;
      });
      expect(answered).toBeGreaterThan(0);
      // (digestOf keeps the reply's first 32 bytes)
      expect(reply).toMatch(/^-ERR Script killed by user with/);
      expect(await killer.call('PING')).toBe('+PONG\r\n');
      expect(await killer.call('CONFIG', 'SET', 'busy-reply-threshold', '5000')).toBe('+OK\r\n');
    } finally {
      killer.close();
    }
  }, 120_000);
});
