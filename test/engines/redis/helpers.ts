// Test helpers: start our server, talk raw RESP, and run the same commands against real redis-server.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import tls from 'node:tls';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ManualClock } from '../../../engines/redis/clock.ts';
import { createRedisServer, type RedisServerOptions, type RedisServerWithEngine } from '../../../engines/redis/index.ts';

export interface Started {
  server: RedisServerWithEngine;
  port: number;
  clock: ManualClock | null;
}

export async function startServer(opts: Partial<RedisServerOptions> = {}, manualClock = false): Promise<Started> {
  const clock = manualClock ? new ManualClock(Date.now()) : null;
  const server = createRedisServer({ port: 0, ...opts }, clock ? { clock } : {});
  const port = await server.listen();
  return { server, port, clock };
}

/** Encodes a command as a RESP multibulk. */
export function encodeCommand(args: readonly (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = typeof a === 'string' ? Buffer.from(a, 'latin1') : a;
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** Byte length of the first complete RESP reply in buf starting at pos, or -1 if incomplete. */
export function replyLength(buf: Buffer, pos = 0): number {
  if (pos >= buf.length) return -1;
  const type = String.fromCharCode(buf[pos] as number);
  const nl = buf.indexOf('\r\n', pos);
  if (nl < 0) return -1;
  const line = buf.subarray(pos + 1, nl).toString('latin1');
  const head = nl + 2 - pos;
  switch (type) {
    case '+':
    case '-':
    case ':':
    case '_':
    case ',':
    case '#':
    case '(':
      return head;
    case '$':
    case '=':
    case '!': {
      const n = Number(line);
      if (n < 0) return head;
      return pos + head + n + 2 <= buf.length ? head + n + 2 : -1;
    }
    case '*':
    case '~':
    case '>':
    case '%':
    case '|': {
      let n = Number(line);
      if (n < 0) return head;
      if (type === '%' || type === '|') n *= 2;
      let len = head;
      for (let i = 0; i < n; i++) {
        const l = replyLength(buf, pos + len);
        if (l < 0) return -1;
        len += l;
      }
      return len;
    }
    default:
      throw new Error(`bad reply type ${JSON.stringify(type)} in ${JSON.stringify(buf.subarray(pos, pos + 40).toString('latin1'))}`);
  }
}

/** How many bytes `buf` must hold before its first reply can be complete: exact for a bulk string. */
function bytesNeeded(buf: Buffer): number {
  const nl = buf.indexOf('\r\n');
  if (nl > 0 && buf[0] === 0x24) {
    const n = Number(buf.subarray(1, nl).toString('latin1'));
    if (n >= 0) return nl + 2 + n + 2;
  }
  return buf.length + 1;
}

/** A raw RESP connection: send commands, read whole replies as bytes. */
export class RawClient {
  private buf = Buffer.alloc(0);
  /** Chunks not yet joined to buf: a 20 MB reply joined chunk by chunk cost seconds of copying. */
  private parts: Buffer[] = [];
  private partsLength = 0;
  /** Bytes buf must hold before the first reply can be complete. */
  private wanted = 1;
  private waiters: (() => void)[] = [];
  closed = false;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.parts.push(d);
      this.partsLength += d.length;
      if (this.buf.length + this.partsLength >= this.wanted) this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, host, () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  /** The same over TLS (a serverless cache's endpoint), trusting `ca`. */
  static connectTls(port: number, ca: Buffer, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = tls.connect({ port, host, ca, servername: 'localhost' }, () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  write(data: Buffer | string): void {
    this.socket.write(data);
  }

  /** Reads one complete reply; rejects after `ms` or when the connection closes first. */
  async read(ms = 5000): Promise<Buffer> {
    const deadline = Date.now() + ms;
    for (;;) {
      this.join();
      const n = this.buf.length > 0 ? replyLength(this.buf) : -1;
      if (n >= 0) {
        const out = this.buf.subarray(0, n);
        this.buf = this.buf.subarray(n);
        this.wanted = 1;
        return out;
      }
      this.wanted = bytesNeeded(this.buf);
      if (this.closed) throw new Error(`connection closed (pending ${this.shownPending()})`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timeout waiting for reply (pending ${this.shownPending()})`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async call(...args: (string | Buffer)[]): Promise<string> {
    this.write(encodeCommand(args));
    return (await this.read()).toString('latin1');
  }

  /** Waits until the server closes the connection. */
  async waitClosed(ms = 5000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error('connection not closed');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 50);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Everything received so far that is not part of a read reply. */
  pending(): string {
    this.join();
    return this.buf.toString('latin1');
  }

  /** The start of what is pending, for an error message (a whole 20 MB reply made the worker run out of memory reporting it). */
  private shownPending(): string {
    const head = JSON.stringify(this.buf.subarray(0, 200).toString('latin1'));
    return this.buf.length > 200 ? `${head}... ${this.buf.length} bytes` : head;
  }

  private join(): void {
    if (this.parts.length === 0) return;
    this.buf = Buffer.concat([this.buf, ...this.parts]);
    this.parts = [];
    this.partsLength = 0;
  }

  close(): void {
    this.socket.destroy();
  }
}

export const REDIS_SERVER = '/usr/bin/redis-server';

/** Whether differential tests can run; in CI a missing redis-server is a failure, not a skip. */
export function realRedisAvailable(): boolean {
  if (existsSync(REDIS_SERVER)) return true;
  if (process.env.CI === 'true') throw new Error(`${REDIS_SERVER} is required in CI for differential tests`);
  return false;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      s.close(() => resolve(port));
    });
    s.once('error', reject);
  });
}

export interface RealRedis {
  port: number;
  stop(): Promise<void>;
}

export async function startRealRedis(extra: string[] = []): Promise<RealRedis & { pid: number }> {
  // freePort's port is free only when it is probed: before redis-server binds it, a node of ours (port 0) or a
  // connection's local end may get the same number, and redis-server exits. It is started again on a new port.
  for (let attempt = 1; ; attempt++) {
    const started = await tryStartRealRedis(extra);
    if (started !== 'port taken') return started;
    if (attempt === 5) throw new Error('redis-server found its port taken 5 times');
  }
}

async function tryStartRealRedis(extra: string[]): Promise<(RealRedis & { pid: number }) | 'port taken'> {
  const port = await freePort();
  // Its own directory: a SAVE, DEBUG RELOAD or SHUTDOWN in a script writes dump.rdb there, not in the checkout.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'real-redis-'));
  // A config file must come first on redis-server's command line.
  const file = extra[0] !== undefined && !extra[0].startsWith('-') ? extra.slice(0, 1) : [];
  const options = extra.slice(file.length);
  const child: ChildProcess = spawn(REDIS_SERVER, [...file, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no', ...options], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const ready = await new Promise<boolean>((resolve, reject) => {
    let out = '';
    const t = setTimeout(() => reject(new Error(`redis-server did not start: ${out}`)), 10000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Ready to accept connections')) {
        clearTimeout(t);
        resolve(true);
      }
    });
    // A fatal config error is on standard error.
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => {
      clearTimeout(t);
      if (out.includes('Address already in use')) resolve(false);
      else reject(new Error(`redis-server exited ${code}: ${out}`));
    });
  });
  if (!ready) return 'port taken';
  return {
    port,
    pid: child.pid as number,
    stop: () =>
      new Promise<void>((resolve) => {
        // A process a signal ended has no exit code: waiting for its exit would wait for ever.
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}

/** Runs the same commands on both servers (fresh connections, after FLUSHALL) and returns pairs of raw replies. */
export async function differential(ours: number, real: number, commands: (string | Buffer)[][], proto: 2 | 3 = 2): Promise<{ cmd: string; ours: string; real: string }[]> {
  const a = await RawClient.connect(ours);
  const b = await RawClient.connect(real);
  try {
    await a.call('FLUSHALL');
    await b.call('FLUSHALL');
    if (proto === 3) {
      // The HELLO replies differ by design (version, client id); only what follows is compared.
      await a.call('HELLO', '3');
      await b.call('HELLO', '3');
    }
    const out: { cmd: string; ours: string; real: string }[] = [];
    for (const cmd of commands) {
      const [x, y] = await Promise.all([a.call(...cmd), b.call(...cmd)]);
      out.push({ cmd: cmd.map((p) => p.toString()).join(' '), ours: x, real: y });
    }
    return out;
  } finally {
    a.close();
    b.close();
  }
}

/** Splits a compact script ("SET k v\nGET k") into commands; tokens use inline-command quoting. */
export function script(text: string): string[][] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith('#'))
    .map((l) => {
      const out: string[] = [];
      const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
      let m: RegExpExecArray | null;
      while ((m = re.exec(l)) !== null) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, (_, ch: string) => (ch === 'n' ? '\n' : ch === 'r' ? '\r' : ch)) : (m[2] as string));
      return out;
    });
}

export function redisCliAvailable(): boolean {
  return spawnSync('which', ['redis-benchmark']).status === 0;
}

/** Polls INFO until `n` clients are blocked, so tests need not guess how long blocking takes. */
export async function waitBlocked(c: RawClient, n: number, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const info = await c.call('INFO', 'clients');
    if (info.includes(`blocked_clients:${n}\r\n`)) return;
    if (Date.now() > deadline) throw new Error(`expected ${n} blocked clients: ${info}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Polls `cond` every few milliseconds until it holds; fails naming `what` after `ms`. */
export async function waitUntil(what: string, cond: () => Promise<boolean> | boolean, ms = 10000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A DEBUG OBJECT reply without what differs between two servers: the address, LRU clock and idle time. */
export const debugObjectFacts = (reply: string): string => reply.replace(/Value at:0x[0-9a-f]+ /, '').replace(/ lru:\d+ lru_seconds_idle:\d+/, '');
