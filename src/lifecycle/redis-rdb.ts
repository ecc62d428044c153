import type { RedisServerWithEngine } from '../../engines/redis/index.ts';
import { DB_COUNT } from '../../engines/redis/db/keyspace.ts';
import { defaultAux } from '../../engines/redis/rdb/entries.ts';
import { dbSizes, loadEntries, snapshotEntries } from '../../engines/redis/rdb/keyspace-adapter.ts';
import { readRdb } from '../../engines/redis/rdb/reader.ts';
import { encodeRdb } from '../../engines/redis/rdb/writer.ts';

/**
 * Version 10 is what Redis 7.0 reads and writes; ElastiCache's own exports load in every Redis from 7.0 on,
 * and so must ours (Debian's redis-server is 7.0).
 */
export const SNAPSHOT_RDB_VERSION = 10;

export function dumpRdb(server: RedisServerWithEngine): Buffer {
  const engine = server.engine;
  const header = { aux: defaultAux({ redisVersion: engine.version }) };
  return Buffer.concat([...encodeRdb(header, snapshotEntries(engine), { version: SNAPSHOT_RDB_VERSION, dbSizes: dbSizes(engine) })]);
}

/** Replaces the node's whole dataset with the file's, as loading a backup into a new node does. */
export function loadRdb(server: RedisServerWithEngine, rdb: Buffer): void {
  const file = readRdb(rdb);
  for (let db = 0; db < DB_COUNT; db++) server.engine.ks.db(db).flush();
  loadEntries(server.engine, file.entries);
}
