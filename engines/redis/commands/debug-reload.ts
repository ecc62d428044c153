// DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: redis-server saves its dataset to dump.rdb, empties itself
// and loads the file back; the tcl suite uses it to check that every type survives the RDB codec. The
// file is the engine's dump (dump-file.ts: on disk for the standalone server, in memory otherwise).
// Saving and loading run in slices: this node waits (its clients see it as one command), other nodes
// sharing the event loop keep answering, even with a million keys.
import type { Client } from '../client.ts';
import type { Engine } from '../engine.ts';
import { DB_COUNT } from '../db/keyspace.ts';
import { fail } from '../errors.ts';
import { errnoAccepted } from '../num.ts';
import { loadEntrySteps } from '../rdb/keyspace-adapter.ts';
import { captureSteps, readDump, saveSteps } from '../dump-file.ts';
import { iterateRdbSteps, type SanitizeTally } from '../rdb/reader.ts';
import { countSanitized } from '../payload-sanitize.ts';
import { runSliced } from '../sliced.ts';
import { is } from './util.ts';

/** The append only file as the last BGREWRITEAOF wrote it: what DEBUG LOADAOF reads while appendonly is off. */
const rewrittenAof = new WeakMap<Engine, Buffer>();

const LOAD_FAILED = 'ERR Error trying to load the RDB dump';

interface ReloadOptions {
  merge: boolean;
  flush: boolean;
  save: boolean;
  /** Where the "file" is: the dump, or the rewritten append only file. */
  from: (e: Engine) => Buffer | undefined;
}

function* reload(e: Engine, o: ReloadOptions): Generator<void> {
  if (o.save) {
    try {
      yield* saveSteps(e);
    } catch {
      // shared.err, as 7.0's DEBUG RELOAD answers a failed save (the reason is in the log).
      fail('ERR');
    }
  }
  // Redis empties the data (functions too) before it finds out whether the file loads.
  if (o.flush) {
    for (let db = 0; db < DB_COUNT; db++) e.ks.db(db).flush();
    e.scripting.functions.flush();
  }
  let rdb: Buffer | undefined;
  try {
    rdb = o.from(e);
  } catch {
    rdb = undefined;
  }
  if (rdb === undefined) fail(LOAD_FAILED);
  // A value of a million elements is read and built a few elements a step.
  const tally = { containers: 0 };
  try {
    yield* loadRecords(e, o, rdb, tally);
  } finally {
    countSanitized(e, null, tally);
  }
}

function* loadRecords(e: Engine, o: ReloadOptions, rdb: Buffer, tally: SanitizeTally): Generator<void> {
  for (const rec of iterateRdbSteps(rdb, { verifyChecksum: false, tally })) {
    if (rec === undefined) {
      yield;
      continue;
    }
    if (rec.kind === 'function') {
      try {
        e.scripting.functions.restore([rec.payload.toString('latin1')], o.merge ? 'replace' : 'append');
      } catch {
        fail(LOAD_FAILED);
      }
    } else if (rec.kind === 'entry') {
      // Without MERGE a key already present is fatal to redis-server; here the command fails instead.
      if (!o.merge && e.ks.db(rec.entry.db).dict.index(rec.entry.key.toString('latin1')) !== undefined) fail(LOAD_FAILED);
      yield* loadEntrySteps(e, rec.entry);
      // The save before walked this stream's nodes to the tree's end (raxNext sets errno to 0).
      if (o.save && e.ks.db(rec.entry.db).peekAsIs(rec.entry.key.toString('latin1'))?.type === 'stream') errnoAccepted(e);
    }
    yield;
  }
}

export function debugReload(c: Client, options: string[]): void {
  const o: ReloadOptions = { merge: false, flush: true, save: true, from: readDump };
  for (const opt of options) {
    if (is(opt, 'merge')) o.merge = true;
    else if (is(opt, 'noflush')) o.flush = false;
    else if (is(opt, 'nosave')) o.save = false;
    else fail('ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.');
  }
  runSliced(c, reload(c.engine, o), () => c.w.ok());
}

/**
 * DEBUG LOADAOF. With appendonly on, the file would hold every write: loading it gives back the dataset
 * as it is (the same round trip through the codec as RELOAD). With it off, redis-server loads what the
 * last BGREWRITEAOF wrote, later writes and FUNCTION FLUSH not included; without such a rewrite here the
 * dataset is kept as with appendonly on. Like redis-server, extra arguments are ignored.
 */
export function debugLoadAof(c: Client): void {
  const e = c.engine;
  if (e.config.get('appendonly') === 'yes' || !rewrittenAof.has(e)) return debugReload(c, []);
  runSliced(c, reload(e, { merge: false, flush: true, save: false, from: (x) => rewrittenAof.get(x) }), () => c.w.ok());
}

/** A rewrite's file until the rewrite ends: one stopped on the way leaves the last file in place. */
const capturedAof = new WeakMap<Engine, Buffer>();

/** What BGREWRITEAOF writes: a snapshot of the dataset (functions included), taken in slices. */
export function* captureAof(e: Engine): Generator<void> {
  capturedAof.delete(e);
  yield* captureSteps(e, (rdb) => capturedAof.set(e, rdb));
}

/** The rewrite ended: its file is the one DEBUG LOADAOF reads. */
export function commitAof(e: Engine): void {
  const file = capturedAof.get(e);
  if (file !== undefined) rewrittenAof.set(e, file);
  capturedAof.delete(e);
}
