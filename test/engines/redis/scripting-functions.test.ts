// Redis 7 functions against real redis-server: FUNCTION LOAD/LIST/DELETE/FLUSH/STATS/KILL/DUMP/RESTORE,
// FCALL/FCALL_RO with the same raw replies; dumps restore across both servers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { differential, RawClient, realRedisAvailable, startRealRedis, startServer, type RealRedis, type Started } from './helpers.ts';
import { FUNCTION_CASES } from './scripting-functions-cases.ts';

const available = realRedisAvailable();

const LIB = "#!lua name=mylib\nredis.register_function('myincr', function(keys, args) return redis.call('incr', keys[1]) end)\nredis.register_function{function_name='myget', callback=function(keys) return redis.call('get', keys[1]) end, flags={'no-writes'}}";

// Libraries with several functions list them in hash order, which differs; one function lists the same.
const ONE = "#!lua name=one\nredis.register_function{function_name='only', callback=function() return 1 end, flags={'no-writes', 'allow-oom'}, description='the one'}";

describe.skipIf(!available)('functions differential', () => {
  let ours: Started;
  let real: RealRedis;
  beforeAll(async () => {
    ours = await startServer();
    real = await startRealRedis();
  });
  afterAll(async () => {
    await ours.server.close();
    await real.stop();
  });

  it('load errors, FCALL, FCALL_RO, LIST, STATS, DELETE, FLUSH match', async () => {
    const out = await differential(ours.port, real.port, FUNCTION_CASES);
    expect(out.filter((r) => r.ours !== r.real)).toEqual([]);
  });

  it('matches under RESP3', async () => {
    const out = await differential(ours.port, real.port, [['FUNCTION', 'FLUSH'], ['FUNCTION', 'LOAD', LIB], ['FUNCTION', 'STATS'], ['FCALL', 'myincr', '1', 'k'], ['FCALL_RO', 'myget', '1', 'k'], ['FCALL_RO', 'myincr', '1', 'k'], ['FUNCTION', 'FLUSH'], ['FUNCTION', 'LOAD', ONE], ['FUNCTION', 'LIST', 'WITHCODE']], 3);
    expect(out.filter((r) => r.ours !== r.real)).toEqual([]);
  });

  it('a FUNCTION DUMP of either server restores on the other', async () => {
    const a = await RawClient.connect(ours.port);
    const b = await RawClient.connect(real.port);
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
