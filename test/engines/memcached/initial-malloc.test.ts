// memcached's T_MEMD_INITIAL_MALLOC test hook (total_malloced starts at the given bytes, as if that much
// were already taken): our engine's initialMalloced, which the t/ adapter sets from the same variable,
// gives the same stats and the same out-of-memory point as real memcached under -m 4098 -M.
import { afterEach, describe, expect, it } from 'vitest';
import { realMemcachedAvailable, startOurs, startReal, textExchange, type Target } from './helpers.ts';

const available = realMemcachedAvailable();
const INITIAL = 2 ** 32 + 32;
let servers: Target[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function startRealWithHook(args: string[]): Promise<Target> {
  // The child inherits the environment at spawn.
  process.env.T_MEMD_INITIAL_MALLOC = String(INITIAL);
  try {
    return await startReal(args);
  } finally {
    delete process.env.T_MEMD_INITIAL_MALLOC;
  }
}

const picked = (reply: string) =>
  reply.split('\r\n').filter((l) => /^STAT (total_malloced|active_slabs|limit_maxbytes) |^(STORED|SERVER_ERROR|END)/.test(l));

describe.skipIf(!available)('memory already malloced at start (T_MEMD_INITIAL_MALLOC)', () => {
  it('total_malloced, active slabs and where stores start failing', async () => {
    const real = await startRealWithHook(['-m', '4098', '-M']);
    servers.push(real);
    const ours = await startOurs({ version: '1.6.18', memoryLimit: 4098 * 1024 * 1024, errorOnMemoryExhausted: true, initialMalloced: INITIAL });
    servers.push(ours);
    const value = 'a'.repeat(400 * 1024);
    const script = 'stats slabs\r\n' + [1, 2, 3, 4, 5].map((i) => `set big${i} 0 0 ${value.length}\r\n${value}\r\n`).join('') + 'stats slabs\r\nstats\r\n';
    const [a, b] = await Promise.all([textExchange(real.port, script, 5000), textExchange(ours.port, script, 5000)]);
    expect(picked(b.reply.toString())).toEqual(picked(a.reply.toString()));
    expect(b.reply.toString()).toContain(`STAT total_malloced ${INITIAL}\r\n`);
    expect(b.reply.toString()).toContain('SERVER_ERROR out of memory storing object\r\n');
  });
});
