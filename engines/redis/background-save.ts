// BGSAVE and BGREWRITEAOF as background work. redis-server forks a child that writes the dataset as it
// was at the fork, sleeping rdb-key-save-delay for each key (a test knob: unit/aofrw holds a save in
// progress with it). While one child runs, another BGSAVE or BGREWRITEAOF is refused or scheduled for
// when it ends. A node never forks: the dataset is captured at the start (the fork), the "child" is a
// timer of the engine that ends once every key's delay has passed, so the event loop stays free
// meanwhile, and then the capture is written (dump-file.ts). A standalone server also starts a stand-in
// child process for a BGSAVE, so a harness finds it (temp-<child pid>.rdb, `pgrep -P`) and can kill it,
// which fails the save as a killed child fails redis-server's.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import type { Client } from './client.ts';
import type { Engine } from './engine.ts';
import { captureAof, commitAof } from './commands/debug-reload.ts';
import { captureSteps, dumpIsOnDisk, dumpStats, saveNow, savePoints, tempDumpPath, writeDump, DumpWriteError } from './dump-file.ts';
import { fail } from './errors.ts';
import { runSliced } from './sliced.ts';
import { slice, yieldToLoop } from '../slices.ts';

type Kind = 'rdb' | 'aof';

interface Job {
  kind: Kind;
  /** When the delay started counting: once the dataset is captured, as the child starts writing. */
  since: number;
  keys: number;
  /** A BGSAVE's dataset as it was at its start. */
  rdb?: Buffer;
  /** The standalone server's stand-in child process, whose pid names the temp file. */
  child?: ChildProcess;
}

interface State {
  job: Job | null;
  /** When serverCron last started a BGSAVE for the save points: a failed one is retried 5 s later. */
  lastTry: number;
  rdbScheduled: boolean;
  aofScheduled: boolean;
  /** appendonly as last applied: turning it on starts a rewrite, turning it off stops one. */
  aofOn: boolean;
  /** AOF was turned on and its first rewrite has not ended (7.0's AOF_WAIT_REWRITE): a shutdown would lose the data. */
  aofInitial: boolean;
}

const states = new WeakMap<Engine, State>();
const POLL_MS = 100;

function state(e: Engine): State {
  let s = states.get(e);
  if (s === undefined) {
    s = { job: null, lastTry: 0, rdbScheduled: false, aofScheduled: false, aofOn: false, aofInitial: false };
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
  if (job.kind === 'rdb') rdbDone(e, job);
  else {
    commitAof(e);
    s.aofInitial = false;
  }
  startScheduled(e, s);
}

/** The child's work: the captured dataset goes to the dump (renamed over dump.rdb on disk). */
function rdbDone(e: Engine, job: Job): void {
  const st = dumpStats(e);
  const pid = job.child?.pid ?? process.pid;
  stopChild(job);
  st.lastBgsaveSecs = Math.round((performance.now() - job.since) / 1000);
  try {
    writeDump(e, job.rdb ?? Buffer.alloc(0), pid);
    st.bgsaveOk = true;
    e.notice('DB saved on disk');
    e.notice('Background saving terminated with success');
  } catch (err) {
    if (!(err instanceof DumpWriteError)) throw err;
    st.bgsaveOk = false;
    e.notice(err.message, '#');
    e.notice('Background saving error', '#');
  }
}

/** The stand-in child is done with: no exit of it may fail the save any more. */
function stopChild(job: Job): void {
  const child = job.child;
  if (child === undefined) return;
  child.removeAllListeners('exit');
  child.kill('SIGKILL');
}

/** A standalone server's BGSAVE shows a child process and its temp file while it runs. */
function startChild(e: Engine, s: State, job: Job): void {
  if (!dumpIsOnDisk(e)) return;
  let child: ChildProcess;
  try {
    // cat on a pipe from this process: it ends by itself when this process dies, however it dies.
    child = spawn('cat', [], { stdio: ['pipe', 'ignore', 'ignore'] });
  } catch {
    return;
  }
  if (child.pid === undefined) return;
  job.child = child;
  child.unref();
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  child.stdin?.on('error', () => undefined);
  const tmp = tempDumpPath(e, child.pid);
  try {
    fs.writeFileSync(tmp, '');
  } catch {
    // The write at the end reports what is wrong with the directory.
  }
  child.on('error', () => undefined);
  child.once('exit', (_code, signal) => {
    if (s.job !== job) return;
    // The child died before its work was done: as backgroundSaveDoneHandler for a child killed by a signal.
    s.job = null;
    fs.rmSync(tmp, { force: true });
    const num = signal === null ? 0 : os.constants.signals[signal];
    e.notice(signal === null ? 'Background saving error' : `Background saving terminated by signal ${num}`, '#');
    // SIGUSR1 is how redis-server itself stops a child it no longer wants: not an error.
    if (signal !== 'SIGUSR1') dumpStats(e).bgsaveOk = false;
    startScheduled(e, s);
  });
}

/** The first rewrite after AOF was turned on is still running. */
export function initialAofPending(e: Engine): boolean {
  const s = states.get(e);
  return s !== undefined && s.aofInitial && s.job?.kind === 'aof';
}

/** killAppendOnlyChild: a shutdown ends a rewrite in progress. */
export function killAofChild(e: Engine): boolean {
  const s = states.get(e);
  if (s === undefined || s.job?.kind !== 'aof') return false;
  s.job = null;
  return true;
}

/** killRDBChild: FLUSHALL and SHUTDOWN end a BGSAVE in progress; its temp file goes, the last dump stays. */
export function killRdbChild(e: Engine): boolean {
  const s = states.get(e);
  const job = s?.job;
  if (s === undefined || job === null || job === undefined || job.kind !== 'rdb') return false;
  s.job = null;
  if (job.child?.pid !== undefined) fs.rmSync(tempDumpPath(e, job.child.pid), { force: true });
  stopChild(job);
  return true;
}

/**
 * After FLUSHALL, as 7.0's flushAllDataAndResetRDB: a BGSAVE in progress is stopped and, under save
 * points, the empty dataset is saved at once (which zeroes the change counter; the flush is still replicated).
 */
export function flushAllSaves(e: Engine): void {
  killRdbChild(e);
  if (savePoints(e).length === 0) return;
  try {
    saveNow(e);
  } catch {
    // Logged by the save; FLUSHALL itself succeeded.
  }
}

/** Starts a BGSAVE whose dataset is captured: the delay counts from now, the child shows meanwhile. */
function startRdb(e: Engine, s: State, rdb: Buffer, keys: number): Job {
  const job: Job = { kind: 'rdb', since: performance.now(), keys, rdb };
  dumpStats(e);
  runDelay(e, s, job, () => {
    startChild(e, s, job);
    e.notice(`Background saving started by pid ${job.child?.pid ?? process.pid}`);
  });
  return job;
}

/** A BGSAVE no client waits for (scheduled, or for the save points): captured at once, as a fork is. */
function startRdbNow(e: Engine, s: State): Job {
  const keys = keyCount(e);
  let rdb: Buffer = Buffer.alloc(0);
  for (const _ of captureSteps(e, (b) => (rdb = b)));
  return startRdb(e, s, rdb, keys);
}

/**
 * serverCron's save points: once `changes` writes are older than `seconds`, a BGSAVE starts (a failed
 * one is retried after 5 s, as CONFIG_BGSAVE_RETRY_DELAY).
 */
export function saveCron(e: Engine): void {
  const s = states.get(e) ?? state(e);
  if (s.job !== null || e.execDepth !== 0) return;
  const points = savePoints(e);
  if (points.length === 0) return;
  const now = e.clock.now();
  const dirty = e.ks.stats.dirty;
  const ok = dumpStats(e).bgsaveOk;
  for (const [seconds, changes] of points) {
    if (dirty >= changes && now - e.lastSave > seconds * 1000 && (ok || now - s.lastTry > 5000)) {
      e.notice(`${changes} changes in ${seconds} seconds. Saving...`);
      s.lastTry = now;
      startRdbNow(e, s);
      return;
    }
  }
}

/** As serverCron once no child runs: a rewrite scheduled meanwhile goes first, then a scheduled BGSAVE. */
function startScheduled(e: Engine, s: State): void {
  if (s.job !== null) return;
  if (s.aofScheduled) {
    s.aofScheduled = false;
    void runAof(e, s);
  } else if (s.rdbScheduled) {
    s.rdbScheduled = false;
    startRdbNow(e, s);
  }
}

function runDelay(e: Engine, s: State, job: Job, started?: () => void): void {
  s.job = job;
  started?.();
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
  // The capture is the fork: this engine's clients wait for it, then the writing takes its time.
  const keys = keyCount(e);
  let rdb: Buffer = Buffer.alloc(0);
  runSliced(
    c,
    captureSteps(e, (b) => (rdb = b)),
    () => {
      startRdb(e, s, rdb, keys);
      c.w.simple('Background saving started');
    },
  );
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
export function backgroundInfo(e: Engine): { rdb: number; aof: number; aofScheduled: number; rdbSecs: number } {
  const s = states.get(e);
  const job = s?.job;
  const rdbSecs = job?.kind === 'rdb' ? Math.round((performance.now() - job.since) / 1000) : -1;
  return { rdb: job?.kind === 'rdb' ? 1 : 0, aof: job?.kind === 'aof' ? 1 : 0, aofScheduled: s?.aofScheduled === true ? 1 : 0, rdbSecs };
}

/** CONFIG SET appendonly in a bare engine, as 7.0's startAppendOnly and stopAppendOnly. */
export function appendonlyChanged(e: Engine): void {
  const s = state(e);
  const on = e.config.get('appendonly') === 'yes';
  if (on === s.aofOn) return;
  s.aofOn = on;
  s.aofInitial = on;
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
