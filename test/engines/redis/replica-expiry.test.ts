// A replica reads a key past its TTL as missing but keeps it until its primary deletes it (7.0's expireIfNeeded on
// a replica; no active expiry there). Ours deleted it on its own, so a reader endpoint's DBSIZE and INFO keyspace
// dropped before the primary's (found by ruby-clients' replica probe). Compared with a redis-server pair.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, realRedisAvailable, startRealRedis, startServer } from './helpers.ts';

interface Pair {
  primary: RawClient;
  replica: RawClient;
  stop(): Promise<void>;
}

async function linked(primaryPort: number, replicaPort: number, stop: () => Promise<void>): Promise<Pair> {
  const [primary, replica] = await Promise.all([RawClient.connect(primaryPort), RawClient.connect(replicaPort)]);
  await replica.call('REPLICAOF', '127.0.0.1', String(primaryPort));
  for (let i = 0; !(await replica.call('INFO', 'replication')).includes('master_link_status:up'); i++) {
    if (i > 400) throw new Error('replica never linked');
    await new Promise((r) => setTimeout(r, 25));
  }
  return { primary, replica, stop };
}

async function until(f: () => Promise<boolean>): Promise<void> {
  for (let i = 0; !(await f()); i++) {
    if (i > 400) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** What the replica shows of two keys past their TTL that its primary (active expiry off) has not deleted yet, then after it has. */
async function sequence(p: Pair): Promise<string[]> {
  await p.primary.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
  await p.primary.call('SET', 'keep', '1');
  await p.primary.call('SET', 'short', 'x', 'PX', '50');
  await p.primary.call('HSET', 'hshort', 'f', 'v');
  await p.primary.call('PEXPIRE', 'hshort', '50');
  await until(async () => (await p.replica.call('DBSIZE')) === ':3\r\n');
  await new Promise((r) => setTimeout(r, 120));
  const out: string[] = [];
  const look = async (...cmds: string[][]) => {
    for (const cmd of cmds) out.push(`${cmd.join(' ')} -> ${await p.replica.call(...cmd)}`);
  };
  await look(['GET', 'short'], ['EXISTS', 'short', 'hshort'], ['TTL', 'short'], ['HGETALL', 'hshort'], ['SCAN', '0'], ['KEYS', '*'], ['DBSIZE'], ['INFO', 'keyspace'], ['GET', 'short'], ['DBSIZE']);
  // The primary's own lookup expires one: its deletion reaches the replica.
  await p.primary.call('GET', 'short');
  await until(async () => (await p.replica.call('DBSIZE')) === ':2\r\n');
  await look(['DBSIZE'], ['KEYS', '*'], ['INFO', 'keyspace']);
  return out;
}

describe.skipIf(!realRedisAvailable())('a replica and keys past their TTL', () => {
  let ours: Pair;
  let real: Pair;
  beforeAll(async () => {
    const [op, or, rp, rr] = await Promise.all([startServer(), startServer(), startRealRedis(['--enable-debug-command', 'yes']), startRealRedis()]);
    [ours, real] = await Promise.all([
      linked(op.port, or.port, async () => void (await Promise.all([op.server.close(), or.server.close()]))),
      linked(rp.port, rr.port, async () => void (await Promise.all([rp.stop(), rr.stop()]))),
    ]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([ours?.stop(), real?.stop()]);
  });

  it('reads them as missing, keeps them in DBSIZE and INFO keyspace until the primary deletes them', async () => {
    const [a, b] = await Promise.all([sequence(ours), sequence(real)]);
    expect(a).toEqual(b);
    expect(a).toContain('DBSIZE -> :3\r\n');
  }, 30_000);
});
