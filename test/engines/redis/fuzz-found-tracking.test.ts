// Client tracking differences the random differential (tools/redis-fuzz) found: a tracking client
// and a second client that writes, each reply with the pushes that came before it, compared with
// redis-server 7.0.
import { describe, expect, it } from 'vitest';
import { FrameConn } from '../../../tools/redis-fuzz/conn.ts';
import { render } from '../../../tools/redis-fuzz/reply.ts';
import { realRedisAvailable } from './helpers.ts';
import { serverPair } from './server-pair.ts';

const available = realRedisAvailable();

/** Steps on a RESP3 tracking client; a step starting with '>' runs on a second client. */
async function run(port: number, steps: string[]): Promise<string[]> {
  const [a, b] = await Promise.all([FrameConn.open(port), FrameConn.open(port)]);
  try {
    await b.call(['FLUSHALL']);
    const out: string[] = [];
    for (const step of ['HELLO 3', 'CLIENT TRACKING on', ...steps]) {
      const peer = step.startsWith('>');
      const args = (peer ? step.slice(1) : step).trim().split(/\s+/);
      if (peer) {
        const f = await b.call(args);
        out.push(`peer ${step} -> ${f ? render(f) : 'none'}`);
        continue;
      }
      a.send(args);
      const { reply, pushes } = await a.reply(10000);
      const shown = args[0] === 'HELLO' ? 'hello' : reply ? render(reply) : 'none';
      out.push(`${step} -> ${shown}${pushes.length > 0 ? ` pushes ${pushes.map(render).join(' ')}` : ''}`);
    }
    return out;
  } finally {
    a.close();
    b.close();
  }
}

/**
 * What a Pub/Sub client (subscribed by `subscribe`) hears as the REDIRECT of a tracking client in
 * RESP `proto` while the steps run, each on the tracking client (main) or a third client (peer).
 */
async function redirectHears(port: number, proto: string, subscribe: string[], steps: ['main' | 'peer', string[]][]): Promise<string[]> {
  const [main, sub, peer] = await Promise.all([FrameConn.open(port), FrameConn.open(port), FrameConn.open(port)]);
  try {
    await main.call(['FLUSHALL']);
    await main.call(['CONFIG', 'SET', 'notify-keyspace-events', 'KEA']);
    await main.call(['HELLO', proto]);
    const id = await sub.call(['CLIENT', 'ID']);
    sub.send(subscribe);
    await sub.frame(5000);
    await main.call(['CLIENT', 'TRACKING', 'on', 'REDIRECT', id?.text ?? '0']);
    const out: string[] = [];
    for (const [who, cmd] of steps) {
      await (who === 'main' ? main : peer).call(cmd);
      sub.send(['PING']);
      for (let f = await sub.frame(5000); f !== null && f.items?.[0]?.text !== 'pong'; f = await sub.frame(5000)) out.push(`${cmd[0]}: ${render(f)}`);
    }
    return out;
  } finally {
    await main.call(['CONFIG', 'SET', 'notify-keyspace-events', '']);
    main.close();
    sub.close();
    peer.close();
  }
}

describe.skipIf(!available)('tracking differences found by the random differential', () => {
  const pair = serverPair(['--enable-debug-command', 'yes']);

  it("a read-only command's keys are what its getkeys function gives: none for an unusable numkeys or an unbalanced XREAD (seed 34425)", async () => {
    const steps = [
      'XREAD BLOCK 10 STREAMS h2 x1 1-2', '>HSET h2 a 1', 'PING',
      'XREAD STREAMS a1 b1 0', '>SET a1 1', 'PING',
      'XREAD COUNT 1 FOO STREAMS a2 0', '>SET a2 1', 'PING',
      'SINTERCARD 3 a3 b3', '>SET a3 1', 'PING',
      'ZUNION 3 a4 b4', '>SET a4 1', 'PING',
      'ZINTERCARD x a5', '>SET a5 1', 'PING',
      'ZINTER 1x a6', '>SET a6 1', 'PING',
      'ZUNION 1 a7 b7', '>SET a7 1', 'PING',
      'XREAD STREAMS a8 b8 0 0', '>SET b8 1', 'PING',
      'SINTERCARD 1 a9 b9', '>SET a9 1', 'PING',
    ];
    const [ours, real] = await Promise.all([run(pair.ours.port, steps), run(pair.real.port, steps)]);
    expect(ours).toEqual(real);
    expect(real.filter((l) => l.includes('invalidate')).length).toBe(4);
  });
  it('ZINCRBY that would make a NaN score changes nothing: no BCAST invalidation, WATCH holds (seed 35801)', async () => {
    const steps = ['CLIENT TRACKING off', 'CLIENT TRACKING on BCAST', 'ZINCRBY z1 -inf d', 'PING', 'ZINCRBY z1 Infinity d', 'PING', 'ZADD z1 INCR +inf d', 'PING', 'WATCH z1', 'ZINCRBY z1 +inf d', 'MULTI', 'PING', 'EXEC'];
    const [ours, real] = await Promise.all([run(pair.ours.port, steps), run(pair.real.port, steps)]);
    expect(ours).toEqual(real);
    expect(real.at(-1)).toBe('EXEC -> *[+PONG]');
  });
  it("a redirect hears what the tracking client's own write invalidates after that write's keyspace events (fuzz-differential seed 2)", async () => {
    const steps = [['SMISMEMBER', 'S1', '2'], ['SADD', 'S1', '3'], ['GET', 'k'], ['MULTI'], ['SET', 'k', 'v'], ['EXEC'], ['GET', 'k'], ['FLUSHALL']].map((cmd): ['main', string[]] => ['main', cmd]);
    const [ours, real] = await Promise.all([redirectHears(pair.ours.port, '2', ['PSUBSCRIBE', '__key*__:*'], steps), redirectHears(pair.real.port, '2', ['PSUBSCRIBE', '__key*__:*'], steps)]);
    expect(ours).toEqual(real);
    expect(real.filter((l) => l.includes('invalidate')).length).toBe(3);
  });

  it("a redirect in Pub/Sub mode by SSUBSCRIBE alone hears invalidations, and a flush's null is the tracking client's protocol's (seeds 40201, 40666)", async () => {
    const steps: ['main' | 'peer', string[]][] = [['main', ['GET', 'k']], ['peer', ['SET', 'k', 'v']], ['main', ['GET', 'k']], ['peer', ['FLUSHDB']], ['peer', ['FLUSHALL', 'ASYNC']]];
    for (const proto of ['2', '3']) {
      const [ours, real] = await Promise.all([redirectHears(pair.ours.port, proto, ['SSUBSCRIBE', 'sh1'], steps), redirectHears(pair.real.port, proto, ['SSUBSCRIBE', 'sh1'], steps)]);
      expect(ours).toEqual(real);
      expect(real.length).toBe(3);
    }
  });
  it("a pop (or LTRIM, SMOVE, ZREM) by another client: the redirect hears the invalidation after the pop's event, and for an emptied key before its del for sorted-set pops, after it for the others (seed 44989)", async () => {
    const cases: [string[], string[], string[]][] = [
      [['ZADD', 'z', '1', 'a'], ['ZRANGE', 'z', '0', '-1'], ['ZPOPMAX', 'z', '2']],
      [['ZADD', 'z', '1', 'a'], ['ZRANGE', 'z', '0', '-1'], ['ZPOPMIN', 'z']],
      [['ZADD', 'z', '1', 'a'], ['ZRANGE', 'z', '0', '-1'], ['ZMPOP', '1', 'z', 'MIN', 'COUNT', '3']],
      [['ZADD', 'z', '1', 'a'], ['ZRANGE', 'z', '0', '-1'], ['BZPOPMAX', 'z', '0']],
      [['ZADD', 'z', '1', 'a'], ['ZRANGE', 'z', '0', '-1'], ['BZMPOP', '0', '1', 'z', 'MAX']],
      [['ZADD', 'z', '1', 'a'], ['ZRANGE', 'z', '0', '-1'], ['ZREM', 'z', 'a']],
      [['ZADD', 'z', '1', 'a'], ['ZRANGE', 'z', '0', '-1'], ['ZREMRANGEBYRANK', 'z', '0', '-1']],
      [['RPUSH', 'l', 'a'], ['LRANGE', 'l', '0', '-1'], ['LPOP', 'l']],
      [['RPUSH', 'l', 'a'], ['LRANGE', 'l', '0', '-1'], ['RPOP', 'l', '3']],
      [['RPUSH', 'l', 'a'], ['LRANGE', 'l', '0', '-1'], ['LMPOP', '1', 'l', 'LEFT']],
      [['RPUSH', 'l', 'a'], ['LRANGE', 'l', '0', '-1'], ['BLPOP', 'l', '0']],
      [['RPUSH', 'l', 'a'], ['LRANGE', 'l', '0', '-1'], ['RPOPLPUSH', 'l', 'l2']],
      [['RPUSH', 'l', 'a'], ['LRANGE', 'l', '0', '-1'], ['LMOVE', 'l', 'l2', 'LEFT', 'RIGHT']],
      [['RPUSH', 'l', 'a'], ['LRANGE', 'l', '0', '-1'], ['LREM', 'l', '0', 'a']],
      [['RPUSH', 'l', 'a'], ['LRANGE', 'l', '0', '-1'], ['LTRIM', 'l', '1', '0']],
      [['SADD', 's', 'a'], ['SMEMBERS', 's'], ['SPOP', 's', '3']],
      [['SADD', 's', 'a'], ['SMEMBERS', 's'], ['SPOP', 's']],
      [['SADD', 's', 'a'], ['SMEMBERS', 's'], ['SREM', 's', 'a']],
      [['SADD', 's', 'a'], ['SMEMBERS', 's'], ['SMOVE', 's', 's2', 'a']],
      [['HSET', 'h', 'f', 'v'], ['HGETALL', 'h'], ['HDEL', 'h', 'f']],
      [['SET', 'k', 'v'], ['GET', 'k'], ['GETDEL', 'k']],
    ];
    // The same with a second member left: no del, the invalidation still after the event.
    const leaving = cases.map(([make, read, pop]): [string[], string[], string[]] => [[...make, ...(make[0] === 'ZADD' ? ['2', 'b'] : make[0] === 'HSET' ? ['g', 'w'] : make[0] === 'SET' ? [] : ['b'])], read, pop]);
    for (const [make, read, pop] of [...cases, ...leaving]) {
      const steps: ['main' | 'peer', string[]][] = [['peer', make], ['main', read], ['peer', pop]];
      const [ours, real] = await Promise.all([redirectHears(pair.ours.port, '2', ['PSUBSCRIBE', '__key*__:*'], steps), redirectHears(pair.real.port, '2', ['PSUBSCRIBE', '__key*__:*'], steps)]);
      expect(ours, pop.join(' ')).toEqual(real);
      expect(real.filter((l) => l.includes('invalidate')).length, pop.join(' ')).toBe(1);
    }
  });

  it('a BCAST invalidation held while DEBUG SLEEP runs (alone or inside EXEC) comes after the whole pipeline read with it, as from redis-server\'s beforeSleep (seed 71382)', async () => {
    const pipelined = async (port: number, cmds: string[][]): Promise<string[]> => {
      const c = await FrameConn.open(port);
      try {
        await c.call(['FLUSHALL']);
        await c.call(['HELLO', '3']);
        await c.call(['CLIENT', 'TRACKING', 'on', 'BCAST']);
        c.sendAll([...cmds, ['ECHO', 'end']]);
        const out: string[] = [];
        // The invalidation comes at most a beforeSleep after the ECHO's reply.
        for (let f = await c.frame(10000); f !== null && !out.some((l) => l.includes('invalidate')); f = await c.frame(out.includes('$"end"') ? 1000 : 10000)) out.push(render(f));
        return out;
      } finally {
        c.close();
      }
    };
    for (const cmds of [
      [['PSETEX', 's2', '1', 'd'], ['DEBUG', 'SLEEP', '0.004'], ['GET', 'x']],
      [['MULTI'], ['SET', 'a', '1'], ['DEBUG', 'SLEEP', '0.004'], ['EXEC'], ['SET', 'b', '2']],
    ]) {
      const [ours, real] = await Promise.all([pipelined(pair.ours.port, cmds), pipelined(pair.real.port, cmds)]);
      expect(ours).toEqual(real);
      expect(real.at(-1)).toContain('invalidate');
    }
  });

  it('DEBUG RELOAD (NOSAVE) tells tracking clients of the flush only: loading a key, or its TTL, invalidates nothing (seeds 72751, 103737)', async () => {
    for (const mode of [[], ['BCAST']]) {
      const steps = ['CLIENT TRACKING off', ['CLIENT TRACKING on', ...mode].join(' '), 'SET h2 v', 'GET h2', '>SETEX e2 100000 v', 'GET e2', 'PING', 'DEBUG RELOAD', 'PING', 'GET h2', 'DEBUG RELOAD NOSAVE', 'GET h2', '>SET h2 w', 'PING'];
      const [ours, real] = await Promise.all([run(pair.ours.port, steps), run(pair.real.port, steps)]);
      expect(ours, mode.join(' ')).toEqual(real);
    }
  });

  it("a DEBUG RELOAD big enough to run in slices sends the tracking client's flush null after its +OK, as a small one (seed 81005)", async () => {
    const steps = ['CLIENT TRACKING off', 'CLIENT TRACKING on BCAST PREFIX s', '>DEBUG POPULATE 30000 s 300', 'DEBUG RELOAD', 'PING', 'DEBUG RELOAD NOSAVE', 'PING', '>FLUSHALL', 'PING'];
    const [ours, real] = await Promise.all([run(pair.ours.port, steps), run(pair.real.port, steps)]);
    expect(ours).toEqual(real);
    expect(real).toContain('PING -> +PONG pushes >[$"invalidate", _]');
  }, 30_000);

  it("BCAST prefixes that overlap each other past the first prefix are 7.0.15's error and then +OK, tracking on with all of them; at the first, or with one already there, the error alone (options family, seed 90858)", async () => {
    const steps = [
      'CLIENT TRACKING off', 'CLIENT TRACKING on BCAST PREFIX s PREFIX a PREFIX ab', 'PING', 'CLIENT TRACKINGINFO', 'CLIENT TRACKING on BCAST PREFIX a PREFIX ab PREFIX abc', 'PING',
      'CLIENT TRACKINGINFO', 'CLIENT TRACKING off', 'CLIENT TRACKING on BCAST PREFIX x PREFIX xy', 'PING', 'CLIENT TRACKINGINFO', '>SET ab 1', 'PING',
    ];
    const [ours, real] = await Promise.all([run(pair.ours.port, steps), run(pair.real.port, steps)]);
    expect(ours).toEqual(real);
    expect(real).toContain('PING -> +OK');
  });

  it('under OPTIN a refused command (wrong arity, unknown, EXEC refused) uses up CLIENT CACHING YES as a run one does; a CLIENT subcommand or queuing inside MULTI keeps it (seed 73242)', async () => {
    const steps = ['CLIENT TRACKING off', 'CLIENT TRACKING on OPTIN', 'SET s2 42'];
    for (const between of [['LLEN l2 EXTRA'], ['NOSUCH'], ['EXEC 1'], ['CLIENT'], ['CLIENT GETNAME'], ['MULTI', 'LLEN', 'GET s2', 'EXEC']]) {
      steps.push('CLIENT CACHING YES', ...between, 'GET s2', '>SET s2 x', 'PING');
    }
    const [ours, real] = await Promise.all([run(pair.ours.port, steps), run(pair.real.port, steps)]);
    expect(ours).toEqual(real);
    expect(real.filter((l) => l.includes('invalidate')).length).toBeGreaterThan(0);
  });
});
