// Per-command statistics as Redis's own introspection tests read them (unit/info, unit/latency-monitor):
// an arity error counts as a rejected call of that command, and LATENCY HISTOGRAM of a container
// (CLIENT) lists each of its subcommands that ran. Checked against redis-server 7.0.
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { realRedisAvailable } from './helpers.ts';
import { serverPair } from './server-pair.ts';

const available = realRedisAvailable();

/** The same session on either server, reduced to what does not depend on timing. */
async function session(port: number): Promise<unknown> {
  const r = new Redis(port, '127.0.0.1');
  try {
    await r.config('RESETSTAT');
    await r.call('SET', 'k').catch((e: Error) => e.message);
    await r.set('k1', 'v1');
    await r.call('CLIENT', 'GETNAME', 'extra').catch((e: Error) => e.message);
    await r.multi().call('ZRANK', 'z').exec().catch((e: Error) => e.message.slice(0, 9));
    const stats = (await r.info('commandstats'))
      .split('\r\n')
      .filter((l) => l.startsWith('cmdstat_'))
      .map((l) => l.replace(/usec=[^,]*,usec_per_call=[^,]*,/, ''))
      .sort();
    await r.client('ID');
    await r.call('CLIENT', 'LIST');
    const histogram = (names: string[]): Promise<string[]> =>
      r.call('LATENCY', 'HISTOGRAM', ...names).then((h) => (h as unknown[]).filter((_, i) => i % 2 === 0) as string[]);
    return {
      stats,
      client: (await histogram(['client'])).sort(),
      one: await histogram(['CLIENT|ID']),
      ordered: await histogram(['set', 'blabla', 'client|list', 'set']),
    };
  } finally {
    r.disconnect();
  }
}

describe.skipIf(!available)('command statistics as redis-server 7.0', () => {
  const pair = serverPair();

  it('arity errors are rejected calls of their command; LATENCY HISTOGRAM expands containers in the order asked', async () => {
    const [a, b] = [await session(pair.ours.port), await session(pair.real.port)];
    expect(a).toEqual(b);
  });
});
