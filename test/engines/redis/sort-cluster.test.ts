// SORT in cluster mode: BY with a pattern and GET name keys that may live on another shard, so
// redis-server 7.0 refuses them there (found with Redis's unit/sort and acl-v2 cases in cluster mode).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formCluster } from '../../../engines/redis/index.ts';
import { differential, RawClient, realRedisAvailable, script, startRealRedis, startServer, type RealRedis, type Started } from './helpers.ts';

const available = realRedisAvailable();

describe.runIf(available)('SORT BY/GET in cluster mode, as redis-server 7.0', () => {
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
});
