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
  // freePort's port can be taken by another server before memcached binds it (our own nodes listen
  // on port 0, and the kernel may hand out that same number). memcached then exits, and a check that
  // only sees "something listens there" would compare against the wrong server: retry with a new
  // port until the process answering is the one we started.
  for (let attempt = 0; ; attempt++) {
    const started = await tryStartReal(extraArgs);
    if (started !== null) return started;
    if (attempt >= 5) throw new Error('could not start memcached on a free port');
  }
}

async function tryStartReal(extraArgs: string[]): Promise<Target | null> {
  const port = await freePort();
  const args = ['-p', String(port), '-U', '0', '-t', '1', '-l', '127.0.0.1', ...extraArgs];
  // memcached refuses to run as root unless told which user to be.
  if (process.getuid?.() === 0) args.push('-u', 'root');
  const child: ChildProcess = spawn(REAL_MEMCACHED, args, { stdio: 'ignore' });
  // Never leave a memcached behind, even when a test run dies before its afterAll.
  const reap = () => child.kill('SIGKILL');
  process.once('exit', reap);
  child.once('exit', () => process.off('exit', reap));
  // SIGKILL: on SIGTERM memcached joins its background threads, which sleep up to a second between passes
  // (950 ms a close, paid by every differential test); a reference server has nothing to save.
  const close = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) return null;
    const pid = await statsPid(port);
    if (pid === child.pid) return { port, close };
    if (pid !== null) break; // someone else owns the port
    await new Promise((r) => setTimeout(r, 50));
  }
  await close();
  return null;
}

/** The pid a memcached-speaking server on `port` reports, or null when nothing answers. */
function statsPid(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let text = '';
    const done = (v: number | null) => {
      s.destroy();
      resolve(v);
    };
    s.setTimeout(1000, () => done(null));
    s.once('connect', () => s.write('stats\r\n'));
    s.on('data', (c: Buffer) => {
      text += c.toString('latin1');
      if (text.endsWith('END\r\n') || text.endsWith('ERROR\r\n')) {
        const m = /STAT pid (\d+)/.exec(text);
        done(m ? Number(m[1]) : -1);
      }
    });
    s.once('error', () => done(null));
    s.once('close', () => done(null));
  });
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
  bytewise = false,
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
    // The quiet timer ends the exchange only after one more poll of the socket: when the loop was held
    // longer than quietMs (the engine under test shares this process), timers run before the reads of
    // data that arrived meanwhile, and a reply already here was cut off.
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        const seen = chunks.length;
        setImmediate(() => {
          if (chunks.length === seen) finish();
        });
      }, quietMs);
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
      arm();
      if (!bytewise) return void socket.write(data);
      // One byte per write, each in its own turn of the event loop: the server sees the input split
      // at every byte boundary.
      const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
      let i = 0;
      const next = () => {
        if (finished || i >= bytes.length) return;
        socket.write(bytes.subarray(i, ++i), () => setImmediate(next));
      };
      next();
    });
  });
}

/** Text script + trailing `mn` sentinel: complete when the reply ends in MN. */
export async function textExchange(port: number, script: string | Buffer, timeoutMs = 1500, bytewise = false): Promise<Exchange> {
  const body = typeof script === 'string' ? Buffer.from(script, 'latin1') : script;
  // A script whose last line is unfinished would swallow the sentinel into it ('ma k1 vmn'): the wait
  // then ended at an earlier mn of the script's own, before all replies had come, whenever they came late.
  const end = body.length === 0 || body[body.length - 1] === 0x0a ? 'mn\r\n' : '\r\nmn\r\n';
  const data = Buffer.concat([body, Buffer.from(end)]);
  // The sentinel is the final MN only: a script may contain its own mn, whose reply must not end the wait.
  const sentinels = countMn(data);
  return exchange(port, data, (b) => countReplies(b, 'MN\r\n') >= sentinels && b.subarray(b.length - 4).toString() === 'MN\r\n', timeoutMs, bytewise);
}

function countMn(data: Buffer): number {
  const text = data.toString('latin1');
  let n = 0;
  for (const line of text.split('\n')) if (/^mn( |\r?$)/.test(line)) n++;
  return n;
}

function countReplies(b: Buffer, line: string): number {
  const text = b.toString('latin1');
  let n = 0;
  for (let i = text.indexOf(line); i >= 0; i = text.indexOf(line, i + 1)) if (i === 0 || text[i - 1] === '\n') n++;
  return n;
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
