// DEBUG as Redis's own test suite calls it (its needs:debug tests), compared with redis-server 7.0: the
// digest equals redis-server's for the same data of every type, RELOAD keeps the data and re-derives
// encodings as an RDB load does, and the test replies of DEBUG PROTOCOL are byte for byte the same.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { differential, encodeCommand, RawClient, realRedisAvailable, script, startRealRedis, startServer, type RealRedis, type Started } from './helpers.ts';
import { cpuMs } from '../../support/loop-hold.ts';
import { STALL_BOUND_MS, whileWorking } from './stall.ts';

const available = realRedisAvailable();
const BIG_N = Number(process.env.DEBUG_RELOAD_N ?? 100_000);

const EVERY_TYPE = `
  SET s hello
  SET n 12345
  SET big ${'x'.repeat(100)}
  APPEND s " world"
  RPUSH l a b 3 -7 ""
  SADD ints 1 2 3 -40
  SADD st x y 1 2
  HSET h f v g w
  ZADD z 0.1 a 1.5 b -3 c 1e20 d inf e -inf f 0 g 3.3333333333333335 h
  XADD x 1-1 a 1 b 2
  XADD x 2-5 c 3
  XGROUP CREATE x g 0
  SET e v PXAT 4102444800123
  SELECT 3
  SET other 1
  SELECT 0
`;

const CASES: Record<string, string> = {
  'DIGEST and DIGEST-VALUE of every type, TTLs and several databases': `
    DEBUG DIGEST
    ${EVERY_TYPE}
    DEBUG DIGEST-VALUE s n big l ints st h z x e missing
    DEBUG DIGEST-VALUE
    DEBUG DIGEST
    DEBUG DIGEST extra
    PERSIST e
    DEBUG DIGEST
  `,
  'big encodings give the digest of their content': `
    CONFIG SET hash-max-listpack-entries 2
    CONFIG SET zset-max-listpack-entries 2
    CONFIG SET set-max-intset-entries 2
    HSET h a 1 b 2 c 3
    ZADD z 1 a 2 b 3 c
    SADD s 1 2 3
    OBJECT ENCODING h
    DEBUG DIGEST-VALUE h z s
    DEBUG DIGEST
    CONFIG SET hash-max-listpack-entries 128
    CONFIG SET zset-max-listpack-entries 128
    CONFIG SET set-max-intset-entries 512
  `,
  'RELOAD keeps every type, TTLs and functions, and re-derives encodings as an RDB load': `
    ${EVERY_TYPE}
    CONFIG SET hash-max-listpack-entries 2
    HSET hb a 1 b 2 c 3
    HDEL hb a b
    OBJECT ENCODING hb
    CONFIG SET hash-max-listpack-entries 128
    SET counter 10
    INCRBYFLOAT counter 1
    OBJECT ENCODING counter
    FUNCTION LOAD "#!lua name=lib\\nredis.register_function('f1', function() return 1 end)"
    DEBUG DIGEST
    DEBUG RELOAD
    DEBUG DIGEST
    OBJECT ENCODING hb
    OBJECT ENCODING counter
    OBJECT ENCODING s
    PEXPIRETIME e
    XINFO GROUPS x
    FCALL f1 0
    DBSIZE
  `,
  'RELOAD options': `
    SET a 1
    DEBUG RELOAD
    SET b 2
    DEBUG RELOAD NOSAVE
    EXISTS a b
    SET b 2
    DEBUG RELOAD NOFLUSH
    DEBUG RELOAD NOSAVE NOFLUSH MERGE
    MGET a b
    DEBUG RELOAD bogus
    DEBUG RELOAD NOSAVE NOSAVE
    DBSIZE
  `,
  'POPULATE': `
    DEBUG POPULATE 3
    MGET key:0 key:1 key:2 key:3
    SET p:1 mine
    DEBUG POPULATE 3 p
    MGET p:0 p:1 p:2
    DEBUG POPULATE 2 q 3
    DEBUG POPULATE 2 r 12
    MGET q:0 q:1 r:1
    DEBUG POPULATE 0
    DEBUG POPULATE -1
    DEBUG POPULATE abc
    DEBUG POPULATE 2 t -1
    DEBUG POPULATE 2 t x
    DEBUG POPULATE 1 a 1 extra
    DEBUG POPULATE
    DBSIZE
  `,
  'the small subcommands and errors': `
    RPUSH l a b
    HSET h f v
    DEBUG LISTPACK h
    DEBUG LISTPACK l
    DEBUG LISTPACK missing
    DEBUG QUICKLIST l
    DEBUG QUICKLIST l 1
    DEBUG QUICKLIST h
    DEBUG QUICKLIST-PACKED-THRESHOLD 1gb
    DEBUG QUICKLIST-PACKED-THRESHOLD 5gb
    DEBUG QUICKLIST-PACKED-THRESHOLD abc
    DEBUG QUICKLIST-PACKED-THRESHOLD 0
    DEBUG ERROR "custom failure"
    DEBUG ERROR "ERR two\\nlines"
    DEBUG LOG "a line for the log"
    DEBUG CHANGE-REPL-ID
    DEBUG CHANGE-REPL-ID x
    DEBUG SET-SKIP-CHECKSUM-VALIDATION 0
    DEBUG PAUSE-CRON 0
    DEBUG REPLYBUFFER RESIZING 1
    DEBUG REPLYBUFFER PEAK-RESET-TIME reset
    DEBUG REPLYBUFFER nope 1
    DEBUG JMAP
    DEBUG NOPE
    DEBUG SLEEP 0
    DEBUG SET-ACTIVE-EXPIRE 1
  `,
};

const PROTOCOL = 'string integer double bignum null array set map attrib push verbatim true false nope'.split(' ').map((t) => ['DEBUG', 'PROTOCOL', t]);

describe.skipIf(!available)('DEBUG against redis-server 7.0', () => {
  let ours: Started;
  let other: Started;
  let real: RealRedis;
  beforeAll(async () => {
    [ours, other, real] = await Promise.all([startServer(), startServer(), startRealRedis(['--enable-debug-command', 'yes'])]);
  });
  afterAll(async () => {
    await ours?.server.close();
    await other?.server.close();
    await real?.stop();
  });

  for (const [name, text] of Object.entries(CASES)) {
    it(name, async () => {
      const results = await differential(ours.port, real.port, script(text));
      expect(results.filter((r) => r.ours !== r.real)).toEqual([]);
    });
  }

  it('PROTOCOL replies of each type in RESP2 and RESP3', async () => {
    for (const proto of [2, 3] as const) {
      const results = await differential(ours.port, real.port, PROTOCOL, proto);
      expect(results.filter((r) => r.ours !== r.real)).toEqual([]);
    }
  });

  it(`RELOAD and DIGEST of ${BIG_N} keys run in slices: another node keeps answering, the data stays`, async () => {
    const db = ours.server.engine.ks.db(0);
    db.flush();
    for (let i = 0; i < BIG_N; i++) db.setString(`key:${i}`, `value:${i}`);
    const c = await RawClient.connect(ours.port);
    try {
      // Slow work on a loaded machine: wait longer than call()'s default.
      const slow = async (...cmd: string[]): Promise<string> => {
        c.write(encodeCommand(cmd));
        return (await c.read(100_000)).toString('latin1');
      };
      const digest = (): Promise<string> => slow('DEBUG', 'DIGEST');
      let before = '';
      // CPU time, as whileWorking's figures (stall.ts says why).
      const t0 = cpuMs();
      const d = await whileWorking(other.port, async () => (before = await digest()));
      const digestMs = cpuMs() - t0;
      const t1 = cpuMs();
      const r = await whileWorking(other.port, () => slow('DEBUG', 'RELOAD'));
      const reloadMs = cpuMs() - t1;
      // Run whole, either would hold the loop (and the PINGs) for about its own duration.
      expect(d.ping).toBeLessThan(Math.max(STALL_BOUND_MS, digestMs * 0.6));
      expect(r.ping).toBeLessThan(Math.max(STALL_BOUND_MS, reloadMs * 0.6));
      expect(r.answered).toBeGreaterThan(1);
      console.log(`${BIG_N} keys: DIGEST ${digestMs.toFixed(0)} ms (worst PING ${d.ping.toFixed(0)} ms), RELOAD ${reloadMs.toFixed(0)} ms (worst PING ${r.ping.toFixed(0)} ms)`);
      expect(await c.call('DBSIZE')).toBe(`:${BIG_N}\r\n`);
      expect(await digest()).toBe(before);
      expect(await c.call('GET', `key:${BIG_N - 1}`)).toBe(`$${`value:${BIG_N - 1}`.length}\r\nvalue:${BIG_N - 1}\r\n`);
    } finally {
      c.close();
      db.flush();
    }
  }, 120_000);
});
