// SCRIPT KILL / FUNCTION KILL of scripts that catch errors with pcall, against redis-server 7.0:
// a loop around pcall must still end (a caught error once switched our VM's hook off for good, so the
// script spun without yielding and the whole process stopped answering). Our engine runs in a
// child process so that such a hang fails the test instead of freezing it.
import { describe, expect, it } from 'vitest';
import { RawClient, encodeCommand, realRedisAvailable } from './helpers.ts';
import { standalonePair } from './standalone-process.ts';

const available = realRedisAvailable();

const PCALL_LOOP = "local f = function() while 1 do redis.call('ping') end end while 1 do pcall(f) end";
const LIBRARY = `#!lua name=spin\nredis.register_function('spin', function(KEYS, ARGV)\n local f = function() while true do end end\n while true do pcall(f) end\nend)`;

/** Starts `start` on one connection, waits for -BUSY on another, kills it; returns what each saw. */
async function killWhileBusy(port: number, start: string[], kill: string[]): Promise<string[]> {
  const runner = await RawClient.connect(port);
  const other = await RawClient.connect(port);
  try {
    const seen: string[] = [await other.call('CONFIG', 'SET', 'busy-reply-threshold', '50')];
    runner.write(encodeCommand(start));
    const deadline = Date.now() + 20_000;
    let ping = await other.call('PING');
    while (!ping.startsWith('-BUSY') && Date.now() < deadline) ping = await other.call('PING');
    seen.push(ping);
    seen.push(await other.call(...kill));
    seen.push((await runner.read(20_000)).toString('latin1'));
    seen.push(await other.call('PING'));
    return seen;
  } finally {
    runner.close();
    other.close();
  }
}

/**
 * Scripts whose pcall catches the kill. redis-server raises it again at each new line, function entry
 * and backward jump only, so what is left of the same line runs: redis.call works, the script returns.
 */
const CAUGHT = [
  "local ok, e = pcall(function() while true do end end) redis.call('SET', 'after', tostring(e)) return {tostring(ok), e}",
  "local ok, e = pcall(function() while true do end end)\nredis.call('SET', 'after', tostring(e))\nreturn {tostring(ok), e}",
  'local f = function() while true do end end local a = pcall(f) local b, e2 = pcall(function() return 1 end) return {tostring(a), tostring(b), e2}',
  'local ok = pcall(function() while true do end end) local n = 0 for i = 1, 3 do n = n + 1 end return n',
  "local ok, e = xpcall(function() while true do end end, function(m) return 'h:' .. type(m) end) return {tostring(ok), e}",
  "local ok, e = pcall(function() while true do end end) return {redis.pcall('INCR', 'after'), tostring(ok), #e}",
  "local n = 0 local ok = pcall(function() while true do n = n + 1 end end) return {tostring(ok), tostring(n > 0), select('#', 1, 2)}",
];

describe.skipIf(!available)('killing scripts that catch errors with pcall', () => {
  const pair = standalonePair();

  it('a pcall that catches SCRIPT KILL lets the rest of its line run, as on redis-server', async () => {
    const steps = async (port: number) => {
      const out: string[][] = [];
      for (const body of CAUGHT) {
        const c = await RawClient.connect(port);
        await c.call('DEL', 'after');
        const seen = await killWhileBusy(port, ['EVAL', body, '0'], ['SCRIPT', 'KILL']);
        out.push([...seen, await c.call('GET', 'after'), await c.call('SCRIPT', 'KILL')]);
        c.close();
      }
      return out;
    };
    const want = await steps(pair.real.port);
    expect(want[0]?.[3]).toMatch(/^\*2\r\n\$5\r\nfalse\r\n/);
    expect(await steps(pair.ours.port)).toEqual(want);
  }, 120_000);

  it('SCRIPT KILL ends an EVAL looping around pcall, with redis-server reply for reply', async () => {
    const steps = async (port: number) => killWhileBusy(port, ['EVAL', PCALL_LOOP, '0'], ['SCRIPT', 'KILL']);
    const want = await steps(pair.real.port);
    expect(want[3]).toMatch(/^-ERR Script killed by user with SCRIPT KILL\.\.\. script: [0-9a-f]{40}, on @user_script:1\.\r\n$/);
    expect(await steps(pair.ours.port)).toEqual(want);
  }, 60_000);

  it('FUNCTION KILL ends an FCALL looping around pcall, with redis-server reply for reply', async () => {
    const steps = async (port: number) => {
      const c = await RawClient.connect(port);
      const loaded = await c.call('FUNCTION', 'LOAD', 'REPLACE', LIBRARY);
      c.close();
      return [loaded, ...(await killWhileBusy(port, ['FCALL', 'spin', '0'], ['FUNCTION', 'KILL']))];
    };
    const want = await steps(pair.real.port);
    // redis-server 7.0 names SCRIPT KILL here too.
    expect(want[4]).toMatch(/^-ERR Script killed by user with SCRIPT KILL\.\.\. script: spin, on @user_function:\d\.\r\n$/);
    expect(await steps(pair.ours.port)).toEqual(want);
  }, 60_000);
});
