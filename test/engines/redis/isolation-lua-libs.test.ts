// Library calls of a script whose work grows with their input are one JavaScript call each: table.concat of
// a million strings, string.rep of 100 MB. They run in steps and yield between them once the script's
// slice is over (lib-slices.ts), so another node answers PING meanwhile; the results equal redis-server's.
import { describe, expect, it } from 'vitest';
import { realRedisAvailable } from './helpers.ts';
import { digestOf, slicedDigest, stallServers } from './stall.ts';

const N = Number(process.env.ISO_N ?? 1_000_000);
const available = realRedisAvailable();

const eval_ = (body: string) => ['EVAL', body, '0'];

describe.skipIf(!available)('script library calls on big inputs', () => {
  const s = stallServers(() => []);

  it('table.concat of N strings and string.rep of 100 MB answer as redis-server while another node answers', async () => {
    for (const cmd of [
      eval_(`local s = string.rep('x', 100) local t = {} for i = 1, ${N} do t[i] = s end local r = table.concat(t, ',') return {#r, redis.sha1hex(r)}`),
      eval_(`local t = {} for i = 1, ${N / 10} do t[i] = i * 1.5 end return redis.sha1hex(table.concat(t, '', 2))`),
      eval_(`local r = string.rep('xyz', ${(100 * 2 ** 20) / 3}) return {#r, redis.sha1hex(r)}`),
    ]) {
      const ours = await slicedDigest(s, cmd);
      expect(ours, cmd[1]).toEqual(await digestOf(s.real.port, cmd));
    }
  }, 300_000);
});
