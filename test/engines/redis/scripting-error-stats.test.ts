// Error and command stats of scripts against redis-server 7.0 (Redis's unit/scripting checks them):
// a command refused inside a script counts in errorstats and its rejected_calls when refused, a
// command's own error when it ran, neither twice when the script passes it on; the script's command
// is a failed call whenever its reply holds an error; redis.error_reply and {err=...} count when
// replied. Also SORT BY a constant from a script, which Redis sorts anyway.
import { describe, expect, it } from 'vitest';
import { RawClient, realRedisAvailable } from './helpers.ts';
import { serverPair } from './server-pair.ts';

const available = realRedisAvailable();

const SCENARIOS: string[][][] = [
  [['CONFIG', 'SET', 'maxmemory', '1'], ['EVAL', "return redis.call('set','x','y')", '1', 'x']],
  [['CONFIG', 'SET', 'maxmemory', '1'], ['EVAL', "local t = redis.pcall('set','x','y') return t['err']", '1', 'x']],
  [['CONFIG', 'SET', 'maxmemory', '1'], ['EVAL', "return redis.pcall('set','x','y')", '1', 'x']],
  [['EVAL', "return redis.call('select',99)", '0']],
  [['EVAL', "local t = redis.pcall('select',99) return t['err']", '0']],
  [['EVAL', "return redis.pcall('select',99)", '0']],
  [['EVAL_RO', "return redis.call('set','x','y')", '1', 'x']],
  [['EVAL_RO', "local t = redis.pcall('set','x','y') return t['err']", '1', 'x']],
  [['SET', 'Sicily', '1'], ['EVAL', "return redis.call('GEOADD', 'Sicily', '13.361389', '38.115556', 'Palermo')", '1', 'x']],
  [['EVAL', "return redis.error_reply('MY_ERR_CODE custom msg')", '0']],
  [['EVAL', "return redis.error_reply('')", '0']],
  [['EVAL', "return {1, {err='XX nested'}, redis.pcall('select', 99)}", '0']],
  [['EVAL', "return redis.call('nosuch')", '0']],
  [['EVAL', "return redis.pcall('nosuch')", '0']],
  [['EVAL', "return redis.call('get')", '0']],
  [['EVAL', "return redis.call('get', {})", '0']],
  [['EVAL', "error({err='MYERR bad'})", '0']],
  [['EVAL', "return redis.call('multi')", '0']],
  [['SET', 's', '1'], ['EVAL', "redis.call('incr', 's') return redis.call('lpush', 's', 'a')", '0']],
  [['SADD', 'myset', 'c', 'aa', 'b', 'a'], ['EVAL', "return redis.call('sort', KEYS[1], 'by', '_')", '1', 'myset'], ['EVAL', "return redis.call('sort', KEYS[1], 'by', '_', 'desc', 'limit', '1', '2')", '1', 'myset']],
];

/** The replies, then total_error_replies, errorstats and commandstats (without timings, sorted: Redis lists them in hash order). */
async function run(port: number, scenario: string[][]): Promise<string[]> {
  const c = await RawClient.connect(port);
  try {
    await c.call('FLUSHALL');
    await c.call('CONFIG', 'SET', 'maxmemory', '0');
    await c.call('CONFIG', 'RESETSTAT');
    const out: string[] = [];
    for (const cmd of scenario) out.push(await c.call(...cmd));
    await c.call('CONFIG', 'SET', 'maxmemory', '0');
    const lines = async (section: string) => (await c.call('INFO', section)).split('\r\n').filter((l) => /^(total_error_replies|errorstat_|cmdstat_)/.test(l) && !/^cmdstat_(config|info|flushall)/.test(l));
    const stats = [...(await lines('stats')), ...(await lines('errorstats')), ...(await lines('commandstats'))];
    return [...out, ...stats.map((l) => l.replace(/usec=\d+,usec_per_call=[\d.]+,/, '')).sort()];
  } finally {
    c.close();
  }
}

describe.skipIf(!available)('error and command stats of scripts', () => {
  const servers = serverPair();

  it('count as in redis-server for refusals, command errors, pcall and error replies', async () => {
    const diffs: { scenario: string; ours: string[]; real: string[] }[] = [];
    for (const sc of SCENARIOS) {
      const want = await run(servers.real.port, sc);
      const got = await run(servers.ours.port, sc);
      if (JSON.stringify(got) !== JSON.stringify(want)) diffs.push({ scenario: JSON.stringify(sc), ours: got, real: want });
    }
    expect(diffs).toEqual([]);
  }, 60_000);
});
