// KEYS and ARGV strings a script was given before are handed to later runs as the same Lua string
// (lua.ts keeps short ones between runs): each run must still see exactly its own bytes, as a table
// key, through redis.call and back, across more distinct values than that cache holds. Compared with
// redis-server 7.0 through ioredis.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realRedisAvailable } from './helpers.ts';
import { serverPair } from './server-pair.ts';

const available = realRedisAvailable();

// Writes ARGV[1] under KEYS[1], reads it back, and uses both as table keys whose values are their lengths.
const SCRIPT = `
local t = {}
t[KEYS[1]] = #KEYS[1]
t[ARGV[1]] = (t[ARGV[1]] or 0) + #ARGV[1]
redis.call('SET', KEYS[1], ARGV[1])
local got = redis.call('GET', KEYS[1])
return {KEYS[1], got, t[KEYS[1]], t[ARGV[1]], tostring(KEYS[1] == ARGV[1]), string.byte(ARGV[1], -1)}`;

/** Short values of every byte, lengths around the cache's limit (64), and repeats of earlier ones. */
function values(n: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const len = 1 + ((i * 7) % 70);
    const b = Buffer.alloc(len);
    for (let j = 0; j < len; j++) b[j] = (i * 31 + j * 17) & 255;
    out.push(b);
  }
  return out;
}

describe.skipIf(!available)('KEYS and ARGV strings shared between script runs', () => {
  const pair = serverPair();
  let a: Redis;
  let b: Redis;

  beforeAll(() => {
    a = new Redis(pair.ours.port, '127.0.0.1');
    b = new Redis(pair.real.port, '127.0.0.1');
  });

  afterAll(() => {
    a?.disconnect();
    b?.disconnect();
  });

  it('each run sees its own bytes, over more values than are kept, and again after they were dropped', async () => {
    const vals = values(1500);
    const run = async (r: Redis): Promise<string[]> => {
      const sha = (await r.script('LOAD', SCRIPT)) as string;
      const p = r.pipeline();
      // Each value as a key with the next as its argument, then the first 300 again once the cache started over.
      const order = [...vals.keys(), ...vals.keys()].slice(0, vals.length + 300);
      for (const i of order) p.callBuffer('EVALSHA', sha, '1', vals[i] as Buffer, vals[(i + 1) % vals.length] as Buffer);
      // The same string as key and argument: one Lua string for both.
      p.callBuffer('EVALSHA', sha, '1', vals[5] as Buffer, vals[5] as Buffer);
      const res = (await p.exec()) ?? [];
      return res.map(([err, v]) => (err ? `error: ${err.message}` : JSON.stringify(v)));
    };
    const [ours, real] = await Promise.all([run(a), run(b)]);
    expect(ours.length).toBe(1801);
    const differing = ours.map((o, i) => [i, o, real[i]] as const).filter(([, o, r]) => o !== r);
    expect(differing.slice(0, 5)).toEqual([]);
  });
});
