// COMMAND GETKEYS and the movablekeys flag as redis-server 7.0 reports them.
import { describe, expect, it } from 'vitest';
import { differential, RawClient, realRedisAvailable, script } from './helpers.ts';
import { serverPair } from './server-pair.ts';

const available = realRedisAvailable();

/** The flags of one command from a RESP2 COMMAND INFO reply. */
function flagsOf(reply: string): string[] {
  const m = /^\*1\r\n\*10\r\n\$\d+\r\n[^\r]+\r\n:-?\d+\r\n\*\d+\r\n((?:\+[^\r]+\r\n)*)/.exec(reply);
  return m ? [...(m[1] as string).matchAll(/\+([^\r]+)\r\n/g)].map((x) => x[1] as string).sort() : [`unparsed: ${reply.slice(0, 40)}`];
}

describe.skipIf(!available)('command introspection as redis-server 7.0', () => {
  const pair = serverPair();

  it('COMMAND GETKEYS finds the same keys', async () => {
    const cmds = script(`
      COMMAND GETKEYS SET k v
      COMMAND GETKEYS MSET a 1 b 2
      COMMAND GETKEYS ZUNIONSTORE d 2 a b WEIGHTS 1 2
      COMMAND GETKEYS ZINTERCARD 2 a b LIMIT 1
      COMMAND GETKEYS LMPOP 2 a b LEFT
      COMMAND GETKEYS XREAD COUNT 2 STREAMS s1 s2 0 0
      COMMAND GETKEYS XREADGROUP GROUP g c STREAMS s1 s2 0 0
      COMMAND GETKEYS SORT k BY w* LIMIT 0 1 GET # STORE dst
      COMMAND GETKEYS SORT k
      COMMAND GETKEYS MIGRATE h 1 "" 0 5 AUTH p KEYS a b
      COMMAND GETKEYS MIGRATE h 1 k 0 5
      COMMAND GETKEYS GET
      COMMAND GETKEYS PING
      COMMAND GETKEYS NOPE x
    `);
    const results = await differential(pair.ours.port, pair.real.port, cmds);
    expect(results.filter((r) => r.ours !== r.real)).toEqual([]);
  });

  it('commands whose keys are found by scanning the arguments are movablekeys', async () => {
    const names = ['get', 'set', 'sort', 'sort_ro', 'migrate', 'zunionstore', 'zunion', 'zinter', 'zdiff', 'zintercard', 'sintercard', 'zmpop', 'bzmpop', 'lmpop', 'blmpop', 'xread', 'xreadgroup', 'georadius', 'mset', 'del'];
    const a = await RawClient.connect(pair.ours.port);
    const b = await RawClient.connect(pair.real.port);
    try {
      const diffs: string[] = [];
      for (const n of names) {
        const [x, y] = [flagsOf(await a.call('COMMAND', 'INFO', n)), flagsOf(await b.call('COMMAND', 'INFO', n))];
        if (JSON.stringify(x) !== JSON.stringify(y)) diffs.push(`${n}: ${x.join(',')} vs ${y.join(',')}`);
      }
      expect(diffs).toEqual([]);
    } finally {
      a.close();
      b.close();
    }
  });
});
