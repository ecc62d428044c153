// Deterministic cases for semantic differences the random differential (tools/redis-fuzz) found:
// client flags, transactions, tracking, SORT, ACL rules, CONFIG values, DUMP; each compared with
// redis-server 7.0 byte for byte (client lines reduced to the fields two servers can share).
import { describe, expect, it } from 'vitest';
import { normalize } from '../../../tools/redis-fuzz/normalize.ts';
import { collectKeyspaceEvents } from './events.ts';
import { parseFrame, render } from '../../../tools/redis-fuzz/reply.ts';
import { differential, encodeCommand, RawClient, realRedisAvailable, script } from './helpers.ts';
import { serverPair } from './server-pair.ts';

const available = realRedisAvailable();

/** A CLIENT INFO/LIST line reduced to what does not depend on the server's clock, ids or memory. */
/**
 * RESP3 replies, each with the pushes that arrived before it: one command at a time, so where a push
 * lands depends on when the server sent it, not on how far behind the reading is.
 */
async function repliesWithPushes(port: number, commands: string[][]): Promise<string[]> {
  const c = await RawClient.connect(port);
  try {
    await c.call('FLUSHALL');
    await c.call('HELLO', '3');
    const out: string[] = [];
    for (const cmd of commands) {
      c.write(encodeCommand(cmd));
      let seen = '';
      for (;;) {
        const frame = (await c.read()).toString('latin1');
        seen += frame;
        if (!frame.startsWith('>')) break;
      }
      out.push(`${cmd.join(' ')} -> ${seen}`);
    }
    return out;
  } finally {
    c.close();
  }
}

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
  const pair = serverPair(['--enable-debug-command', 'yes']);

  async function sameReplies(text: string, proto: 2 | 3 = 2): Promise<void> {
    const results = await differential(pair.ours.port, pair.real.port, script(text), proto);
    const shown = results.map((r) => ({ cmd: r.cmd, ours: clientFields(r.ours), real: clientFields(r.real) }));
    expect(shown.filter((r) => r.ours !== r.real)).toEqual([]);
  }

  it('CLIENT INFO inside EXEC says x and the queued count; tracking shows t, B and redir; RESET keeps no-evict', async () => {
    await sameReplies('MULTI\nCLIENT INFO\nGET a\nEXEC\nCLIENT NO-EVICT on\nRESET\nCLIENT INFO\nCLIENT TRACKING on BCAST\nCLIENT INFO\nCLIENT TRACKING off\nCLIENT TRACKING on\nCLIENT INFO\nCLIENT NO-EVICT off');
  });

  it('CLIENT LIST of another client: b while blocked, d once a watched key changed, x with only what a live transaction stored, O for a monitor', async () => {
    const [a, b] = await Promise.all([otherClientFlags(pair.ours.port), otherClientFlags(pair.real.port)]);
    expect(a).toEqual(b);
  });

  it('CLIENT LIST ID takes any integer and lists what it finds; TYPE only alone', async () => {
    await sameReplies('CLIENT LIST ID 0\nCLIENT LIST ID -1 99999\nCLIENT LIST ID x\nCLIENT LIST TYPE normal ID 3\nCLIENT LIST ID 3 TYPE normal\nCLIENT LIST ID\nCLIENT LIST TYPE\nCLIENT LIST TYPE x');
  });

  it('SUBSCRIBE and PSUBSCRIBE queued in MULTI run (SSUBSCRIBE is refused), and leave the client in pub/sub mode', async () => {
    await sameReplies('MULTI\nSUBSCRIBE a\nSSUBSCRIBE b\nPSUBSCRIBE c*\nUNSUBSCRIBE a\nEXEC\nGET x\nPING\nRESET');
  });

  it('SORT BY a constant keeps the native order: an intset ascending whatever DESC says, a list or sorted set reversed by DESC', async () => {
    await sameReplies('SADD s 3 -1 2 10\nSORT s BY nosuch\nSORT s ALPHA DESC BY nosuch\nSORT s DESC BY nosuch LIMIT 1 2\nSORT s ALPHA DESC BY nosuch STORE d\nLRANGE d 0 -1\nRPUSH l 3 1 2 b a\nSORT l DESC BY nosuch\nSORT l DESC BY nosuch LIMIT 1 2\nZADD z 1 a 2 b 3 c\nSORT z DESC BY nosuch\nSORT z DESC BY nosuch LIMIT 1 1');
    // Sorted, an intset's members start in that order too: equal weights keep it (seed 2708).
    await sameReplies('SADD s 5 -4 13 7 -100\nSORT s ALPHA BY w*\nSORT s ALPHA DESC BY w*\nSET w7 a\nSET w13 a\nSORT s ALPHA BY w*\nSORT s ALPHA BY w* LIMIT 1 2');
  });

  it('SORT reads its BY/GET patterns as C strings up to a NUL: no key read for a star past it, # and -> found before it (seed 200904)', async () => {
    const misses = ['EVAL', "return string.match(redis.call('INFO', 'stats'), 'keyspace_misses:%d+')", '0'];
    const cmds = [
      ['FLUSHALL'],
      ['CONFIG', 'RESETSTAT'],
      ['RPUSH', 'l', '3', '1', '2'],
      ['MSET', 'w1', '30', 'w2', '20', 'w3', '10', 'w\x001', '5'],
      ['HSET', 'h1', 'f\x00g', 'one', 'f', 'short'],
      ['SORT', 'l', 'GET', 'a\x00*'],
      misses,
      ['SORT', 'l', 'BY', 'w\x00*'],
      ['SORT', 'l', 'BY', 'w*'],
      ['SORT', 'l', 'DESC', 'BY', 'w\x00*', 'GET', '#\x00x', 'GET', '#x'],
      misses,
      ['SORT', 'l', 'GET', 'h*->f\x00g', 'GET', 'h*->f', 'GET', 'h*->\x00g'],
      misses,
      ['SORT_RO', 'l', 'BY', 'nosuch\x00*', 'GET', 'w*', 'GET', '\x00*'],
      misses,
    ];
    const results = await differential(pair.ours.port, pair.real.port, cmds);
    expect(results.filter((r) => r.ours !== r.real)).toEqual([]);
  });

  it('SORT ALPHA BY leaves equal weights in list order, and with a LIMIT in the order pqsort leaves them', async () => {
    // A list of 300 elements, 60% of them weighed a, b or c, the rest missing: ties everywhere.
    let seed = 7;
    const next = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
    const elems = Array.from({ length: 300 }, () => `e${next(1000)}`);
    const weights = [...new Set(elems)].filter(() => next(10) < 6).flatMap((e) => [`w_${e}`, 'abc'[next(3)] as string]);
    const lines = [`RPUSH l ${elems.join(' ')}`, `MSET ${weights.join(' ')}`];
    for (const [offset, count] of [[0, 10], [5, 20], [100, 50], [290, 50], [1, 299], [150, 1]]) {
      for (const desc of ['', 'DESC']) lines.push(`SORT l ALPHA ${desc} BY w_* LIMIT ${offset} ${count}`, `SORT l ${desc} BY w_* LIMIT ${offset} ${count}`, `SORT l ALPHA ${desc} BY nosuch* LIMIT ${offset} ${count} GET #`);
    }
    lines.push('SORT l ALPHA BY w_*', 'SORT l ALPHA DESC BY w_*', 'SORT l ALPHA DESC BY w_* STORE d', 'LRANGE d 0 -1');
    await sameReplies(lines.join('\n'));
  });

  it('memory configs read values as memtoull: empty or a bare unit is 0, digits saturate, the product wraps; signed types see the wrapped bits', async () => {
    const lines: string[] = [];
    for (const name of ['zset-max-ziplist-value', 'maxmemory', 'proto-max-bulk-len', 'active-defrag-ignore-bytes', 'auto-aof-rewrite-min-size']) {
      for (const v of ['""', 'k', 'GB', '-0', '+1', '99999999999999999999', '9223372036854775808', '8589934592gb', '"1\\x00x"', '2kB', '00064', '5%', '101%']) lines.push(`CONFIG SET ${name} ${v}`, `CONFIG GET ${name}`);
    }
    // maxmemory-clients with maxmemory 0: its percentages then evict no client.
    lines.push('CONFIG SET maxmemory 0');
    for (const v of ['""', 'GB', '-0', '+1', '9223372036854775808', '18446744073709551516', '"1gb\\x00x"', '5%', '101%', '-1%', '%']) lines.push(`CONFIG SET maxmemory-clients ${v}`, 'CONFIG GET maxmemory-clients');
    lines.push('CONFIG SET zset-max-ziplist-value 64 maxmemory 0 proto-max-bulk-len 512mb active-defrag-ignore-bytes 100mb auto-aof-rewrite-min-size 64mb maxmemory-clients 0');
    await sameReplies(lines.join('\n').replace(/\\x00/g, '\u0000'));
  });

  it('tracking remembers the keys of a read that failed; PFDEBUG GETREG/TODENSE change only the encoding, which nobody is told of', async () => {
    const cmds = script('SET k v\nCLIENT TRACKING on\nLRANGE k 0 -1\nSET k 2\nPING\nBITPOS k 1 01 0\nDEL k\nPING\nGETRANGE k x 2\nSET k 3\nPING\nPFADD p a\nCLIENT TRACKING off\nCLIENT TRACKING on BCAST\nPFDEBUG GETREG p\nPING\nPFADD q a\nPFCOUNT q\nPFDEBUG TODENSE q\nPING\nCLIENT TRACKING off\nCLIENT TRACKING on\nPFCOUNT q\nPFADD r a\nPFDEBUG GETREG r\nPING\nPFCOUNT r\nPING');
    const [a, b] = await Promise.all([repliesWithPushes(pair.ours.port, cmds), repliesWithPushes(pair.real.port, cmds)]);
    expect(a).toEqual(b);
    // A script that changes a key its caller tracks: the invalidation follows the script's reply,
    // also when the script ran long enough to be resumed in slices.
    const scripted = script('CLIENT TRACKING on\nGET k\nEVAL "redis.call(\'set\',KEYS[1],\'3\') return redis.call(\'get\',KEYS[1])" 1 k\nPING\nGET k\nMULTI\nEVAL "return redis.call(\'set\',KEYS[1],\'6\')" 1 k\nGET k\nEXEC\nPING\nGET k\nEVAL "local i = 0 while i < 3000000 do i = i + 1 end return redis.call(\'set\',KEYS[1],\'7\')" 1 k\nPING');
    const [c, d] = await Promise.all([repliesWithPushes(pair.ours.port, scripted), repliesWithPushes(pair.real.port, scripted)]);
    expect(c).toEqual(d);
    await sameReplies('PFADD p a\nWATCH p\nPFDEBUG TODENSE p\nMULTI\nPING\nEXEC');
  });

  it('DUMP of a skiplist sorted set writes it from the highest score down, and stays skiplist once shrunk; RESTORE makes a small one compact; stream groups by name', async () => {
    const y = 'y'.repeat(70);
    await sameReplies(`ZADD z 2.5 x 100 ${y}\nDUMP z\nZADD z -1 a 2.5 b 2.5 c 1e300 d -inf e\nDUMP z\nZREM z ${y}\nDUMP z\nZREM z a b c d e\nDUMP z\nZADD t 1 a 2 b\nDUMP t\nCONFIG SET zset-max-listpack-entries 2\nZADD s 1 a 2 b 3 c\nDUMP s\nCONFIG SET zset-max-listpack-entries 128`);
    // redis-server 7.0's DUMP of a skiplist shrunk to two small members.
    const payload = Buffer.from('050201620000000000000840016100000000000000400a00ab532b817deb487b', 'hex');
    const results = await differential(pair.ours.port, pair.real.port, [['RESTORE', 'r', '0', payload], ['OBJECT', 'ENCODING', 'r'], ['DUMP', 'r'], ['ZRANGE', 'r', '0', '-1', 'WITHSCORES']]);
    expect(results.filter((r) => r.ours !== r.real)).toEqual([]);
    expect(results[1]?.real).toBe('$8\r\nlistpack\r\n');
    // A stream's consumer groups are saved in name order (a radix tree in redis-server; seed 4375).
    await sameReplies('XGROUP CREATE x g2 1-1 MKSTREAM\nXGROUP CREATE x g1 $\nXGROUP CREATE x G0 $\nDUMP x');
  });

  it('a write that meets an expired key announces expired, then only what it changed itself', async () => {
    const setup = script('SET a 1\nRPUSH l x\nSADD t x\nSADD t2 y\nZADD z 1 m\nSET b 1\nSET c 1\nSET d 1\nSET e 1\nHSET h f 1\nSET i 2\nSET w 1\nSET w2 1\nSET s abc');
    const expiring = ['a', 'l', 't', 'z', 'b', 'c', 'd', 'e', 'h', 'i', 'w2', 's'];
    const writes = script('LPOP l\nINCR i\nSREM t x\nSETRANGE s 1 ""\nAPPEND a ""\nHDEL h nosuch\nRENAME b b2\nSMOVE t t2 x\nSUNIONSTORE dst t t2\nZUNIONSTORE zd 1 z\nMSETNX c 1 w 2\nGETDEL d\nGETEX e PERSIST\nHINCRBY h f 1\nBITOP AND bo w w2\nSET w2 3 NX');
    const run = (port: number): Promise<string[]> =>
      collectKeyspaceEvents(port, [['DEBUG', 'SET-ACTIVE-EXPIRE', '0'], ...setup], 'KEA', async (admin) => {
        // Expire them by the server's own clock, all in one script (no key expires while it runs);
        // only the writes' lookups may then delete them.
        const setTtls = "local t = redis.call('TIME') local at = t[1] * 1000 + math.floor(t[2] / 1000) + 20 for _, k in ipairs(KEYS) do redis.call('PEXPIREAT', k, at) end return at";
        const at = Number((await admin.call('EVAL', setTtls, String(expiring.length), ...expiring)).slice(1));
        while (serverMs(await admin.call('TIME')) <= at) await new Promise((r) => setTimeout(r, 5));
        for (const w of writes) await admin.call(...w);
        await admin.call('DEBUG', 'SET-ACTIVE-EXPIRE', '1');
      });
    const [a, b] = await Promise.all([run(pair.ours.port), run(pair.real.port)]);
    expect(a).toEqual(b);
    expect(b.join('')).toContain('expired');
  });

  it('SCRIPT DEBUG is refused behind replies not yet written: inside EXEC, or pipelined after another command', async () => {
    await sameReplies('SCRIPT DEBUG no\nMULTI\nSCRIPT DEBUG no\nSCRIPT DEBUG x\nEXEC\nSCRIPT DEBUG x');
    const pipelined = async (port: number): Promise<string> => {
      const c = await RawClient.connect(port);
      try {
        c.write(Buffer.concat([encodeCommand(['PING']), encodeCommand(['SCRIPT', 'DEBUG', 'no'])]));
        return (await c.read()).toString('latin1') + (await c.read()).toString('latin1');
      } finally {
        c.close();
      }
    };
    const [a, b] = await Promise.all([pipelined(pair.ours.port), pipelined(pair.real.port)]);
    expect(a).toBe(b);
  });

  it('consumer group commands and XSETID leave WATCH holding and tracking clients uninformed; XADD does not', async () => {
    const lines: string[] = [];
    for (const cmd of ['XGROUP CREATECONSUMER x g c2', 'XACK x g 1-1', 'XCLAIM x g c4 0 1-1', 'XAUTOCLAIM x g c5 0 0', 'XGROUP SETID x g 0', 'XGROUP DELCONSUMER x g c', 'XGROUP CREATE x g2 0', 'XGROUP DESTROY x g', 'XSETID x 5-5', 'XADD x 3-1 f v']) {
      lines.push('DEL x', 'XADD x 1-1 f v', 'XADD x 2-1 f v', 'XGROUP CREATE x g 0', 'XREADGROUP GROUP g c COUNT 1 STREAMS x >', 'WATCH x', cmd, 'MULTI', 'PING', 'EXEC');
    }
    lines.push('DEL nk', 'WATCH nk', 'XGROUP CREATE nk g $ MKSTREAM', 'MULTI', 'PING', 'EXEC');
    await sameReplies(lines.join('\n'));
    const tracked = script('XADD x 1-1 f v\nXGROUP CREATE x g 0\nCLIENT TRACKING on\nXLEN x\nXGROUP CREATECONSUMER x g c\nXGROUP SETID x g 0\nXREADGROUP GROUP g c STREAMS x >\nXACK x g 1-1\nXSETID x 9-9\nXGROUP DESTROY x g\nPING\nXADD x 10-1 f v\nPING');
    const [a, b] = await Promise.all([repliesWithPushes(pair.ours.port, tracked), repliesWithPushes(pair.real.port, tracked)]);
    expect(a).toEqual(b);
  });

  it('HELLO reads its version as a long long; BITPOS reads its unit before its end', async () => {
    await sameReplies('HELLO 99999999999999999999\nHELLO 02\nHELLO -0\nHELLO 9223372036854775807\nHELLO x\nHELLO 4\nSET s2 abc\nBITPOS s2 1 -2 1.0 1\nBITPOS s2 1 0 1.0 BIT\nBITPOS s2 1 0 1.0\nBITCOUNT s2 0 1.0 x\nBITPOS s2 1 0 -1 bit');
  });

  it('database indexes are read as ints first: past the int range the text says so (SWAPDB keeps its own)', async () => {
    await sameReplies('SELECT 2147483648\nSELECT -2147483649\nSELECT x\nSELECT 16\nSET k v\nMOVE k 2147483648\nMOVE k 16\nSWAPDB 2147483648 0\nSWAPDB 0 -2147483649\nSWAPDB 0 16\nCOPY k k2 DB 2147483648\nCOPY k k2 DB 16');
  });

  it('ACL SETUSER takes an empty rule as no rule; GETUSER and LIST name the same rules (single commands in hash order there, so compared as the fuzzer does)', async () => {
    const cmds = script('ACL SETUSER u6 ""\nACL SETUSER u6 "" on ""\nACL SETUSER u7 -@all +@read -keys -sort_ro -get -zrange (+get ~a* -@all +@read -keys -xread) ""\nACL GETUSER u6\nACL GETUSER u7\nACL LIST\nACL DELUSER u6 u7');
    const [a, b] = await Promise.all([normalized(pair.ours.port, cmds), normalized(pair.real.port, cmds)]);
    expect(a).toEqual(b);
  });

  it('LMOVE and RPOPLPUSH signal the destination before the source: a tracking client is told of dst first (seed 26385)', async () => {
    await sameReplies(`
      CLIENT TRACKING on
      RPUSH l1 c
      RPUSH l2 x y
      LRANGE l1 0 -1
      LRANGE l2 0 -1
      RPOPLPUSH l2 l1
      PING
      PING
      LRANGE l1 0 -1
      LRANGE l2 0 -1
      LMOVE l2 l1 LEFT LEFT
      PING
      PING
      PING
    `, 3);
  });
});

/** Each reply rendered after the random differential's normalisation. */
async function normalized(port: number, commands: string[][]): Promise<string[]> {
  const c = await RawClient.connect(port);
  try {
    const out: string[] = [];
    for (const cmd of commands) out.push(render(normalize(cmd, (parseFrame(Buffer.from(await c.call(...cmd), 'latin1')) as { frame: Parameters<typeof render>[0] }).frame)));
    return out;
  } finally {
    c.close();
  }
}

/** Milliseconds of a TIME reply (RESP2 array of seconds and microseconds). */
function serverMs(reply: string): number {
  const [sec, usec] = reply.split('\r\n').filter((l) => /^\d+$/.test(l));
  return Number(sec) * 1000 + Math.floor(Number(usec) / 1000);
}

/** The shared fields of a second client's CLIENT LIST line at each step of a scenario run by a first. */
async function otherClientFlags(port: number): Promise<string[]> {
  const a = await RawClient.connect(port);
  const b = await RawClient.connect(port);
  const id = (await b.call('CLIENT', 'ID')).slice(1).trim();
  const line = async (): Promise<string> => clientFields(await a.call('CLIENT', 'LIST', 'ID', id)).trim();
  const out: string[] = [];
  try {
    await a.call('DEL', 'q', 'k');
    b.write(encodeCommand(['BLPOP', 'q', '0']));
    for (let i = 0; i < 500 && !(await line()).includes('flags=b'); i++) await new Promise((r) => setTimeout(r, 10));
    out.push(await line());
    await a.call('RPUSH', 'q', 'x');
    await b.read();
    await b.call('WATCH', 'k');
    await a.call('SET', 'k', '1');
    out.push(await line());
    await b.call('MULTI');
    await b.call('GET', 'k');
    out.push(await line());
    await b.call('EXEC');
    await b.call('MULTI');
    await b.call('GET', 'k');
    await b.call('SET');
    await b.call('GET', 'k');
    out.push(await line());
    await b.call('DISCARD');
    await b.call('MONITOR');
    out.push(await line());
    return out;
  } finally {
    a.close();
    b.close();
  }
}
