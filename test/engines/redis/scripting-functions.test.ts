// Redis 7 functions against real redis-server: FUNCTION LOAD/LIST/DELETE/FLUSH/STATS/KILL/DUMP/RESTORE,
// FCALL/FCALL_RO with the same raw replies; dumps restore across both servers.
import { describe, expect, it } from 'vitest';
import { differential, RawClient, realRedisAvailable, startServer } from './helpers.ts';
import { serverPair } from './server-pair.ts';
import { FUNCTION_CASES } from './scripting-functions-cases.ts';

const available = realRedisAvailable();

const LIB = "#!lua name=mylib\nredis.register_function('myincr', function(keys, args) return redis.call('incr', keys[1]) end)\nredis.register_function{function_name='myget', callback=function(keys) return redis.call('get', keys[1]) end, flags={'no-writes'}}";

// Libraries with several functions list them in hash order, which differs; one function lists the same.
const ONE = "#!lua name=one\nredis.register_function{function_name='only', callback=function() return 1 end, flags={'no-writes', 'allow-oom'}, description='the one'}";

describe.skipIf(!available)('functions differential', () => {
  const pair = serverPair();

  it('load errors, FCALL, FCALL_RO, LIST, STATS, DELETE, FLUSH match', async () => {
    const out = await differential(pair.ours.port, pair.real.port, FUNCTION_CASES);
    expect(out.filter((r) => r.ours !== r.real)).toEqual([]);
  });

  it('matches under RESP3', async () => {
    const out = await differential(pair.ours.port, pair.real.port, [['FUNCTION', 'FLUSH'], ['FUNCTION', 'LOAD', LIB], ['FUNCTION', 'STATS'], ['FCALL', 'myincr', '1', 'k'], ['FCALL_RO', 'myget', '1', 'k'], ['FCALL_RO', 'myincr', '1', 'k'], ['FUNCTION', 'FLUSH'], ['FUNCTION', 'LOAD', ONE], ['FUNCTION', 'LIST', 'WITHCODE']], 3);
    expect(out.filter((r) => r.ours !== r.real)).toEqual([]);
  });

  it('a FUNCTION DUMP of either server restores on the other', async () => {
    const a = await RawClient.connect(pair.ours.port);
    const b = await RawClient.connect(pair.real.port);
    try {
      for (const [from, to] of [
        [a, b],
        [b, a],
      ] as const) {
        await from.call('FUNCTION', 'FLUSH');
        await to.call('FUNCTION', 'FLUSH');
        await from.call('FUNCTION', 'LOAD', LIB);
        const dump = await from.call('FUNCTION', 'DUMP');
        const payload = Buffer.from(dump.slice(dump.indexOf('\r\n') + 2, -2), 'latin1');
        expect(await to.call('FUNCTION', 'RESTORE', payload)).toBe('+OK\r\n');
        expect(await to.call('FUNCTION', 'RESTORE', payload)).toBe('-ERR Library mylib already exists\r\n');
        expect(await to.call('FUNCTION', 'RESTORE', payload, 'REPLACE')).toBe('+OK\r\n');
        await to.call('DEL', 'n');
        expect(await to.call('FCALL', 'myincr', '1', 'n')).toBe(':1\r\n');
        expect(await to.call('FUNCTION', 'RESTORE', 'garbage')).toBe('-ERR DUMP payload version or checksum are wrong\r\n');
      }
    } finally {
      a.close();
      b.close();
    }
  });
});

describe('functions on replicas', () => {
  it('a replica gets the primary\'s libraries at attach and every later change; FCALL writes are refused there', async () => {
    const primary = await startServer();
    const replica = await startServer();
    const p = await RawClient.connect(primary.port);
    const r = await RawClient.connect(replica.port);
    try {
      await p.call('FUNCTION', 'LOAD', LIB);
      replica.server.engine.replicaOf(primary.server.engine);
      await p.call('SET', 'k', '7');
      await p.call('WAIT', '1', '1000');
      expect(await r.call('FCALL_RO', 'myget', '1', 'k')).toBe('$1\r\n7\r\n');
      expect(await r.call('FCALL', 'myincr', '1', 'k')).toBe("-READONLY You can't write against a read only replica.\r\n");
      await p.call('FUNCTION', 'LOAD', ONE);
      expect(await r.call('FCALL_RO', 'only', '0')).toBe(':1\r\n');
      await p.call('FUNCTION', 'DELETE', 'one');
      expect(await r.call('FCALL_RO', 'only', '0')).toBe('-ERR Function not found\r\n');
    } finally {
      p.close();
      r.close();
      replica.server.engine.replicaOf(null);
      await primary.server.close();
      await replica.server.close();
    }
  });
});
