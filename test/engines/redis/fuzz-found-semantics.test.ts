// Deterministic cases for semantic differences the random differential (tools/redis-fuzz) found:
// client flags, transactions, tracking, SORT, ACL rules, CONFIG values, DUMP; each compared with
// redis-server 7.0 byte for byte (client lines reduced to the fields two servers can share).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { differential, realRedisAvailable, script, startRealRedis, startServer, type RealRedis, type Started } from './helpers.ts';

const available = realRedisAvailable();

/** A CLIENT INFO/LIST line reduced to what does not depend on the server's clock, ids or memory. */
const SHARED_FIELDS = ['name', 'flags', 'db', 'sub', 'psub', 'ssub', 'multi', 'cmd', 'user', 'redir', 'resp'];
function clientFields(reply: string): string {
  return reply.replace(/[$=]\d+\r\n(txt:)?(?=id=)/g, '$1').replace(/id=\d+ addr=[^\n]*/g, (line) =>
    line
      .split(' ')
      .filter((kv) => SHARED_FIELDS.includes(kv.slice(0, kv.indexOf('='))))
      .join(' '),
  );
}

describe.skipIf(!available)('semantic differences found by the random differential', () => {
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
    const results = await differential(ours.port, real.port, script(text), proto);
    const shown = results.map((r) => ({ cmd: r.cmd, ours: clientFields(r.ours), real: clientFields(r.real) }));
    expect(shown.filter((r) => r.ours !== r.real)).toEqual([]);
  }

  it('CLIENT INFO inside EXEC says x and the queued count; tracking shows t, B and redir; RESET keeps no-evict', async () => {
    await sameReplies('MULTI\nCLIENT INFO\nGET a\nEXEC\nCLIENT NO-EVICT on\nRESET\nCLIENT INFO\nCLIENT TRACKING on BCAST\nCLIENT INFO\nCLIENT TRACKING off\nCLIENT TRACKING on\nCLIENT INFO\nCLIENT NO-EVICT off');
  });

  it('CLIENT LIST ID takes any integer and lists what it finds; TYPE only alone', async () => {
    await sameReplies('CLIENT LIST ID 0\nCLIENT LIST ID -1 99999\nCLIENT LIST ID x\nCLIENT LIST TYPE normal ID 3\nCLIENT LIST ID 3 TYPE normal\nCLIENT LIST ID\nCLIENT LIST TYPE\nCLIENT LIST TYPE x');
  });

  it('SUBSCRIBE and PSUBSCRIBE queued in MULTI run (SSUBSCRIBE is refused), and leave the client in pub/sub mode', async () => {
    await sameReplies('MULTI\nSUBSCRIBE a\nSSUBSCRIBE b\nPSUBSCRIBE c*\nUNSUBSCRIBE a\nEXEC\nGET x\nPING\nRESET');
  });
});
