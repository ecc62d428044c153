// A bare engine's dump file. redis-server keeps its dataset in dir/dbfilename: SAVE, BGSAVE, DEBUG RELOAD,
// FLUSHALL (under save points) and SHUTDOWN write it, and a start loads it. A server started from the
// command line (standalone.ts) does so on disk, as a harness written for redis-server expects (it copies an
// RDB into `dir` and starts the server on it). An engine made in-process keeps its "file" in memory, so
// nothing lands in the working directory of the program that embeds it. Nodes have no SAVE at all.
import fs from 'node:fs';
import path from 'node:path';
import type { Engine } from './engine.ts';
import { engineRdbChunks, type ReplicationAux } from './rdb/node-rdb.ts';
import { streamOffsetOf } from './repl-backlog.ts';
import { replIdOf } from './repl-id.ts';
import type { RdbEntry } from './rdb/entries.ts';
import { RdbError } from './rdb/errors.ts';
import { loadEntries } from './rdb/keyspace-adapter.ts';
import { iterateRdb } from './rdb/reader.ts';
import { drainSliced, SLICE_MS, yieldToLoop } from '../slices.ts';

/** Persistence counters INFO shows (rdb_saves, rdb_last_bgsave_status, the last load's key counts). */
export interface DumpStats {
  saves: number;
  bgsaveOk: boolean;
  lastBgsaveSecs: number;
  loadedKeys: number;
  expiredKeys: number;
}

const onDisk = new WeakSet<Engine>();
const inMemory = new WeakMap<Engine, Buffer>();
const stats = new WeakMap<Engine, DumpStats>();

// Small chunks keep each step of a sliced save short.
const SAVE_CHUNK = 4096;

export function dumpStats(e: Engine): DumpStats {
  let s = stats.get(e);
  if (s === undefined) {
    s = { saves: 0, bgsaveOk: true, lastBgsaveSecs: -1, loadedKeys: 0, expiredKeys: 0 };
    stats.set(e, s);
  }
  return s;
}

/** From now on the engine's dump is the file dir/dbfilename (the standalone server's). */
export function keepDumpOnDisk(e: Engine): void {
  onDisk.add(e);
}

export function dumpIsOnDisk(e: Engine): boolean {
  return onDisk.has(e);
}

function dir(e: Engine): string {
  return e.config.get('dir') ?? process.cwd();
}

export function dumpPath(e: Engine): string {
  return path.resolve(dir(e), e.config.get('dbfilename') ?? 'dump.rdb');
}

/** Where a save writes before the rename: temp-<pid>.rdb, pid being the saving process (a BGSAVE's child). */
export function tempDumpPath(e: Engine, pid: number): string {
  return path.resolve(dir(e), `temp-${pid}.rdb`);
}

/** The dump's bytes, or undefined when there is none. A file that exists but cannot be read throws. */
export function readDump(e: Engine): Buffer | undefined {
  if (!onDisk.has(e)) return inMemory.get(e);
  try {
    return fs.readFileSync(dumpPath(e));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** A save that could not be written, with redis-server's log line for it. */
export class DumpWriteError extends Error {}

/**
 * Writes the dump as rdbSave does: into temp-<pid>.rdb, synced, then renamed over the target, so a failed
 * save leaves the last good file. Sets what a successful save sets (LASTSAVE, the change counter).
 */
export function writeDump(e: Engine, rdb: Buffer, pid = process.pid): void {
  if (onDisk.has(e)) {
    const tmp = tempDumpPath(e, pid);
    try {
      const fd = fs.openSync(tmp, 'w');
      try {
        fs.writeSync(fd, rdb);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      throw new DumpWriteError(`Failed opening the temp RDB file ${path.basename(tmp)} (in server root dir ${dir(e)}) for saving: ${strerror(err)}`);
    }
    try {
      fs.renameSync(tmp, dumpPath(e));
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      throw new DumpWriteError(`Error moving temp DB file ${path.basename(tmp)} on the final destination ${path.basename(dumpPath(e))} (in server root dir ${dir(e)}): ${strerror(err)}`);
    }
  } else {
    inMemory.set(e, rdb);
  }
  e.lastSave = e.clock.now();
  e.ks.stats.dirty = 0;
  dumpStats(e).saves++;
}

/** The dataset as RDB bytes, taken a chunk a step (the caller's slices keep other nodes answering). */
export function* captureSteps(e: Engine, into: (rdb: Buffer) => void): Generator<void> {
  const chunks: Buffer[] = [];
  for (const chunk of engineRdbChunks(e, SAVE_CHUNK, replicationAux(e))) {
    chunks.push(chunk);
    yield;
  }
  into(Buffer.concat(chunks));
}

/** SAVE's work in steps; a write that fails throws DumpWriteError after logging it. */
export function* saveSteps(e: Engine): Generator<void> {
  let rdb: Buffer = Buffer.alloc(0);
  yield* captureSteps(e, (b) => (rdb = b));
  saveCaptured(e, rdb);
}

/** The whole save at once: for a server about to exit (SHUTDOWN), which has nothing else to serve. */
export function saveNow(e: Engine): void {
  saveCaptured(e, Buffer.concat([...engineRdbChunks(e, undefined, replicationAux(e))]));
}

/**
 * rdbPopulateSaveInfo: a primary with a backlog, or a replica with its primary's stream, writes its
 * replication ID and offset into the dump, so after a restart its replicas (or it) can continue with PSYNC.
 */
function replicationAux(e: Engine): ReplicationAux | undefined {
  const feed = e.feed;
  if (feed === null) return undefined;
  return { streamDb: feed.streamDb, id: replIdOf(e), offset: streamOffsetOf(e) };
}

function saveCaptured(e: Engine, rdb: Buffer): void {
  try {
    writeDump(e, rdb);
  } catch (err) {
    if (err instanceof DumpWriteError) e.notice(err.message, '#');
    throw err;
  }
  e.notice('DB saved on disk');
}

/** The words of the C library's strerror for an fs error, as redis-server's log lines carry them. */
export function strerror(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  const words: Record<string, string> = {
    ENOENT: 'No such file or directory',
    EACCES: 'Permission denied',
    EISDIR: 'Is a directory',
    ENOTDIR: 'Not a directory',
    ENOSPC: 'No space left on device',
    EROFS: 'Read-only file system',
    EEXIST: 'File exists',
    ENOTEMPTY: 'Directory not empty',
  };
  return (code !== undefined ? words[code] : undefined) ?? (err instanceof Error ? err.message : String(err));
}

/** The save points of the `save` parameter: [seconds, changes] pairs. */
export function savePoints(e: Engine): [number, number][] {
  const words = (e.config.get('save') ?? '').split(' ').filter((w) => w !== '');
  const points: [number, number][] = [];
  for (let i = 0; i + 1 < words.length; i += 2) points.push([Number(words[i]), Number(words[i + 1])]);
  return points;
}

export const MISCONF =
  "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.";

/** 7.0's writeCommandsDeniedByDiskError for RDB: the last BGSAVE failed, saves are configured and must succeed. */
export function writesDeniedByDiskError(e: Engine): boolean {
  const s = stats.get(e);
  return s !== undefined && !s.bgsaveOk && e.config.get('stop-writes-on-bgsave-error') === 'yes' && savePoints(e).length > 0;
}

/** Why the dump at start could not be loaded: the log lines redis-server writes before it exits. */
export class DumpLoadError extends Error {
  constructor(readonly lines: string[]) {
    super(lines.join('\n'));
  }
}

/**
 * The start's rdbLoad: the dump's keys (those whose TTL passed are counted, not loaded, as on a
 * primary), functions and aux fields. Nothing happens without a file; a file that cannot be read or
 * parsed throws DumpLoadError, and the server must not start. The server listens meanwhile, answering
 * -LOADING to what may not run during a load; key-load-delay (a test knob, microseconds a key) paces it.
 */
export async function loadDumpAtStart(e: Engine): Promise<{ aux: Map<string, Buffer>; expired: [number, string][] } | null> {
  let rdb: Buffer | undefined;
  try {
    rdb = readDump(e);
  } catch (err) {
    throw new DumpLoadError([`Fatal error loading the DB: ${strerror(err)}. Exiting.`]);
  }
  if (rdb === undefined) return null;
  const started = performance.now();
  const loading = { startedAt: started, totalBytes: rdb.length, loadedBytes: 0 };
  e.loading = loading;
  try {
    const aux = new Map<string, Buffer>();
    const entries: RdbEntry[] = [];
    const functions: string[] = [];
    try {
      await drainSliced(iterateRdb(rdb, { verifyChecksum: true }), (rec) => {
        if (rec.kind === 'entry') entries.push(rec.entry);
        else if (rec.kind === 'function') functions.push(rec.payload.toString('latin1'));
        else if (rec.kind === 'aux') aux.set(rec.key, rec.value);
      });
    } catch (err) {
      throw new DumpLoadError(loadFailure(err));
    }
    const version = aux.get('redis-ver')?.toString('latin1');
    if (version !== undefined) e.notice(`Loading RDB produced by version ${version}`);
    const ctime = Number(aux.get('ctime')?.toString('latin1'));
    if (Number.isFinite(ctime)) e.notice(`RDB age ${Math.max(0, Math.floor(Date.now() / 1000) - ctime)} seconds`);
    try {
      e.scripting.functions.restore(functions, 'append');
    } catch (err) {
      throw new DumpLoadError([`Failed loading library: ${err instanceof Error ? err.message : String(err)}`, 'Terminating server after rdb file reading failure.']);
    }
    let loaded = 0;
    let expired = 0;
    // The keys left out for their TTL: a primary sends their deletion to its replicas (RDBFLAGS_FEED_REPL).
    const gone: [number, string][] = [];
    const now = e.clock.now();
    for (const x of entries) if (x.expireAtMs !== undefined && x.expireAtMs <= now) gone.push([x.db, x.key.toString('latin1')]);
    const delayMs = Number(e.config.get('key-load-delay') ?? 0) / 1000;
    for (let i = 0; i < entries.length; ) {
      // Keys due by now at the configured pace (all of them without a delay), a slice's worth at most.
      const due = delayMs > 0 ? Math.min(entries.length, Math.floor((performance.now() - started) / delayMs)) : entries.length;
      const sliceEnd = performance.now() + SLICE_MS;
      while (i < due && performance.now() < sliceEnd) {
        const to = Math.min(due, i + LOAD_PIECE);
        const r = loadEntries(e, entries.slice(i, to));
        loaded += r.loaded;
        expired += r.expired;
        i = to;
      }
      loading.loadedBytes = Math.floor((rdb.length * i) / Math.max(1, entries.length));
      if (i < entries.length) await (due > i ? yieldToLoop() : new Promise((resolve) => setTimeout(resolve, 5)));
    }
    e.ks.stats.dirty = 0;
    const st = dumpStats(e);
    st.loadedKeys = loaded;
    st.expiredKeys = expired;
    e.notice(`Done loading RDB, keys loaded: ${loaded}, keys expired: ${expired}.`);
    e.notice(`DB loaded from disk: ${((performance.now() - started) / 1000).toFixed(3)} seconds`);
    return { aux, expired: gone };
  } finally {
    e.loading = null;
  }
}

/** Keys placed between two reads of the clock. */
const LOAD_PIECE = 64;

/** redis-server's words for a dump it cannot read, by what went wrong. */
function loadFailure(err: unknown): string[] {
  if (!(err instanceof RdbError)) return [`Internal error in RDB reading: ${String(err)}`, 'Terminating server after rdb file reading failure.'];
  switch (err.code) {
    case 'CHECKSUM': {
      const [, expected, got] = /file says (\w+), content is (\w+)/.exec(err.message) ?? ['', '?', '?'];
      return [`Wrong RDB checksum expected: (${expected}) got (${got}). Aborting now.`, `Internal error in RDB reading offset ${err.offset ?? 0}, function at rdb.c:0 -> RDB CRC error`, 'Terminating server after rdb file reading failure.'];
    }
    case 'TRUNCATED':
      return ['Short read or OOM loading DB. Unrecoverable error, aborting now.', 'Internal error in RDB reading offset 0, function at rdb.c:0 -> Unexpected EOF reading RDB file', 'Terminating server after rdb file reading failure.'];
    case 'VERSION':
      return [err.message.includes('magic') ? 'Wrong signature trying to load DB from file' : `Can't handle RDB format version: ${err.message}`, 'Fatal error loading the DB: Invalid argument. Exiting.'];
    default:
      return [`Internal error in RDB reading offset ${err.offset ?? 0}, function at rdb.c:0 -> ${err.message}`, 'Terminating server after rdb file reading failure.'];
  }
}
