// `elasticache-local redis-server` takes redis-server's command line and config file: a harness that starts
// redis-server starts a bare engine the same way. Refused lines get redis-server 7.0.15's fatal config error
// (the same text, line number and exit status); accepted ones reach CONFIG GET; --replicaof starts a replica;
// SHUTDOWN stops the process.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../support/net.ts';
import { RawClient, realRedisAvailable, startRealRedis, waitUntil } from './helpers.ts';
import { startStandalone } from './standalone-process.ts';

const available = realRedisAvailable();
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecl-args-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const OURS = [path.join(repo, 'bin/run-ts.mjs'), path.join(repo, 'engines/redis/standalone.ts')];

/** Exit status and standard error of a start that must fail at once. */
function refused(command: string, args: string[]): string {
  const r = spawnSync(command, args, { cwd: dir, encoding: 'latin1', timeout: 60_000 });
  return `status ${r.status}\n${r.stderr}`;
}

const startOurs = (args: string[]) => startStandalone(args, dir);

describe.skipIf(!available)('redis-server\'s command line and config file', () => {
  it('refuses what redis-server refuses, with its fatal config error', () => {
    fs.writeFileSync(path.join(dir, 'unbalanced.conf'), 'port 7000\n# a comment\n\nsave "abc\n');
    fs.writeFileSync(path.join(dir, 'bad-value.conf'), 'port 7000\nmaxmemory-policy bogus\n');
    const cases = [
      ['--foo', 'bar'],
      ['--port', '99999'],
      ['--port', 'abc'],
      ['--appendonly'],
      ['--save', '900'],
      ['--loglevel', 'warning', '--maxmemory-policy', 'bogus'],
      ['--hz', '10', '20'],
      ['--replicaof', '127.0.0.1'],
      ['--replicaof', '127.0.0.1', '99999'],
      ['unbalanced.conf'],
      ['bad-value.conf', '--port', '7001'],
      ['--dir', path.join(dir, 'no-such-dir')],
    ];
    for (const args of cases) expect(refused(process.execPath, [...OURS, ...args]), args.join(' ')).toBe(refused('redis-server', args));
  }, 120_000);

  it('takes a config file and options, as CONFIG GET shows; SHUTDOWN stops the process', async () => {
    fs.writeFileSync(path.join(dir, 'good.conf'), [
      '# what a test harness writes',
      'bind 127.0.0.1',
      'save 900 1',
      'save 300 10',
      'appendonly no',
      `dir ${dir}`,
      'enable-debug-command yes',
      'client-output-buffer-limit normal 0 0 0',
      'maxmemory 10mb',
      '',
    ].join('\n'));
    const params = ['save', 'appendonly', 'dir', 'enable-debug-command', 'maxmemory', 'maxmemory-policy', 'hz', 'requirepass', 'loglevel', 'bind'];
    const read = async (port: number): Promise<string[]> => {
      const c = await RawClient.connect(port);
      await c.call('AUTH', 'pw');
      const out = [];
      for (const p of params) out.push((await c.call('CONFIG', 'GET', p)).replace(/\r\n/g, ' '));
      c.close();
      return out;
    };
    // Not above notice: the ready line is a notice.
    const args = [path.join(dir, 'good.conf'), '--hz', '20', '--maxmemory-policy', 'allkeys-lru', '--requirepass', 'pw', '--loglevel', 'verbose'];
    const realPort = await freePort();
    const real = spawn('redis-server', [...args, '--port', String(realPort)], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      await new Promise<void>((resolve, reject) => {
        let out = '';
        const t = setTimeout(() => reject(new Error(`redis-server did not start: ${out}`)), 30_000);
        real.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('Ready to accept')) {
            clearTimeout(t);
            resolve();
          }
        });
        real.once('exit', (code) => reject(new Error(`redis-server exited ${code}: ${out}`)));
      });
      const pidfile = path.join(dir, 'ours.pid');
      const ours = await startOurs([...args, '--port', '0', '--pidfile', pidfile]);
      expect(fs.readFileSync(pidfile, 'latin1')).toBe(`${ours.pid}\n`);
      // What redis-server's own test harness waits for: its PID, then 'Server initialized', in the log.
      expect(ours.log()).toMatch(new RegExp(` PID: ${ours.pid}[\\s\\S]*Server initialized[\\s\\S]*Ready to accept connections`));
      expect(await read(ours.port)).toEqual(await read(realPort));
      const c = await RawClient.connect(ours.port);
      await c.call('AUTH', 'pw');
      expect(await c.call('SHUTDOWN', 'ABORT')).toBe('-ERR No shutdown in progress.\r\n');
      c.write('*1\r\n$8\r\nSHUTDOWN\r\n');
      expect(await ours.exited).toBe(0);
      expect(fs.existsSync(pidfile)).toBe(false);
    } finally {
      real.kill('SIGKILL');
    }
  }, 120_000);

  it('--replicaof starts it as a replica of a redis-server', async () => {
    const primary = await startRealRedis(['--repl-diskless-sync-delay', '0']);
    const ours = await startOurs(['--port', '0', '--replicaof', '127.0.0.1', String(primary.port)]);
    try {
      const p = await RawClient.connect(primary.port);
      await p.call('SET', 'k', 'from the primary');
      const r = await RawClient.connect(ours.port);
      await waitUntil('the write on the replica', async () => (await r.call('GET', 'k')) === '$16\r\nfrom the primary\r\n', 30_000);
      expect(await r.call('SET', 'x', '1')).toMatch(/^-READONLY/);
      p.close();
      r.close();
    } finally {
      await ours.stop();
      await primary.stop();
    }
  }, 120_000);

  it('--unixsocket listens on a socket file as well (unixsocketperm applied, CLIENT LIST addr and flag U), removed at SHUTDOWN', async () => {
    const run = async (start: (sock: string) => Promise<{ exited?: Promise<number | null>; stop(): Promise<void> }>, sock: string) => {
      const s = await start(sock);
      const mode = (fs.statSync(sock).mode & 0o777).toString(8);
      const c = await new Promise<net.Socket>((resolve, reject) => {
        const x = net.createConnection(sock, () => resolve(x));
        x.once('error', reject);
      });
      const ask = (cmd: string) =>
        new Promise<string>((resolve) => {
          c.once('data', (d: Buffer) => resolve(d.toString('latin1')));
          c.write(cmd);
        });
      const set = await ask('*3\r\n$3\r\nSET\r\n$1\r\nu\r\n$1\r\n1\r\n');
      const line = (await ask('*2\r\n$6\r\nCLIENT\r\n$4\r\nINFO\r\n')).match(/addr=(\S+) laddr=(\S+) .*flags=(\S+)/);
      c.write('*2\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n');
      await new Promise((resolve) => c.once('close', resolve));
      await waitUntil('the socket file to go', () => !fs.existsSync(sock), 10_000);
      await s.stop();
      return [mode, set, line?.[1] === `${sock}:0`, line?.[2] === `${sock}:0`, line?.[3]];
    };
    const ours = await run((sock) => startOurs(['--port', '0', '--unixsocket', sock, '--unixsocketperm', '700']), path.join(dir, 'ours.sock'));
    expect(ours).toEqual(['700', '+OK\r\n', true, true, 'U']);
    expect(await run((sock) => startRealRedis(['--unixsocket', sock, '--unixsocketperm', '700']), path.join(dir, 'real.sock'))).toEqual(ours);
  }, 120_000);
});
