// Differences from redis-server 7.0 found by Redis's unit/introspection (run against a bare engine),
// each compared with redis-server through the same requests.
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { differential, RawClient, realRedisAvailable, script, startServer, waitBlocked } from './helpers.ts';
import { serverPair } from './server-pair.ts';

const available = realRedisAvailable();

const CASES: Record<string, string> = {
  'hidden test knobs answer when named, never through a pattern': `
    CONFIG GET key-load-delay
    CONFIG GET rdb-key-save-delay
    CONFIG GET loading-process-events-interval-bytes
    CONFIG GET key-load-*
    CONFIG GET *-delay
    CONFIG GET KEY-LOAD-DELAY
    CONFIG SET key-load-delay 5
    CONFIG GET key-load-delay
    CONFIG SET key-load-delay abc
    CONFIG SET loading-process-events-interval-bytes 10
    CONFIG SET key-load-delay 0
  `,
  'MIGRATE checks its arguments and answers NOKEY when no key exists': `
    MIGRATE 127.0.0.1 1 nokey 9 5000
    MIGRATE 127.0.0.1 1 nokey 9 5000 AUTH user
    MIGRATE 127.0.0.1 1 nokey 9 5000 AUTH2 user pass COPY REPLACE
    MIGRATE 127.0.0.1 1 "" 9 5000 KEYS a b
    MIGRATE 127.0.0.1 1 k 9 5000 KEYS a b
    MIGRATE 127.0.0.1 1 nokey 9 5000 bogus
    MIGRATE 127.0.0.1 1 nokey x 5000
    MIGRATE 127.0.0.1 1 nokey 9 x
  `,
  // Found through CLIENT LIST as redis-py parses it (lib-name= and lib-ver= came from 7.2); a Valkey node keeps them.
  'the CLIENT subcommands Redis 7.2 added are unknown, as in 7.0': `
    CLIENT SETINFO lib-name mylib
    CLIENT SETINFO lib-ver 1.0
    CLIENT SETINFO
    CLIENT NO-TOUCH on
    COMMAND INFO client|setinfo client|no-touch client|setname
    COMMAND GETKEYS client setinfo lib-name x
  `,
  'CONFIG GET answers a plain name as it was spelt, once': `
    CONFIG GET MAXMEMORY
    CONFIG GET Hash-Max-Ziplist-Entries
    CONFIG GET maxmemory MAXMEMORY
    CONFIG GET maxmemory-polic* MAXMEMORY-POLICY
    CONFIG GET nosuch
    CONFIG GET nosuch*
  `,
};

/** What a MONITOR sees of a transaction, a failed one and a script: command names and arguments only. */
async function monitored(port: number): Promise<string[]> {
  const m = await RawClient.connect(port);
  const c = await RawClient.connect(port);
  try {
    await m.call('MONITOR');
    const sent = [['MULTI'], ['SET', 'foo', 'bar'], ['EXEC'], ['MULTI'], ['NOSUCH'], ['EXEC'], ['EVAL', "redis.call('set','k','v')", '0']];
    // Secrets show redacted, as the requests fail.
    sent.push(['AUTH', 'not-real'], ['AUTH', 'not-real', 'not-a-password'], ['HELLO', '2', 'AUTH', 'u', 'p'], ['MIGRATE', '127.0.0.1', '1', 'key', '9', '5000', 'AUTH2', 'user', 'password'], ['PING']);
    for (const cmd of sent) await c.call(...cmd);
    const lines: string[] = [];
    while (!lines.some((l) => l.includes('"PING"'))) {
      for (const l of (await m.read()).toString('latin1').split('\r\n')) if (l.startsWith('+') && l !== '+OK') lines.push(l.replace(/^\+[0-9.]+ \[\d+ [^\]]*\] /, ''));
    }
    return lines;
  } finally {
    m.close();
    c.close();
  }
}

/**
 * Every line a monitor saw until PING, without the time and the client's port: redis-server 7.0 shows a
 * command once it ran, with the db its client is in after it (SELECT 2 shows [2 ...], RESET [0 ...]).
 */
async function monitoredDbs(port: number): Promise<string[]> {
  const m = await RawClient.connect(port);
  const c = await RawClient.connect(port);
  const blocked = await RawClient.connect(port);
  try {
    await m.call('MONITOR');
    const sent = [
      ['SELECT', '2'], ['SET', 'a', '1'], ['RESET'], ['SET', 'b', '1'],
      ['MULTI'], ['SELECT', '5'], ['SET', 'c', '1'], ['EXEC'], ['SET', 'd', '1'],
      ['EVAL', "redis.call('select', 7); return redis.call('set', 'e', 1)", '0'], ['FCALL_RO', 'nosuch', '0'],
      ['SELECT', '99'], ['SWAPDB', '5', '6'], ['MOVE', 'd', '9'], ['GET', 'd'],
    ];
    for (const cmd of sent) await c.call(...cmd);
    // A blocked command shows once, when it first ran, with its db.
    await blocked.call('SELECT', '4');
    blocked.write('*3\r\n$5\r\nBLPOP\r\n$1\r\nq\r\n$1\r\n0\r\n');
    await waitBlocked(c, 1);
    await c.call('SELECT', '4');
    await c.call('RPUSH', 'q', 'x');
    await blocked.read();
    await c.call('PING');
    const lines: string[] = [];
    const times: string[] = [];
    while (!lines.some((l) => l.includes('"PING"'))) {
      for (const l of (await m.read()).toString('latin1').split('\r\n')) {
        if (!l.startsWith('+') || l === '+OK') continue;
        lines.push(l.replace(/^\+[0-9.]+ \[(\d+) ([^\]:]*)(:\d+)?\]/, '[$1 $2]'));
        times.push(l.slice(1, l.indexOf(' ')));
      }
    }
    // Times in microseconds: ours ended every one in 000 (milliseconds).
    expect(times.filter((t) => /^\d+\.\d{6}$/.test(t) && !t.endsWith('000')).length).toBeGreaterThan(0);
    return lines;
  } finally {
    m.close();
    c.close();
    blocked.close();
  }
}

/** Replies a client gets around CLIENT REPLY SKIP followed by CLIENT REPLY ON. */
async function skipThenOn(port: number): Promise<string> {
  const c = await RawClient.connect(port);
  try {
    c.write('CLIENT REPLY SKIP\r\nCLIENT REPLY ON\r\nPING\r\n');
    let got = '';
    while (!got.includes('PONG')) got += (await c.read()).toString('latin1');
    return got;
  } finally {
    c.close();
  }
}

describe.skipIf(!available)('unit/introspection findings, against redis-server 7.0', () => {
  const pair = serverPair();

  it('MONITOR shows EXEC after the commands it ran, and a script before its own calls', async () => {
    const real_ = await monitored(pair.real.port);
    expect(real_.slice(0, 3)).toEqual(['"MULTI"', '"SET" "foo" "bar"', '"EXEC"']);
    expect(await monitored(pair.ours.port)).toEqual(real_);
  });

  it('MONITOR names the db a command leaves its client in: SELECT, RESET, in MULTI, in a script, a blocked BLPOP', async () => {
    // Ours showed the db before the command; found through ioredis's monitor(), which hands the db to the application.
    const expected = await monitoredDbs(pair.real.port);
    expect(expected).toContain('[2 127.0.0.1] "SELECT" "2"');
    expect(await monitoredDbs(pair.ours.port)).toEqual(expected);
  });

  it('CLIENT INFO has the fields of 7.0; a Valkey engine adds lib-name and lib-ver', async () => {
    const fields = async (port: number) => {
      const c = await RawClient.connect(port);
      try {
        return (await c.call('CLIENT', 'INFO')).replace(/^\$\d+\r\n/, '').trim().split(' ').map((f) => f.split('=')[0]);
      } finally {
        c.close();
      }
    };
    const expected = await fields(pair.real.port);
    expect(await fields(pair.ours.port)).toEqual(expected);
    const valkey = await startServer({ serverName: 'valkey', version: '8.0.1' });
    try {
      expect(await fields(valkey.port)).toEqual([...expected, 'lib-name', 'lib-ver']);
    } finally {
      await valkey.server.close();
    }
  });

  it('MEMORY STATS has redis-server 7.0\'s fields in its order, db.N for each db with keys, doubles where it has them', async () => {
    // Ours had 9 of its 31 fields; found through redis-py's memory_stats().
    const shape = async (port: number) => {
      const c = new Redis(port, '127.0.0.1');
      try {
        await c.flushall();
        await c.set('a', '1');
        await c.select(3);
        await c.set('b', '1', 'EX', 100);
        const flat = (await c.call('MEMORY', 'STATS')) as unknown[];
        return flat.map((v, i) => (i % 2 === 0 ? String(v) : Array.isArray(v) ? v.filter((_, j) => j % 2 === 0).join() : typeof v));
      } finally {
        c.disconnect();
      }
    };
    const expected = await shape(pair.real.port);
    expect(expected).toContain('db.3');
    expect(expected).toContain('overhead.hashtable.main,overhead.hashtable.expires,overhead.hashtable.slot-to-keys');
    expect(await shape(pair.ours.port)).toEqual(expected);
  });

  it('CLIENT REPLY ON while a reply is being skipped answers OK', async () => {
    const b = await skipThenOn(pair.real.port);
    expect(b).toBe('+OK\r\n+PONG\r\n');
    expect(await skipThenOn(pair.ours.port)).toBe(b);
  });

  for (const [name, text] of Object.entries(CASES)) {
    it(name, async () => {
      const results = await differential(pair.ours.port, pair.real.port, script(text));
      expect(results.filter((r) => r.ours !== r.real)).toEqual([]);
    });
  }
});
