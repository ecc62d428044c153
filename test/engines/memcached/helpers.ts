// Shared test plumbing: start our engine or a real memcached, and talk raw bytes to either.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { createMemcachedServer, type MemcachedServerOptions } from '../../../engines/memcached/index.ts';

export const REAL_MEMCACHED = '/usr/bin/memcached';

export interface Target {
  port: number;
  close(): Promise<void>;
}

export async function startOurs(options: Partial<MemcachedServerOptions> = {}): Promise<Target> {
  const server = createMemcachedServer({ port: 0, ...options });
  const port = await server.listen();
  return { port, close: () => server.close() };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * True when real memcached can be used. Missing memcached skips differential tests locally but
 * fails them in CI, so a broken install cannot turn the suite silently green.
 */
export function realMemcachedAvailable(): boolean {
  if (existsSync(REAL_MEMCACHED)) return true;
  if (process.env.CI === 'true') throw new Error(`${REAL_MEMCACHED} is required in CI (apt-get install memcached)`);
  return false;
}

export async function startReal(extraArgs: string[] = []): Promise<Target> {
  const port = await freePort();
  const args = ['-p', String(port), '-U', '0', '-t', '1', '-l', '127.0.0.1', ...extraArgs];
  // memcached refuses to run as root unless told which user to be.
  if (process.getuid?.() === 0) args.push('-u', 'root');
  const child: ChildProcess = spawn(REAL_MEMCACHED, args, { stdio: 'ignore' });
  // Never leave a memcached behind, even when a test run dies before its afterAll.
  const reap = () => child.kill('SIGKILL');
  process.once('exit', reap);
  child.once('exit', () => process.off('exit', reap));
  await waitForPort(port);
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listening on ${port}`);
}

export interface Exchange {
  reply: Buffer;
  closed: boolean;
}

/**
 * Sends `data` on a fresh connection and collects the reply until `done` says it is complete, the
 * server closes, or `quietMs` pass without new bytes.
 */
export async function exchange(
  port: number,
  data: Buffer | string,
  done: (reply: Buffer) => boolean = () => false,
  quietMs = 150,
): Promise<Exchange> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let closed = false;
    let timer: NodeJS.Timeout | undefined;
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ reply: Buffer.concat(chunks), closed });
    };
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(finish, quietMs);
    };
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      if (done(Buffer.concat(chunks))) finish();
      else arm();
    });
    socket.on('close', () => {
      closed = true;
      finish();
    });
    socket.on('error', () => {});
    socket.on('connect', () => {
      socket.write(data);
      arm();
    });
  });
}

/** Text script + trailing `mn` sentinel: complete when the reply ends in MN. */
export async function textExchange(port: number, script: string | Buffer, timeoutMs = 1500): Promise<Exchange> {
  const data = Buffer.concat([typeof script === 'string' ? Buffer.from(script, 'latin1') : script, Buffer.from('mn\r\n')]);
  const r = await exchange(port, data, (b) => b.length >= 4 && b.subarray(b.length - 4).toString() === 'MN\r\n', timeoutMs);
  return r;
}

/**
 * For long random streams: also masks per-item bookkeeping (fetched/hit marks, TTL presence) that
 * memcached's background LRU threads can change nondeterministically.
 */
export function normalizeLoose(reply: string): string {
  return normalize(reply)
    .replace(/ h[01]/g, ' h?')
    .replace(/fetch=(yes|no)/g, 'fetch=?')
    .replace(/exp=-1/g, 'exp=?');
}

/**
 * Makes replies from two servers comparable: CAS values become their order of first appearance,
 * and fields that legitimately differ (version, pid, times) are masked.
 */
export function normalize(reply: string): string {
  const cas = new Map<string, string>();
  const canon = (v: string) => {
    if (!cas.has(v)) cas.set(v, `#${cas.size + 1}`);
    return cas.get(v)!;
  };
  return reply
    .split('\r\n')
    .map((line) => {
      if (line.startsWith('VALUE ')) {
        const parts = line.split(' ');
        if (parts.length === 5) parts[4] = canon(parts[4]!);
        return parts.join(' ');
      }
      // Remaining TTLs and idle times depend on where each server's clock ticks: mask all but "never".
      if (/^(VA|HD|EN|NF|NS|EX)( |$)/.test(line)) {
        return line.replace(/ c(\d+)/g, (_, v: string) => ` c${canon(v)}`).replace(/ ([tl])(\d+)/g, ' $1?');
      }
      if (line.startsWith('ME ')) {
        return line
          .replace(/cas=(\d+)/, (_, v: string) => `cas=${canon(v)}`)
          .replace(/exp=(-?\d+)/, (m, v: string) => (v === '-1' ? m : 'exp=?'))
          .replace(/la=\d+/, 'la=?');
      }
      if (line.startsWith('VERSION ')) return 'VERSION x';
      return line;
    })
    .join('\r\n');
}
