// DUMP of a list cut into quicklist nodes as redis-server 7.0 cuts them: an element joins a node while
// the node's listpack bytes + the element's length + 8 stay within list-max-listpack-size's cap. The
// writer cut at the exact size instead, so a 5000-element list's second node held one element more
// and the payload differed from redis-server's (DEBUG OBJECT's serializedlength by one byte). A
// positive list-max-listpack-size (entries per node, as Redis's list tests set) was not modelled at all,
// and rdbcompression no was ignored (every string over 20 bytes was LZF-compressed); under it only the
// nodes list-compress-depth keeps compressed in memory are written as LZF blobs.
import { describe, expect, it } from 'vitest';
import { RawClient, debugObjectFacts, realRedisAvailable } from './helpers.ts';
import { serverPair } from './server-pair.ts';

const available = realRedisAvailable();

const LISTS: [string, (i: number) => string, number][] = [
  ['names', (i) => `element-number-${i}`, 5000],
  ['widths', (i) => 'x'.repeat(i % 300), 3000],
  ['ints', (i) => String(i * 7), 3000],
  ['big', (i) => String(i).repeat(1000 + (i % 7)), 40],
];

/** list-max-listpack-size, rdbcompression, list-compress-depth. */
const CASES: [string, string, string][] = [
  ['-2', 'yes', '0'],
  ['-1', 'yes', '0'],
  ['-3', 'yes', '0'],
  ['5', 'yes', '0'],
  ['16', 'yes', '0'],
  ['0', 'yes', '0'],
  ['-2', 'no', '0'],
  ['-2', 'no', '2'],
  ['5', 'no', '1'],
  ['5', 'yes', '1'],
  ['16', 'no', '1'],
];

async function dumps(port: number): Promise<string[]> {
  const c = await RawClient.connect(port);
  try {
    const out: string[] = [];
    for (const [fill, compression, depth] of CASES) {
      await c.call('FLUSHALL');
      await c.call('CONFIG', 'SET', 'list-max-listpack-size', fill, 'rdbcompression', compression, 'list-compress-depth', depth);
      for (const [key, item, n] of LISTS) {
        for (let i = 0; i < n; i += 500) await c.call('RPUSH', key, ...Array.from({ length: Math.min(500, n - i) }, (_, j) => item(i + j)));
        out.push(`${fill} ${compression} ${depth} ${key} ${await c.call('DUMP', key)}`);
      }
      await c.call('SET', 'string', 'x'.repeat(100));
      out.push(`${compression} string ${await c.call('DUMP', 'string')}`);
    }
    await c.call('CONFIG', 'SET', 'list-max-listpack-size', '-2', 'rdbcompression', 'yes', 'list-compress-depth', '0');
    return out;
  } finally {
    c.close();
  }
}

/** A list keeps the settings it was made with: DUMP, COPY and DEBUG OBJECT after CONFIG SET changes them. */
async function madeEarlier(port: number): Promise<string[]> {
  const c = await RawClient.connect(port);
  try {
    await c.call('FLUSHALL');
    await c.call('CONFIG', 'SET', 'list-max-listpack-size', '5', 'list-compress-depth', '1', 'rdbcompression', 'no');
    await c.call('RPUSH', 'early', ...Array.from({ length: 40 }, (_, i) => `value-${i % 4}-${i % 4}-${i % 4}-${i % 4}-${i % 4}-${i % 4}`));
    await c.call('CONFIG', 'SET', 'list-max-listpack-size', '-2', 'list-compress-depth', '0');
    await c.call('RPUSH', 'early', 'pushed-after');
    await c.call('COPY', 'early', 'copied');
    await c.call('RPUSH', 'late', 'a', 'b');
    const out: string[] = [];
    for (const key of ['early', 'copied', 'late']) {
      out.push(await c.call('DUMP', key));
      out.push(debugObjectFacts(await c.call('DEBUG', 'OBJECT', key)));
    }
    await c.call('CONFIG', 'SET', 'rdbcompression', 'yes');
    return out;
  } finally {
    c.close();
  }
}

describe.runIf(available)('DUMP of a multi-node list and rdbcompression as redis-server 7.0', () => {
  const pair = serverPair(['--enable-debug-command', 'yes']);

  it('cuts the list into the same quicklist nodes', async () => {
    const theirs = await dumps(pair.real.port);
    const mine = await dumps(pair.ours.port);
    expect(mine.length).toBe(theirs.length);
    for (let i = 0; i < theirs.length; i++) expect(mine[i], theirs[i]?.slice(0, 12)).toBe(theirs[i]);
  });

  it('keeps the node size and compression depth a list was made with', async () => {
    const theirs = await madeEarlier(pair.real.port);
    expect(theirs[1]).toContain('ql_listpack_max:5 ql_compressed:1');
    expect(await madeEarlier(pair.ours.port)).toEqual(theirs);
  });
});
