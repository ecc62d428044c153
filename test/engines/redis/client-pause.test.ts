// CLIENT PAUSE as redis-server 7.0 does it (found by Redis's unit/pause): a held client counts in
// blocked_clients and shows flag b with its command in CLIENT LIST; WRITE holds may-replicate
// commands (PFCOUNT, PUBLISH, scripts without no-writes) and EXECs of such, not read-only scripts
// (which may not call them);
// CLIENT UNPAUSE answers once; no key expires, on access or actively, and none is evicted, until the pause ends;
// what processCommand refuses is answered at once, not held.
// Differential: each scenario on fresh connections to both servers.
import { describe, expect, it } from 'vitest';
import { RawClient, realRedisAvailable, waitUntil } from './helpers.ts';
import { serverPair } from './server-pair.ts';

const available = realRedisAvailable();

const info = async (c: RawClient, field: string): Promise<string> => {
  const m = new RegExp(`\r\n${field}:(.*?)\r\n`).exec(await c.call('INFO'));
  return m?.[1] ?? '';
};

/** Sends `cmd` on a fresh client under the pause: 'held' (then its reply once unpaused) or 'ran' and its reply. */
async function underWritePause(port: number, setup: string[][], cmd: string[]): Promise<string> {
  const admin = await RawClient.connect(port);
  const other = await RawClient.connect(port);
  try {
    await admin.call('FLUSHALL');
    for (const s of setup) await admin.call(...s);
    await admin.call('CLIENT', 'PAUSE', '100000', 'WRITE');
    other.write(`*${cmd.length}\r\n${cmd.map((a) => `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`).join('')}`);
    let held = false;
    await waitUntil('the command to run or be held', async () => other.pending().length > 0 || (held = (await info(admin, 'blocked_clients')) === '1'));
    await admin.call('CLIENT', 'UNPAUSE');
    const reply = (await other.read()).toString('latin1');
    return `${held ? 'held' : 'ran'} ${reply}`;
  } finally {
    admin.close();
    other.close();
  }
}

const FUNCTION_RO = "#!lua name=pausero\nredis.register_function{function_name='pausero', callback=function() return 'hi' end, flags={'no-writes'}}";

const CASES: Record<string, { setup?: string[][]; cmd: string[] }> = {
  SET: { cmd: ['SET', 'k', 'v'] },
  GET: { cmd: ['GET', 'k'] },
  PFCOUNT: { setup: [['PFADD', 'h', 'a']], cmd: ['PFCOUNT', 'h'] },
  PUBLISH: { cmd: ['PUBLISH', 'ch', 'm'] },
  'EVAL without shebang': { cmd: ['EVAL', 'return 1', '0'] },
  'EVAL with a shebang, no flags': { cmd: ['EVAL', '#!lua\nreturn 1', '0'] },
  'EVAL no-writes': { cmd: ['EVAL', '#!lua flags=no-writes\nreturn 2', '0'] },
  'EVAL_RO without shebang': { cmd: ['EVAL_RO', 'return 3', '0'] },
  'EVALSHA of a cached no-writes script': {
    setup: [['SCRIPT', 'LOAD', '#!lua flags=no-writes\nreturn 4']],
    cmd: ['EVALSHA', '328667b24e7b2079d0c1d0fbd2d18c77a2f44b38', '0'],
  },
  'FCALL of a no-writes function': { setup: [['FUNCTION', 'LOAD', 'REPLACE', FUNCTION_RO]], cmd: ['FCALL', 'pausero', '0'] },
  // A read-only script runs under the pause because it may not publish: PUBLISH and PFCOUNT count as writes there.
  'EVAL_RO calling PUBLISH': { cmd: ['EVAL_RO', "return redis.call('publish', 'ch', 'm')", '0'] },
  'EVAL no-writes calling PFCOUNT': { setup: [['PFADD', 'h', 'a']], cmd: ['EVAL', "#!lua flags=no-writes\nreturn redis.pcall('pfcount', 'h')", '0'] },
  // processCommand pauses last: what its checks refuse is answered at once (random differential seed 121867).
  'SET of the wrong arity': { cmd: ['SET', 'k'] },
  'an unknown command': { cmd: ['NOSUCHCOMMAND', 'k'] },
};

describe.runIf(available)('CLIENT PAUSE as redis-server 7.0', () => {
  const pair = serverPair();

  for (const [name, { setup = [], cmd }] of Object.entries(CASES)) {
    it(`PAUSE WRITE and ${name}`, async () => {
      const theirs = await underWritePause(pair.real.port, setup, cmd);
      expect(await underWritePause(pair.ours.port, setup, cmd)).toBe(theirs);
    });
  }

  it('nothing is evicted, nor refused for memory, while clients are paused (isSafeToPerformEvictions)', async () => {
    const run = async (port: number) => {
      const c = await RawClient.connect(port);
      try {
        await c.call('FLUSHALL');
        const kv: string[] = [];
        for (let i = 0; i < 500; i++) kv.push(`k:${i}`, `value:${i}`);
        await c.call('MSET', ...kv);
        await c.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru');
        await c.call('CLIENT', 'PAUSE', '100000', 'WRITE');
        const out = [await c.call('CONFIG', 'SET', 'maxmemory', '1'), await c.call('DBSIZE'), await info(c, 'evicted_keys'), await c.call('GET', 'k:1')];
        await c.call('CONFIG', 'SET', 'maxmemory', '0');
        await c.call('CLIENT', 'UNPAUSE');
        return out;
      } finally {
        c.close();
      }
    };
    const theirs = await run(pair.real.port);
    expect(theirs).toEqual(['+OK\r\n', ':500\r\n', '0', '$7\r\nvalue:1\r\n']);
    expect(await run(pair.ours.port)).toEqual(theirs);
  });

  it('a write NOREPLICAS refuses is answered at once, not held (seed 121867)', async () => {
    const run = async (port: number) => {
      const admin = await RawClient.connect(port);
      await admin.call('CONFIG', 'SET', 'min-replicas-to-write', '3');
      try {
        return await underWritePause(port, [], ['PERSIST', 's1']);
      } finally {
        await admin.call('CONFIG', 'SET', 'min-replicas-to-write', '0');
        admin.close();
      }
    };
    const theirs = await run(pair.real.port);
    expect(theirs).toBe('ran -NOREPLICAS Not enough good replicas to write.\r\n');
    expect(await run(pair.ours.port)).toBe(theirs);
  });

  async function transactions(port: number): Promise<string[]> {
    const admin = await RawClient.connect(port);
    const reads = await RawClient.connect(port);
    const writes = await RawClient.connect(port);
    try {
      await admin.call('FLUSHALL');
      for (const c of [reads, writes]) await c.call('MULTI');
      await reads.call('GET', 'k');
      await reads.call('EVAL', '#!lua flags=no-writes\nreturn 5', '0');
      await writes.call('EVAL', 'return 6', '0');
      await admin.call('CLIENT', 'PAUSE', '100000', 'WRITE');
      const out = [await reads.call('EXEC')];
      writes.write('*1\r\n$4\r\nEXEC\r\n');
      await waitUntil('EXEC to be held', async () => (await info(admin, 'blocked_clients')) === '1');
      out.push(writes.pending());
      await admin.call('CLIENT', 'UNPAUSE');
      out.push((await writes.read()).toString('latin1'));
      return out;
    } finally {
      for (const c of [admin, reads, writes]) c.close();
    }
  }

  it('EXEC is held only when what it queued would be', async () => {
    const theirs = await transactions(pair.real.port);
    expect(await transactions(pair.ours.port)).toEqual(theirs);
  });

  async function heldClientShown(port: number): Promise<string[]> {
    const admin = await RawClient.connect(port);
    const other = await RawClient.connect(port);
    try {
      await other.call('CLIENT', 'SETNAME', 'heldone');
      await admin.call('CLIENT', 'PAUSE', '100000', 'WRITE');
      other.write('*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\nb\r\n');
      await waitUntil('the SET to be held', async () => (await info(admin, 'blocked_clients')) === '1');
      const line = (await admin.call('CLIENT', 'LIST')).split('\n').find((l) => l.includes('name=heldone')) ?? '';
      const fields = ['flags', 'cmd', 'argv-mem', 'multi'].map((f) => new RegExp(` ${f}=(\\S*)`).exec(line)?.[0] ?? `no ${f}`);
      await admin.call('CLIENT', 'UNPAUSE');
      return [...fields, (await other.read()).toString('latin1'), await info(admin, 'blocked_clients')];
    } finally {
      admin.close();
      other.close();
    }
  }

  it('a held client counts as blocked and CLIENT LIST shows its command', async () => {
    const theirs = await heldClientShown(pair.real.port);
    expect(await heldClientShown(pair.ours.port)).toEqual(theirs);
  });

  async function unpauseReplies(port: number): Promise<string> {
    const c = await RawClient.connect(port);
    try {
      c.write('*4\r\n$6\r\nCLIENT\r\n$5\r\nPAUSE\r\n$6\r\n100000\r\n$5\r\nWRITE\r\n*2\r\n$6\r\nCLIENT\r\n$7\r\nUNPAUSE\r\n*2\r\n$4\r\nECHO\r\n$4\r\nlast\r\n');
      await waitUntil('three replies', () => c.pending().includes('last\r\n'));
      return c.pending();
    } finally {
      c.close();
    }
  }

  it('CLIENT UNPAUSE answers once', async () => {
    const theirs = await unpauseReplies(pair.real.port);
    expect(await unpauseReplies(pair.ours.port)).toBe(theirs);
  });

  async function expiryUnderPause(port: number): Promise<string[]> {
    const c = await RawClient.connect(port);
    try {
      await c.call('FLUSHALL');
      await c.call('CONFIG', 'RESETSTAT');
      await c.call('SET', 'gone', 'v', 'PX', '5');
      await c.call('CLIENT', 'PAUSE', '100000', 'WRITE');
      // Both the lookup and the active cycle (10 times a second) have had their chance once GET misses for 150 ms.
      await waitUntil('the key to read as missing', async () => (await c.call('GET', 'gone')) === '$-1\r\n');
      const missingSince = Date.now();
      await waitUntil('150 ms of misses', async () => (await c.call('EXISTS', 'gone')) === ':0\r\n' && Date.now() - missingSince > 150);
      const out = [await info(c, 'expired_keys'), await c.call('DBSIZE')];
      await c.call('CLIENT', 'UNPAUSE');
      out.push(await c.call('GET', 'gone'), await info(c, 'expired_keys'), await c.call('DBSIZE'));
      return out;
    } finally {
      c.close();
    }
  }

  it('no key expires while paused; it reads as missing and goes once unpaused', async () => {
    const theirs = await expiryUnderPause(pair.real.port);
    expect(await expiryUnderPause(pair.ours.port)).toEqual(theirs);
  });
});
