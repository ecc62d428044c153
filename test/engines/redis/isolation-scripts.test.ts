// A script's big value crosses between Lua and RESP in slices: a script returning a table of hundreds of
// thousands of elements, and one reading such a reply through redis.call. Another node answers PING
// meanwhile, the replies equal redis-server's, and the node's own clients see what redis-server's see: they
// wait (no -BUSY) while the ended script's value is written, and SCRIPT KILL then finds no script.
import { describe, expect, it } from 'vitest';
import { RawClient, realRedisAvailable } from './helpers.ts';
import { digestOf, replies, slicedDigest, stallServers } from './stall.ts';

const N = Number(process.env.ISO_N ?? 200_000);
const available = realRedisAvailable();

/** List `l`, hash `h` and set `s` of N elements each. */
function fill(): string[][] {
  const out: string[][] = [];
  for (let from = 0; from < N; from += 1000) {
    const [l, h, s] = [['RPUSH', 'l'], ['HSET', 'h'], ['SADD', 's']];
    for (let i = from; i < from + 1000; i++) {
      l.push(`e${i}`);
      h.push(`f${i}`, `v${i % 977}`);
      s.push(`m${i}`);
    }
    out.push(l, h, s);
  }
  return out;
}

const eval_ = (body: string, ...keys: string[]) => ['EVAL', body, String(keys.length), ...keys];

describe.skipIf(!available)('scripts with big values', () => {
  const s = stallServers(fill);

  const sliced = (cmd: string[]) => slicedDigest(s, cmd);

  it('a returned table of numbers, strings, nested tables, errors and status replies answers as redis-server', async () => {
    for (const cmd of [
      eval_(`local t = {} for i = 1, ${N} do t[i] = i * 3 end return t`),
      eval_(`local t = {} for i = 1, ${N} do t[i] = 'v' .. i end t[${N} + 2] = 'after the nil' return t`),
      eval_(`local t = {} for i = 1, ${N} do if i % 3 == 0 then t[i] = {i, {err = 'ERR e' .. i}} elseif i % 3 == 1 then t[i] = {ok = 'fine'} else t[i] = i + 0.5 end end return t`),
      eval_(`redis.setresp(3) local m = {} for i = 1, ${N} do m['k' .. i] = i end return {map = m}`),
    ]) {
      const ours = await sliced(cmd);
      expect(ours, cmd[1]).toEqual(await digestOf(s.real.port, cmd));
    }
    // The error counts of one run (sliced() ran each command twice on our node).
    const errors = eval_(`local t = {} for i = 1, ${N} do t[i] = {err = 'ERR e' .. i, ignore_error_stats_update = i % 2 == 0} end return t`);
    const stats = await Promise.all(
      [s.busy.port, s.real.port].map(async (p) => {
        await replies(p, [['CONFIG', 'RESETSTAT']]);
        const reply = await digestOf(p, errors);
        const [errorstats, commandstats] = await replies(p, [['INFO', 'errorstats'], ['INFO', 'commandstats']]);
        return { reply, errorstats, evalCalls: /cmdstat_eval:calls=\d+,[^\r]*?(rejected_calls=\d+,failed_calls=\d+)/.exec(commandstats ?? '')?.[1] };
      }),
    );
    expect(stats[0]?.evalCalls).toBeDefined();
    expect(stats[0]).toEqual(stats[1]);
  }, 300_000);

  it('a script reading an LRANGE, HGETALL (RESP3 map) or SMEMBERS (RESP3 set) of N elements gets what redis-server gives it', async () => {
    for (const cmd of [
      eval_(`local t = redis.call('LRANGE', KEYS[1], 0, -1) return {#t, t[1], t[${N / 2}], t[#t]}`, 'l'),
      eval_(`return redis.call('LRANGE', KEYS[1], 0, -1)`, 'l'),
      eval_(`redis.setresp(3) local m = redis.call('HGETALL', KEYS[1]).map local n, sum = 0, 0 for k, v in pairs(m) do n = n + 1 sum = sum + #k + #v end return {n, sum, m['f7']}`, 'h'),
      eval_(`redis.setresp(3) local m = redis.call('SMEMBERS', KEYS[1]).set local n = 0 for k, v in pairs(m) do if v == true then n = n + 1 end end return {n, tostring(m['m5'])}`, 's'),
      eval_(`local ok, t = pcall(redis.call, 'LRANGE', KEYS[1], 0, -1) return {tostring(ok), #t}`, 'l'),
    ]) {
      const ours = await sliced(cmd);
      expect(ours, cmd[1]).toEqual(await digestOf(s.real.port, cmd));
    }
  }, 300_000);

  it('while an ended script value is written, other clients wait instead of getting -BUSY and SCRIPT KILL finds no script', async () => {
    const e = s.busy.server.engine;
    const other = await RawClient.connect(s.busy.port);
    try {
      // Past this threshold a script makes the node answer -BUSY; this one runs longer than that.
      expect(await other.call('CONFIG', 'SET', 'busy-reply-threshold', '1')).toBe('+OK\r\n');
      const digest = digestOf(s.busy.port, eval_(`local t = {} for i = 1, ${N} do t[i] = 'v' .. i end return t`));
      await expect.poll(() => e.scripting.running?.replying === true, { interval: 1 }).toBe(true);
      other.write('*1\r\n$4\r\nPING\r\n');
      other.write('*2\r\n$6\r\nSCRIPT\r\n$4\r\nKILL\r\n');
      expect((await other.read(60_000)).toString()).toBe('+PONG\r\n');
      expect((await other.read(60_000)).toString()).toBe('-NOTBUSY No scripts in execution right now.\r\n');
      await digest;
      expect(e.scripting.running).toBe(null);
    } finally {
      await other.call('CONFIG', 'SET', 'busy-reply-threshold', '5000');
      other.close();
    }
  }, 120_000);

  it('a script suspended while it reads a big reply is still a running script: -BUSY past the threshold, SCRIPT KILL stops it', async () => {
    const e = s.busy.server.engine;
    const other = await RawClient.connect(s.busy.port);
    try {
      expect(await other.call('CONFIG', 'SET', 'busy-reply-threshold', '1')).toBe('+OK\r\n');
      const caller = await RawClient.connect(s.busy.port);
      caller.write(`*4\r\n$4\r\nEVAL\r\n$${"local t = redis.call('LRANGE', KEYS[1], 0, -1) while true do end".length}\r\nlocal t = redis.call('LRANGE', KEYS[1], 0, -1) while true do end\r\n$1\r\n1\r\n$1\r\nl\r\n`);
      await expect.poll(() => e.scripting.running?.busy === true, { interval: 1 }).toBe(true);
      expect(await other.call('GET', 'x')).toBe('-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n');
      expect(await other.call('SCRIPT', 'KILL')).toBe('+OK\r\n');
      expect((await caller.read(60_000)).toString()).toMatch(/^-ERR Script killed by user with SCRIPT KILL\.\.\./);
      caller.close();
    } finally {
      await other.call('CONFIG', 'SET', 'busy-reply-threshold', '5000');
      other.close();
    }
  }, 120_000);
});
