// Scripts in their surroundings, against redis-server 7.0: redis.log and loglevel, client tracking
// of the keys a script declares, and scripts on a read-only replica.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../support/net.ts';
import { differential, encodeCommand, RawClient, realRedisAvailable, REDIS_SERVER, startRealRedis, startServer, type RealRedis, type Started } from './helpers.ts';

const available = realRedisAvailable();

async function until(what: string, check: () => Promise<boolean> | boolean, ms = 10000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const LOG_SCRIPT = "redis.log(redis.LOG_WARNING, 'warn', 'two', 3) redis.log(redis.LOG_NOTICE, 'note') redis.log(redis.LOG_VERBOSE, 'verb') redis.log(redis.LOG_DEBUG, 'dbg')";

describe.skipIf(!available)('scripts in context, as redis-server 7.0', () => {
  let ours: Started;
  let real: RealRedis;
  let logFile: string;
  beforeAll(async () => {
    logFile = path.join(mkdtempSync(path.join(tmpdir(), 'lua-log-')), 'redis.log');
    ours = await startServer();
    // Its log goes to a file here (startRealRedis reads the log from stdout to see it start). A replica's
    // first sync starts at once instead of after 7.0's 5 s diskless delay.
    const port = await freePort();
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--logfile', logFile, '--dir', path.dirname(logFile), '--repl-diskless-sync-delay', '0'];
    const child = spawn(REDIS_SERVER, args, { stdio: 'ignore' });
    child.once('exit', () => rmSync(path.dirname(logFile), { recursive: true, force: true }));
    real = { port, stop: () => new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : (child.once('exit', () => resolve()), child.kill('SIGKILL')))) };
    await until('redis-server to listen', () => RawClient.connect(port).then((c) => (c.close(), true), () => false));
  });
  afterAll(async () => {
    await ours?.server.close();
    await real?.stop();
  });

  it('redis.log keeps the lines Redis would log at each loglevel, in its line shape', async () => {
    const levels = ['warning', 'notice', 'verbose', 'debug'];
    const cmds = levels.flatMap((l) => [['CONFIG', 'SET', 'loglevel', l], ['EVAL', LOG_SCRIPT, '0']]);
    const out = await differential(ours.port, real.port, cmds);
    expect(out.filter((r) => r.ours !== r.real)).toEqual([]);
    const message = (line: string): string => line.replace(/^\d+:M \d\d \w{3} \d{4} \d\d:\d\d:\d\d\.\d{3} /, '');
    const mine = ours.server.engine.scripting.scriptLog.lines.map(message);
    const expected = ['# warn two 3', '# warn two 3', '* note', '# warn two 3', '* note', '- verb', '# warn two 3', '* note', '- verb', '. dbg'];
    expect(mine).toEqual(expected);
    await until('the real log', () => existsSync(logFile) && readFileSync(logFile, 'utf8').includes('. dbg'));
    const theirs = readFileSync(logFile, 'utf8')
      .split('\n')
      .filter((l) => / [#*.-] (warn|note|verb|dbg)/.test(l))
      .map(message);
    expect(theirs).toEqual(expected);
    expect(ours.server.engine.scripting.scriptLog.lines.every((l) => /^\d+:M \d\d \w{3} \d{4} \d\d:\d\d:\d\d\.\d{3} [#*.-] /.test(l))).toBe(true);
  });

  it('keys a script declares are tracked once it reads: a later write by another client invalidates them', async () => {
    for (const port of [ours.port, real.port]) {
      const a = await RawClient.connect(port);
      const b = await RawClient.connect(port);
      try {
        await a.call('HELLO', '3');
        expect(await a.call('CLIENT', 'TRACKING', 'ON')).toBe('+OK\r\n');
        await b.call('SET', 'tracked', 'v');
        expect(await a.call('EVAL', "return redis.call('GET', KEYS[1])", '1', 'tracked')).toBe('$1\r\nv\r\n');
        expect(await a.call('EVAL_RO', "return redis.call('STRLEN', 'undeclared')", '0')).toBe(':0\r\n');
        await b.call('SET', 'tracked', 'w');
        await b.call('SET', 'undeclared', 'w');
        // Redis 7.0 remembers the keys a script declared once it runs a read-only command, not the
        // keys its commands name: the undeclared key read by EVAL_RO is not tracked.
        expect((await a.read()).toString('latin1'), `port ${port}`).toBe('>2\r\n$10\r\ninvalidate\r\n*1\r\n$7\r\ntracked\r\n');
        expect(await a.call('PING'), `port ${port}`).toBe('+PONG\r\n');
      } finally {
        a.close();
        b.close();
      }
    }
  });

  it('on a read-only replica: write scripts refused with Redis\'s errors, reads served, primary writes held until a script ends', async () => {
    const realReplica = await startRealRedis();
    const primary = await startServer();
    const replica = await startServer();
    try {
      const rr = await RawClient.connect(realReplica.port);
      await rr.call('REPLICAOF', '127.0.0.1', String(real.port));
      await until('the real replica link', async () => (await rr.call('INFO', 'replication')).includes('master_link_status:up'));
      rr.close();
      replica.server.engine.replicaOf(primary.server.engine);
      // A long script on the replica sees one value of a key from start to end although the primary
      // changes it meanwhile (the replica's engine shows the script still running); the change
      // lands once the script is over, as Redis reads its master only between commands.
      const p = await RawClient.connect(primary.port);
      const r = await RawClient.connect(replica.port);
      const watcher = await RawClient.connect(replica.port);
      try {
        await watcher.call('CONFIG', 'SET', 'busy-reply-threshold', '20');
        await p.call('SET', 'held', 'before');
        await until('the write to reach the replica', async () => (await watcher.call('GET', 'held')) === '$6\r\nbefore\r\n');
        const body = `
          local first = redis.call('GET', 'held')
          local t = redis.call('TIME')
          local stop = tonumber(t[1]) + 4
          repeat t = redis.call('TIME') until tonumber(t[1]) >= stop
          return {first, redis.call('GET', 'held')}`;
        r.write(encodeCommand(['EVAL', body, '0']));
        // 3-4 s (TIME has whole seconds): the primary's two writes below must land while it runs, which took
        // more than the 1-2 s it had before on a loaded machine.
        const scripting = replica.server.engine.scripting;
        await until('the script to run', () => scripting.running !== null);
        await p.call('SET', 'held', 'after');
        await p.call('HSET', 'h', 'f', 'v');
        expect(scripting.running).not.toBe(null);
        expect((await r.read(20000)).toString('latin1')).toBe('*2\r\n$6\r\nbefore\r\n$6\r\nbefore\r\n');
        expect(await watcher.call('GET', 'held')).toBe('$5\r\nafter\r\n');
        expect(await watcher.call('HGET', 'h', 'f')).toBe('$1\r\nv\r\n');
      } finally {
        p.close();
        r.close();
        watcher.close();
      }

      const cmds = [
        ['EVAL', "return redis.call('SET', 'k', 'v')", '0'],
        ['EVAL', "return redis.pcall('SET', 'k', 'v')", '0'],
        ['EVAL', "return redis.call('GET', 'k')", '0'],
        ['EVAL', "#!lua\nreturn redis.call('GET', 'k')", '0'],
        ['EVAL', "#!lua flags=no-writes\nreturn redis.call('GET', 'k')", '0'],
        ['EVAL_RO', "return redis.call('SET', 'k', 'v')", '0'],
        ['EVAL', "return redis.call('INCR', KEYS[1])", '1', 'n'],
      ];
      const out = await differential(replica.port, realReplica.port, cmds.map((c) => [...c]));
      // differential() flushes first, which a replica refuses on both sides alike.
      expect(out.filter((r) => r.ours !== r.real)).toEqual([]);


    } finally {
      replica.server.engine.replicaOf(null);
      await primary.server.close();
      await replica.server.close();
      await realReplica.stop();
    }
  });
});
