// SCRIPT KILL / FUNCTION KILL of scripts that catch errors with pcall, against redis-server 7.0:
// the kill must still end them (a caught error once switched our VM's hook off for good, so the
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

describe.skipIf(!available)('killing scripts that catch errors with pcall', () => {
  const pair = standalonePair();

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
