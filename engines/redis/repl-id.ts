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
