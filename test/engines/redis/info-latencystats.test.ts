// INFO LATENCYSTATS and latency-tracking as redis-server 7.0 shows them (found by Redis's unit/info):
// the same commands get lines in the same shape, and the section sits where INFO ALL puts it.
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { realRedisAvailable } from './helpers.ts';
import { serverPair } from './server-pair.ts';

const available = realRedisAvailable();

/** The steps of unit/info's latencystats tests; timings differ, so numbers are replaced by N. */
async function observe(port: number): Promise<string[]> {
  const r = new Redis({ port, host: '127.0.0.1', lazyConnect: true });
  await r.connect();
  const section = async (): Promise<string> =>
    String(await r.info('latencystats'))
      .split('\r\n')
      .filter((l) => / latency_percentiles_usec_(set|get|client\|id):/.test(` ${l}`))
      .sort()
      .join(' ')
      .replace(/=\d+\.\d{3}/g, '=N');
  try {
    const out: string[] = [];
    await r.config('RESETSTAT');
    await r.config('SET', 'latency-tracking', 'no');
    await r.set('a', 'b');
    out.push(`untracked: ${await section()}`);
    await r.config('SET', 'latency-tracking', 'yes');
    await r.set('a', 'b');
    await r.get('a');
    await r.client('ID');
    out.push(`tracked: ${await section()}`);
    await r.config('SET', 'latency-tracking-info-percentiles', '0.0 50.0 100.0');
    out.push(`percentiles: ${JSON.stringify(await r.config('GET', 'latency-tracking-info-percentiles'))} ${await section()}`);
    await r.config('RESETSTAT');
    out.push(`reset: ${await section()}`);
    await r.config('SET', 'latency-tracking-info-percentiles', '50 99 99.9');
    out.push(`sections: ${String(await r.info('all')).split('\r\n').filter((l) => l.startsWith('#')).join(' ')}`);
    return out;
  } finally {
    r.disconnect();
  }
}

/** errorstats and commandstats after a BLPOP is ended by CLIENT UNBLOCK ... ERROR. */
async function unblockedStats(port: number): Promise<string[]> {
  const r = new Redis({ port, host: '127.0.0.1', lazyConnect: true });
  const b = new Redis({ port, host: '127.0.0.1', lazyConnect: true });
  await Promise.all([r.connect(), b.connect()]);
  try {
    await r.config('RESETSTAT');
    const id = String(await b.client('ID'));
    const popped = b.blpop('nolist', 0).catch((err: Error) => err.message);
    while (!String(await r.client('LIST')).includes(`id=${id} `) || !/flags=b/.test(String(await r.client('LIST')))) await new Promise((res) => setTimeout(res, 20));
    await r.client('UNBLOCK', id, 'ERROR');
    const reply = await popped;
    const info = String(await r.info('all')).split('\r\n');
    return [String(reply), ...info.filter((l) => l.startsWith('errorstat_') || l.startsWith('total_error_replies')), ...info.filter((l) => l.startsWith('cmdstat_blpop:')).map((l) => l.replace(/usec=\d+,usec_per_call=[\d.]+/, 'usec=N'))];
  } finally {
    r.disconnect();
    b.disconnect();
  }
}

describe.skipIf(!available)('INFO LATENCYSTATS, against redis-server 7.0', () => {
  const pair = serverPair();

  it('latency-tracking, the configured percentiles and CONFIG RESETSTAT show alike', async () => {
    const b = await observe(pair.real.port);
    expect(b[1]).toContain('latency_percentiles_usec_set:p50=N,p99=N,p99.9=N');
    expect(await observe(pair.ours.port)).toEqual(b);
  });

  it('a BLPOP ended by CLIENT UNBLOCK ERROR is an error reply and a failed call', async () => {
    const b = await unblockedStats(pair.real.port);
    expect(b).toContain('errorstat_UNBLOCKED:count=1');
    expect(await unblockedStats(pair.ours.port)).toEqual(b);
  });
});
