// How much a command on one node holds the event loop every node shares: another node is PINGed while the
// command runs, and the loop's worst hold is sampled meanwhile. Every figure is CPU time of the loop's thread
// (see loop-hold.ts): wall time would also count the OS running other programs on a loaded machine.
import { createHash } from 'node:crypto';
import net from 'node:net';
import { afterAll, beforeAll, expect } from 'vitest';
import { cpuMs, fullGc, watchLoop } from '../../support/loop-hold.ts';
import { encodeCommand, RawClient, startRealRedis, startServer, type RealRedis, type Started } from './helpers.ts';

/**
 * Worst loop hold (CPU ms of the loop's thread) allowed while another node works: room for GC pauses. A
 * PING waiting out a 6-12 MB Lua string's collection measured 152-163 ms alone and 217-229 ms in loaded
 * full runs (process CPU then, which counted V8's collector threads too). The holds these tests guard
 * against (work run whole) are 0.4-8 s.
 */
export const STALL_BOUND_MS = 250;

/**
 * The CPU time `cmd` holds the loop for when run whole (inside MULTI, where it must not yield). The stall a
 * sliced run may show is bounded relative to it, since a slower machine stretches both alike.
 */
export async function wholeTurn(c: RawClient, cmd: readonly string[]): Promise<number> {
  await c.call('MULTI');
  await c.call(...cmd);
  const t0 = cpuMs();
  c.write('EXEC\r\n');
  await c.read(60_000);
  return cpuMs() - t0;
}

/** wholeTurn on a connection of its own to `port`. */
export async function wholeTurnOn(port: number, cmd: readonly string[]): Promise<number> {
  const c = await RawClient.connect(port);
  try {
    return await wholeTurn(c, cmd);
  } finally {
    c.close();
  }
}

export const bound = (whole: number) => Math.max(STALL_BOUND_MS, whole * 0.6);

/**
 * Asserts a sliced run's worst PING and loop hold: below the floor always passes; past it, they must stay
 * within bound() of what the command costs run whole, measured by `whole` only then (it repeats the work).
 * True when it ran the command whole.
 */
export async function expectHeldWithin(held: { ping: number; loop?: number }, label: string, whole: () => Promise<number>, floorMs = STALL_BOUND_MS): Promise<boolean> {
  if (held.ping < floorMs && (held.loop ?? 0) < floorMs) return false;
  const cost = await whole();
  const limit = Math.max(floorMs, bound(cost));
  expect(held.ping, `${label} (whole: ${cost.toFixed(0)} ms)`).toBeLessThan(limit);
  if (held.loop !== undefined) expect(held.loop, `${label} (whole: ${cost.toFixed(0)} ms)`).toBeLessThan(limit);
  return true;
}

/**
 * CPU time this process takes, here and now, to copy `size` bytes into a new string: what a command that
 * must end in one copy of a big value (a 200 MB argument the parser turns into a string) costs at least.
 * It is not a constant: the copy's page faults dominate, and on a fresh VM, where the host backs guest
 * memory on its first touch, 200 MB took 85 ms of CPU in a small process and 400-520 ms once the process
 * had touched a GB or two before (40 ms of it user time). A bound on such a command is measured from it.
 */
export function oneCopyMs(size: number): number {
  const from = Buffer.allocUnsafe(size);
  // The source's own faults are taken outside the measure, a piece at a time as the parser fills it.
  for (let at = 0; at < size; at += 1 << 20) from.fill(at & 0xff, at, Math.min(size, at + (1 << 20)));
  const t0 = cpuMs();
  const copy = from.latin1Slice(0, size);
  const ms = cpuMs() - t0;
  return copy.length === size ? ms : Number.NaN;
}

/**
 * PINGs `port` until `work` settles; the CPU time of the worst PING round trip and the loop's worst hold. Pass
 * `work` as a function that sends the command: it is called once the PINGing client is connected and the
 * loop is watched, so a command that (wrongly) ran whole cannot finish unseen while the client connects.
 */
export async function whileWorking(port: number, work: Promise<unknown> | (() => Promise<unknown>)): Promise<{ ping: number; loop: number; answered: number }> {
  const c = await RawClient.connect(port);
  // The garbage of the test's own setup (a million-entry fill) is collected before the watch, not as a
  // full collection inside it that the command did not cause (a fresh-clone run saw 214 ms so).
  fullGc();
  const watch = watchLoop();
  let done = false;
  const finished = (typeof work === 'function' ? work() : work).finally(() => {
    done = true;
  });
  let ping = 0;
  let answered = 0;
  let loop = 0;
  try {
    while (!done) {
      const t0 = cpuMs();
      c.write('PING\r\n');
      await c.read(60_000);
      ping = Math.max(ping, cpuMs() - t0);
      answered++;
    }
    await finished;
  } finally {
    loop = watch.stop().cpu;
    c.close();
  }
  return { ping, loop, answered };
}

const MARKER = 'end-of-reply-4f1c';

/** Sends `cmds` to `port` 500 at a time, waiting for each batch's replies. */
export async function pipeline(port: number, cmds: string[][]): Promise<void> {
  const c = await RawClient.connect(port);
  try {
    for (let i = 0; i < cmds.length; i += 500) {
      const part = cmds.slice(i, i + 500);
      c.write(Buffer.concat(part.map((x) => encodeCommand(x))));
      for (let j = 0; j < part.length; j++) await c.read(60_000);
    }
  } finally {
    c.close();
  }
}

/**
 * Sends `cmd` then an ECHO and digests every byte up to the ECHO's reply: reading a reply of a million
 * lines costs this process almost nothing, so the loop delay measured meanwhile is the server's.
 */
export function digestOf(port: number, cmd: string[]): Promise<{ sha: string; head: string }> {
  const end = `$${MARKER.length}\r\n${MARKER}\r\n`;
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1', () => sock.write(Buffer.concat([encodeCommand(cmd), encodeCommand(['ECHO', MARKER])])));
    const h = createHash('sha1');
    let tail = '';
    let head = '';
    const timer = setTimeout(() => reject(new Error(`${cmd.join(' ')}: no reply`)), 60_000);
    sock.on('data', (d: Buffer) => {
      h.update(d);
      if (head.length < 32) head += d.subarray(0, 32).toString('latin1');
      tail = (tail + d.subarray(-end.length).toString('latin1')).slice(-end.length);
      if (tail === end) {
        clearTimeout(timer);
        sock.destroy();
        resolve({ sha: h.digest('hex'), head: head.slice(0, head.indexOf('\r\n')) });
      }
    });
    sock.on('error', reject);
  });
}

/**
 * Replies of `cmds` sent one by one on one connection to `port` (the data the servers hold is kept), each
 * given a minute: a command over a big dataset on a loaded machine can take longer than RawClient's default.
 */
export async function replies(port: number, cmds: readonly (readonly (string | Buffer)[])[]): Promise<string[]> {
  const c = await RawClient.connect(port);
  try {
    const out: string[] = [];
    for (const cmd of cmds) {
      c.write(encodeCommand(cmd));
      out.push((await c.read(60_000)).toString('latin1'));
    }
    return out;
  } finally {
    c.close();
  }
}

export interface StallServers {
  /** The node that runs the long command. */
  busy: Started;
  /** The node PINGed meanwhile. */
  other: Started;
  /** redis-server with the same data, for the differential. */
  real: RealRedis;
}

/**
 * Starts the three servers before the calling describe block's tests (both data holders filled by `fill`)
 * and stops them after; `realArgs` go to redis-server's command line.
 */
export function stallServers(fill: () => string[][], realArgs: string[] = []): StallServers {
  const s = {} as StallServers;
  beforeAll(async () => {
    [s.busy, s.other, s.real] = await Promise.all([startServer(), startServer(), startRealRedis(realArgs)]);
    const data = fill();
    await Promise.all([pipeline(s.busy.port, data), pipeline(s.real.port, data)]);
  }, 60_000);
  afterAll(async () => {
    await s.busy?.server.close();
    await s.other?.server.close();
    await s.real?.stop();
  });
  return s;
}

/**
 * Runs `cmd` on the busy node and on redis-server at once: each one's reply, then the digest of what
 * `contentCmd` reads back there (the key's whole content after the command).
 */
export function onBoth(s: StallServers, cmd: readonly string[], contentCmd: string[]): Promise<{ reply: string; content: string }[]> {
  return Promise.all(
    [s.busy.port, s.real.port].map(async (port) => {
      const c = await RawClient.connect(port);
      try {
        c.write(encodeCommand([...cmd]));
        const reply = (await c.read(60_000)).toString('latin1');
        return { reply, content: (await digestOf(port, contentCmd)).sha };
      } finally {
        c.close();
      }
    }),
  );
}

/**
 * Runs `cmd` on the busy node while PINGing the other, each bounded by what `cmd` costs run whole; the
 * reply's digest and first line (read by digest: reading it costs this process little). The whole run (the
 * same work again, most of these tests' time) is made only when the sliced run held the loop past the floor:
 * within it the bound holds whatever the whole run costs.
 */
export async function slicedDigest(s: StallServers, cmd: string[], floorMs = STALL_BOUND_MS): Promise<{ sha: string; head: string }> {
  let answer!: Promise<{ sha: string; head: string }>;
  const { ping, loop, answered } = await whileWorking(s.other.port, () => (answer = digestOf(s.busy.port, cmd)));
  const label = cmd.join(' ').slice(0, 80);
  expect(answered, label).toBeGreaterThan(0);
  const reply = await answer;
  await expectHeldWithin({ ping, loop }, label, () => wholeTurnOn(s.busy.port, cmd), floorMs);
  return reply;
}
