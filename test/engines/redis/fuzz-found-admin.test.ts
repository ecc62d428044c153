// Deterministic cases for admin-command differences the random differential (tools/redis-fuzz) found:
// HELP texts, argument rules of the persistence commands, MULTI and subscribe-mode admission.
// Each compares replies byte for byte with redis-server 7.0.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { differential, realRedisAvailable, script, startRealRedis, startServer, type RealRedis, type Started } from './helpers.ts';

const available = realRedisAvailable();

describe.skipIf(!available)('admin-command differences found by the random differential', () => {
  let ours: Started;
  let real: RealRedis;
  beforeAll(async () => {
    ours = await startServer();
    real = await startRealRedis();
  });
  afterAll(async () => {
    await ours?.server.close();
    await real?.stop();
  });

  async function sameReplies(text: string, proto: 2 | 3 = 2): Promise<void> {
    const results = await differential(ours.port, real.port, script(text.replace(/\\0/g, '\u0000')), proto);
    expect(results.filter((r) => r.ours !== r.real)).toEqual([]);
  }

  it('every HELP of 7.0 is its text line for line, as status lines in both protocols', async () => {
    const helps = ['SLOWLOG', 'PUBSUB', 'CLIENT', 'OBJECT', 'MEMORY', 'CONFIG', 'XINFO', 'XGROUP', 'LATENCY', 'SCRIPT', 'FUNCTION', 'COMMAND', 'CLUSTER', 'ACL']
      .map((cmd) => `${cmd} HELP\n${cmd} help x`)
      .join('\n');
    await sameReplies(helps);
    await sameReplies(helps, 3);
  });

  it('BGSAVE takes SCHEDULE alone and SHUTDOWN only its options: anything else is a syntax error', async () => {
    // No valid BGSAVE here: a second one while redis-server's child runs would answer differently.
    await sameReplies('BGSAVE x y z\nBGSAVE x\nBGSAVE schedule x\nSHUTDOWN x y z\nSHUTDOWN abort now\nSHUTDOWN save nosave\nMULTI\nBGSAVE x\nEXEC');
  });
});
