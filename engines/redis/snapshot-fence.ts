// A write that makes its changes as it goes, in slices (runSlicedWrite: DEL of a million keys), is seen by
// the node's clients only whole, since they wait while it runs. The control plane is no client: a snapshot
// it dumps in slices, or a failover it makes, would see such a write half done. Each is fenced off here,
// so it sees the write before or after, as a fork of redis-server would:
// - a snapshot or failover starts once no such write runs on the node or on the primaries whose values it
//   shares (replicas on the thread), and
// - a write that arrives while a snapshot of the node (or of such a replica) runs waits for its end, with
//   the node's clients held behind it as they would be while it ran; a script that may write (its steps
//   yield, as a write in slices does) waits to begin, only its own client held (Engine.scriptHold).
import type { Engine } from './engine.ts';
import { withPrimaries } from './hold-writes.ts';

interface Fence {
  /** Sliced writes running on the engine, from their first slice until they shipped to replicas. */
  writes: number;
  /** Snapshots of the engine running, and fences the control plane holds (RedisNode.fenceWrites). */
  snapshots: number;
  /** What waits for the writes to end (snapshots, failovers). */
  afterWrites: (() => void)[];
  /** Writes waiting for the snapshots to end. */
  afterSnapshots: (() => void)[];
}

const fences = new WeakMap<Engine, Fence>();

function fenceOf(e: Engine): Fence {
  let f = fences.get(e);
  if (f === undefined) fences.set(e, (f = { writes: 0, snapshots: 0, afterWrites: [], afterSnapshots: [] }));
  return f;
}

function wake(waiting: (() => void)[]): void {
  for (const run of waiting.splice(0)) run();
}

/** Resolves once no sliced write runs on any of `engines` (checked again after each one ends). */
export async function slicedWritesSettled(engines: readonly Engine[]): Promise<void> {
  for (;;) {
    const busy = engines.find((e) => fenceOf(e).writes > 0);
    if (busy === undefined) return;
    await new Promise<void>((resolve) => fenceOf(busy).afterWrites.push(resolve));
  }
}

/**
 * Marks a snapshot of `e` running (or a fence held), once no write it would see half done runs; the
 * returned function ends it and lets the writes that waited start. Taken and marked in one turn: no
 * write starts between, nor later until the end, however long the caller then waits for other nodes.
 */
export async function beginSnapshot(e: Engine): Promise<() => void> {
  const sharing = withPrimaries(e);
  await slicedWritesSettled(sharing);
  const f = fenceOf(e);
  f.snapshots++;
  // A script that may write runs in steps the dump would run between: it begins after the snapshot.
  for (const x of sharing) x.scriptHold++;
  let ended = false;
  return () => {
    if (ended) return;
    ended = true;
    for (const x of sharing) if (--x.scriptHold === 0) runHeldScripts(x);
    if (--f.snapshots === 0) wake(f.afterSnapshots);
  };
}

/** The clients whose next command is a script held by Engine.scriptHold go on with their queues. */
function runHeldScripts(e: Engine): void {
  for (const c of e.clients.values()) {
    if (c.queue.length !== 0 && c.blocked === null && c.running === null && !c.closed) {
      e.processQueue(c);
      e.queueFlush(c);
    }
  }
}

/**
 * Runs `start` when no snapshot of `e` or of the replicas `sharing` its values runs: now, or once the
 * last of them ends. `start` returns the write's end, which lets the fenced work waiting for it go on.
 */
export function whenSnapshotsAllow(e: Engine, sharing: readonly Engine[], start: () => void): void {
  const running = [e, ...sharing].find((x) => fenceOf(x).snapshots > 0);
  if (running === undefined) {
    start();
    return;
  }
  fenceOf(running).afterSnapshots.push(() => whenSnapshotsAllow(e, sharing, start));
}

/** Whether a snapshot of `e` runs (for tests and inspection). */
export function snapshotRunning(e: Engine): boolean {
  return fenceOf(e).snapshots > 0;
}

/** A sliced write begins on `e`; the returned function marks its end (after it shipped to replicas). */
export function beginSlicedWrite(e: Engine): () => void {
  const f = fenceOf(e);
  f.writes++;
  return () => {
    if (--f.writes === 0) wake(f.afterWrites);
  };
}
