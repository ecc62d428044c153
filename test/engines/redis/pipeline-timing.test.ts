// Fast commands in one pipeline share a clock reading (dispatch.ts, settleUntimed): each must still
// be counted in INFO commandstats and latencystats and logged in the slow log, in order, as
// redis-server 7.0 does, including when INFO or SLOWLOG GET comes in the same pipeline.
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { realRedisAvailable } from './helpers.ts';
import { serverPair } from './server-pair.ts';

const available = realRedisAvailable();

/** One pipeline (one write) of fast and other commands; timings are replaced by N. */
async function observe(port: number): Promise<string[]> {
  const r = new Redis({ port, host: '127.0.0.1', lazyConnect: true });
  await r.connect();
  try {
    await r.config('SET', 'slowlog-log-slower-than', '0');
    await r.config('SET', 'latency-tracking', 'yes');
    await r.flushall();
    await r.slowlog('RESET');
    await r.config('RESETSTAT');
    const p = r.pipeline();
    p.incr('n').incr('n').get('n').lpush('l', 'a', 'b').hset('h', 'f', 'v').incr('n').info('commandstats');
    p.zadd('z', '1', 'm').incr('n').incr('n').slowlog('GET', '20').incr('n');
    const replies = ((await p.exec()) ?? []).map(([err, v]) => (err !== null ? `error ${err.message}` : v));
    const stats = (s: unknown): string[] =>
      String(s)
        .split('\r\n')
        .filter((l) => /^cmdstat_(incr|get|lpush|hset|zadd|info):/.test(l))
        .map((l) => l.replace(/usec=\d+,usec_per_call=[\d.]+/, 'usec=N'))
        .sort();
    const logged = (v: unknown): string[] => (v as unknown[][]).map((e) => `${typeof e[2] === 'number' && e[2] >= 0 ? 'N' : 'bad'} ${(e[3] as string[]).join(' ')}`);
    const after = String(await r.info('all')).split('\r\n');
    return [
      JSON.stringify(replies.filter((v) => typeof v !== 'string' || !v.includes('\r\n')).filter((v) => !Array.isArray(v))),
      ...stats(replies[6]),
      ...logged(replies[10]),
      ...stats(after.join('\r\n')),
      ...after.filter((l) => /^latency_percentiles_usec_(incr|lpush|zadd):/.test(l)).map((l) => l.replace(/=\d+\.\d{3}/g, '=N')).sort(),
      ...logged(await r.slowlog('GET', '30')),
    ];
  } finally {
    r.disconnect();
  }
}

describe.skipIf(!available)('pipelined fast commands in stats and the slow log, against redis-server 7.0', () => {
  const pair = serverPair();

  it('counts, logs and orders every command of the pipeline alike', async () => {
    const want = await observe(pair.real.port);
    expect(want).toContain('cmdstat_incr:calls=3,usec=N,rejected_calls=0,failed_calls=0');
    expect(want).toContain('cmdstat_incr:calls=6,usec=N,rejected_calls=0,failed_calls=0');
    expect(await observe(pair.ours.port)).toEqual(want);
  });
});
