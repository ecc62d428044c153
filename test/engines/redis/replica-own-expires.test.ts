// A writable replica (replica-read-only no) expires the keys its own clients gave a TTL, as redis-server 7.0's
// slaveKeysWithExpire, and leaves its primary's to the primary; both a replica of ours and a redis-server one
// follow a redis-server primary here and must show the same.
import { describe, expect, it } from 'vitest';
import { RawClient, realRedisAvailable, startRealRedis, waitUntil } from './helpers.ts';
import { startStandalone } from './standalone-process.ts';

describe.skipIf(!realRedisAvailable())('a writable replica\'s own keys with a TTL', () => {
  it('are tracked (INFO slave_expires_tracked_keys) and expired by the replica; the primary\'s are not', async () => {
    const primary = await startRealRedis(['--repl-diskless-sync-delay', '0', '--enable-debug-command', 'yes']);
    const ours = await startStandalone(['--port', '0', '--save', '', '--replicaof', '127.0.0.1', String(primary.port)]);
    const real = await startRealRedis(['--replicaof', '127.0.0.1', String(primary.port)]);
    try {
      const p = await RawClient.connect(primary.port);
      expect(await p.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0')).toBe('+OK\r\n');
      await p.call('SET', 'theirs', 'v', 'PX', '300');
      const run = async (port: number) => {
        const r = await RawClient.connect(port);
        await waitUntil('the sync', async () => (await r.call('EXISTS', 'theirs')) === ':1\r\n' || (await r.call('INFO', 'replication')).includes('master_link_status:up'), 20_000);
        await r.call('CONFIG', 'SET', 'replica-read-only', 'no');
        await r.call('SELECT', '5');
        const out = [await r.call('SET', 'k1', '1', 'PX', '300'), await r.call('SET', 'k2', '2'), await r.call('EXPIRE', 'k2', '1'), await r.call('SET', 'k3', '3')];
        out.push((await r.call('INFO', 'stats')).match(/slave_expires_tracked_keys:\d+/)?.[0] ?? '');
        await new Promise((resolve) => setTimeout(resolve, 1600));
        out.push(await r.call('DBSIZE'), (await r.call('INFO', 'stats')).match(/slave_expires_tracked_keys:\d+/)?.[0] ?? '');
        // The primary's key is past its TTL: read as missing, still held until the primary deletes it.
        await r.call('SELECT', '0');
        out.push(await r.call('GET', 'theirs'), await r.call('DBSIZE'));
        r.close();
        return out;
      };
      const mine = await run(ours.port);
      expect(mine).toEqual(['+OK\r\n', '+OK\r\n', ':1\r\n', '+OK\r\n', 'slave_expires_tracked_keys:2', ':1\r\n', 'slave_expires_tracked_keys:0', '$-1\r\n', ':1\r\n']);
      expect(await run(real.port)).toEqual(mine);
      p.close();
    } finally {
      await Promise.all([ours.stop(), real.stop(), primary.stop()]);
    }
  }, 60_000);
});
