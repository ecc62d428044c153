// DEBUG DIGEST / DIGEST-VALUE: Redis's SHA1-based fingerprint of a dataset or of values, computed the
// way redis-server 7.0 computes it, so the same data gives the same 40 hex digits on both servers (the
// tcl suite and replication checks compare them). Unordered collections XOR the hashes of their
// elements; ordered ones feed the running digest back into SHA1 at each element.
// The walks are generators yielding once per element, so a caller can run them in slices.
import { createHash, hash } from 'node:crypto';
import type { Database } from './db/keyspace.ts';
import type { RObj } from './db/objects.ts';
import { readAll } from './commands/zset-score-reads.ts';
import { formatDouble } from './resp/writer.ts';
import { sha1Into } from './sha1-short.ts';

const sha1 = (data: Uint8Array): Buffer => hash('sha1', data, 'buffer') as unknown as Buffer;
const bytes = (s: string): Buffer => Buffer.from(s, 'latin1');

/** Below this many bytes sha1-short.ts beats the native call, whose fixed cost dominates a short input. */
const SHORT = 512;
const scratch = new Uint8Array(20);

/** digest ^= SHA1(data): order-independent accumulation. A string is latin1, one byte a char. */
function xorInto(digest: Uint8Array, data: Uint8Array | string): void {
  if (data.length < SHORT) {
    sha1Into(data, scratch);
    xorHash(digest, scratch);
  } else xorHash(digest, sha1(typeof data === 'string' ? bytes(data) : data));
}

function xorHash(digest: Uint8Array, h: Uint8Array): void {
  for (let i = 0; i < 20; i++) (digest[i] as number) ^= h[i] as number;
}

/** digest = SHA1(digest ^ SHA1(data)): order-dependent accumulation. */
function mixInto(digest: Uint8Array, data: Uint8Array | string): void {
  xorInto(digest, data);
  sha1Into(digest, scratch);
  digest.set(scratch);
}

/** Bytes of a string hashed per step: SHA1 of a 100 MB value in one call held every node ~250 ms. */
const PIECE = 1 << 16;

/** mixInto of a string's bytes, PIECE of them a step. */
function* mixStringInto(digest: Uint8Array, s: string): Generator<void> {
  if (s.length < PIECE) return mixInto(digest, s);
  const h = createHash('sha1');
  for (let i = 0; i < s.length; i += PIECE) {
    h.update(s.slice(i, i + PIECE), 'latin1');
    yield;
  }
  xorHash(digest, h.digest());
  sha1Into(digest, scratch);
  digest.set(scratch);
}

// Redis's object type numbers, hashed as 4 big-endian bytes.
const TYPE_CODE: Record<RObj['type'], number> = { string: 0, list: 1, set: 2, zset: 3, hash: 4, stream: 6 };

function u32be(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/** Mixes one value (and whether its key has a TTL) into `digest`, a step per element. */
export function* digestValue(digest: Uint8Array, o: RObj, hasTtl: boolean): Generator<void> {
  mixInto(digest, u32be(TYPE_CODE[o.type]));
  switch (o.type) {
    case 'string':
      yield* mixStringInto(digest, o.v);
      break;
    case 'list':
      for (const item of o.v) {
        mixInto(digest, item);
        yield;
      }
      break;
    case 'set':
      for (const m of o.v) {
        xorInto(digest, m);
        yield;
      }
      break;
    case 'hash':
      for (const [f, v] of o.v) {
        const pair = new Uint8Array(20);
        mixInto(pair, f);
        mixInto(pair, v);
        xorInto(digest, pair);
        yield;
      }
      break;
    case 'zset':
      // A listpack's scores are read back with strtod (zset-score-reads.ts).
      readAll(o);
      for (const [m, score] of o.v.dict) {
        const pair = new Uint8Array(20);
        mixInto(pair, m);
        // 7.0 prints the score with "%.17g" here (later versions use the shortest form).
        mixInto(pair, formatDouble(score));
        xorInto(digest, pair);
        yield;
      }
      break;
    case 'stream':
      // Only the entries count: consumer groups are left out, as in Redis.
      for (const e of o.v.entries) {
        mixInto(digest, `${e.id.ms}.${e.id.seq}`);
        for (const f of e.fields) mixInto(digest, f);
        yield;
      }
      break;
  }
  if (hasTtl) xorInto(digest, '!!expire!!');
}

export const hex = (digest: Uint8Array): string => Buffer.from(digest).toString('hex');

/**
 * The whole-dataset digest into `out` (20 zero bytes to start). Logically expired keys still count,
 * as Redis walks its dictionaries without looking at TTLs.
 */
/** `onStream`: a stream was digested (its iterator ran off the radix tree, which sets errno to 0). */
export function* digestDatasets(dbs: readonly Database[], out: Uint8Array, onStream: () => void = () => {}): Generator<void> {
  for (const db of dbs) {
    if (db.size === 0) continue;
    mixInto(out, u32be(db.id));
    for (const [key, o] of db.dict.entries()) {
      const one = new Uint8Array(20);
      mixInto(one, key);
      if (o.type === 'stream') onStream();
      yield* digestValue(one, o, db.expires.has(key));
      xorInto(out, one);
      yield;
    }
  }
}
