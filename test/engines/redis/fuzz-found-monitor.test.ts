// MONITOR differences the random differential (tools/redis-fuzz, a peer in MONITOR mode on even
// seeds) found: the lines a monitor hears, times and client addresses masked, compared with
// redis-server 7.0.
import { describe, expect, it } from 'vitest';
import { FrameConn } from '../../../tools/redis-fuzz/conn.ts';
import { differential, realRedisAvailable } from './helpers.ts';
import { serverPair } from './server-pair.ts';

const available = realRedisAvailable();

/** Runs each command on one client (replies read one by one) and answers what a monitor heard, up to an ECHO. */
async function monitorLines(port: number, commands: string[][]): Promise<string[]> {
  const mon = await FrameConn.open(port);
  const c = await FrameConn.open(port);
  try {
    await mon.call(['MONITOR']);
    for (const cmd of commands) await c.call(cmd);
    await c.call(['ECHO', 'end']);
    const out: string[] = [];
    for (let f = await mon.frame(10000); f !== null; f = await mon.frame(10000)) {
      const line = (f.text ?? '').replace(/^\d+\.\d+ \[(\d+) [^\]]+\]/, '[$1]');
      if (line === '[0] "ECHO" "end"') break;
      out.push(line);
    }
    return out;
  } finally {
    mon.close();
    c.close();
  }
}

describe.skipIf(!available)('MONITOR differences found by the random differential', () => {
  const pair = serverPair();

  it('a refused EXEC is shown (execCommandAbort feeds monitors), other refused commands are not (seed 70002)', async () => {
    const commands = [['EXEC', '1'], ['MULTI'], ['SET', 'k', 'v'], ['EXEC', 'x'], ['GET'], ['NOSUCH'], ['MULTI'], ['SUBSCRIBE', 'ch'], ['EXEC'], ['RESET'], ['MULTI'], ['EXEC']];
    const [ours, real] = await Promise.all([monitorLines(pair.ours.port, commands), monitorLines(pair.real.port, commands)]);
    expect(ours).toEqual(real);
    expect(real).toContain('[0] "EXEC" "1"');
  });

  it('a script or function that may write is refused before it runs under min-replicas-to-write, even through FCALL_RO/EVAL_RO: not shown to monitors, a rejected call (options family, seed 90084)', async () => {
    const lib = "#!lua name=opt\nredis.register_function{function_name='o1', callback=function() return 1 end, flags={'allow-oom'}}\nredis.register_function{function_name='o2', callback=function() return 2 end, flags={'no-writes'}}";
    const commands = [
      ['FUNCTION', 'LOAD', 'REPLACE', lib], ['CONFIG', 'SET', 'min-replicas-to-write', '1'], ['CONFIG', 'RESETSTAT'],
      ['FCALL_RO', 'o1', '0'], ['FCALL', 'o1', '0'], ['FCALL_RO', 'o2', '0'], ['fcall', 'O2', '0'],
      ['EVAL', '#!lua\nreturn 1', '0'], ['EVAL_RO', '#!lua\nreturn 1', '0'], ['EVAL', '#!lua flags=no-writes\nreturn 1', '0'], ['EVAL', '#!lua flags="no-writes"\nreturn 1', '0'],
      ['EVAL', 'return 1', '0'], ['EVAL', "return redis.call('SET', 'k', 'v')", '0'], ['SCRIPT', 'LOAD', '#!lua\nreturn 3'], ['EVALSHA', 'e56a6a01a9e4e1c2a7fde3cfbcd6e6a3b7d1c3b4', '0'],
      ['EVAL', '#!lua', '0'], ['EVAL', '#!lua flags="no-writes', '0'], ['EVAL', '#!lua x\nreturn 1', '0'],
      ['MULTI'], ['FCALL', 'o1', '0'], ['FCALL', 'o2', '0'], ['EXEC'],
    ];
    const replies = await differential(pair.ours.port, pair.real.port, commands);
    expect(replies.filter((r) => r.ours !== r.real)).toEqual([]);
    const [ours, real] = await Promise.all([monitorLines(pair.ours.port, commands), monitorLines(pair.real.port, commands)]);
    expect(ours).toEqual(real);
    expect(real).toContain('[0] "fcall" "O2" "0"');
    expect(real).not.toContain('[0] "FCALL_RO" "o1" "0"');
    const stats = async (port: number): Promise<string[]> => {
      const c = await FrameConn.open(port);
      try {
        const info = (await c.call(['INFO', 'commandstats']))?.text ?? '';
        return info.split('\r\n').filter((l) => /^cmdstat_(eval|fcall)/.test(l)).map((l) => l.replace(/usec=\d+,usec_per_call=[\d.]+,/, '')).sort();
      } finally {
        await c.call(['CONFIG', 'SET', 'min-replicas-to-write', '0']);
        c.close();
      }
    };
    expect(await stats(pair.ours.port)).toEqual(await stats(pair.real.port));
  });

  it('AUTH, HELLO and MIGRATE show their secrets redacted only once their parsing reached them: not after a syntax or protocol error first, nor past a HELLO AUTH that failed (seeds 71186, 71352)', async () => {
    const m = ['MIGRATE', '127.0.0.1', '1', 'k', '0', '10'];
    const commands = [
      ['AUTH', 'nosuch', 'x', 'EXTRA'], ['AUTH', 'a', 'b'], ['AUTH', 'a'], ['HELLO', '5', 'AUTH', 'default', 'x'], ['HELLO', '03', 'AUTH', 'a', 'b'], ['HELLO', '3', 'x', 'AUTH', 'a', 'b'],
      ['HELLO', '3', 'AUTH', 'a'], ['HELLO', '3', 'AUTH', 'a', 'b', 'SETNAME', 'n', 'AUTH', 'c', 'd'], ['HELLO', '3', 'AUTH', 'default', 'x', 'AUTH', 'c', 'd'],
      ['HELLO', '2', 'SETNAME', 'n', 'AUTH', 'default', 'y', 'x', 'AUTH', 'c', 'd'], [...m, 'x', 'AUTH', 'pw'], [...m, 'COPY', 'AUTH', 'pw'], [...m, 'AUTH2', 'u'],
      [...m, 'AUTH2', 'u', 'p', 'REPLACE', 'AUTH', 'q'], ['MIGRATE', '127.0.0.1', '1', '', '0', '10', 'AUTH', 'q', 'KEYS', 'auth', 'x'], ['HELLO', '2'],
    ];
    const [ours, real] = await Promise.all([monitorLines(pair.ours.port, commands), monitorLines(pair.real.port, commands)]);
    expect(ours).toEqual(real);
    expect(real).toContain('[0] "AUTH" "nosuch" "x" "EXTRA"');
  });
});
