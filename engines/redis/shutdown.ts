// How a server run as its own process (standalone.ts) ends, as 7.0's prepareForShutdown/finishShutdown:
// SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] and SIGTERM/SIGINT first wait (up to shutdown-timeout, writes
// paused, unless NOW) for replicas to acknowledge the whole stream, then stop a BGSAVE in progress, save
// the final dump when asked to or when save points are set, and only then exit. A save that fails keeps
// the server running (unless FORCE) and SHUTDOWN answers the error. A signal schedules the shutdown for
// the next cron (which DEBUG PAUSE-CRON holds back, so SHUTDOWN ABORT can cancel it); a second SIGINT
// while the final save runs exits at once, deleting the save's temp file.
import fs from 'node:fs';
import type { Client } from './client.ts';
import type { Engine } from './engine.ts';
import { initialAofPending, killAofChild, killRdbChild } from './background-save.ts';
import { saveNow, savePoints, tempDumpPath } from './dump-file.ts';

export interface ShutdownFlags {
  save: boolean;
  nosave: boolean;
  now: boolean;
  force: boolean;
}

interface Pending {
  signal: 'SIGINT' | 'SIGTERM';
  /** The final save is running (its per-key delay): a second SIGINT exits at once. */
  saving: boolean;
}

const pending = new WeakMap<Engine, Pending>();

/** A shutdown waiting for lagging replicas: until the deadline, with writes paused and SHUTDOWN clients blocked. */
interface Waiting {
  deadline: number;
  flags: ShutdownFlags;
  clients: Set<Client>;
  pause: NonNullable<Engine['pause']>;
  exit: (code: number) => void;
  timer: NodeJS.Timeout;
}

const waiting = new WeakMap<Engine, Waiting>();

const SHUTDOWN_FAILED = 'ERR Errors trying to SHUTDOWN. Check logs.';

function inSync(e: Engine): boolean {
  return e.feed === null || e.feed.syncStatus().lagging.length === 0;
}

/** INFO's shutdown_in_milliseconds while a shutdown waits for replicas; null otherwise. */
export function shutdownInMs(e: Engine): number | null {
  const w = waiting.get(e);
  return w === undefined ? null : Math.max(0, Math.round(w.deadline - performance.now()));
}

/**
 * SHUTDOWN (client given) or a signal's shutdown: finishes at once, or waits for replicas. A finished
 * shutdown calls `exit`; one that failed answers SHUTDOWN's error (thrown when there is no wait).
 */
export function prepareShutdown(e: Engine, f: ShutdownFlags, exit: (code: number) => void, c: Client | null): void {
  const timeout = Number(e.config.get('shutdown-timeout') ?? 10);
  const already = waiting.get(e);
  if (already !== undefined && c !== null) {
    block(e, already, c);
    return;
  }
  if (!f.now && timeout > 0 && !inSync(e)) {
    e.feed?.requestAck();
    const pause = { until: Number.POSITIVE_INFINITY, writesOnly: true };
    if (e.pause === null) e.pause = pause;
    const w: Waiting = { deadline: performance.now() + timeout * 1000, flags: f, clients: new Set(), pause, exit, timer: setInterval(() => check(e), 10) };
    w.timer.unref();
    waiting.set(e, w);
    e.notice('Waiting for replicas before shutting down.');
    if (c !== null) block(e, w, c);
    return;
  }
  if (finishShutdown(e, f)) exit(0);
  else if (c !== null) throw new ShutdownFailed();
}

/** SHUTDOWN failed: the command answers the error. */
export class ShutdownFailed extends Error {}

function block(e: Engine, w: Waiting, c: Client): void {
  w.clients.add(c);
  e.block(c, [], 0, { tryServe: () => false, onTimeout: () => undefined });
}

function check(e: Engine): void {
  const w = waiting.get(e);
  if (w === undefined || e.cronPaused) return;
  if (performance.now() < w.deadline && !inSync(e)) return;
  if (finishShutdown(e, w.flags)) {
    stopWaiting(e, w, false);
    w.exit(0);
    return;
  }
  stopWaiting(e, w, true);
}

/** The wait ends: writes go on, and blocked SHUTDOWN clients get the error when the shutdown did not happen. */
function stopWaiting(e: Engine, w: Waiting, failed: boolean): void {
  clearInterval(w.timer);
  waiting.delete(e);
  if (e.pause === w.pause) e.unpause();
  if (!failed) return;
  for (const c of w.clients) {
    if (c.closed || c.blocked === null) continue;
    e.unblock(c);
    c.w.error(SHUTDOWN_FAILED);
    e.resume(c);
  }
}

export function flagsOf(words: string[]): ShutdownFlags {
  const has = (w: string) => words.some((x) => x.toLowerCase() === w);
  return { save: has('save'), nosave: has('nosave'), now: has('now'), force: has('force') };
}

/**
 * finishShutdown's persistence part. True when the process may exit; false (after logging why) when
 * the final save failed and FORCE was not given.
 */
export function finishShutdown(e: Engine, f: ShutdownFlags, announced = false): boolean {
  const status = e.feed?.syncStatus();
  if (status !== undefined) {
    for (const r of status.lagging) e.notice(`Lagging replica ${r.name} reported offset ${r.behind} behind master, lag=${r.lag}, state=${r.state}.`, '#');
    if (status.total > 0) e.notice(`${status.total - status.lagging.length} of ${status.total} replicas are in sync when shutting down.`);
  }
  if (killRdbChild(e)) e.notice('There is a child saving an .rdb. Killing it!', '#');
  // AOF turned on whose first rewrite has not ended: the dataset would be lost.
  if (initialAofPending(e)) {
    if (!f.force) {
      e.notice("Writing initial AOF, can't exit.", '#');
      e.notice('Errors trying to shut down the server. Check the logs for more information.', '#');
      return false;
    }
    e.notice('Writing initial AOF. Exit anyway.', '#');
  }
  if (killAofChild(e)) e.notice('There is a child rewriting the AOF. Killing it!', '#');
  if ((savePoints(e).length > 0 && !f.nosave) || f.save) {
    if (!announced) e.notice('Saving the final RDB snapshot before exiting.');
    try {
      saveNow(e);
    } catch {
      if (f.force) {
        e.notice('Error trying to save the DB. Exit anyway.', '#');
      } else {
        e.notice("Error trying to save the DB, can't exit.", '#');
        e.notice('Errors trying to shut down the server. Check the logs for more information.', '#');
        return false;
      }
    }
  }
  return true;
}

/** SHUTDOWN ABORT: a shutdown a signal scheduled, or one waiting for replicas, is called off. */
export function abortShutdown(e: Engine): boolean {
  const w = waiting.get(e);
  if (!pending.has(e) && w === undefined) return false;
  pending.delete(e);
  if (w !== undefined) stopWaiting(e, w, true);
  e.notice('Shutdown manually aborted.', '#');
  return true;
}

/**
 * A SIGINT or SIGTERM arrived. `exit` ends the process (code 0 for a clean shutdown). The first signal
 * schedules the shutdown; a SIGINT during the final save is redis-server's "You insist".
 */
export function shutdownSignal(e: Engine, signal: 'SIGINT' | 'SIGTERM', exit: (code: number) => void): void {
  const p = pending.get(e);
  if (p !== undefined && signal === 'SIGINT') {
    e.notice('You insist... exiting now.', '#');
    fs.rmSync(tempDumpPath(e, process.pid), { force: true });
    exit(1);
    return;
  }
  e.notice(e.loading !== null ? 'Received shutdown signal during loading, scheduling shutdown.' : `Received ${signal} scheduling shutdown...`, '#');
  pending.set(e, { signal, saving: false });
  const check = (): void => {
    const now = pending.get(e);
    if (now === undefined || now.saving) return;
    // serverCron runs the scheduled shutdown; a paused cron leaves it pending.
    if (e.cronPaused) {
      setTimeout(check, 10);
      return;
    }
    void runSignalled(e, now, exit);
  };
  setTimeout(check, 0);
}

async function runSignalled(e: Engine, p: Pending, exit: (code: number) => void): Promise<void> {
  const words = (e.config.get(p.signal === 'SIGINT' ? 'shutdown-on-sigint' : 'shutdown-on-sigterm') ?? 'default').split(' ');
  const f = flagsOf(words);
  // A shutdown during the load at start saves nothing: the dataset is not whole (whileBlockedCron's NOSAVE).
  if (e.loading !== null) Object.assign(f, { save: false, nosave: true });
  // Waiting for replicas comes before the final save.
  if (!f.now && Number(e.config.get('shutdown-timeout') ?? 10) > 0 && !inSync(e)) {
    pending.delete(e);
    prepareShutdown(e, f, exit, null);
    return;
  }
  const saves = (savePoints(e).length > 0 && !f.nosave) || f.save;
  if (saves) {
    // The final save takes rdb-key-save-delay per key, as rdbSave sleeps in the test suite; its temp file
    // exists meanwhile, and a second SIGINT exits at once.
    const delayUs = Number(e.config.get('rdb-key-save-delay') ?? 0);
    e.notice('Saving the final RDB snapshot before exiting.');
    if (delayUs > 0) {
      p.saving = true;
      let keys = 0;
      for (const d of e.ks.dbs) keys += d.size;
      try {
        fs.writeFileSync(tempDumpPath(e, process.pid), '');
      } catch {
        // The save itself reports what is wrong with the directory.
      }
      await new Promise((resolve) => setTimeout(resolve, (keys * delayUs) / 1000));
      if (pending.get(e) !== p) return;
    }
  }
  pending.delete(e);
  if (finishShutdown(e, f, saves)) {
    exit(0);
    return;
  }
  e.notice(`${p.signal} received but errors trying to shut down the server, check the logs for more information`, '#');
}
