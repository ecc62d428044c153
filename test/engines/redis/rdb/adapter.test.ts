// Our engine's keyspace through the RDB codec, against real redis-server both ways.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisServer, type RedisServerWithEngine } from '../../../../engines/redis/index.ts';
import { defaultAux, type RdbEntry } from '../../../../engines/redis/rdb/entries.ts';
import { writeRdbFile } from '../../../../engines/redis/rdb/files.ts';
import { dbSizes, loadEntries, snapshotEntries } from '../../../../engines/redis/rdb/keyspace-adapter.ts';
import { readRdb } from '../../../../engines/redis/rdb/reader.ts';
import { encodeRdb } from '../../../../engines/redis/rdb/writer.ts';
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
    const bytes = await writeRdbFile(path.join(dir, 'dump.rdb'), encodeRdb({ aux: defaultAux({ rdbVersion: writeVersion }) }, snapshot, { version: writeVersion, dbSizes: dbSizes(server.engine), chunkSize: 8192 }));
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
