// DEBUG SLEEP is one long command to redis-server: INFO latencystats and commandstats count its whole
// sleep (Redis's unit/info "latencystats: measure latency"). Here the node sleeps without holding the
// event loop, so the time is recorded when it wakes. Differential against redis-server.
import { describe, expect, it } from 'vitest';
import { RawClient, realRedisAvailable } from './helpers.ts';
import { serverPair } from './server-pair.ts';

const available = realRedisAvailable();

describe.runIf(available)('DEBUG SLEEP in INFO latencystats and commandstats, as redis-server 7.0', () => {
  const pair = serverPair(['--enable-debug-command', 'yes']);

  async function observe(port: number): Promise<string[]> {
    const c = await RawClient.connect(port);
    try {
      for (const cmd of [['CONFIG', 'RESETSTAT'], ['CONFIG', 'SET', 'latency-tracking', 'yes'], ['CONFIG', 'SET', 'latency-tracking-info-percentiles', '50.0'], ['DEBUG', 'SLEEP', '0.05'], ['SET', 'k', 'v']]) {
        await c.call(...cmd);
      }
      const info = await c.call('INFO', 'all');
      const p50 = (cmd: string) => Number(new RegExp(`latency_percentiles_usec_${cmd}:p50=([\\d.]+)`).exec(info)?.[1]);
      const stat = /cmdstat_debug:calls=(\d+),usec=(\d+)/.exec(info);
      return [
        `debug p50 at least 50 ms: ${p50('debug') >= 50000}`,
        `set p50 below debug's: ${p50('set') >= 0 && p50('set') <= p50('debug')}`,
        `debug calls: ${stat?.[1]}`,
        `debug usec at least 50 ms: ${Number(stat?.[2]) >= 50000}`,
      ];
    } finally {
      await c.call('CONFIG', 'SET', 'latency-tracking-info-percentiles', '50 99 99.9');
      c.close();
    }
  }

  it('counts the whole sleep once', async () => {
    const theirs = await observe(pair.real.port);
    expect(theirs[0]).toBe('debug p50 at least 50 ms: true');
    expect(await observe(pair.ours.port)).toEqual(theirs);
  });
});
