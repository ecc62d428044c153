// A command whose work grows with the data (KEYS over a million keys) runs in slices of SLICE_MS, so the
// other nodes and the API, which share this event loop, keep answering. Its own node stays atomic as in
// Redis: while it runs, every other client of the node waits (as under CLIENT PAUSE ALL) and the caller
// gets its reply once the work is done. Inside MULTI or a script the work runs whole, since those must
// not yield.
import type { Client } from './client.ts';
import { RedisError } from './errors.ts';
import { notifyCommand } from './notify.ts';
import { overOutputLimit } from './output-limit.ts';
import { slice } from '../slices.ts';

/**
 * A write whose slices outlived its handler applies its result after dispatch's `call` returned, so it
 * raises here the keyspace events `call` raises for a write that finishes inside its handler.
 */
function asWrite(c: Client, args: string[], apply: () => void): void {
  const e = c.engine;
  const def = e.lookup(args[0] as string);
  const ownBefore = e.ks.stats.dirty - e.ks.serverDirty;
  e.emptied = [];
  apply();
  if (def !== undefined && e.ks.stats.dirty - e.ks.serverDirty !== ownBefore && e.notifyFlags !== null) {
    const emptied = e.emptied;
    e.emptied = [];
    notifyCommand(e, c, def, args, emptied);
  }
}

/** Runs `finish` after the last slice, where a throw would otherwise escape to the event loop. */
function settle(c: Client, finish: () => void): void {
  try {
    finish();
  } catch (err) {
    const msg = err instanceof RedisError ? err.reply : `ERR internal error: ${err instanceof Error ? err.message : String(err)}`;
    c.w.error(msg);
    c.engine.countError(msg);
  }
}

/**
 * Runs `work` in slices and then `reply`. A write passes its `args`: its result is stored by `reply`,
 * which then gets the keyspace notifications of the command.
 */
export function runSliced(c: Client, work: Iterator<unknown>, reply: () => void, args?: string[]): void {
  const e = c.engine;
  // Under CLIENT REPLY OFF/SKIP dispatch drops the reply as the handler returns, so it must exist by then.
  if (e.execDepth !== 0 || e.scripting.running !== null || c.replyMode !== 'on') {
    while (work.next().done !== true);
    reply();
    return;
  }
  const from = c.w.mark;
  // Small work finishes in its first slice and answers at once, like any command (whose output limit
  // the engine checks as for any command: the reply began before `from`, with its header).
  if (slice(work)) {
    reply();
    return;
  }
  const before = e.pause;
  const hold = { until: Number.POSITIVE_INFINITY, writesOnly: false };
  e.pause = hold;
  e.block(c, [], 0, { tryServe: () => false, onTimeout: () => undefined, busy: true });
  const release = () => {
    if (e.pause !== hold) return;
    // A CLIENT PAUSE that was on before the command keeps holding until its own end.
    if (before !== null && before.until > e.clock.now()) e.pause = before;
    else e.unpause();
  };
  const step = () => {
    if (c.closed) {
      release();
      return;
    }
    let done: boolean;
    try {
      done = slice(work);
    } catch (err) {
      done = true;
      reply = () => {
        throw err;
      };
    }
    if (!done) {
      // A reply written in slices goes out as it grows, and a client over its output limit is dropped.
      if (c.w.pendingBytes !== 0) {
        e.queueFlush(c);
        if (overOutputLimit(c, c.w.mark - from)) {
          e.closeClient(c, true);
          release();
          return;
        }
      }
      setImmediate(step);
      return;
    }
    e.unblock(c);
    settle(c, args === undefined ? reply : () => asWrite(c, args, reply));
    // The last slice may be the one that passes the limit (how much each slice writes depends on the
    // machine's load): redis-server checks once the reply is whole.
    if (!c.closed && overOutputLimit(c, c.w.mark - from)) {
      e.closeClient(c, true);
      release();
      return;
    }
    // The reply goes out before those of the clients the release lets run.
    e.queueFlush(c);
    release();
    e.resume(c);
  };
  setImmediate(step);
}

/**
 * Writes a reply too big for one turn (HGETALL of a million fields): the caller wrote its header, and
 * each step of `items` writes one element. Other nodes run between slices; this node waits, as above.
 */
export function replySliced(c: Client, items: Iterator<unknown>): void {
  runSliced(c, items, () => undefined);
}

/** One step per element of `items`, each writing it with `write`. */
export function* eachWritten<T>(items: Iterable<T>, write: (item: T) => void): Generator<void> {
  for (const x of items) {
    write(x);
    yield;
  }
}

/** from..to inclusive, for eachWritten over positions. */
export function* indexes(from: number, to: number): Generator<number> {
  for (let i = from; i <= to; i++) yield i;
}
