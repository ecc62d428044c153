// A deleted sorted set is freed. The skiplist's insert/unlink share one scratch array of nodes; a node left
// in it kept its whole list alive after DEL (the bench's process held 0.3-1 GB of deleted sets of a million
// members, and every later major collection marked them: a 209-686 ms pause inside the isolation probes).
// Each case ends the set's life with a different last operation on the skiplist, then deletes it and
// checks the list's first node is collected.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fullGc } from '../../support/loop-hold.ts';
import { RawClient, startServer, type Started } from './helpers.ts';

const MEMBERS = 20_000;

/** Set's skiplist head: every node of the list is reachable from it. */
function headOf(s: Started, key: string): object {
  const o = s.server.engine.ks.db(0).peek(key);
  if (o === null || o.type !== 'zset') throw new Error(`${key} is not a sorted set`);
  const head = (o.v as unknown as { header?: object }).header;
  if (head === undefined) throw new Error(`${key} is not a skiplist`);
  return head;
}

/** Tokens of watched objects collected so far. The registry lives as long as the file: one collected itself calls nothing. */
const freed = new Set<number>();
const registry = new FinalizationRegistry<number>((token) => freed.add(token));
let tokens = 0;

/**
 * Watches `target` for its collection. A FinalizationRegistry, not a WeakRef: a WeakRef made in a test
 * keeps its target alive until the job ends, and under vitest's module runner it stayed alive to the end.
 */
function watchCollection(target: object): () => Promise<boolean> {
  const token = ++tokens;
  registry.register(target, token);
  return async () => {
    // The callback runs as a task after the collection: a few turns, each with a full collection.
    for (let turn = 0; turn < 20 && !freed.has(token); turn++) {
      fullGc();
      await new Promise((r) => setTimeout(r, 10));
    }
    return freed.has(token);
  };
}

describe('a deleted sorted set is freed', () => {
  let s: Started;
  let c: RawClient;
  beforeAll(async () => {
    s = await startServer();
    c = await RawClient.connect(s.port);
  });
  afterAll(async () => {
    c.close();
    await s.server.close();
  });

  const fill = async (key: string) => {
    for (let from = 0; from < MEMBERS; from += 1000) {
      const args = ['ZADD', key];
      for (let i = from; i < from + 1000; i++) args.push(String(i), `m${i}`);
      await c.call(...args);
    }
  };

  // The last skiplist operation before DEL: an insert in front of every node (its search path is the head
  // on every level), a removal, a cut of a rank range, a score change (a removal and an insert).
  const lastOps: [string, string[]][] = [
    ['ZADD of a new lowest member', ['ZADD', 'z', '-1', 'first']],
    ['ZREM', ['ZREM', 'z', 'm5000']],
    ['ZREMRANGEBYRANK', ['ZREMRANGEBYRANK', 'z', '10', '20']],
    ['ZINCRBY', ['ZINCRBY', 'z', '0.5', 'm7']],
  ];
  for (const [name, op] of lastOps) {
    it(`after ${name}`, async () => {
      await fill('z');
      await c.call(...op);
      const collected = watchCollection(headOf(s, 'z'));
      expect(await c.call('DEL', 'z')).toBe(':1\r\n');
      expect(await collected(), `the skiplist of a deleted set outlived it after ${name}`).toBe(true);
    });
  }

  it('a set that is kept is not collected (the check sees a live list)', async () => {
    await fill('kept');
    const collected = watchCollection(headOf(s, 'kept'));
    expect(await collected()).toBe(false);
    expect(await c.call('ZCARD', 'kept')).toBe(`:${MEMBERS}\r\n`);
  });
});
