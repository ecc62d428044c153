// BGSAVE and BGREWRITEAOF as background work. redis-server forks a child that writes the dataset as it
// was at the fork, sleeping rdb-key-save-delay for each key (a test knob: unit/aofrw holds a save in
// progress with it). While one child runs, another BGSAVE or BGREWRITEAOF is refused or scheduled for
// when it ends. A node never forks: the "child" is a timer of the engine that ends once every key's
// delay has passed, so the event loop stays free meanwhile. Without a delay a save ends at once.
import type { Client } from './client.ts';
import type { Engine } from './engine.ts';
import { captureAof, commitAof } from './commands/debug-reload.ts';
import { fail } from './errors.ts';
import { runSliced } from './sliced.ts';
import { slice, yieldToLoop } from '../slices.ts';

type Kind = 'rdb' | 'aof';

interface Job {
  kind: Kind;
  /** When the delay started counting: once the dataset is captured, as the child starts writing. */
  since: number;
  keys: number;
}

interface State {
  job: Job | null;
  rdbScheduled: boolean;
  aofScheduled: boolean;
  /** appendonly as last applied: turning it on starts a rewrite, turning it off stops one. */
  aofOn: boolean;
}

const states = new WeakMap<Engine, State>();
const POLL_MS = 100;

function state(e: Engine): State {
  let s = states.get(e);
  if (s === undefined) {
    s = { job: null, rdbScheduled: false, aofScheduled: false, aofOn: false };
    states.set(e, s);
  }
  return s;
}

/**
 * Read again at each check, not fixed at the start as in redis-server's child: a test ends a held save by
 * setting the delay back to 0 and killing the child, and a node has no child to kill. A negative value
 * is 1 us slept with a chance of 1 in |value| per key (Redis's debugDelay).
 */
function delayPerKeyMs(e: Engine): number {
  const d = Number(e.config.get('rdb-key-save-delay') ?? 0);
  if (d > 0) return d / 1000;
  return d < 0 ? 1 / -d / 1000 : 0;
}

function keyCount(e: Engine): number {
  let n = 0;
  for (const d of e.ks.dbs) n += d.size;
  return n;
}

function finish(e: Engine, s: State, job: Job): void {
  s.job = null;
  if (job.kind === 'rdb') e.lastSave = e.clock.now();
  else commitAof(e);
  startScheduled(e, s);
}

/** As serverCron once no child runs: a rewrite scheduled meanwhile goes first, then a scheduled BGSAVE. */
function startScheduled(e: Engine, s: State): void {
  if (s.job !== null) return;
  if (s.aofScheduled) {
    s.aofScheduled = false;
    void runAof(e, s);
  } else if (s.rdbScheduled) {
    s.rdbScheduled = false;
    runDelay(e, s, { kind: 'rdb', since: performance.now(), keys: keyCount(e) });
  }
}

function runDelay(e: Engine, s: State, job: Job): void {
  s.job = job;
  const check = (): void => {
    if (s.job !== job) return;
    const left = job.keys * delayPerKeyMs(e) - (performance.now() - job.since);
    if (left <= 0 || !e.running) return finish(e, s, job);
    setTimeout(check, Math.min(left, POLL_MS)).unref();
  };
  check();
}

/** A rewrite no client waits for (one scheduled behind a BGSAVE): the capture runs in slices. */
async function runAof(e: Engine, s: State): Promise<void> {
  const job: Job = { kind: 'aof', since: 0, keys: keyCount(e) };
  s.job = job;
  const work = captureAof(e);
  try {
    while (!slice(work)) await yieldToLoop();
  } catch {
    // A rewrite that failed keeps the last file; it still ends, so what was scheduled behind it runs.
  }
  if (s.job !== job) return;
  job.since = performance.now();
  runDelay(e, s, job);
}

export function bgsave(c: Client, schedule: boolean): void {
  const e = c.engine;
  const s = state(e);
  if (s.job?.kind === 'rdb') fail('ERR Background save already in progress');
  if (s.job !== null || e.execDepth !== 0) {
    if (!schedule && e.execDepth === 0) {
      fail("ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.");
    }
    s.rdbScheduled = true;
    // Inside EXEC no child starts: serverCron starts it right after.
    if (s.job === null) setImmediate(() => startScheduled(e, s));
    c.w.simple('Background saving scheduled');
    return;
  }
  runDelay(e, s, { kind: 'rdb', since: performance.now(), keys: keyCount(e) });
  c.w.simple('Background saving started');
}

/** SAVE cannot run while a BGSAVE is writing. */
export function refuseSaveDuringBgsave(e: Engine): void {
  if (states.get(e)?.job?.kind === 'rdb') fail('ERR Background save already in progress');
}

export function bgrewriteaof(c: Client): void {
  const e = c.engine;
  const s = state(e);
  if (s.job?.kind === 'aof') fail('ERR Background append only file rewriting already in progress');
  if (s.job !== null) {
    s.aofScheduled = true;
    c.w.simple('Background append only file rewriting scheduled');
    return;
  }
  // The capture is the fork: this node's clients wait for it (runSliced), then the writing takes its time.
  const keys = keyCount(e);
  runSliced(c, captureAof(e), () => {
    runDelay(e, s, { kind: 'aof', since: performance.now(), keys });
    c.w.simple('Background append only file rewriting started');
  });
}

/** INFO persistence's view of the background work. */
export function backgroundInfo(e: Engine): { rdb: number; aof: number; aofScheduled: number } {
  const s = states.get(e);
  return { rdb: s?.job?.kind === 'rdb' ? 1 : 0, aof: s?.job?.kind === 'aof' ? 1 : 0, aofScheduled: s?.aofScheduled === true ? 1 : 0 };
}

/** CONFIG SET appendonly in a bare engine, as 7.0's startAppendOnly and stopAppendOnly. */
export function appendonlyChanged(e: Engine): void {
  const s = state(e);
  const on = e.config.get('appendonly') === 'yes';
  if (on === s.aofOn) return;
  s.aofOn = on;
  if (!on) {
    s.aofScheduled = false;
    if (s.job?.kind !== 'aof') return;
    // The rewrite is this process's work: the pid is the one INFO's process_id shows.
    e.notice(`Killing running AOF rewrite child: ${process.pid}`);
    s.job = null;
    startScheduled(e, s);
    return;
  }
  if (s.job?.kind === 'rdb' || e.execDepth !== 0) {
    s.aofScheduled = true;
    setImmediate(() => startScheduled(e, s));
    return;
  }
  // A rewrite already running started before AOF was on: redis-server stops it and starts another.
  s.job = null;
  void runAof(e, s);
}
