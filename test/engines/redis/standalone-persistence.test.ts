// `elasticache-local redis-server` keeps its dataset in dir/dbfilename as redis-server does: SAVE, BGSAVE and
// SHUTDOWN write it, a start loads it (a file redis-server wrote, too), a damaged file stops the start, a
// BGSAVE whose child dies stops writes with MISCONF, and a slow load answers -LOADING meanwhile; a primary
// restarted on its dump lets its replicas continue with PSYNC; CONFIG REWRITE keeps its configuration in
// its config file. Each behaviour is checked against redis-server 7.0 started the same way in the same run.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../support/net.ts';
import { RawClient, realRedisAvailable, startRealRedis, waitUntil } from './helpers.ts';
import { LISTENING, startStandalone } from './standalone-process.ts';

const available = realRedisAvailable();
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ecl-persist-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

let dirs = 0;
function newDir(): string {
  const d = path.join(root, String(++dirs));
  fs.mkdirSync(d);
  return d;
}

const at = (dir: string, ...more: string[]) => ['--port', '0', '--dir', dir, ...more];

async function calls(port: number, ...commands: string[][]): Promise<string[]> {
  const c = await RawClient.connect(port);
  const out: string[] = [];
  for (const cmd of commands) out.push(await c.call(...cmd));
  c.close();
  return out;
}

const info = async (port: number, field: string): Promise<string> => {
  const [text] = await calls(port, ['INFO', 'persistence']);
  return new RegExp(`${field}:([^\\r]*)`).exec(text as string)?.[1] ?? '';
};

describe.skipIf(!available)('the standalone server\'s dump file', () => {
  it('SAVE writes a dump redis-server loads, and a dump redis-server wrote loads at start, functions and TTLs included', async () => {
    const dir = newDir();
    const ours = await startStandalone(at(dir, '--dbfilename', 'ours.rdb'));
    try {
      await calls(
        ours.port,
        ['SET', 'str', 'hello'],
        ['RPUSH', 'list', 'a', 'b', 'c'],
        ['HSET', 'h', 'f', 'v'],
        ['ZADD', 'z', '1.5', 'm'],
        ['SET', 'ttl', 'x', 'EX', '1000'],
        ['SELECT', '3'],
        ['SADD', 's', '1', '2'],
        ['FUNCTION', 'LOAD', "#!lua name=lib\nredis.register_function('f', function() return 1 end)"],
      );
      expect(await calls(ours.port, ['SAVE'])).toEqual(['+OK\r\n']);
      expect(await info(ours.port, 'rdb_changes_since_last_save')).toBe('0');
      expect(ours.log()).toContain('DB saved on disk');
    } finally {
      await ours.stop();
    }
    const real = await startRealRedis(['--dir', dir, '--dbfilename', 'ours.rdb']);
    const read = [['GET', 'str'], ['LRANGE', 'list', '0', '-1'], ['HGETALL', 'h'], ['ZSCORE', 'z', 'm'], ['EXPIRETIME', 'ttl'], ['SELECT', '3'], ['SMEMBERS', 's'], ['FCALL', 'f', '0']];
    const fromOurs = await calls(real.port, ...read);
    expect(fromOurs[0]).toBe('$5\r\nhello\r\n');
    expect(Number(fromOurs[4]?.slice(1)) - Date.now() / 1000).toBeGreaterThan(990);
    expect(fromOurs[7]).toBe(':1\r\n');
    // redis-server saves it again; ours starts on its file.
    await calls(real.port, ['SAVE']);
    await real.stop();
    const again = await startStandalone(at(dir, '--dbfilename', 'ours.rdb'));
    try {
      expect(again.log()).toMatch(/Loading RDB produced by version 7\.0\.\d+[\s\S]*Done loading RDB, keys loaded: 6, keys expired: 0\.[\s\S]*DB loaded from disk[\s\S]*Ready to accept/);
      expect(await calls(again.port, ...read)).toEqual(fromOurs);
      expect(await info(again.port, 'rdb_last_load_keys_loaded')).toBe('6');
    } finally {
      await again.stop();
    }
  }, 120_000);

  it('SHUTDOWN and SIGTERM save under save points, NOSAVE does not; keys whose TTL passed are counted as expired at load', async () => {
    for (const how of ['shutdown', 'sigterm', 'nosave']) {
      const dir = newDir();
      const ours = await startStandalone(at(dir, '--save', '3600 1'));
      await calls(ours.port, ['DEBUG', 'SET-ACTIVE-EXPIRE', '0'], ['SET', 'kept', '1'], ['SET', 'gone', '1', 'PX', '1']);
      await new Promise((r) => setTimeout(r, 20));
      if (how === 'sigterm') process.kill(ours.pid, 'SIGTERM');
      else (await RawClient.connect(ours.port)).write(how === 'nosave' ? '*2\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n' : '*1\r\n$8\r\nSHUTDOWN\r\n');
      expect(await ours.exited).toBe(0);
      expect(ours.log()).toContain('ready to exit, bye bye');
      expect(fs.existsSync(path.join(dir, 'dump.rdb')), how).toBe(how !== 'nosave');
      if (how === 'nosave') continue;
      expect(ours.log()).toMatch(/Saving the final RDB snapshot before exiting\.[\s\S]*DB saved on disk/);
      const again = await startStandalone(at(dir));
      try {
        expect(await calls(again.port, ['GET', 'kept'], ['EXISTS', 'gone'])).toEqual(['$1\r\n1\r\n', ':0\r\n']);
        // Saved although its TTL had passed (rdbSaveDb writes every key it holds), skipped at load.
        expect(await info(again.port, 'rdb_last_load_keys_expired')).toBe('1');
      } finally {
        await again.stop();
      }
    }
  }, 120_000);

  it('a save that cannot be written keeps the server up: SHUTDOWN answers the error, NOSAVE still exits', async () => {
    const run = async (start: (dir: string) => Promise<{ port: number; exited?: Promise<number | null>; stop(): Promise<void> }>) => {
      const dir = newDir();
      const s = await start(dir);
      fs.mkdirSync(path.join(dir, 'dump.rdb'));
      const c = await RawClient.connect(s.port);
      const out = [await c.call('SET', 'k', 'v'), await c.call('SAVE'), await c.call('SHUTDOWN'), await c.call('PING')];
      c.write('*2\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n');
      await waitUntil('the server to exit', () => c.closed, 20_000);
      await s.stop();
      return out;
    };
    const ours = await run((dir) => startStandalone(at(dir, '--save', '3600 1')));
    expect(ours).toEqual(['+OK\r\n', '-ERR\r\n', '-ERR Errors trying to SHUTDOWN. Check logs.\r\n', '+PONG\r\n']);
    expect(await run((dir) => startRealRedis(['--dir', dir, '--save', '3600 1']))).toEqual(ours);
  }, 120_000);

  it('a dump with a bad checksum stops the start with exit status 1', async () => {
    const dir = newDir();
    const ours = await startStandalone(at(dir));
    await calls(ours.port, ['SET', 'k', 'v'], ['SAVE']);
    await ours.stop();
    const file = path.join(dir, 'dump.rdb');
    const bytes = fs.readFileSync(file);
    bytes.write('foobar00', bytes.length - 8, 'latin1');
    fs.writeFileSync(file, bytes);
    const failed = await startStandalone(at(dir)).then(
      () => 'started',
      (err: Error) => err.message,
    );
    expect(failed).toMatch(/exited 1:[\s\S]*Wrong RDB checksum[\s\S]*RDB CRC error/);
  }, 120_000);

  it('a BGSAVE whose child is killed fails: writes (and PING) get MISCONF until a save succeeds', async () => {
    const run = async (port: number, pid: number) => {
      const c = await RawClient.connect(port);
      const out = [await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '1000000'), await c.call('SET', 'x', '1'), await c.call('BGSAVE')];
      // The child writes temp-<its pid>.rdb; a harness finds it as the server's child process.
      let child = 0;
      await waitUntil('the BGSAVE child', () => {
        const kids = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'latin1').trim().split(/\s+/).filter((x) => x !== '');
        child = Number(kids[0] ?? 0);
        return child > 0;
      });
      process.kill(child, 'SIGKILL');
      await waitUntil('the BGSAVE to end', async () => !(await c.call('INFO', 'persistence')).includes('rdb_bgsave_in_progress:1'));
      out.push(await c.call('SET', 'x', '2'), await c.call('PING'), await c.call('GET', 'x'));
      out.push(await c.call('EVAL', "return redis.call('set','x',3)", '1', 'x'), await c.call('EVAL', '#!lua\nreturn 1', '0'), await c.call('EVAL', '#!lua flags=no-writes\nreturn 1', '0'));
      out.push(await c.call('CONFIG', 'SET', 'rdb-key-save-delay', '0'), await c.call('BGSAVE'));
      await waitUntil('the BGSAVE to succeed', async () => (await c.call('INFO', 'persistence')).includes('rdb_last_bgsave_status:ok'));
      out.push(await c.call('SET', 'x', '4'));
      c.close();
      return out.map((r) => r.replace(/script: \w+/, 'script'));
    };
    const dir = newDir();
    const ours = await startStandalone(at(dir, '--save', '3600 1'));
    const real = await startRealRedis(['--save', '3600 1']);
    try {
      const mine = await run(ours.port, ours.pid);
      expect(mine[3]).toMatch(/^-MISCONF Redis is configured to save RDB snapshots/);
      expect(mine).toEqual(await run(real.port, real.pid));
      expect(ours.log()).toContain('Background saving terminated by signal 9');
    } finally {
      await Promise.all([ours.stop(), real.stop()]);
    }
  }, 120_000);

  it('a slow load (key-load-delay) answers -LOADING to data commands and INFO loading:1 meanwhile', async () => {
    const dir = newDir();
    const ours = await startStandalone(at(dir));
    await calls(ours.port, ['DEBUG', 'POPULATE', '20000'], ['SAVE']);
    await ours.stop();
    const slow = await startStandalone(at(dir, '--key-load-delay', '200'), undefined, LISTENING);
    try {
      const c = await RawClient.connect(slow.port);
      const during = [await c.call('GET', 'key:1'), await c.call('DEBUG', 'LOG', 'x'), await c.call('PING')];
      expect(during).toEqual(['-LOADING Redis is loading the dataset in memory\r\n', '+OK\r\n', '-LOADING Redis is loading the dataset in memory\r\n']);
      expect(await c.call('INFO', 'persistence')).toMatch(/loading:1[\s\S]*loading_total_bytes:\d+/);
      await waitUntil('the load to end', () => slow.log().includes('Ready to accept'), 30_000);
      expect(slow.log()).toContain('keys loaded: 20000');
      expect(await c.call('GET', 'key:1')).toBe('$7\r\nvalue:1\r\n');
      c.close();
    } finally {
      await slow.stop();
    }
  }, 120_000);

  it('a primary restarted on its dump keeps its stream as replid2: a redis-server replica continues with PSYNC', async () => {
    const dir = newDir();
    const port = await freePort();
    const start = () => startStandalone(['--port', String(port), '--dir', dir, '--save', '3600 1']);
    const first = await start();
    const replica = await startRealRedis(['--replicaof', '127.0.0.1', String(port)]);
    try {
      const p = await RawClient.connect(first.port);
      await p.call('SET', 'k', '1');
      await p.call('SET', 'gone', '1', 'PX', '300');
      const r = await RawClient.connect(replica.port);
      await waitUntil('the replica to have k', async () => (await r.call('GET', 'k')) === '$1\r\n1\r\n');
      const before = (await p.call('INFO', 'replication')).match(/master_replid:(\w+)[\s\S]*master_repl_offset:(\d+)/) as RegExpMatchArray;
      await p.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
      p.write('*2\r\n$8\r\nSHUTDOWN\r\n$3\r\nNOW\r\n');
      expect(await first.exited).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 400));
      const second = await start();
      try {
        const q = await RawClient.connect(second.port);
        const after = await q.call('INFO', 'replication');
        expect(after).toContain(`master_replid2:${before[1]}`);
        expect(after).toContain(`second_repl_offset:${Number(before[2]) + 1}`);
        // The key whose TTL passed while it was down is deleted in the stream the replica continues with.
        await waitUntil('the replica to continue', async () => (await q.call('INFO', 'stats')).includes('sync_partial_ok:1'), 30_000);
        expect(await q.call('INFO', 'stats')).toContain('sync_full:0');
        await waitUntil('the deletion on the replica', async () => (await r.call('EXISTS', 'gone')) === ':0\r\n', 10_000);
        expect(await r.call('GET', 'k')).toBe('$1\r\n1\r\n');
        q.close();
      } finally {
        await second.stop();
      }
      p.close();
      r.close();
    } finally {
      await replica.stop();
    }
  }, 120_000);

  it('CONFIG REWRITE keeps what CONFIG SET changed in the config file, which the next start reads, as redis-server', async () => {
    const run = async (start: (conf: string, dir: string) => Promise<{ port: number; stop(): Promise<void> }>) => {
      const dir = newDir();
      const conf = path.join(dir, 'server.conf');
      fs.writeFileSync(conf, ['# kept', 'save 900 1', 'maxmemory 10mb', 'slave-read-only yes', 'appendonly no', ''].join('\n'));
      const s = await start(conf, dir);
      const set = [['save', '3600 1 60 5'], ['maxmemory-policy', 'allkeys-lru'], ['replica-read-only', 'no'], ['notify-keyspace-events', 'KEA'], ['maxmemory', '20mb'], ['hz', '25']];
      const c = await RawClient.connect(s.port);
      for (const [k, v] of set) await c.call('CONFIG', 'SET', k as string, v as string);
      await c.call('ACL', 'SETUSER', 'bob', 'on', '>pw', '~k*', '+get');
      const reply = await c.call('CONFIG', 'REWRITE');
      c.close();
      await s.stop();
      const again = await start(conf, dir);
      const d = await RawClient.connect(again.port);
      const out = [reply];
      // Not save: the helper starts redis-server with --save '' on its command line, which overrides the file.
      for (const [k] of set) if (k !== 'save') out.push(await d.call('CONFIG', 'GET', k as string));
      out.push(await d.call('ACL', 'LIST'));
      d.close();
      await again.stop();
      const text = fs.readFileSync(conf, 'latin1');
      return { out, kept: text.startsWith('# kept\nsave 3600 1\nmaxmemory 20mb\nslave-read-only no\nappendonly no\n'), generated: text.includes('# Generated by CONFIG REWRITE') };
    };
    const ours = await run((conf, dir) => startStandalone([conf, '--port', '0'], dir));
    expect(ours.out[0]).toBe('+OK\r\n');
    expect(ours).toEqual(await run((conf, dir) => startRealRedis([conf, '--dir', dir])));
    const bare = await startStandalone();
    try {
      expect(await calls(bare.port, ['CONFIG', 'REWRITE'])).toEqual(['-ERR The server is running without a config file\r\n']);
    } finally {
      await bare.stop();
    }
  }, 120_000);

  it('SHUTDOWN waits for a stopped replica (the client blocked, INFO shutdown_in_milliseconds), which gets the last write before the primary exits', async () => {
    const run = async (startPrimary: () => Promise<{ port: number; pid: number; stop(): Promise<void> }>) => {
      const primary = await startPrimary();
      const replica = await startRealRedis(['--replicaof', '127.0.0.1', String(primary.port)]);
      try {
        const p = await RawClient.connect(primary.port);
        const r = await RawClient.connect(replica.port);
        await p.call('CONFIG', 'SET', 'shutdown-timeout', '60');
        await p.call('SET', 'k', '1');
        await waitUntil('the replica to have k', async () => (await r.call('GET', 'k')) === '$1\r\n1\r\n', 20_000);
        process.kill(replica.pid, 'SIGSTOP');
        await p.call('INCR', 'k');
        const waiter = await RawClient.connect(primary.port);
        waiter.write('*2\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n');
        await waitUntil('the shutdown to wait', async () => /shutdown_in_milliseconds:\d+/.test(await p.call('INFO', 'server')));
        const during = [(await p.call('INFO', 'clients')).match(/blocked_clients:\d+/)?.[0], await p.call('GET', 'k')];
        process.kill(replica.pid, 'SIGCONT');
        await waitUntil('the primary to exit', () => waiter.closed, 30_000);
        const after = await r.call('GET', 'k');
        r.close();
        return [...during, after];
      } finally {
        process.kill(replica.pid, 'SIGCONT');
        await Promise.all([replica.stop(), primary.stop()]);
      }
    };
    const ours = await run(() => startStandalone(['--port', '0', '--save', '']));
    expect(ours).toEqual(['blocked_clients:1', '$1\r\n2\r\n', '$1\r\n2\r\n']);
    expect(await run(() => startRealRedis(['--repl-diskless-sync-delay', '0']))).toEqual(ours);
  }, 120_000);

  it('redis-cli --functions-rdb gets an RDB of the functions alone (REPLCONF rdb-filter-only)', async () => {
    const dir = newDir();
    const ours = await startStandalone(at(dir));
    try {
      await calls(ours.port, ['SET', 'k', 'v'], ['FUNCTION', 'LOAD', "#!lua name=lib\nredis.register_function('f', function() return 1 end)"]);
      const file = path.join(dir, 'functions.rdb');
      const cli = spawnSync('redis-cli', ['-p', String(ours.port), '--functions-rdb', file], { encoding: 'latin1', timeout: 30_000 });
      expect(cli.stdout + cli.stderr).toContain('Transfer finished with success');
      const real = await startRealRedis(['--dir', dir, '--dbfilename', 'functions.rdb']);
      try {
        expect(await calls(real.port, ['DBSIZE'], ['FCALL', 'f', '0'])).toEqual([':0\r\n', ':1\r\n']);
      } finally {
        await real.stop();
      }
      expect(await calls(ours.port, ['REPLCONF', 'rdb-filter-only', 'keys'])).toEqual(['-ERR Unsupported rdb-filter-only option: keys\r\n']);
    } finally {
      await ours.stop();
    }
  }, 120_000);
});
