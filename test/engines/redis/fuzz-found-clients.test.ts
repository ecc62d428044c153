// Deterministic cases for what the session-25 families of the random differential (tools/redis-fuzz,
// families-wide.ts) found: several clients at once (a held command released by CLIENT UNPAUSE),
// expiry inside EXEC around a script, FAILOVER's argument and state errors, MODULE's protected
// subcommands. Each compares what a
// client sees with redis-server 7.0, byte for byte.
import { describe, expect, it } from 'vitest';
import { FrameConn } from '../../../tools/redis-fuzz/conn.ts';
import { render } from '../../../tools/redis-fuzz/reply.ts';
import { RawClient, realRedisAvailable } from './helpers.ts';
import { expectSameReplies, serverPair, type ServerPair } from './server-pair.ts';

const available = realRedisAvailable();

/** Runs `fn` with a main client and a peer on each server; what it saw on ours, then on redis-server. */
async function onBoth<T>(pair: ServerPair, fn: (main: FrameConn, peer: FrameConn) => Promise<T>): Promise<[T, T]> {
  const run = async (port: number): Promise<T> => {
    const main = await FrameConn.open(port);
    const peer = await FrameConn.open(port);
    try {
      return await fn(main, peer);
    } finally {
      main.close();
      peer.close();
    }
  };
  return [await run(pair.ours.port), await run(pair.real.port)];
}

/** Waits (by the server's state, not time) until CLIENT LIST, asked on `by`, shows client `id` blocked. */
async function waitBlocked(by: FrameConn, id: string): Promise<void> {
  for (let i = 0; !/flags=\S*b/.test((await by.call(['CLIENT', 'LIST', 'ID', id]))?.text ?? ''); i++) expect(i).toBeLessThan(5000);
}

describe.skipIf(!available)('client-interplay differences found by the random differential', () => {
  const pair = serverPair(['--enable-debug-command', 'yes']);

  it('FAILOVER checks ABORT alone, then TIMEOUT/TO/FORCE once each, then the server has no replicas', async () => {
    await expectSameReplies(
      pair,
      'FAILOVER\nFAILOVER ABORT\nFAILOVER abort x\nFAILOVER x\nFAILOVER TIMEOUT 0\nFAILOVER TIMEOUT -5\nFAILOVER TIMEOUT x\nFAILOVER TIMEOUT 10 TIMEOUT 10\n' +
        'FAILOVER TO 127.0.0.1 x\nFAILOVER TO 127.0.0.1 1\nFAILOVER TO h\nFAILOVER FORCE\nFAILOVER FORCE FORCE\nFAILOVER TIMEOUT 10 TO h 1 FORCE\nMULTI\nFAILOVER\nEXEC\nEVAL "return redis.pcall(\'FAILOVER\')" 0\n' +
        'ACL SETUSER u1 on nopass +get\nAUTH u1 x\nFAILOVER\nAUTH default x',
    );
  });

  it('inside EXEC a key expires by EXEC\'s start time again once a script in it has returned', async () => {
    // The script sets a 1 ms expiry; the sleep inside the transaction does not expire it, the one
    // after EXEC does.
    await expectSameReplies(pair, 'MULTI\nEVAL "redis.call(\'SET\', KEYS[1], \'v\', \'PX\', 1) return redis.call(\'EXISTS\', KEYS[1])" 1 k\nDEBUG SLEEP 0.01\nEXISTS k\nGET k\nEXEC\nDEBUG SLEEP 0.01\nEXISTS k');
  });

  it('CLIENT UNPAUSE answers before the commands it released run: a held PUBLISH reaches the pausing subscriber after +OK', async () => {
    const [ours, real] = await onBoth(pair, async (main, peer): Promise<string[]> => {
      const out: string[] = [];
      const id = (await peer.call(['CLIENT', 'ID']))?.text as string;
      await main.call(['HELLO', '3']);
      main.send(['SUBSCRIBE', 'ch']);
      out.push(render((await main.frame(10000))!));
      out.push(render((await main.call(['CLIENT', 'PAUSE', '100000', 'WRITE']))!));
      peer.send(['PUBLISH', 'ch', 'x']);
      // Held: CLIENT LIST shows the peer blocked (flag b) on both servers.
      await waitBlocked(main, id);
      // PING goes only after UNPAUSE's reply: sent together, redis-server reads both before it
      // runs the released PUBLISH, so the message would come after PONG there (a timing race, not
      // a rule).
      out.push(render((await main.call(['CLIENT', 'UNPAUSE']))!));
      main.send(['PING']);
      for (let f = await main.frame(10000); f !== null; f = await main.frame(10000)) {
        out.push(render(f));
        if (f.text === 'PONG') break;
      }
      out.push(render((await peer.frame(10000))!));
      return out;
    });
    expect(ours).toEqual(real);
    expect(ours.slice(2)).toEqual(['+OK', '>[$"message", $"ch", $"x"]', '+PONG', ':1']);
  });

  it('MODULE LOAD/LOADEX/UNLOAD are refused as protected before AUTH, ACL, MULTI and subscribe mode, as rejected calls', async () => {
    await expectSameReplies(
      pair,
      'CONFIG RESETSTAT\nMODULE LOAD /x.so\nMULTI\nMODULE LOAD /x.so\nMODULE LIST\nEXEC\nSUBSCRIBE ch\nMODULE LOADEX x\nMODULE UNLOAD x\nRESET\n' +
        'ACL SETUSER u2 on nopass +get\nAUTH u2 x\nMODULE UNLOAD x\nMODULE LIST\nAUTH default x\nACL DELUSER u2\nMODULE LOAD\nMODULE x',
    );
    const c = await RawClient.connect(pair.ours.port);
    try {
      expect(await c.call('INFO', 'commandstats')).toMatch(/cmdstat_module\|load:calls=0,[^\r]*,rejected_calls=3,failed_calls=0/);
    } finally {
      c.close();
    }
  });

  it('CLIENT INFO: watched keys weigh in tot-mem but not in multi-mem (7.0.15), as ACL LOG\'s client-info shows too', async () => {
    const seen = async (port: number): Promise<string[]> => {
      const c = await RawClient.connect(port);
      try {
        const mem = async (): Promise<[number, number]> => {
          const info = await c.call('CLIENT', 'INFO');
          return [Number(/multi-mem=(\d+)/.exec(info)?.[1]), Number(/tot-mem=(\d+)/.exec(info)?.[1])];
        };
        const [m0, t0] = await mem();
        await c.call('WATCH', ...Array.from({ length: 10 }, (_, i) => `k${i}`));
        const [m1, t1] = await mem();
        return [`multi-mem ${m0} ${m1}`, `tot-mem grew ${t1 - t0}`];
      } finally {
        c.close();
      }
    };
    expect(await seen(pair.ours.port)).toEqual(await seen(pair.real.port));
  });

  it('a blocking command sent under CLIENT REPLY SKIP or OFF answers nothing when it times out or is served later', async () => {
    const [ours, real] = await onBoth(pair, async (main, peer): Promise<string[]> => {
      const id = (await main.call(['CLIENT', 'ID']))?.text as string;
      await main.call(['DEL', 'l1', 'l2']);
      for (const cmd of [['CLIENT', 'REPLY', 'SKIP'], ['BLPOP', 'l1', '0.01'], ['PING', 'a'], ['CLIENT', 'REPLY', 'OFF'], ['BRPOPLPUSH', 'l1', 'l2', '0.01'], ['BLPOP', 'l2', '0']]) main.send(cmd);
      // The last BLPOP blocks for good until the peer pushes: wait for it (flag b), then serve it.
      await waitBlocked(peer, id);
      await peer.call(['RPUSH', 'l2', 'x']);
      main.send(['CLIENT', 'REPLY', 'ON']);
      main.send(['PING', 'b']);
      const out: string[] = [];
      for (let f = await main.frame(10000); f !== null; f = await main.frame(10000)) {
        out.push(render(f));
        if (f.text === 'b') break;
      }
      return out;
    });
    expect(ours).toEqual(real);
    expect(ours).toEqual(['$"a"', '+OK', '$"b"']);
  });

  it('a blocked command ended by CLIENT UNBLOCK counts as a failed call, TIMEOUT or ERROR (7.0.15)', async () => {
    const [ours, real] = await onBoth(pair, async (main, peer): Promise<string[]> => {
      await peer.call(['CONFIG', 'RESETSTAT']);
      const id = (await main.call(['CLIENT', 'ID']))?.text as string;
      const out: string[] = [];
      for (const [cmd, how] of [[['BLPOP', 'nosuch', '0'], 'TIMEOUT'], [['BZPOPMIN', 'nosuch', '0'], 'ERROR'], [['XREAD', 'BLOCK', '0', 'STREAMS', 'nosuch', '$'], 'TIMEOUT']] as const) {
        main.send([...cmd]);
        await waitBlocked(peer, id);
        out.push(render((await peer.call(['CLIENT', 'UNBLOCK', id, how]))!), render((await main.frame(10000))!));
      }
      const stats = (await peer.call(['INFO', 'commandstats']))?.text ?? '';
      for (const name of ['blpop', 'bzpopmin', 'xread']) out.push(/failed_calls=\d+/.exec(new RegExp(`cmdstat_${name}:[^\r]*`).exec(stats)?.[0] ?? '')?.[0] ?? `${name} missing`);
      return out;
    });
    expect(ours).toEqual(real);
    expect(ours.slice(-3)).toEqual(['failed_calls=1', 'failed_calls=1', 'failed_calls=1']);
  });

  it('LATENCY HISTOGRAM counts a blocking command once served or unblocked, never when it timed out', async () => {
    const [ours, real] = await onBoth(pair, async (main, peer): Promise<string> => {
      await peer.call(['CONFIG', 'RESETSTAT']);
      await peer.call(['DEL', 'q']);
      const id = (await main.call(['CLIENT', 'ID']))?.text as string;
      await main.call(['BZPOPMIN', 'nosuch', '0.01']);
      await main.call(['XREAD', 'BLOCK', '10', 'STREAMS', 'nosuch', '$']);
      main.send(['BLPOP', 'q', '0']);
      await waitBlocked(peer, id);
      await peer.call(['RPUSH', 'q', 'x']);
      await main.frame(10000);
      main.send(['BRPOP', 'q', '0']);
      await waitBlocked(peer, id);
      await peer.call(['CLIENT', 'UNBLOCK', id]);
      await main.frame(10000);
      const h = await peer.call(['LATENCY', 'HISTOGRAM', 'bzpopmin', 'xread', 'blpop', 'brpop']);
      const names: string[] = [];
      for (let i = 0; i + 1 < (h?.items?.length ?? 0); i += 2) names.push(`${h?.items?.[i]?.text} ${h?.items?.[i + 1]?.items?.[1]?.text}`);
      return names.sort().join(', ');
    });
    expect(ours).toBe(real);
    expect(ours).toBe('blpop 1, brpop 1');
  });

  it('a failed AUTH inside EXEC is logged in the multi context, its client-info counting the queued commands (seed 148)', async () => {
    const seen = async (port: number): Promise<string[]> => {
      const c = await FrameConn.open(port);
      try {
        for (const cmd of [['ACL', 'LOG', 'RESET'], ['MULTI'], ['AUTH', 'nosuch', 'x'], ['SET', 'k', 'v'], ['EXEC']]) await c.call(cmd);
        const log = await c.call(['ACL', 'LOG', '1']);
        const entry = log?.items?.[0]?.items ?? [];
        const info = entry[13]?.text ?? '';
        return [`${entry[3]?.text} ${entry[5]?.text} ${entry[7]?.text}`, /multi=\S+/.exec(info)?.[0] ?? '', /multi-mem=\d+/.exec(info)?.[0] ?? '', /cmd=\S+/.exec(info)?.[0] ?? ''];
      } finally {
        c.close();
      }
    };
    const ours = await seen(pair.ours.port);
    expect(ours).toEqual(await seen(pair.real.port));
    expect(ours[0]).toBe('auth multi AUTH');
  });

  it('ACL LOG groups a denial only with one of the 10 latest entries', async () => {
    const seen = async (port: number): Promise<string[]> => {
      const c = await FrameConn.open(port);
      try {
        for (const cmd of [['ACL', 'LOG', 'RESET'], ['ACL', 'SETUSER', 'u3', 'on', 'nopass', '+ping'], ['AUTH', 'u3', 'x'], ['CONFIG', 'RESETSTAT']]) await c.call(cmd);
        // Ten other denials in between: the second CONFIG RESETSTAT finds no entry of its own to join.
        for (const name of ['GET', 'STRLEN', 'LLEN', 'HLEN', 'SCARD', 'ZCARD', 'INCR', 'DECR', 'EXISTS', 'TYPE']) await c.call([name, 'k']);
        for (const cmd of [['CONFIG', 'RESETSTAT'], ['GET', 'k9'], ['AUTH', 'default', 'x']]) await c.call(cmd);
        const log = await c.call(['ACL', 'LOG', '3']);
        await c.call(['ACL', 'DELUSER', 'u3']);
        // Each entry's object and count (its age and client are each server's own).
        return (log?.items ?? []).map((e) => `${e.items?.[7]?.text} ${e.items?.[1]?.text}`);
      } finally {
        c.close();
      }
    };
    const ours = await seen(pair.ours.port);
    expect(ours).toEqual(await seen(pair.real.port));
    expect(ours).toEqual(['get 1', 'config|resetstat 1', 'type 1']);
  });

  it('EXEC looks at watched keys past their TTL without deleting them: no expired event, EXEC refused only for one that expired after WATCH', async () => {
    const [ours, real] = await onBoth(pair, async (main, peer): Promise<string[]> => {
      await peer.call(['DEBUG', 'SET-ACTIVE-EXPIRE', '0']);
      await peer.call(['CONFIG', 'SET', 'notify-keyspace-events', 'KEA']);
      await peer.call(['DEL', 'old', 'young']);
      await peer.call(['PSUBSCRIBE', '__keyevent*']);
      await peer.call(['SUBSCRIBE', 'mark']);
      const out: string[] = [];
      for (const cmd of [['SET', 'old', 'v', 'PX', '1'], ['DEBUG', 'SLEEP', '0.005'], ['WATCH', 'old'], ['MULTI'], ['PING'], ['EXEC']]) out.push(render((await main.call(cmd))!));
      // 'young' must still live when WATCHed: sent in one write with its SET, and given 200 ms (a CI run at load
      // took more than the 3 ms it had between two round trips, on one server and not the other).
      main.send(['SET', 'young', 'v', 'PX', '200']);
      main.send(['WATCH', 'young']);
      for (let i = 0; i < 2; i++) out.push(render((await main.frame(10000))!));
      for (const cmd of [['DEBUG', 'SLEEP', '0.25'], ['MULTI'], ['PING'], ['EXEC'], ['EXISTS', 'old', 'young']]) out.push(render((await main.call(cmd))!));
      main.send(['PUBLISH', 'mark', 'end']);
      for (let f = await peer.frame(10000); f !== null && f.items?.[1]?.text !== 'mark'; f = await peer.frame(10000)) out.push(`${f.items?.[2]?.text} ${f.items?.[3]?.text}`);
      await main.call(['DEBUG', 'SET-ACTIVE-EXPIRE', '1']);
      return out;
    });
    expect(ours).toEqual(real);
    expect(ours.slice(0, 13)).toEqual(['+OK', '+OK', '+OK', '+OK', '+QUEUED', '*[+PONG]', '+OK', '+OK', '+OK', '+OK', '+QUEUED', '*nil', ':0']);
  });
});
