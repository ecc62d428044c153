// The slow log as redis-server 7.0 keeps it (found by Redis's unit/slowlog): secrets redacted (CONFIG
// SET of sensitive configs, ACL SETUSER, AUTH, HELLO AUTH, MIGRATE AUTH/AUTH2), EXEC never logged but
// what it ran is, a blocked command logged once it is served (with the time it ran, not the time it
// waited), DEBUG SLEEP logged with its sleep, inside MULTI too, a script's commands with the address
// of a client with no connection. Differential on both servers.
import { describe, expect, it } from 'vitest';
import { RawClient, realRedisAvailable, waitBlocked } from './helpers.ts';
import { serverPair } from './server-pair.ts';

const available = realRedisAvailable();

type Resp = string | null | Resp[];

/** Decodes one RESP2 reply (enough of it for SLOWLOG GET). */
function decode(text: string): Resp {
  let pos = 0;
  const line = (): string => {
    const end = text.indexOf('\r\n', pos);
    const l = text.slice(pos, end);
    pos = end + 2;
    return l;
  };
  const one = (): Resp => {
    const l = line();
    const n = Number(l.slice(1));
    if (l[0] === '*') return n < 0 ? null : Array.from({ length: n }, one);
    if (l[0] === '$') {
      if (n < 0) return null;
      const s = text.slice(pos, pos + n);
      pos += n + 2;
      return s;
    }
    return l.slice(1);
  };
  return one();
}

/** Each entry's arguments and client name, newest first; `slowerThan` for usec above a bound. */
async function entries(c: RawClient, slowerThan = -1): Promise<string[]> {
  const got = decode(await c.call('SLOWLOG', 'GET', '-1')) as Resp[][];
  return got.map((e) => `${(e[3] as string[]).join(' ')} | ${e[5] as string}${slowerThan >= 0 ? ` | ${Number(e[2]) > slowerThan}` : ''}`);
}

describe.runIf(available)('slow log as redis-server 7.0', () => {
  const pair = serverPair(['--enable-debug-command', 'yes']);

  async function redactions(port: number): Promise<string[]> {
    const c = await RawClient.connect(port);
    try {
      await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '0');
      await c.call('SLOWLOG', 'RESET');
      await c.call('CONFIG', 'SET', 'masterauth', '');
      await c.call('CONFIG', 'SET', 'maxmemory', '0', 'masteruser', 'someone');
      await c.call('CONFIG', 'SET', 'masteruser', '');
      await c.call('ACL', 'SETUSER', 'slowuser', '+get', '>pw');
      await c.call('ACL', 'DELUSER', 'slowuser');
      await c.call('AUTH', 'nobody', 'wrong');
      await c.call('HELLO', '2', 'AUTH', 'nobody', 'wrong');
      await c.call('MIGRATE', '127.0.0.1', '1', '', '0', '100', 'AUTH2', 'u', 'p', 'KEYS', 'a');
      await c.call('MIGRATE', '127.0.0.1', '1', 'k', '0', '100', 'AUTH', 'p');
      await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '1000000');
      return await entries(c);
    } finally {
      c.close();
    }
  }

  it('redacts secrets', async () => {
    const theirs = await redactions(pair.real.port);
    expect(await redactions(pair.ours.port)).toEqual(theirs);
  });

  async function transactionsAndBlocking(port: number): Promise<string[]> {
    const c = await RawClient.connect(port);
    const blocked = await RawClient.connect(port);
    try {
      await c.call('FLUSHALL');
      await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '0');
      await blocked.call('CLIENT', 'SETNAME', 'popper');
      blocked.write('*3\r\n$5\r\nBLPOP\r\n$1\r\nl\r\n$1\r\n0\r\n');
      await waitBlocked(c, 1);
      await c.call('SLOWLOG', 'RESET');
      await c.call('MULTI');
      await c.call('LPUSH', 'l', 'x');
      await c.call('SET', 'k', 'v');
      await c.call('EXEC');
      await blocked.read();
      await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '1000000');
      return await entries(c);
    } finally {
      c.close();
      blocked.close();
    }
  }

  it('logs what EXEC ran, not EXEC, and a blocked command once served', async () => {
    const theirs = await transactionsAndBlocking(pair.real.port);
    expect(await transactionsAndBlocking(pair.ours.port)).toEqual(theirs);
  });

  async function sleeps(port: number): Promise<string[]> {
    const c = await RawClient.connect(port);
    try {
      await c.call('CLIENT', 'SETNAME', 'sleeper');
      await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '100000');
      await c.call('SLOWLOG', 'RESET');
      await c.call('DEBUG', 'SLEEP', '0.15');
      await c.call('MULTI');
      await c.call('DEBUG', 'SLEEP', '0.15');
      await c.call('EXEC');
      return await entries(c, 150000);
    } finally {
      await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '10000');
      c.close();
    }
  }

  async function scriptCommands(port: number): Promise<string[]> {
    const c = await RawClient.connect(port);
    try {
      await c.call('CLIENT', 'SETNAME', 'caller');
      await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '0');
      await c.call('SLOWLOG', 'RESET');
      await c.call('EVAL', "return redis.call('SET', 'a', 'b')", '0');
      await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '1000000');
      const got = decode(await c.call('SLOWLOG', 'GET', '-1')) as Resp[][];
      return got.map((e) => `${(e[3] as string[]).join(' ')} | ${e[4] as string} | ${e[5] as string}`.replace(/127\.0\.0\.1:\d+/, 'caller-addr'));
    } finally {
      c.close();
    }
  }

  it("logs a script's commands with a connectionless client's address", async () => {
    const theirs = await scriptCommands(pair.real.port);
    expect(theirs).toContain('SET a b | ?:0 | ');
    expect(await scriptCommands(pair.ours.port)).toEqual(theirs);
  });

  it('logs DEBUG SLEEP with its sleep, inside MULTI too', async () => {
    const theirs = await sleeps(pair.real.port);
    expect(await sleeps(pair.ours.port)).toEqual(theirs);
  });
});
