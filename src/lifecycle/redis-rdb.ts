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

/**
 * Replaces the node's whole dataset with the files' keys (all shards of a backup, or one file), keeping
 * only the keys `keep` accepts: how a backup is re-partitioned over a new shard layout. Every file is
 * parsed before anything is flushed, so a damaged backup leaves the node as it was.
 */
export function loadRdb(server: RedisServerWithEngine, rdbs: Buffer[], keep?: (key: string) => boolean): void {
  const files = rdbs.map((rdb) => readRdb(rdb));
  for (let db = 0; db < DB_COUNT; db++) server.engine.ks.db(db).flush();
  for (const file of files) {
    loadEntries(server.engine, keep ? file.entries.filter((e) => keep(e.key.toString('latin1'))) : file.entries);
  }
}
