// SORT of a hundred thousand and more of elements (numeric, ALPHA, BY and GET patterns, STORE) runs in slices:
// another node answers PING meanwhile, and the reply or stored list equals redis-server's byte for byte.
import { describe, expect, it } from 'vitest';
import { differential, RawClient, realRedisAvailable } from './helpers.ts';
import { digestOf, expectHeldWithin, stallServers, wholeTurn, whileWorking } from './stall.ts';

const N = Number(process.env.ISO_SORT_N ?? 100_000);
/** Elements whose BY and GET patterns name keys: each costs a key lookup, so fewer of them. */
const PATTERNED = N / 5;
const available = realRedisAvailable();
if (!available && process.env.CI === 'true') throw new Error('redis-server is needed for the SORT isolation test');

/** Numbers with repeats, negatives and fractions; words that tie under BY weights and differ in case. */
function fillCommands(): string[][] {
  const out: string[][] = [];
  for (let from = 0; from < N; from += 1000) {
    const nums = ['RPUSH', 'nums'];
    const words = ['RPUSH', 'words'];
    for (let i = from; i < from + 1000; i++) {
      nums.push(String(((i * 7919) % N) / (i % 3 === 0 ? 4 : 1) - N / 8));
      words.push(`${i % 2 === 0 ? 'W' : 'w'}${(i * 104729) % N}`);
    }
    out.push(nums, words);
  }
  for (let from = 0; from < PATTERNED; from += 1000) {
    const ids = ['SADD', 'ids'];
    const weights = ['MSET'];
    for (let i = from; i < from + 1000; i++) {
      ids.push(String(i));
      weights.push(`weight_${i}`, String(i % 97));
    }
    out.push(ids, weights);
  }
  for (let i = 0; i < PATTERNED; i += 3) out.push(['HSET', `obj_${i}`, 'name', `n${(i * 31) % 1000}`]);
  return out;
}

describe.skipIf(!available)('SORT runs in slices', () => {
  const s = stallServers(fillCommands);

  /** Runs `cmd` on the busy node while PINGing the other; its reply's digest must be redis-server's. */
  async function sameWhileOthersAnswer(cmd: string[]): Promise<void> {
    const c = await RawClient.connect(s.busy.port);
    try {
      let answer!: Promise<{ sha: string; head: string }>;
      const held = await whileWorking(s.other.port, () => (answer = digestOf(s.busy.port, cmd)));
      expect(held.answered, cmd.join(' ')).toBeGreaterThan(0);
      await expectHeldWithin(held, cmd.join(' '), () => wholeTurn(c, cmd));
      expect(await answer, cmd.join(' ')).toEqual(await digestOf(s.real.port, cmd));
    } finally {
      c.close();
    }
  }

  it('numeric, ALPHA, DESC and LIMIT sorts of a big list answer as redis-server while another node answers', async () => {
    await sameWhileOthersAnswer(['SORT', 'words', 'ALPHA']);
    await sameWhileOthersAnswer(['SORT', 'nums', 'DESC', 'LIMIT', '10', '-1']);
  }, 90_000);

  it('BY weights with ties, GET of hash fields and STORE of a set, as redis-server', async () => {
    await sameWhileOthersAnswer(['SORT', 'ids', 'BY', 'weight_*', 'GET', '#', 'GET', 'obj_*->name', 'GET', 'weight_*']);
    await sameWhileOthersAnswer(['SORT', 'ids', 'BY', 'nosort', 'STORE', 'stored']);
    // Numeric weights only: redis-server leaves ALPHA ties under BY in the C library's qsort order.
    await sameWhileOthersAnswer(['SORT', 'ids', 'BY', 'weight_*', 'DESC', 'STORE', 'stored2']);
    for (const key of ['stored', 'stored2']) {
      const cmd = ['LRANGE', key, '0', '-1'];
      expect(await digestOf(s.busy.port, cmd), key).toEqual(await digestOf(s.real.port, cmd));
    }
  }, 90_000);

  it('small sorts, errors and edge cases answer as redis-server, also inside MULTI', async () => {
    const cmds = [
      ['RPUSH', 'l', '3', '1.5', '-2', '10', '1e3', '1.5', 'inf'],
      ['SORT', 'l'],
      ['SORT', 'l', 'DESC', 'LIMIT', '1', '3'],
      ['SORT', 'l', 'LIMIT', '-5', '2'],
      ['SORT', 'l', 'LIMIT', '100', '2'],
      ['SORT_RO', 'l', 'ALPHA', 'LIMIT', '2', '3'],
      ['SORT_RO', 'l', 'STORE', 'x'],
      ['RPUSH', 'bad', '1', 'x'],
      ['SORT', 'bad'],
      ['SORT', 'bad', 'ALPHA', 'STORE', 'dst'],
      ['LRANGE', 'dst', '0', '-1'],
      ['SORT', 'missing', 'STORE', 'dst'],
      ['EXISTS', 'dst'],
      ['SET', 's', 'x'],
      ['SORT', 's'],
      ['ZADD', 'z', '1', 'b', '2', 'a', '3', 'c'],
      ['SORT', 'z', 'ALPHA'],
      ['SORT', 'z', 'BY', 'nosort'],
      ['MULTI'],
      ['SORT', 'l', 'ALPHA'],
      ['SORT', 'bad'],
      ['EXEC'],
    ];
    for (const d of await differential(s.busy.port, s.real.port, cmds)) expect(d.ours, d.cmd).toBe(d.real);
  });
});
