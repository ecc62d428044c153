// Differential proof against the real redis-server: its dump.rdb through our reader, and our
// writer's files through its loader, compared by what clients see.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultAux } from '../../../../engines/redis/rdb/entries.ts';
import { T } from '../../../../engines/redis/rdb/format.ts';
import { decodeDump, encodeDump } from '../../../../engines/redis/rdb/dump.ts';
import { iterateRdb, readRdb } from '../../../../engines/redis/rdb/reader.ts';
import { writeRdb } from '../../../../engines/redis/rdb/writer.ts';
import { canonEntries, randomEntries, sampleEntries, thresholdEntries } from './fixtures.ts';
import { fillThroughCommands, haveRealRedis, maxRdbVersionFor, readThroughCommands, realRedisVersion, startRealRedis, type RealRedisProc } from './redis-io.ts';

const available = haveRealRedis();
const redisVersion = available ? realRedisVersion() : '0.0.0';
const maxVersion = maxRdbVersionFor(redisVersion);

function typesByKey(buf: Buffer): Map<string, number> {
  const out = new Map<string, number>();
  for (const rec of iterateRdb(buf)) if (rec.kind === 'entry') out.set(rec.entry.key.toString('latin1'), rec.rdbType);
  return out;
}

describe.skipIf(!available)(`RDB against real redis-server ${redisVersion} (reads RDB <= ${maxVersion})`, () => {
  const dirs: string[] = [];
  const procs: RealRedisProc[] = [];
  const clients: Redis[] = [];
  const tmp = (): string => {
    const d = mkdtempSync(path.join(tmpdir(), 'rdb-test-'));
    dirs.push(d);
    return d;
  };
  const start = async (dir: string, extra: string[] = []): Promise<Redis> => {
    const p = await startRealRedis(dir, extra);
    procs.push(p);
    const r = new Redis({ path: p.socket, lazyConnect: true, maxRetriesPerRequest: 0 });
    await r.connect();
    clients.push(r);
    return r;
  };

  afterAll(async () => {
    for (const c of clients) c.disconnect();
    for (const p of procs) await p.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  describe('reading the dump.rdb real Redis saves', () => {
    let dump: Buffer;
    let seen: Awaited<ReturnType<typeof readThroughCommands>>;
    const now = Date.now();
    const written = sampleEntries({ now });

    beforeAll(async () => {
      const dir = tmp();
      const r = await start(dir);
      await fillThroughCommands(r, written);
      seen = await readThroughCommands(r);
      expect(await r.call('SAVE')).toBe('OK');
      dump = readFileSync(path.join(dir, 'dump.rdb'));
    });

    it('holds every key, value and TTL that was written', () => {
      const file = readRdb(dump);
      expect(file.version).toBe(maxVersion);
      expect(file.aux.get('redis-ver')?.toString()).toBe(redisVersion);
      // Consumer seen-times come from the server clock, so they are checked against its own view.
      expect(canonEntries(file.entries, { consumerTimes: 'none' })).toEqual(canonEntries(written, { consumerTimes: 'none' }));
      expect(canonEntries(file.entries, { consumerTimes: maxVersion >= 11 ? 'all' : 'seen' })).toEqual(canonEntries(seen, { consumerTimes: maxVersion >= 11 ? 'all' : 'seen' }));
    });

    it('covered the compact and plain encodings', () => {
      const types = new Set<number>();
      for (const rec of iterateRdb(dump)) if (rec.kind === 'entry') types.add(rec.rdbType);
      const expected: number[] = [T.STRING, T.LIST_QUICKLIST_2, T.HASH_LISTPACK, T.HASH, T.SET_INTSET, T.SET, T.ZSET_LISTPACK, T.ZSET_2];
      expected.push(maxVersion >= 11 ? T.STREAM_LISTPACKS_3 : T.STREAM_LISTPACKS_2);
      if (maxVersion >= 11) expected.push(T.SET_LISTPACK);
      expect([...types].sort((a, b) => a - b)).toEqual(expected.sort((a, b) => a - b));
      // Long repetitive strings were LZF-compressed by Redis, so the decompressor was exercised.
      expect(dump.includes(Buffer.from('abcabc'.repeat(50)))).toBe(false);
    });
  });

  it('chooses the same encoding as real Redis on both sides of every threshold', async () => {
    const entries = thresholdEntries();
    const dir = tmp();
    const r = await start(dir);
    await fillThroughCommands(r, entries);
    expect(await r.call('SAVE')).toBe('OK');
    const dump = readFileSync(path.join(dir, 'dump.rdb'));
    expect(canonEntries(readRdb(dump).entries)).toEqual(canonEntries(entries));
    const theirs = typesByKey(dump);
    const ours = typesByKey(writeRdb({ version: maxVersion >= 11 ? 11 : 10, aux: new Map(), entries }));
    expect(Object.fromEntries(ours)).toEqual(Object.fromEntries(theirs));
  });

  it('agrees with real Redis on a random keyspace, both ways', async () => {
    const entries = randomEntries(7, 150);
    const dir = tmp();
    const r = await start(dir);
    await fillThroughCommands(r, entries);
    expect(await r.call('SAVE')).toBe('OK');
    expect(canonEntries(readRdb(readFileSync(path.join(dir, 'dump.rdb'))).entries)).toEqual(canonEntries(entries));
    const dir2 = tmp();
    writeFileSync(path.join(dir2, 'dump.rdb'), writeRdb({ version: maxVersion >= 11 ? 11 : 10, aux: defaultAux(), entries }));
    const r2 = await start(dir2, ['--sanitize-dump-payload', 'yes']);
    expect(canonEntries(await readThroughCommands(r2))).toEqual(canonEntries(entries));
  });

  it('decodes DUMP payloads from real Redis and RESTOREs ours into it', async () => {
    const entries = sampleEntries().filter((e) => e.db === 0 || e.db === 2 || e.db === 3);
    const dir = tmp();
    const r = await start(dir);
    await fillThroughCommands(r, entries);
    const version = Math.min(maxVersion, 11) as 10 | 11;
    for (const e of entries) {
      await r.select(e.db);
      const payload = await r.callBuffer('DUMP', [e.key]);
      if (!Buffer.isBuffer(payload)) throw new Error('DUMP returned no payload');
      const got = decodeDump(payload);
      expect(got.version).toBe(maxVersion);
      const times = { consumerTimes: 'none' } as const;
      expect(canonEntries([{ ...e, value: got.value, expireAtMs: undefined }], times)).toEqual(canonEntries([{ ...e, expireAtMs: undefined }], times));
      await r.call('RESTORE', [Buffer.concat([e.key, Buffer.from(':restored')]), 0, encodeDump(e.value, { version })]);
    }
    await r.select(0);
    const seen = await readThroughCommands(r);
    const restored = seen.filter((e) => e.key.toString('latin1').endsWith(':restored')).map((e) => ({ ...e, key: e.key.subarray(0, e.key.length - 9) }));
    const times = { consumerTimes: 'seen', withTtl: false } as const;
    expect(canonEntries(restored, times)).toEqual(canonEntries(entries, times));
  });

  it('reads dumps saved with rdbcompression and rdbchecksum off (zero CRC trailer)', async () => {
    const dir = tmp();
    const r = await start(dir, ['--rdbcompression', 'no', '--rdbchecksum', 'no']);
    const written = sampleEntries().filter((e) => e.value.type !== 'stream');
    await fillThroughCommands(r, written);
    expect(await r.call('SAVE')).toBe('OK');
    const dump = readFileSync(path.join(dir, 'dump.rdb'));
    expect(dump.readBigUInt64LE(dump.length - 8)).toBe(0n);
    expect(canonEntries(readRdb(dump).entries)).toEqual(canonEntries(written));
  });

  for (const version of [9, 10, 11]) {
    it.skipIf(version > maxVersion)(`loads our RDB version ${version} with every key, value and TTL (sanitize-dump-payload yes)`, async () => {
      const now = Date.now();
      const entries = sampleEntries({ now });
      const dir = tmp();
      writeFileSync(path.join(dir, 'dump.rdb'), writeRdb({ version, aux: defaultAux({ redisVersion: redisVersion }), entries }));
      // Deep sanitisation makes Redis validate every listpack/ziplist/intset and stream invariant on load.
      const r = await start(dir, ['--sanitize-dump-payload', 'yes']);
      const seen = await readThroughCommands(r);
      const times = version >= 11 && maxVersion >= 11 ? 'all' : 'seen';
      const strip = version >= 10 ? (x: typeof entries): typeof entries => x : (x: typeof entries): typeof entries => x.map((e) => (e.value.type === 'stream' ? { ...e, value: { ...e.value, firstId: undefined, maxDeletedId: undefined, entriesAdded: undefined, groups: e.value.groups.map((g) => ({ ...g, entriesRead: -1n })) } } : e));
      expect(canonEntries(strip(seen), { consumerTimes: times })).toEqual(canonEntries(strip(entries), { consumerTimes: times }));
      // And what Redis saves from it reads back the same.
      expect(await r.call('SAVE')).toBe('OK');
      const again = readRdb(readFileSync(path.join(dir, 'dump.rdb')));
      expect(canonEntries(strip(again.entries), { consumerTimes: times })).toEqual(canonEntries(strip(entries), { consumerTimes: times }));
    });
  }

  it('round-trips functions, LRU/LFU metadata and streams with deleted entries through real Redis', async () => {
    const lib = "#!lua name=rdblib\nredis.register_function('rdbfn', function(keys, args) return 42 end)";
    const dir = tmp();
    const r = await start(dir, ['--maxmemory-policy', 'allkeys-lfu']);
    await r.call('FUNCTION', ['LOAD', lib]);
    for (let i = 1; i <= 6; i++) await r.call('XADD', ['st', `${i}-0`, 'f', String(i)]);
    await r.call('XDEL', ['st', '2-0', '5-0']);
    await r.call('SET', ['hot', 'x']);
    for (let i = 0; i < 50; i++) await r.call('GET', ['hot']);
    const freq = Number(await r.call('OBJECT', ['FREQ', 'hot']));
    expect(await r.call('SAVE')).toBe('OK');
    const file = readRdb(readFileSync(path.join(dir, 'dump.rdb')));
    expect(file.functions?.map((f) => f.toString())).toEqual([lib]);
    const hot = file.entries.find((e) => e.key.toString() === 'hot');
    expect(hot?.lfu).toBe(freq);
    expect(freq).toBeGreaterThan(5);
    const st = file.entries.find((e) => e.key.toString() === 'st')?.value;
    expect(st?.type).toBe('stream');
    if (st?.type !== 'stream') return;
    expect(st.entries.map((e) => String(e.id.ms))).toEqual(['1', '3', '4', '6']);
    if (maxVersion >= 10) expect([st.maxDeletedId?.ms, st.entriesAdded]).toEqual([5n, 6n]);

    // Our file with the same function, an idle time and a counter loads into a fresh server.
    const version = Math.min(maxVersion, 11) as 10 | 11;
    const dir2 = tmp();
    writeFileSync(
      path.join(dir2, 'dump.rdb'),
      writeRdb({
        version,
        aux: defaultAux({ redisVersion }),
        functions: file.functions,
        entries: [
          { db: 0, key: Buffer.from('idle'), value: { type: 'string', value: Buffer.from('v') }, lru: 5000 },
          { db: 0, key: Buffer.from('st'), value: st },
        ],
      }),
    );
    const r2 = await start(dir2, ['--maxmemory-policy', 'allkeys-lru', '--sanitize-dump-payload', 'yes']);
    expect(await r2.call('FCALL', ['rdbfn', 0])).toBe(42);
    expect(Number(await r2.call('OBJECT', ['IDLETIME', 'idle']))).toBeGreaterThanOrEqual(5000);
    expect(await r2.call('XLEN', ['st'])).toBe(4);
    const lfuDir = tmp();
    writeFileSync(path.join(lfuDir, 'dump.rdb'), writeRdb({ version, aux: defaultAux({ redisVersion }), entries: [{ db: 0, key: Buffer.from('hot'), value: { type: 'string', value: Buffer.from('v') }, lfu: 77 }] }));
    const r3 = await start(lfuDir, ['--maxmemory-policy', 'allkeys-lfu']);
    expect(Number(await r3.call('OBJECT', ['FREQ', 'hot']))).toBe(77);
  });

  it.skipIf(maxVersion >= 11)('is refused by this Redis at a version it does not know, which is why version 10 exists', async () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'dump.rdb'), writeRdb({ version: 11, aux: defaultAux(), entries: sampleEntries().slice(0, 3) }));
    await expect(startRealRedis(dir)).rejects.toThrow(/RDB format version 11/);
  });
});
