// REPLICAOF an address nothing serves (Redis's unit/multi uses `replicaof localhsot 0`): accepted, the
// data kept, writes refused as on a read-only replica, ROLE and the link reported down, MASTERDOWN
// (also as EXECABORT) under replica-serve-stale-data no, and REPLICAOF may be queued in MULTI.
// Differential against redis-server; the host is a typo so neither server ever connects anywhere.
import { describe, expect, it } from 'vitest';
import { encodeCommand, RawClient, realRedisAvailable, script, waitBlocked } from './helpers.ts';
import { serverPair } from './server-pair.ts';

const available = realRedisAvailable();

/** Lines run in turn; a line starting with '2:' goes to a second connection. */
const SCENARIOS: Record<string, string> = {
  'data kept, writes and stale reads refused, then promoted back': `
    SET xx 1
    REPLICAOF localhsot 0
    REPLICAOF localhsot 0
    SET a 1
    GET xx
    ROLE
    CONFIG SET replica-serve-stale-data no
    GET xx
    PING
    DBSIZE
    INFO nosuchsection
    CONFIG GET replica-serve-stale-data
    REPLICAOF no one
    GET xx
  `,
  'EXEC of commands queued before the link went down': `
    SET xx 1
    CONFIG SET replica-serve-stale-data no
    MULTI
    GET xx
    2:REPLICAOF localhsot 0
    EXEC
    2:REPLICAOF no one
    MULTI
    PING
    2:REPLICAOF localhsot 0
    EXEC
    MULTI
    2:REPLICAOF no one
    GET xx
    EXEC
  `,
  'REPLICAOF queued in a transaction': `
    SET foo bar
    MULTI
    SET foo2 bar
    REPLICAOF localhsot 1
    SET foo3 bar
    EXEC
    SET foo4 bar
    REPLICAOF no one
    MGET foo foo2 foo3 foo4
  `,
  'a writable replica (replica-read-only no) takes writes, scripts too, until set back': `
    REPLICAOF localhsot 0
    CONFIG SET replica-read-only no
    SET a 1
    EVAL "return redis.call('set', 'b', '2')" 0
    MGET a b
    CONFIG SET replica-read-only yes
    SET a 2
    EVAL "return redis.call('set', 'b', '3')" 0
    MGET a b
  `,
  'bad ports': `
    REPLICAOF localhost 70000
    REPLICAOF localhost -1
    REPLICAOF localhost abc
    ROLE
  `,
};

describe.runIf(available)('REPLICAOF an unreachable primary, as redis-server 7.0', () => {
  const pair = serverPair();

  async function run(port: number, text: string): Promise<string[]> {
    const [a, b] = await Promise.all([RawClient.connect(port), RawClient.connect(port)]);
    try {
      await a.call('FLUSHALL');
      const out: string[] = [];
      for (const line of text.split('\n').map((l) => l.trim()).filter((l) => l !== '')) {
        const second = line.startsWith('2:');
        const cmd = script(second ? line.slice(2) : line)[0] as string[];
        out.push(await (second ? b : a).call(...cmd));
      }
      return out;
    } finally {
      await a.call('REPLICAOF', 'NO', 'ONE');
      await a.call('CONFIG', 'SET', 'replica-serve-stale-data', 'yes', 'replica-read-only', 'yes');
      a.close();
      b.close();
    }
  }

  it('clients blocked on keys get -UNBLOCKED and are closed as the server becomes a replica; REPLICAOF of the address it follows already leaves them (XREAD stays blocked)', async () => {
    const run = async (port: number): Promise<string[]> => {
      const [a, b, w] = await Promise.all([RawClient.connect(port), RawClient.connect(port), RawClient.connect(port)]);
      try {
        await a.call('FLUSHALL');
        b.write(encodeCommand(['BLPOP', 'foo', '0']));
        await waitBlocked(a, 1);
        const out = [await a.call('REPLICAOF', 'localhsot', '0'), (await b.read()).toString('latin1')];
        await b.waitClosed();
        out.push('closed');
        const wid = (await w.call('CLIENT', 'ID')).slice(1).trim();
        // A replica refuses BLPOP (a write); XREAD BLOCK reads.
        w.write(encodeCommand(['XREAD', 'BLOCK', '0', 'STREAMS', 'bar', '$']));
        await waitBlocked(a, 1);
        out.push(await a.call('REPLICAOF', 'localhsot', '0'), await a.call('CLIENT', 'UNBLOCK', wid));
        return out;
      } finally {
        await a.call('REPLICAOF', 'NO', 'ONE');
        for (const c of [a, b, w]) c.close();
      }
    };
    const theirs = await run(pair.real.port);
    expect(theirs.slice(0, 3)).toEqual(['+OK\r\n', '-UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)\r\n', 'closed']);
    expect(await run(pair.ours.port)).toEqual(theirs);
  });

  for (const [name, text] of Object.entries(SCENARIOS)) {
    it(name, async () => {
      const theirs = await run(pair.real.port, text);
      expect(await run(pair.ours.port, text)).toEqual(theirs);
    });
  }
});
