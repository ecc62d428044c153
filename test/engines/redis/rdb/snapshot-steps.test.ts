// A live node's snapshot is written a few small keys per step, from the engine's latin1 text: the bytes
// are the ones the Buffer-based entries give, and a slice can stop every few keys (a 64 KB chunk of
// small keys used to be one step of 2.5-15 ms, so a 4 ms slice ran to 20).
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisServer, type RedisServerWithEngine } from '../../../../engines/redis/index.ts';
import { defaultAux } from '../../../../engines/redis/rdb/entries.ts';
import { dbSizes, snapshotEntrySteps, snapshotTextSteps } from '../../../../engines/redis/rdb/keyspace-adapter.ts';
import { readRdb } from '../../../../engines/redis/rdb/reader.ts';
import { encodeRdb } from '../../../../engines/redis/rdb/writer.ts';

const KEYS = 20_000;

/** Values that take every branch of a string's encoding: small ints of each width, non-canonical numbers, LZF, high bytes. */
const VALUES = ['0', '7', '-128', '300', '-32769', '2147483647', '-2147483648', '2147483648', '007', '-0', '-', '', '1.5', 'x'.repeat(40), 'ab'.repeat(15), '\u00ff\u00e9\u0000\u0080 bytes', 'value'];

describe('a live snapshot, step by step', () => {
  const servers: RedisServerWithEngine[] = [];
  afterAll(async () => {
    for (const s of servers) await s.close();
  });

  async function filled(): Promise<RedisServerWithEngine> {
    const s = createRedisServer({ port: 0 });
    servers.push(s);
    for (let from = 0; from < KEYS; from += 1000) {
      const mset = ['MSET'];
      for (let i = from; i < from + 1000; i++) mset.push(i % 5 === 0 ? `\u00e9key:${i}` : `key:${i}`, VALUES[i % VALUES.length] as string);
      await s.command(mset);
    }
    await s.command(['PEXPIREAT', 'key:1', '4102444800000']);
    await s.command(['RPUSH', 'list', 'a', '12', 'b'.repeat(30)]);
    await s.command(['HSET', 'hash', 'f', '1', 'g', 'x'.repeat(30)]);
    await s.command(['SELECT', '2']);
    return s;
  }

  it('writes from text the bytes the Buffer entries give, which read back as the same keys', async () => {
    const s = await filled();
    await s.command(['SET', '12345', '678']);
    const header = { aux: defaultAux({ redisVersion: '7.0.15', ctimeSec: 1 }) };
    const opts = { version: 10 as const, dbSizes: dbSizes(s.engine) };
    const fromText = Buffer.concat([...encodeRdb(header, snapshotTextSteps(s.engine), opts)]);
    const fromBuffers = Buffer.concat([...encodeRdb(header, snapshotEntrySteps(s.engine), opts)]);
    expect(fromText.equals(fromBuffers)).toBe(true);
    const file = readRdb(fromText);
    expect(file.entries.length).toBe(KEYS + 3);
    // command() sends its arguments as UTF-8: the engine holds (and the file has) those bytes, high ones included.
    const high = file.entries.find((e) => e.key.equals(Buffer.from('\u00e9key:15')));
    expect(high?.value).toEqual({ type: 'string', value: Buffer.from(VALUES[15] as string) });
  });

  it('gives a step point at least every 16 small keys', async () => {
    const s = await filled();
    let steps = 0;
    for (const chunk of encodeRdb({ aux: defaultAux() }, snapshotTextSteps(s.engine), { version: 10 })) {
      void chunk;
      steps++;
    }
    expect(steps).toBeGreaterThanOrEqual(KEYS / 16);
  });
});
