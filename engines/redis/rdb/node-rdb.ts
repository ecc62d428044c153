// A node's whole dataset as an RDB file and back: snapshots, restores, saved data across a clean stop.
import type { RedisServerWithEngine } from '../index.ts';
import type { Engine } from '../engine.ts';
import { DB_COUNT } from '../db/keyspace.ts';
import { defaultAux } from './entries.ts';
import { dbSizes, loadEntries, rdbWriteOptionsOf, snapshotTextSteps } from './keyspace-adapter.ts';
import { Crc64 } from './crc64.ts';
import type { RdbEntry } from './entries.ts';
import { RdbError } from './errors.ts';
import { iterateRdb, readRdb } from './reader.ts';
import { encodeRdb } from './writer.ts';
import { BACKGROUND_SLICE_MS, drainSliced, rangeSliced } from '../../slices.ts';

/**
 * Version 10 is what Redis 7.0 reads and writes; ElastiCache's own exports load in every Redis from 7.0 on,
 * and so must ours (Debian's redis-server is 7.0).
 */
export const SNAPSHOT_RDB_VERSION = 10;

/** What a full sync's RDB tells its replica, as 7.0's rdbSaveInfo: the stream's database, replication ID and offset. */
export interface ReplicationAux {
  streamDb: number;
  id: string;
  offset: number;
}

/** What an RDB holds: a replica's REPLCONF rdb-filter-only (redis-cli --functions-rdb) asks for functions alone. */
export interface RdbParts {
  data: boolean;
  functions: boolean;
}

const ALL_PARTS: RdbParts = { data: true, functions: true };

/** The engine's dataset as RDB chunks of about `chunkSize` bytes, written as the caller pulls them. */
export function engineRdbChunks(engine: Engine, chunkSize?: number, repl?: ReplicationAux, parts: RdbParts = ALL_PARTS): Generator<Buffer, void, undefined> {
  let aux = defaultAux({ redisVersion: engine.version });
  if (repl !== undefined) {
    // In 7.0's order, before aof-base; a replica selects repl-stream-db for the stream that follows.
    const fields: [string, Buffer][] = [['repl-stream-db', Buffer.from(String(repl.streamDb))], ['repl-id', Buffer.from(repl.id)], ['repl-offset', Buffer.from(String(repl.offset))]];
    aux = new Map([...[...aux].filter(([k]) => k !== 'aof-base'), ...fields, ...[...aux].filter(([k]) => k === 'aof-base')]);
  }
  // Function libraries go in as RDB function records (opcode 245), as redis-server 7.0 writes them.
  const header = { aux, functions: parts.functions ? engine.scripting.functions.codes().map((c) => Buffer.from(c, 'latin1')) : [] };
  // The configured thresholds lay out what the engine keeps no layout for (a stream loaded from a file), as DUMP does.
  const entries = parts.data ? snapshotTextSteps(engine) : [][Symbol.iterator]();
  return encodeRdb(header, entries, { version: SNAPSHOT_RDB_VERSION, dbSizes: parts.data ? dbSizes(engine) : new Map(), chunkSize, ...rdbWriteOptionsOf(engine) });
}

const rdbChunks = (server: RedisServerWithEngine): Generator<Buffer, void, undefined> => engineRdbChunks(server.engine);

/** A point-in-time dump in one turn: for a node about to go away (final snapshots, a clean stop). */
export function dumpRdb(server: RedisServerWithEngine): Buffer {
  return Buffer.concat([...rdbChunks(server)]);
}

/**
 * The dump a live node takes while it keeps serving: written in slices, so other nodes and the API are
 * served between them. Unlike redis-server's forked child it is not one instant: a key written during the
 * dump is saved with the value it had when its slice ran.
 */
export async function dumpRdbSliced(server: RedisServerWithEngine): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await drainSliced(
    rdbChunks(server),
    (b) => {
      if (b.length > 0) chunks.push(b);
    },
    BACKGROUND_SLICE_MS,
  );
  return concatSliced(chunks);
}

/** Chunks copied per piece of concatSliced: 256 KB, a fraction of a millisecond. */
const CONCAT_PIECE = 4;

/** Buffer.concat in slices: one copy of a 27 MB dump held the loop 24-66 ms at its end (load 18, page faults of the new buffer included). */
async function concatSliced(chunks: Buffer[]): Promise<Buffer> {
  let total = 0;
  for (const c of chunks) total += c.length;
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  await rangeSliced(
    chunks.length,
    CONCAT_PIECE,
    (from, to) => {
      for (let i = from; i < to; i++) at += (chunks[i] as Buffer).copy(out, at);
    },
    BACKGROUND_SLICE_MS,
  );
  return out;
}

/** CRC64 pieces per slice: about a millisecond each. */
const CRC_PIECE = 1 << 20;

/** Parses one file in slices (the checksum too); throws as readRdb does on damage. */
async function readEntriesSliced(rdb: Buffer, functions: string[]): Promise<RdbEntry[]> {
  const entries: RdbEntry[] = [];
  let version = 0;
  let checksum = 0n;
  let checked = 0;
  await drainSliced(iterateRdb(rdb, { verifyChecksum: false }), (rec) => {
    if (rec.kind === 'header') version = rec.version;
    else if (rec.kind === 'entry') entries.push(rec.entry);
    else if (rec.kind === 'function') functions.push(rec.payload.toString('latin1'));
    else if (rec.kind === 'eof') {
      checksum = rec.checksum ?? 0n;
      checked = rdb.length - 8;
    }
  });
  if (version >= 5 && checksum !== 0n) {
    const crc = new Crc64();
    await rangeSliced(checked, CRC_PIECE, (from, to) => crc.update(rdb.subarray(from, to)));
    if (crc.value !== checksum) throw new RdbError('CHECKSUM', `CRC64 mismatch: file says ${checksum.toString(16)}, content is ${crc.value.toString(16)}`, checked);
  }
  return entries;
}

/** Keys loaded per piece of a sliced load. */
const LOAD_PIECE = 256;

/** loadRdb in slices: the node's clients see the keys arrive, other nodes and the API keep answering. */
export async function loadRdbSliced(server: RedisServerWithEngine, rdbs: Buffer[], keep?: (key: string) => boolean): Promise<void> {
  const files: RdbEntry[][] = [];
  const functions: string[] = [];
  for (const rdb of rdbs) files.push(await readEntriesSliced(rdb, functions));
  for (let db = 0; db < DB_COUNT; db++) server.engine.ks.db(db).flush();
  server.engine.scripting.functions.restore([...new Set(functions)], 'flush');
  for (const entries of files) {
    const wanted = keep ? entries.filter((e) => keep(e.key.toString('latin1'))) : entries;
    await rangeSliced(wanted.length, LOAD_PIECE, (from, to) => loadEntries(server.engine, wanted.slice(from, to)));
  }
}

/**
 * Replaces the node's whole dataset with the files' keys (all shards of a backup, or one file), keeping
 * only the keys `keep` accepts: how a backup is re-partitioned over a new shard layout. Every file is
 * parsed before anything is flushed, so a damaged backup leaves the node as it was.
 */
export function loadRdb(server: RedisServerWithEngine, rdbs: Buffer[], keep?: (key: string) => boolean): void {
  const files = rdbs.map((rdb) => readRdb(rdb));
  for (let db = 0; db < DB_COUNT; db++) server.engine.ks.db(db).flush();
  server.engine.scripting.functions.restore([...new Set(files.flatMap((f) => (f.functions ?? []).map((b) => b.toString('latin1'))))], 'flush');
  for (const file of files) {
    loadEntries(server.engine, keep ? file.entries.filter((e) => keep(e.key.toString('latin1'))) : file.entries);
  }
}
