// -o hash_algorithm=jenkins (ElastiCache's default hash_algorithm) and -o track_sizes as memcached 1.6.18:
// the hash decides the order of `stats detail dump` and `lru_crawler metadump hash`; track_sizes makes
// `stats sizes` count from start-up.
import { afterEach, describe, expect, it } from 'vitest';
import { exchange, realMemcachedAvailable } from './helpers.ts';
import { closeAll, pair, send } from './memory-helpers.ts';

const available = realMemcachedAvailable();
afterEach(closeAll);

function keysInOrder(dump: string): string {
  return [...dump.matchAll(/key=(\S+)/g)].map((m) => m[1]).join(' ');
}

describe.skipIf(!available)('hash_algorithm and track_sizes as memcached', () => {
  it('jenkins orders stats detail dump and metadump hash as memcached does', async () => {
    const [real, ours] = await pair(['-o', 'hash_algorithm=jenkins'], { settings: { hashAlgorithm: 'jenkins' } });
    let script = 'stats detail on\r\n';
    for (let i = 0; i < 40; i++) script += `set p${i}:k${i} 0 0 1\r\nx\r\nget q${i}:z\r\n`;
    for (const t of [real, ours]) await send(t, script);
    const dump = async (t: typeof real) => send(t, 'stats detail dump\r\n');
    expect(await dump(ours)).toBe(await dump(real));
    // Read up to the dump's END: neither server answers a command sent after a metadump on its connection, so
    // send's closing mn went unanswered and each dump waited out send's 5 s of quiet.
    const meta = async (t: typeof real) => keysInOrder((await exchange(t.port, 'lru_crawler metadump hash\r\n', (b) => b.toString('latin1').endsWith('END\r\n'), 5000)).reply.toString('latin1'));
    const order = await meta(real);
    expect(order.split(' ')).toHaveLength(40);
    expect(await meta(ours)).toBe(order);
    const setting = async (t: typeof real) => /STAT hash_algorithm (\S+)/.exec(await send(t, 'stats settings\r\n'))?.[1];
    expect(await setting(ours)).toBe(await setting(real));
  });

  it('track_sizes: stats sizes counts items stored from start-up, stats settings says so', async () => {
    const [real, ours] = await pair(['-o', 'track_sizes'], { trackSizes: true });
    const script = 'set a 0 0 10\r\n0123456789\r\nset bb 0 0 100\r\n' + 'x'.repeat(100) + '\r\nset c 5 0 1\r\nx\r\n';
    for (const t of [real, ours]) await send(t, script);
    const sizes = async (t: typeof real) => (await send(t, 'stats sizes\r\n')).replace(/\r\nMN\r\n$/, '');
    expect(await sizes(ours)).toBe(await sizes(real));
    expect(await sizes(ours)).toMatch(/^STAT 96 2\r\nSTAT 192 1\r\nEND/);
    const setting = async (t: typeof real) => /STAT track_sizes (\S+)/.exec(await send(t, 'stats settings\r\n'))?.[1];
    expect(await setting(ours)).toBe(await setting(real));
    expect(await setting(ours)).toBe('yes');
  });
});
