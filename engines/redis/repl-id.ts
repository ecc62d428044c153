// A node's replication ID, as INFO replication's master_replid shows it: the run ID until DEBUG
// CHANGE-REPL-ID draws a new one, as redis-server's changeReplicationId does (the run ID stays).
import { randomBytes } from 'node:crypto';
import type { Engine } from './engine.ts';

const changed = new WeakMap<Engine, string>();

export function replIdOf(e: Engine): string {
  return changed.get(e) ?? e.runId;
}

export function changeReplId(e: Engine): void {
  changed.set(e, randomBytes(20).toString('hex'));
}

/** A replica takes its primary's replication ID: the stream it holds is that one. */
export function setReplId(e: Engine, id: string): void {
  changed.set(e, id);
}

/** master_replid2 and second_repl_offset: the ID a promoted replica followed, and the first offset it did not have. */
const previous = new WeakMap<Engine, [string, number]>();

export function replId2Of(e: Engine): [string, number] {
  return previous.get(e) ?? ['0000000000000000000000000000000000000000', -1];
}

/** A replica promoted, as 7.0's shiftReplicationId: its stream's ID becomes replid2 and a new one is drawn. */
export function shiftReplId(e: Engine, nextOffset: number): void {
  previous.set(e, [replIdOf(e), nextOffset]);
  changeReplId(e);
}
