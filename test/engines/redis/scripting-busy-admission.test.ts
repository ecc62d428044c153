// What other clients get while a function has run past busy-reply-threshold, against redis-server
// 7.0: FUNCTION STATS answers (it is allowed while busy, and Redis's unit/functions calls it before
// FUNCTION KILL: ours answered -BUSY, so the function was never killed and every later test met
// -BUSY); unknown commands and arity errors are answered as such before any -BUSY; a client under
// CLIENT REPLY OFF is refused silently; after FUNCTION KILL the node takes FLUSHALL again.
import { describe, expect, it } from 'vitest';
import { RawClient, encodeCommand, realRedisAvailable } from './helpers.ts';
import { serverPair } from './server-pair.ts';

const available = realRedisAvailable();

const SPIN = "#!lua name=spin\nredis.register_function('spin', function(KEYS, ARGV)\n local a = 1 while true do a = a + 1 end\nend)";

async function busySession(port: number): Promise<string[]> {
  const runner = await RawClient.connect(port);
  const other = await RawClient.connect(port);
  const quiet = await RawClient.connect(port);
  try {
    const seen = [await other.call('CONFIG', 'SET', 'busy-reply-threshold', '50'), await other.call('FUNCTION', 'LOAD', 'REPLACE', SPIN)];
    // Silenced from here on: the next reply it gets is the one CLIENT REPLY ON gives. Its SET says it got that far.
    quiet.write(Buffer.concat([encodeCommand(['CLIENT', 'REPLY', 'OFF']), encodeCommand(['SET', 'quiet', '1'])]));
    for (let i = 0; i < 1000 && (await other.call('GET', 'quiet')) !== '$1\r\n1\r\n'; i++) await new Promise((r) => setTimeout(r, 10));
    runner.write(encodeCommand(['FCALL', 'spin', '0']));
    const deadline = Date.now() + 20_000;
    let ping = await other.call('PING');
    while (!ping.startsWith('-BUSY') && Date.now() < deadline) ping = await other.call('PING');
    seen.push(ping);
    // How long it has run differs from run to run.
    seen.push((await other.call('FUNCTION', 'STATS')).replace(/duration_ms\r\n:\d+/, 'duration_ms\r\n:N'));
    seen.push(await other.call('NOSUCHCOMMAND'));
    seen.push(await other.call('GET'));
    seen.push(await other.call('FUNCTION'));
    seen.push(await other.call('SCRIPT', 'KILL'));
    quiet.write(encodeCommand(['SET', 'k', 'v']));
    seen.push(await other.call('FUNCTION', 'KILL'));
    seen.push((await runner.read(20_000)).toString('latin1'));
    seen.push(await other.call('EXISTS', 'k'));
    seen.push(await other.call('FLUSHALL'));
    quiet.write(encodeCommand(['CLIENT', 'REPLY', 'ON']));
    seen.push((await quiet.read(10_000)).toString('latin1'));
    seen.push(await quiet.call('PING'));
    return seen;
  } finally {
    runner.close();
    other.close();
    quiet.close();
  }
}

describe.skipIf(!available)('commands of other clients while a function is busy', () => {
  const servers = serverPair();

  it('are answered as by redis-server, and the node is usable after FUNCTION KILL', async () => {
    const want = await busySession(servers.real.port);
    expect(want[3]).toContain('running_script');
    expect(want[12]).toBe('+OK\r\n');
    expect(await busySession(servers.ours.port)).toEqual(want);
  }, 60_000);
});
