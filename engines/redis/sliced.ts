// A command whose work grows with the data (KEYS over a million keys) runs in slices of SLICE_MS, so the
// other nodes and the API, which share this event loop, keep answering. Its own node stays atomic as in
// Redis: while it runs, every other client of the node waits (as under CLIENT PAUSE ALL) and the caller
// gets its reply once the work is done. Inside MULTI or a script the work runs whole, since those must
// not yield.
import type { Client } from './client.ts';
import type { CommandDef } from './command-table.ts';
import type { Engine } from './engine.ts';
import { RedisError } from './errors.ts';
import { notifyCommand } from './notify.ts';
import { overOutputLimit } from './output-limit.ts';
import { holdWrites, withPrimaries } from './hold-writes.ts';
import { beginSlicedWrite, whenSnapshotsAllow } from './snapshot-fence.ts';
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
  if (def !== undefined && e.ks.stats.dirty - e.ks.serverDirty !== ownBefore && e.notifying) {
    const emptied = e.emptied;
    e.emptied = [];
    notifyCommand(e, c, def, args, emptied);
  }
}

/**
 * asWrite for a write a script called whose steps outlived dispatch's `call`: the SYNC clients' stream
 * (repl-feed.ts) sees the store as that call's change, as it would have had the command run whole.
 */
function asScriptWrite(c: Client, args: string[], def: CommandDef | undefined, apply: () => void): void {
  const feed = c.engine.feed;
  const entered = feed !== null && def !== undefined ? feed.enter(c, def, args) : null;
  asWrite(c, args, apply);
  if (entered !== null) (feed as NonNullable<typeof feed>).leave(entered, c, def as CommandDef, args);
}

/** Runs `finish` after the last slice, where a throw would otherwise escape to the event loop. */
function settle(c: Client, finish: () => void, def?: CommandDef): void {
  try {
    finish();
  } catch (err) {
    const msg = err instanceof RedisError ? err.reply : `ERR internal error: ${err instanceof Error ? err.message : String(err)}`;
    c.w.error(msg);
    c.engine.countError(msg);
    // Dispatch counted the call as it returned into its slices; its error is known only now.
    if (def !== undefined) c.engine.commandStats(def).failed++;
  }
}

/** The command runSliced runs for: a write names itself in `args`; a read is the one whose handler called it. */
function commandOf(c: Client, args: string[] | undefined): CommandDef | undefined {
  return args === undefined ? (c.runningDef ?? undefined) : c.engine.lookup(args[0] as string);
}

/** Steps of a script's read run at once before it is handed to the script's yields. */
const SCRIPT_STEPS_AT_ONCE = 256;

/**
 * Runs `work` in slices and then `reply`. A write passes its `args`: its result is stored by `reply`,
 * which then gets the keyspace notifications of the command.
 */
export function runSliced(c: Client, work: Iterator<unknown>, reply: () => void, args?: string[]): void {
  const e = c.engine;
  // Under CLIENT REPLY OFF/SKIP dispatch drops the reply as the handler returns, so it must exist by then.
  if (e.execDepth !== 0 || e.scripting.running !== null || c.replyMode !== 'on') {
    // A command called by a script that may yield here runs in steps between the script's yields (redis.call
    // waits for it): the script keeps its node, and the values it reads stay put as for a client's read. A
    // write's steps only compute (SUNIONSTORE's union): it stores its result in `reply`, once they ended.
    if (e.scripting.mayTakeSteps(c)) {
      // Most reads a script makes are small (BullMQ's LRANGEs): done here, as before.
      for (let n = 0; n < SCRIPT_STEPS_AT_ONCE; n++) {
        if (work.next().done === true) {
          reply();
          return;
        }
      }
      const release = holdWrites(withPrimaries(e).slice(1));
      const def = commandOf(c, args);
      e.scripting.takeSteps(work, (err) => {
        release();
        if (err !== null) {
          settle(c, () => {
            throw err;
          }, def);
        } else settle(c, args === undefined ? reply : () => asScriptWrite(c, args, def, reply), def);
      });
      return;
    }
    while (work.next().done !== true);
    reply();
    return;
  }
  const from = c.w.mark;
  const def = commandOf(c, args);
  // Small work finishes in its first slice and answers at once, like any command (whose output limit
  // the engine checks as for any command: the reply began before `from`, with its header).
  if (slice(work)) {
    reply();
    return;
  }
  const held = holdAround(e);
  // Under a hard limit the reply is kept back while it fits (see the slices below).
  const holdOutput = e.config.normalHardLimit !== 0 && !c.inPubSubContext;
  if (holdOutput) c.outputHeld = true;
  const release = () => {
    c.outputHeld = false;
    held();
  };
  e.block(c, [], 0, { tryServe: () => false, onTimeout: () => undefined, busy: true });
  // A client that leaves meanwhile does not stop the command (only the node's stop does): Redis finishes
  // a command it began, and a write computed in slices (SUNIONSTORE, a staged XREADGROUP) stores its
  // result in `reply`.
  const step = () => {
    if (!e.running) {
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
    // Nobody reads a gone client's reply (Redis stops appending to a client closing asap).
    if (c.closed || c.peerGone) c.w.take();
    if (!done) {
      // A reply written in slices goes out as it grows, and a client over its output limit is dropped (the
      // work goes on to its end as for any client that left). Under a hard limit it is kept back while it
      // fits: redis-server builds a reply whole before writing any of it, so a client dropped for it gets
      // nothing (the output held is bounded by that limit).
      if (!c.closed && c.w.pendingBytes !== 0) {
        if (overOutputLimit(c, c.w.mark - from)) {
          // What is not yet handed to the socket goes with the client, as redis-server frees its reply list.
          c.w.take();
          e.closeClient(c, true);
        } else if (!holdOutput) e.queueFlush(c);
      }
      setImmediate(step);
      return;
    }
    c.outputHeld = false;
    if (!c.closed) e.unblock(c);
    settle(c, args === undefined ? reply : () => asWrite(c, args, reply), def);
    if (!c.closed) e.tracking.afterReply(c);
    // The last slice may be the one that passes the limit (how much each slice writes depends on the
    // machine's load): redis-server checks once the reply is whole.
    if (!c.closed && overOutputLimit(c, c.w.mark - from)) {
      c.w.take();
      e.closeClient(c, true);
      release();
      return;
    }
    // The reply goes out before those of the clients the release lets run.
    if (!c.closed) e.queueFlush(c);
    release();
    if (!c.closed) e.resume(c);
  };
  setImmediate(step);
}

/**
 * What a command running in slices on `e` holds until it ends: every client of `e`, and, as replicas on
 * this thread share the primary's very values, the clients of those replicas (none starts a read
 * that the command's change, made at its end, would cut in two) and the writes of the primaries `e`
 * follows here (a replica's read over a million entries sees one state of the values it shares).
 */
function holdAround(e: Engine): () => void {
  const releases = [pauseAll(e, true), ...replicasOf(e).map((r) => pauseAll(r)), holdWrites(withPrimaries(e).slice(1))];
  return () => {
    for (let i = releases.length - 1; i >= 0; i--) (releases[i] as () => void)();
  };
}

/** Holds every client of `e` (as CLIENT PAUSE ALL) until the returned release runs; `command`: see Engine.pause. */
export function pauseAll(e: Engine, command = false): () => void {
  const before = e.pause;
  const hold = { until: Number.POSITIVE_INFINITY, writesOnly: false, command };
  e.pause = hold;
  if (before !== null) heldBefore.set(hold, before);
  return () => {
    // Ended: a hold taken over it (a replica's own command, then its primary's) must not put it back.
    hold.until = 0;
    if (e.pause !== hold) return;
    // A CLIENT PAUSE or an outer hold that was on before keeps holding until its own end.
    const now = e.clock.now();
    let p: Pause | undefined = before ?? undefined;
    while (p !== undefined && p.until <= now) p = heldBefore.get(p);
    if (p !== undefined) e.pause = p;
    else e.unpause();
  };
}

type Pause = NonNullable<Engine['pause']>;
/** The pause each hold of pauseAll replaced, for when it and that one both ended. */
const heldBefore = new WeakMap<Pause, Pause>();

/**
 * Holds every client of the replicas following `e` on this thread: they share `e`'s value objects, so a write
 * spread over several turns (a script suspended mid-run) would show them its first half.
 */
export function pauseReplicas(e: Engine): () => void {
  const releases = replicasOf(e).map((r) => pauseAll(r));
  return () => {
    for (let i = releases.length - 1; i >= 0; i--) (releases[i] as () => void)();
  };
}

/** The replicas following `e` on this thread, and theirs. */
function replicasOf(e: Engine): Engine[] {
  const out: Engine[] = [];
  const visit = (x: Engine): void => {
    for (const r of x.replication.replicas) {
      if (out.includes(r)) continue;
      out.push(r);
      visit(r);
    }
  };
  visit(e);
  return out;
}

/** Arguments past which a write that changes many keys or elements runs in slices (runSlicedWrite). */
export const SLICED_WRITE_ARGS = 4096;

/**
 * A write that makes its changes as it goes (DEL of a million keys, MSET, HSET of a million fields):
 * each step of `work` changes a few keys or elements, `reply` answers. Inside MULTI or a script it runs
 * whole in its own turn like any command; otherwise entirely in later turns, so
 * dispatch sees no change: it is announced (keyspace events, the client's replication offset) and
 * replicated here once it ends. Its node and the replicas on this thread are paused until then, as the
 * replicas share the values it changes: none of their clients sees it half done, and what it changed
 * ships to them (in slices) before anyone runs. A client that leaves meanwhile does not stop it (Redis
 * finishes a command it began). A snapshot of the node running meanwhile (snapshot-fence.ts) sees it
 * before: it starts once the snapshot ends, its node held from now on as while it runs.
 */
export function runSlicedWrite(c: Client, work: Iterator<unknown>, reply: () => void, args: string[]): void {
  const e = c.engine;
  if (e.execDepth !== 0 || e.scripting.running !== null || c.replyMode !== 'on') {
    while (work.next().done !== true);
    reply();
    return;
  }
  const def = e.lookup(args[0] as string);
  const release = pauseAll(e, true);
  const replicas = replicasOf(e);
  const releaseReplicas = replicas.map((r) => pauseAll(r));
  e.block(c, [], 0, { tryServe: () => false, onTimeout: () => undefined, busy: true });
  whenSnapshotsAllow(e, replicas, () => {
    const written = beginSlicedWrite(e);
    writeInSlices(c, work, reply, args, def, () => {
      for (const r of releaseReplicas) r();
      release();
      written();
    });
  });
}

/** runSlicedWrite's slices, once it may begin; `release` ends its holds once it shipped. */
function writeInSlices(c: Client, work: Iterator<unknown>, reply: () => void, args: string[], def: CommandDef | undefined, release: () => void): void {
  const e = c.engine;
  const dirtyBefore = e.ks.stats.dirty;
  const ownBefore = dirtyBefore - e.ks.serverDirty;
  e.emptied = [];
  const ship = e.replication.holdShipping();
  let failed: unknown = null;
  const step = () => {
    try {
      if (!slice(work)) {
        setImmediate(step);
        return;
      }
    } catch (err) {
      // The steps check what could fail before they change anything; this is a bug, answered as one.
      failed = err;
    }
    if (!c.closed) e.unblock(c);
    if (!c.closed) {
      settle(c, () => {
        if (failed !== null) throw failed;
        reply();
      }, def);
      e.tracking.afterReply(c);
    }
    if (def !== undefined && e.ks.stats.dirty - e.ks.serverDirty !== ownBefore && e.notifying) {
      const emptied = e.emptied;
      e.emptied = [];
      notifyCommand(e, c, def, args, emptied);
    }
    if (e.ks.stats.dirty !== dirtyBefore && e.replication.hasReplicas) c.woff = e.replication.writeOffset;
    if (!c.closed) e.queueFlush(c);
    ship(() => {
      release();
      if (e.ks.ready.size !== 0) e.serveBlocked();
      e.resume(c);
    });
  };
  setImmediate(step);
}

/**
 * `each` of 0 .. count - 1, then `reply`: a write of the command `args` naming many keys or elements
 * (see runSlicedWrite) runs in slices past SLICED_WRITE_ARGS arguments, else now.
 */
export function writeEach(c: Client, args: string[], count: number, each: (j: number) => void, reply: () => void): void {
  if (args.length <= SLICED_WRITE_ARGS) {
    for (let j = 0; j < count; j++) each(j);
    reply();
    return;
  }
  function* steps(): Generator<void> {
    for (let j = 0; j < count; j++) {
      each(j);
      yield;
    }
  }
  runSlicedWrite(c, steps(), reply, args);
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
