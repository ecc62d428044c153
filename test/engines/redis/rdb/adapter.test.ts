// Our engine's keyspace through the RDB codec, against real redis-server both ways.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisServer, type RedisServerWithEngine } from '../../../../engines/redis/index.ts';
import { defaultAux, type RdbEntry } from '../../../../engines/redis/rdb/entries.ts';
import { writeRdbFile } from '../../../../engines/redis/rdb/files.ts';
import { dbSizes, loadEntries, loadSnapshot, saveSnapshot, snapshotEntries, thresholdsOf } from '../../../../engines/redis/rdb/keyspace-adapter.ts';
import { iterateRdb, readRdb } from '../../../../engines/redis/rdb/reader.ts';
import { T as RDB_TYPE } from '../../../../engines/redis/rdb/format.ts';
import { encodeRdb, writeRdb } from '../../../../engines/redis/rdb/writer.ts';
import { canonEntries, sampleEntries } from './fixtures.ts';
import { fillThroughCommands, haveRealRedis, maxRdbVersionFor, readThroughCommands, realRedisVersion, startRealRedis, type RealRedisProc } from './redis-io.ts';

const available = haveRealRedis();

function streamEntriesOnly(entries: RdbEntry[]): RdbEntry[] {
  return entries.map((e) => (e.value.type === 'stream' ? { ...e, value: { type: 'stream', entries: e.value.entries, lastId: { ms: 0n, seq: 0n }, groups: [] } } : e));
}
const maxVersion = available ? maxRdbVersionFor(realRedisVersion()) : 0;
const writeVersion = maxVersion >= 11 ? 11 : 10;

describe.skipIf(!available)('engine keyspace <-> RDB <-> real redis-server', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterAll(async () => {
    for (const f of cleanup.reverse()) await f();
  });
  const tmp = (): string => {
    const d = mkdtempSync(path.join(tmpdir(), 'rdb-adapter-'));
    cleanup.push(() => rmSync(d, { recursive: true, force: true }));
    return d;
  };
  const ours = async (): Promise<{ server: RedisServerWithEngine; client: Redis }> => {
    const server = createRedisServer({ port: 0 });
    const port = await server.listen();
    const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
    await client.connect();
    cleanup.push(async () => {
      client.disconnect();
      await server.close();
    });
    return { server, client };
  };
  const real = async (dir: string, extra: string[] = []): Promise<Redis> => {
    const p: RealRedisProc = await startRealRedis(dir, extra);
    const client = new Redis({ path: p.socket, lazyConnect: true, maxRetriesPerRequest: 0 });
    await client.connect();
    cleanup.push(async () => {
      client.disconnect();
      await p.stop();
    });
    return client;
  };

  it('snapshots our engine into an RDB that real Redis loads with the same data', async () => {
    const entries = sampleEntries();
    const { server, client } = await ours();
    await fillThroughCommands(client, entries);
    const dir = tmp();
    // Materialised first, as a non-blocking save would, then streamed to disk in chunks.
    const snapshot = [...snapshotEntries(server.engine)];
    const bytes = await writeRdbFile(path.join(dir, 'dump.rdb'), encodeRdb({ aux: defaultAux({ rdbVersion: writeVersion }) }, snapshot, { version: writeVersion, dbSizes: dbSizes(server.engine), thresholds: thresholdsOf(server.engine), chunkSize: 8192 }));
    expect(readdirSync(dir)).toEqual(['dump.rdb']);
    expect(bytes).toBeGreaterThan(10_000);
    const r = await real(dir, ['--sanitize-dump-payload', 'yes']);
    const seenReal = await readThroughCommands(r);
    // What Redis serves is exactly what our keyspace held, stream metadata and consumer times included.
    const snap = [...snapshotEntries(server.engine)];
    expect(snap.length).toBe(entries.length);
    expect(canonEntries(seenReal, { consumerTimes: 'seen' })).toEqual(canonEntries(snap, { consumerTimes: 'seen' }));
    // And, stream metadata aside (set through XSETID/XGROUP options whose support is the engine's
    // business), it is what the client wrote.
    expect(canonEntries(streamEntriesOnly(seenReal))).toEqual(canonEntries(streamEntriesOnly(entries)));
  });

  it("loads real Redis's dump.rdb into our engine with the same data", async () => {
    const entries = sampleEntries();
    const dir = tmp();
    const r = await real(dir);
    await fillThroughCommands(r, entries);
    expect(await r.call('SAVE')).toBe('OK');
    const file = readRdb(readFileSync(path.join(dir, 'dump.rdb')));
    const { server, client } = await ours();
    const res = loadEntries(server.engine, file.entries);
    expect(res).toEqual({ loaded: entries.length, expired: 0 });
    const times = maxVersion >= 11 ? 'all' : 'seen';
    expect(canonEntries([...snapshotEntries(server.engine)], { consumerTimes: times })).toEqual(canonEntries(file.entries, { consumerTimes: times }));
    expect(canonEntries(await readThroughCommands(client, { streams: 'entries' }))).toEqual(canonEntries(streamEntriesOnly(entries)));
  });
});

describe('keyspace adapter', () => {
  it('follows the engine config, skips expired keys, and keeps LFU counters', async () => {
    const server = createRedisServer({ port: 0, maxmemoryPolicy: 'allkeys-lfu' });
    const port = await server.listen();
    const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
    await client.connect();
    try {
      const now = Date.now();
      const res = loadEntries(server.engine, [
        { db: 0, key: Buffer.from('h'), value: { type: 'hash', fields: [1, 2, 3, 4, 5].map((i): [Buffer, Buffer] => [Buffer.from(`f${i}`), Buffer.from('v')]) } },
        { db: 0, key: Buffer.from('gone'), value: { type: 'string', value: Buffer.from('x') }, expireAtMs: now - 1 },
        { db: 2, key: Buffer.from('hot'), value: { type: 'string', value: Buffer.from('x') }, lfu: 99, expireAtMs: now + 100_000 },
      ]);
      expect(res).toEqual({ loaded: 2, expired: 1 });
      expect(() => loadEntries(server.engine, [{ db: 16, key: Buffer.from('k'), value: { type: 'string', value: Buffer.from('v') } }])).toThrow(/out of range/);
      await client.select(2);
      expect(Number(await client.call('OBJECT', ['FREQ', 'hot']))).toBe(99);
      expect(await client.pexpiretime('hot')).toBe(now + 100_000);

      await client.call('CONFIG', ['SET', 'hash-max-listpack-entries', '4']);
      expect(thresholdsOf(server.engine).hashMaxListpackEntries).toBe(4);
      const snap = [...snapshotEntries(server.engine)];
      // A fresh key's counter starts near LFU_INIT_VAL (5) and may have been bumped by the store itself.
      expect(snap.map((e) => [e.db, e.key.toString(), e.key.toString() === 'h' ? (e.lfu ?? 0) >= 5 : e.lfu, e.expireAtMs])).toEqual([
        [0, 'h', true, undefined],
        [2, 'hot', 99, now + 100_000],
      ]);
      const types = new Map<string, number>();
      for (const rec of iterateRdb(writeRdb({ version: 10, aux: new Map(), entries: snap }, { thresholds: thresholdsOf(server.engine) }))) if (rec.kind === 'entry') types.set(rec.entry.key.toString(), rec.rdbType);
      // Lowering a limit converts nothing: the 5-field listpack is saved as one, as redis-server saves it.
      expect(types.get('h')).toBe(RDB_TYPE.HASH_LISTPACK);
    } finally {
      client.disconnect();
      await server.close();
    }
  });
});

describe('saveSnapshot / loadSnapshot', () => {
  it('moves a whole keyspace between two engines through a file, replacing what was there', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rdb-save-'));
    const a = createRedisServer({ port: 0 });
    const b = createRedisServer({ port: 0 });
    try {
      const entries = sampleEntries();
      expect(loadEntries(a.engine, entries).loaded).toBe(entries.length);
      const file = path.join(dir, 'dump.rdb');
      const saved = await saveSnapshot(a.engine, file, { version: 10 });
      expect(saved.keys).toBe(entries.length);
      loadEntries(b.engine, [{ db: 5, key: Buffer.from('stale'), value: { type: 'string', value: Buffer.from('x') } }]);
      const res = await loadSnapshot(b.engine, file);
      expect(res.loaded).toBe(entries.length);
      expect(canonEntries([...snapshotEntries(b.engine)], { consumerTimes: 'seen' })).toEqual(canonEntries(entries, { consumerTimes: 'seen' }));
      // A damaged file is rejected before anything is replaced.
      const bytes = readFileSync(file);
      writeFileSync(file, bytes.subarray(0, bytes.length - 100));
      await expect(loadSnapshot(b.engine, file)).rejects.toThrow(/TRUNCATED|ended/);
      expect([...snapshotEntries(b.engine)].length).toBe(entries.length);
    } finally {
      await a.close();
      await b.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
