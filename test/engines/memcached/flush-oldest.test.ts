// `stats settings` oldest is memcached's oldest_live: 0 until a flush_all, then the flush's cut-off on memcached's
// own clock (seconds since 62 s before start-up). Ours said 0 for ever (found by ruby-clients' Dalli probe).
// Both servers' values are read against their own uptime, so servers started in different seconds compare; uptime
// itself starts at 2 in memcached (ours said 0).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realMemcachedAvailable, startOurs, startReal, textExchange, type Target } from './helpers.ts';

/** oldest minus memcached's clock (uptime + 60), after `commands`, read in the same request as the flush. */
async function oldestAfter(port: number, commands: string): Promise<number> {
  const reply = (await textExchange(port, `${commands}stats settings\r\nstats\r\n`)).reply.toString();
  const stat = (name: string) => Number(reply.match(new RegExp(`STAT ${name} (\\d+)`))![1]);
  return stat('oldest') === 0 ? -1000 : stat('oldest') - (stat('uptime') + 60);
}

describe.skipIf(!realMemcachedAvailable())('stats settings oldest after flush_all', () => {
  const servers: Target[] = [];
  beforeAll(async () => {
    servers.push(...(await Promise.all([startReal(), startOurs(), startReal(['-C']), startOurs({ casDisabled: true })])));
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  it('is 0 before any flush, a second before the flush with CAS, the flush time without, and the future for a delayed one', async () => {
    const sequence = async (port: number) => [
      await oldestAfter(port, ''),
      await oldestAfter(port, 'flush_all\r\n'),
      await oldestAfter(port, 'flush_all 100\r\n'),
      await oldestAfter(port, 'flush_all 0\r\n'),
    ];
    const [real, ours, realNoCas, oursNoCas] = await Promise.all(servers.map((s) => sequence(s.port)));
    expect(real).toEqual([-1000, -1, 99, -1]);
    expect(ours).toEqual(real);
    expect(realNoCas).toEqual([-1000, 0, 100, 0]);
    expect(oursNoCas).toEqual(realNoCas);
  });
});
