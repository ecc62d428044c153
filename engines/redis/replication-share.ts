// A replica on the primary's thread holds the primary's very value objects instead of copies of them.
// Both live in one process and a replica applies every write the moment the primary made it, so its
// state is the primary's state after each command: running the write again on a copy (what the
// replica did before) costs the write's whole work a second time per replica (a ZADD into a sorted
// set of 1M members is a skip-list insert, on three copies with two replicas, three times the memory
// the collector marks), while taking the changed object over costs a key lookup. Replicas are read-only,
// so only the primary changes a shared object.
//
// A replica that must not see the primary's next changes (its link cut or delayed by the fault API, a
// script of its own suspended mid-run, or no longer following that primary) first gets copies of its
// own (`unshare*`), before the primary changes anything.
import { cloneInSteps, cloneObject } from './db/clone.ts';
import { viewOf } from './db/keydict.ts';
import { DB_COUNT, type Database } from './db/keyspace.ts';
import type { RObj } from './db/objects.ts';
import type { Engine } from './engine.ts';
import { holdWrites } from './hold-writes.ts';
import { drainSliced, runSteps, slice, type Steps } from '../slices.ts';

/**
 * Brings `key` of a replica's database to the primary's, sharing the value: the key's own signals
 * (WATCH, tracking, blocked readers, memory) fire on the replica as a write of its own would.
 */
export function mirrorKey(from: Database, to: Database, key: string): void {
  const raw = from.dict.getRaw(key);
  if (raw === undefined) {
    to.delete(key);
    return;
  }
  // A bare string is immutable: equal identity then says nothing about whether it was rewritten.
  if (typeof raw !== 'string' && to.dict.getRaw(key) === raw) to.modified(key);
  else to.set(key, viewOf(raw));
}

/** The value a replica takes for a key copied whole: the primary's object, or a copy while they must diverge. */
export function valueFor(raw: RObj, diverging: boolean): RObj {
  return diverging ? copyOf(raw) : raw;
}

/** A deep copy that keeps the settled size (INFO lazyfreed_objects reads it). */
function copyOf(raw: RObj): RObj {
  const copy = cloneObject(raw);
  copy.mem = raw.mem;
  return copy;
}

/**
 * Gives `replica` its own copy of `key` if it holds the primary's object there; the copy also replaces
 * that object in the replicas that follow `replica` (they must go on seeing what it sees).
 */
export function unshareKey(primary: Engine, replica: Engine, dbIndex: number, key: string): void {
  const raw = primary.ks.dbs[dbIndex]?.dict.getRaw(key);
  if (raw === undefined || typeof raw === 'string') return;
  const dst = replica.ks.dbs[dbIndex];
  const i = dst?.dict.index(key);
  if (dst === undefined || i === undefined || dst.dict.raw(i) !== raw) return;
  replace(replica, dbIndex, key, raw, copyOf(raw));
}

/** unshareKey for every key `replica` has. */
export function unshareAll(primary: Engine, replica: Engine): void {
  runSteps(unshareSteps(primary, replica));
}

/**
 * unshareAll for a replica leaving its primary (promoted, or detached), spread over slices: copying a
 * big dataset's objects in one turn would stall every node. Until the last copy both nodes' writes
 * wait, as a failover pauses the old primary's writes anyway; what fits one slice is done at once.
 */
export function unshareAllSliced(primary: Engine, replica: Engine): void {
  const work = unshareSteps(primary, replica);
  if (slice(work)) return;
  const release = holdWrites([primary, replica]);
  void drainSliced(work, () => undefined).finally(release);
}

/**
 * The copies, a step a key and steps within a big value's copy: slice() reads its clock only every 64 steps
 * (at PER_STEP keys a step, the first slice cloned 4096 hashes, 20-35 ms; a 1M-field hash copied whole is
 * hundreds of ms). The primary's and the replica's writes wait meanwhile (unshareAllSliced), so a value does
 * not change under its copy. Keys are read from the live table (a Map: safe while keys come and go between
 * slices); a key whose object is no longer the primary's (deleted, rewritten, or the replica took another
 * primary's data meanwhile) is left as it is.
 */
function* unshareSteps(primary: Engine, replica: Engine): Steps<void> {
  for (let d = 0; d < DB_COUNT; d++) {
    const src = primary.ks.dbs[d];
    const dst = replica.ks.dbs[d];
    if (src === undefined || dst === undefined || dst.size === 0) continue;
    for (const key of dst.dict.keys()) {
      const raw = src.dict.getRaw(key);
      if (raw !== undefined && typeof raw !== 'string' && dst.dict.getRaw(key) === raw) {
        const copy = yield* cloneInSteps(raw);
        copy.mem = raw.mem;
        replace(replica, d, key, raw, copy);
      }
      yield;
    }
  }
}

/** Puts `copy` where `engine` and its own replicas (transitively) hold `old`; no signal: the value is equal. */
function replace(engine: Engine, dbIndex: number, key: string, old: RObj, copy: RObj): void {
  const db = engine.ks.dbs[dbIndex];
  const i = db?.dict.index(key);
  if (db === undefined || i === undefined || db.dict.raw(i) !== old) return;
  db.dict.put(i, copy);
  for (const r of engine.replication.replicas) replace(r, dbIndex, key, old, copy);
}
