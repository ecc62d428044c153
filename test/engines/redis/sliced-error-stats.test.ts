// A write past SLICED_WRITE_ARGS arguments runs in slices (engines/redis/sliced.ts); one that fails
// once slicing began (ZADD's bad score among its pairs) answers the error after the handler returned.
// So does a read whose work outlasts a slice (SORT of a long list finding a word among its numbers).
// redis-server counts it as any failed command: failed_calls in commandstats, errorstats,
// total_error_replies. Compared with redis-server 7.0.
import { describe, expect, it } from 'vitest';
import { RawClient, realRedisAvailable } from './helpers.ts';
import { serverPair } from './server-pair.ts';

const available = realRedisAvailable();

/** The reply to `cmd` after CONFIG RESETSTAT, then the counters a failed call moves (timings left out). */
async function replyAndCounts(port: number, cmd: string[]): Promise<string[]> {
  const c = await RawClient.connect(port);
  try {
    await c.call('CONFIG', 'RESETSTAT');
    const reply = await c.call(...cmd);
    const stats = await c.call('INFO', 'stats');
    const errors = await c.call('INFO', 'errorstats');
    const commands = await c.call('INFO', 'commandstats');
    const name = cmd[0]?.toLowerCase();
    const cmdstat = new RegExp(`cmdstat_${name}:calls=\\d+,[^\\r]*?(rejected_calls=\\d+,failed_calls=\\d+)`).exec(commands);
    return [reply, ...(stats.match(/total_error_replies:\d+/g) ?? []), ...(errors.match(/errorstat_\w+:count=\d+/g) ?? []), cmdstat?.[0]?.replace(/usec[^,]*,/g, '') ?? 'none'];
  } finally {
    c.close();
  }
}

describe.skipIf(!available)('a sliced write that fails after slicing began, in INFO as redis-server', () => {
  const pair = serverPair();

  it('ZADD with a bad score among 2100 pairs counts one failed call and one ERR', async () => {
    const args = ['ZADD', 'z'];
    for (let i = 0; i < 2100; i++) args.push(String(i), `m${i}`);
    args.push('x', 'bad');
    const [ours, real] = await Promise.all([replyAndCounts(pair.ours.port, args), replyAndCounts(pair.real.port, args)]);
    expect(ours).toEqual(real);
    expect(real.join(' ')).toContain('failed_calls=1');
    expect(real.join(' ')).toContain('errorstat_ERR:count=1');
  });

  it('SORT and SORT_RO of a 20,000-element list that is not all numbers count a failed call each (fuzz seed 220097)', async () => {
    const fill = ['RPUSH', 'l'];
    for (let i = 0; i < 20_000; i++) fill.push(i === 15_000 ? 'word' : String(i));
    for (const port of [pair.ours.port, pair.real.port]) {
      const c = await RawClient.connect(port);
      await c.call(...fill);
      c.close();
    }
    for (const cmd of [['SORT', 'l'], ['SORT_RO', 'l']]) {
      const [ours, real] = await Promise.all([replyAndCounts(pair.ours.port, cmd), replyAndCounts(pair.real.port, cmd)]);
      expect(ours).toEqual(real);
      expect(real.join(' ')).toContain("-ERR One or more scores can't be converted into double");
      expect(real.join(' ')).toContain('failed_calls=1');
    }
  });
});
