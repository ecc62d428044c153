// INFO's dump_payload_sanitizations counts the packed containers redis-server 7.0 checks deeply on a
// load: each intset, hash/zset listpack, packed quicklist node and stream node (not the ziplist,
// zipmap or quicklist-of-ziplists types, which are converted and checked whole uncounted), under
// sanitize-dump-payload yes (RESTORE and DEBUG RELOAD) or clients (RESTORE only, and not for a user
// with skip-sanitize-payload). A payload refused by the check is counted up to the container that
// failed. Found by the random differential (seed 116015: ours never counted). RESTORE's errors on
// the way: a value that does not load (an empty collection included) is 'Bad data format', only a
// bad footer 'version or checksum are wrong'; bytes after the value are not read.
import { describe, expect, it } from 'vitest';
import { crc64 } from '../../../engines/redis/rdb/crc64.ts';
import { encodeIntset } from '../../../engines/redis/rdb/intset.ts';
import { encodeListpack } from '../../../engines/redis/rdb/listpack.ts';
import { encodeZiplist } from '../../../engines/redis/rdb/ziplist.ts';
import { RawClient, realRedisAvailable } from './helpers.ts';
import { serverPair } from './server-pair.ts';

const available = realRedisAvailable();

const lenOf = (n: number): Buffer => (n < 64 ? Buffer.from([n]) : Buffer.from([0x40 | (n >> 8), n & 255]));
const str = (b: Buffer): Buffer => Buffer.concat([lenOf(b.length), b]);
const B = (s: string): Buffer => Buffer.from(s);

/** A DUMP payload: type, body, RDB version, CRC64 of what comes before. */
function payload(type: number, body: Buffer, version = 9): Buffer {
  const head = Buffer.concat([Buffer.from([type]), body, Buffer.from([version, 0])]);
  const crc = Buffer.alloc(8);
  crc.writeBigUInt64LE(crc64(head));
  return Buffer.concat([head, crc]);
}

/** A payload of its footer alone: the version and the CRC64 of it. */
function footerOnly(): Buffer {
  const crc = Buffer.alloc(8);
  crc.writeBigUInt64LE(crc64(Buffer.from([10, 0])));
  return Buffer.concat([Buffer.from([10, 0]), crc]);
}

/** A listpack whose header says it is a byte longer than it is (even the shallow check refuses it). */
function miscounted(values: Buffer[]): Buffer {
  const lp = encodeListpack(values);
  lp.writeUInt32LE(lp.readUInt32LE(0) + 1, 0);
  return lp;
}

const CRAFTED: Record<string, Buffer> = {
  zipmap: payload(9, str(Buffer.from([1, 1, 0x66, 1, 0, 0x76, 0xff]))),
  listZiplist: payload(10, str(encodeZiplist([B('a'), B('b')]))),
  intset: payload(11, str(encodeIntset([1n, 2n]))),
  zsetZiplist: payload(12, str(encodeZiplist([B('a'), 1n]))),
  hashZiplist: payload(13, str(encodeZiplist([B('f'), B('v')]))),
  quicklistOfZiplists: payload(14, Buffer.concat([lenOf(2), str(encodeZiplist([B('a')])), str(encodeZiplist([B('b')]))])),
  hashListpack: payload(16, str(encodeListpack([B('f'), B('v')])), 10),
  zsetListpack: payload(17, str(encodeListpack([B('a'), 1n])), 10),
  quicklistTwoNodes: payload(18, Buffer.concat([lenOf(2), lenOf(2), str(encodeListpack([B('a')])), lenOf(2), str(encodeListpack([B('b')]))]), 10),
  quicklistPlainNode: payload(18, Buffer.concat([lenOf(2), lenOf(1), str(B('plain')), lenOf(2), str(encodeListpack([B('b')]))]), 10),
  quicklistBadFirstNode: payload(18, Buffer.concat([lenOf(2), lenOf(2), str(miscounted([B('a')])), lenOf(2), str(encodeListpack([B('b')]))]), 10),
  hashBadListpack: payload(16, str(miscounted([B('f'), B('v')])), 10),
  string: payload(0, str(B('hello'))),
  bytesAfterTheValue: payload(0, Buffer.concat([str(B('ab')), B('cd')])),
  unknownType: payload(99, str(B('a'))),
  noBody: footerOnly(),
  emptyHashListpack: payload(16, str(encodeListpack([])), 10),
  emptyIntset: payload(11, str(encodeIntset([]))),
  badChecksum: Buffer.concat([payload(16, str(encodeListpack([B('f'), B('v')])), 10).subarray(0, -1), Buffer.from([0])]),
};

const bulkBody = (reply: string): Buffer => Buffer.from(reply.slice(reply.indexOf('\r\n') + 2, -2), 'latin1');

async function counts(port: number): Promise<string[]> {
  const c = await RawClient.connect(port);
  const out: string[] = [];
  const stat = async (): Promise<string> => /dump_payload_sanitizations:(\d+)/.exec(await c.call('INFO', 'stats'))?.[1] ?? 'none';
  try {
    await c.call('FLUSHALL');
    await c.call('CONFIG', 'SET', 'stream-node-max-entries', '2');
    await c.call('RPUSH', 'L', 'a', 'b');
    await c.call('HSET', 'H', 'f', 'v');
    await c.call('ZADD', 'Z', '1', 'a');
    await c.call('SADD', 'S', '1', '2');
    await c.call('SADD', 'S2', 'x');
    for (let i = 1; i <= 5; i++) await c.call('XADD', 'X', `${i}-1`, 'f', 'v');
    await c.call('SET', 'T', 'text');
    const dumps: Record<string, Buffer> = {};
    for (const k of ['L', 'H', 'Z', 'S', 'S2', 'X', 'T']) dumps[`dump ${k}`] = bulkBody(await c.call('DUMP', k));
    await c.call('ACL', 'SETUSER', 'skipper', 'on', 'nopass', '+@all', '~*', 'skip-sanitize-payload');
    await c.call('ACL', 'SETUSER', 'checked', 'on', 'nopass', '+@all', '~*', 'sanitize-payload');
    for (const mode of ['no', 'yes', 'clients']) {
      await c.call('CONFIG', 'SET', 'sanitize-dump-payload', mode);
      for (const [name, p] of Object.entries({ ...CRAFTED, ...dumps })) {
        await c.call('CONFIG', 'RESETSTAT');
        const reply = (await c.call('RESTORE', 'k', '0', p, 'REPLACE')).trim();
        out.push(`${mode} ${name}: ${reply} -> ${await stat()}`);
      }
      await c.call('CONFIG', 'RESETSTAT');
      out.push(`${mode} BUSYKEY: ${(await c.call('RESTORE', 'H', '0', dumps['dump H'] as Buffer)).trim()} -> ${await stat()}`);
      out.push(`${mode} expired ABSTTL: ${(await c.call('RESTORE', 'k2', '1', dumps['dump H'] as Buffer, 'ABSTTL')).trim()} -> ${await stat()}`);
      await c.call('MULTI');
      await c.call('RESTORE', 'k3', '0', dumps['dump X'] as Buffer, 'REPLACE');
      out.push(`${mode} in EXEC: ${(await c.call('EXEC')).trim()} -> ${await stat()}`);
      for (const user of ['skipper', 'checked']) {
        await c.call('AUTH', user, 'x');
        await c.call('CONFIG', 'RESETSTAT');
        out.push(`${mode} as ${user}: ${(await c.call('RESTORE', 'k4', '0', dumps['dump Z'] as Buffer, 'REPLACE')).trim()} -> ${await stat()}`);
        await c.call('AUTH', 'default', 'x');
      }
      await c.call('CONFIG', 'RESETSTAT');
      await c.call('DEBUG', 'RELOAD');
      out.push(`${mode} DEBUG RELOAD: ${await stat()}`);
    }
  } finally {
    await c.call('ACL', 'DELUSER', 'skipper', 'checked');
    await c.call('CONFIG', 'SET', 'sanitize-dump-payload', 'no');
    await c.call('CONFIG', 'SET', 'stream-node-max-entries', '100');
    c.close();
  }
  return out;
}

describe.runIf(available)('dump_payload_sanitizations, as redis-server 7.0 counts it', () => {
  const pair = serverPair(['--enable-debug-command', 'yes']);

  it('RESTORE and DEBUG RELOAD of every encoding under sanitize-dump-payload no, yes and clients', async () => {
    const real = await counts(pair.real.port);
    expect(real.find((l) => l.startsWith('yes dump X'))).toBe('yes dump X: +OK -> 3');
    expect(await counts(pair.ours.port)).toEqual(real);
  });
});
