// What redis-server 7.0 refuses in cluster mode: SORT's BY with a pattern and GET name keys that may live
// on another shard (found with Redis's unit/sort and acl-v2 cases in cluster mode); a cluster node has
// database 0 only, so MOVE, SWAPDB and COPY to or from another database are refused (found replaying the
// checks of 7.0's unit/cluster files against a cluster-mode replication group made through the API).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formCluster } from '../../../engines/redis/index.ts';
import { differential, RawClient, realRedisAvailable, script, startRealRedis, startServer, waitUntil, type RealRedis, type Started } from './helpers.ts';

const available = realRedisAvailable();

describe.runIf(available)('commands refused in cluster mode, as redis-server 7.0', () => {
  let ours: Started;
  let real: RealRedis;

  beforeAll(async () => {
    ours = await startServer();
    formCluster([{ primary: ours.server, replicas: [], slots: [[0, 16383]] }]);
    real = await startRealRedis(['--cluster-enabled', 'yes']);
    const c = await RawClient.connect(real.port);
    try {
      await c.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383');
      // A single-node cluster turns ok on its own within a second or two; generous bound for a loaded machine.
      for (let i = 0; i < 300 && !(await c.call('CLUSTER', 'INFO')).includes('cluster_state:ok'); i++) await new Promise((r) => setTimeout(r, 100));
    } finally {
      c.close();
    }
  }, 60000);

  afterAll(async () => {
    await ours?.server.close();
    await real?.stop();
  });

  it('refuses BY with a pattern and every GET, keeps BY without one', async () => {
    const cmds = script(`
      RPUSH l 3 1 2
      SORT l BY w*
      SORT l GET #
      SORT l BY nosort GET #
      SORT l BY w{l}*
      SORT l LIMIT 0 1 BY x* GET y
      SORT l GET # BY x*
      SORT l BY x* nosuchoption
      SORT l nosuchoption BY x*
      SORT l BY nosort
      SORT l
      SORT_RO l GET x
      SORT l BY w* STORE l2
    `);
    for (const r of await differential(ours.port, real.port, cmds)) expect(r.ours, r.cmd).toBe(r.real);
  });

  it('refuses MOVE, SWAPDB and COPY with another database (argument errors of COPY first)', async () => {
    const cmds = script(`
      SET {t}a 1
      MOVE {t}a 1
      MOVE {t}a 0
      MOVE {t}a notanumber
      MOVE nokey 1
      SWAPDB 0 1
      SWAPDB 0 0
      SWAPDB a b
      COPY {t}a {t}b DB 1
      COPY {t}a {t}a DB 1
      COPY {t}a {t}b DB 99
      COPY {t}a {t}b DB abc
      COPY {t}a {t}b DB 1 REPLACE
      COPY {t}a {t}b DB 1 bad
      COPY {t}a {t}b DB 0
      COPY {t}a {t}b
      GET {t}b
      SELECT 0
      SELECT 1
    `);
    for (const r of await differential(ours.port, real.port, cmds)) expect(r.ours, r.cmd).toBe(r.real);
  });
});

/** A one-shard cluster of redis-server 7.0.15: a primary with every slot and a replica of it. */
async function realShard(): Promise<[RealRedis, RealRedis]> {
  const primary = await startRealRedis(['--cluster-enabled', 'yes']);
  const replica = await startRealRedis(['--cluster-enabled', 'yes']);
  const p = await RawClient.connect(primary.port);
  const r = await RawClient.connect(replica.port);
  try {
    await p.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383');
    await r.call('CLUSTER', 'MEET', '127.0.0.1', String(primary.port));
    const id = (await p.call('CLUSTER', 'MYID')).split('\r\n')[1] as string;
    await waitUntil('the replica to know the primary', async () => (await r.call('CLUSTER', 'NODES')).includes(id));
    await r.call('CLUSTER', 'REPLICATE', id);
    await waitUntil('the replica to follow', async () => (await r.call('INFO', 'replication')).includes('master_link_status:up'), 30000);
    await waitUntil('the cluster to be ok', async () => (await r.call('CLUSTER', 'INFO')).includes('cluster_state:ok'), 30000);
  } finally {
    p.close();
    r.close();
  }
  return [primary, replica];
}

describe.runIf(available)('transactions in cluster mode, as redis-server 7.0', () => {
  const stops: (() => Promise<void>)[] = [];
  let ours: [number, number];
  let real: [number, number];

  beforeAll(async () => {
    const primary = await startServer();
    const replica = await startServer();
    formCluster([{ primary: primary.server, replicas: [replica.server], slots: [[0, 16383]] }]);
    const [p, r] = await realShard();
    stops.push(() => primary.server.close(), () => replica.server.close(), p.stop, r.stop);
    ours = [primary.port, replica.port];
    real = [p.port, r.port];
  }, 90000);

  afterAll(async () => {
    for (const stop of stops) await stop();
  });

  /** Each command's reply on one connection, redirections without the primary's address. */
  const replies = async (port: number, cmds: string[][]): Promise<string[]> => {
    const c = await RawClient.connect(port);
    try {
      const out: string[] = [];
      for (const cmd of cmds) out.push((await c.call(...cmd)).replace(/MOVED (\d+) \S+/, 'MOVED $1 <primary>'));
      return out;
    } finally {
      c.close();
    }
  };

  it("EXEC is judged by the keys and shard channels of everything it queued: CROSSSLOT or MOVED discards the transaction", async () => {
    const onPrimary = script(`
      MULTI
      SET a 1
      SET b 2
      EXEC
      GET a
      MULTI
      SPUBLISH a x
      GET b
      EXEC
      MULTI
      SET {t}1 1
      MGET {t}2 {t}3
      SPUBLISH {t}4 x
      EXEC
      MULTI
      PING
      EXEC
      MULTI
      SET a 1
      SET b
      EXEC
      MULTI
      EXEC
    `);
    const onReplica = script(`
      MULTI
      SPUBLISH ch1 x
      EXEC
      SPUBLISH ch1 x
      READONLY
      MULTI
      GET foo
      SPUBLISH foo x
      EXEC
      MULTI
      SET foo 1
      EXEC
      READWRITE
      MULTI
      PING
      EXEC
    `);
    for (const [i, cmds] of [onPrimary, onReplica].entries()) {
      const theirs = await replies(real[i] as number, cmds);
      expect(await replies(ours[i] as number, cmds)).toEqual(theirs);
    }
  });
});
