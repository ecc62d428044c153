// RESTORE of payloads that name something twice, or hold an empty quicklist node, against redis-server
// 7.0.15. It refuses ('Bad data format'), whatever sanitize-dump-payload says, a stream whose consumer
// groups or a group's consumers share a name, a ziplist hash or sorted set naming a field twice (ziplists
// are converted under the deep check), a plain set or sorted set naming a member twice and a quicklist node
// of no bytes; under the deep check (`yes`) also a listpack hash or sorted set, or a plain hash, naming a
// field or member twice. Ours loaded all of them (the duplicates merged, the empty node as an element "").
// Payloads from upstream's corrupt-dump tests, made here, and DUMPs with a name renamed.
// Also a ziplist whose tail offset is not its last entry's (upstream's 'zset ziplist invalid tail offset').
// Left: without the deep check redis-server keeps a small hash with a field twice (HLEN 2); ours merges.
import { describe, expect, it } from 'vitest';
import { RawClient, realRedisAvailable } from './helpers.ts';
import { serverPair } from './server-pair.ts';

const available = realRedisAvailable();

/** Upstream's corrupt-dump payloads (valid checksums): hash ziplist a->b, a->d; quicklist node of 0 bytes; a group with two consumers 'name'. */
const ZIPLIST_HASH_DUP = Buffer.from('0d1b1b00000016000000040000026100040262000402610004026400ff0900a1983678cc8e932e', 'hex');
const QUICKLIST_EMPTY_NODE = Buffer.from('120101000a008fc6c0571c0ab33c', 'hex');
/** A ziplist sorted set a=1, a=2 made here (int8 scores), its checksum zero. */
const ZIPLIST_ZSET_DUP = Buffer.from('0c171700000013000000040000016103fe0103016103fe02ff0a000000000000000000', 'hex');
/** Plain (hashtable-encoded) values naming something twice: a set _1 twice (upstream's), a set 1 twice (intset path), a sorted set a twice, a hash a twice. */
const SET_DUP = Buffer.from('020a025f39c006025f31c000c004025f35c002c008025f31025f3309007a5afb903ae93cbe', 'hex');
const INTSET_PATH_DUP = Buffer.from('0202013101310a000000000000000000', 'hex');
const ZSET_DUP = Buffer.from('05020161000000000000f03f016100000000000000400a000000000000000000', 'hex');
const HASH_DUP = Buffer.from('0402016101620161016409000000000000000000', 'hex');
const ZIPLIST_BAD_TAIL = Buffer.from('0c191900000002000000060000f102f102025f3104f202f302f3ff09004d727b97cd9a70c1', 'hex');
const STREAM_DUP_CONSUMERS = Buffer.from('0f0000000001076d7967726f757000000002046e616d652a4caa9a7d01000000046e616d652b4caa9a7d010000000a00cced8ca762eec7c8', 'hex');

function bulkBody(reply: string): string {
  return reply.slice(reply.indexOf('\r\n') + 2, -2);
}

async function outcomes(port: number): Promise<string[]> {
  const r = await RawClient.connect(port);
  const out: string[] = [];
  try {
    await r.call('FLUSHALL');
    await r.call('HSET', 'h', 'f1', 'v1', 'f2', 'v2');
    await r.call('ZADD', 'z', '1', 'm1', '2', 'm2');
    await r.call('XADD', 's', '1-1', 'f', 'v');
    await r.call('XGROUP', 'CREATE', 's', 'g1', '0');
    await r.call('XGROUP', 'CREATE', 's', 'g2', '0');
    await r.call('XGROUP', 'CREATECONSUMER', 's', 'g1', 'c1');
    await r.call('XGROUP', 'CREATECONSUMER', 's', 'g1', 'c2');
    // One name renamed to another of its length: the checksum no longer holds, so it is not checked.
    const renamed: [string, string, string][] = [['h', 'f2', 'f1'], ['z', 'm2', 'm1'], ['s', 'g2', 'g1'], ['s', 'c2', 'c1']];
    const payloads: [string, string | Buffer][] = [];
    for (const [key, from, to] of renamed) payloads.push([`${key} ${from}->${to}`, bulkBody(await r.call('DUMP', key)).split(from).join(to)]);
    payloads.push(['ziplist hash a twice', ZIPLIST_HASH_DUP], ['ziplist sorted set a twice', ZIPLIST_ZSET_DUP], ['quicklist node of 0 bytes', QUICKLIST_EMPTY_NODE], ['two consumers "name"', STREAM_DUP_CONSUMERS]);
    payloads.push(['set _1 twice', SET_DUP], ['set 1 twice', INTSET_PATH_DUP], ['sorted set a twice', ZSET_DUP], ['hash a twice', HASH_DUP], ['ziplist tail offset 2', ZIPLIST_BAD_TAIL]);
    await r.call('DEBUG', 'SET-SKIP-CHECKSUM-VALIDATION', '1');
    for (const mode of ['no', 'yes']) {
      await r.call('CONFIG', 'SET', 'sanitize-dump-payload', mode);
      for (const [name, payload] of payloads) {
        // Without the deep check redis-server keeps a listpack hash or sorted set with a name twice; ours merges them.
        if (mode === 'no' && (name.startsWith('h ') || name.startsWith('z ') || name === 'hash a twice')) continue;
        await r.call('DEL', 'copy');
        const reply = await r.call('RESTORE', 'copy', '0', payload);
        out.push(`${mode} ${name}: ${reply.trim()} exists=${(await r.call('EXISTS', 'copy')).trim()}`);
      }
    }
    await r.call('DEBUG', 'SET-SKIP-CHECKSUM-VALIDATION', '0');
    await r.call('CONFIG', 'SET', 'sanitize-dump-payload', 'no');
    out.push(`alive: ${(await r.call('PING')).trim()}`);
    return out;
  } finally {
    r.close();
  }
}

describe.skipIf(!available)('RESTORE of payloads naming something twice, against redis-server 7.0', () => {
  const pair = serverPair(['--enable-debug-command', 'yes']);

  it('duplicate stream groups and consumers, ziplist hash fields, deep-checked listpack fields and an empty quicklist node are Bad data format', async () => {
    const theirs = await outcomes(pair.real.port);
    expect(theirs).toContain('yes h f2->f1: -ERR Bad data format exists=:0');
    expect(theirs).toContain('no two consumers "name": -ERR Bad data format exists=:0');
    expect(await outcomes(pair.ours.port)).toEqual(theirs);
  }, 30000);
});
