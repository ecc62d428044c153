// How a server run as its own process (standalone.ts) ends, as 7.0's prepareForShutdown/finishShutdown:
// SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] and SIGTERM/SIGINT stop a BGSAVE in progress, save the final
// dump when asked to or when save points are set, and only then exit. A save that fails keeps the
// server running (unless FORCE) and SHUTDOWN answers the error. A signal schedules the shutdown for the
// next cron (which DEBUG PAUSE-CRON holds back, so SHUTDOWN ABORT can cancel it); a second SIGINT while
// the final save runs exits at once, deleting the save's temp file.
import fs from 'node:fs';
import type { Engine } from './engine.ts';
import { killRdbChild } from './background-save.ts';
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

export function flagsOf(words: string[]): ShutdownFlags {
  const has = (w: string) => words.some((x) => x.toLowerCase() === w);
  return { save: has('save'), nosave: has('nosave'), now: has('now'), force: has('force') };
}

/**
 * finishShutdown's persistence part. True when the process may exit; false (after logging why) when
 * the final save failed and FORCE was not given.
 */
export function finishShutdown(e: Engine, f: ShutdownFlags, announced = false): boolean {
  if (killRdbChild(e)) e.notice('There is a child saving an .rdb. Killing it!', '#');
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

/** SHUTDOWN ABORT: a shutdown a signal scheduled is called off. */
export function abortShutdown(e: Engine): boolean {
  if (!pending.has(e)) return false;
  pending.delete(e);
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
  const saves = (savePoints(e).length > 0 && !f.nosave) || f.save;
  if (saves) {
    // The final save takes rdb-key-save-delay per key, as rdbSave sleeps in the test suite; its temp file
    // exists meanwhile.
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
