// A replica's first full copy of hundreds of thousands of keys is handed over in slices: another node
// answers PING meanwhile, writes made on the primary during the copy reach the replica, and WAIT counts
// the replica only once the copy is whole.
import { afterAll, describe, expect, it } from 'vitest';
import { newHash } from '../../../engines/redis/db/objects.ts';
import { encodeCommand, RawClient, startServer, type Started } from './helpers.ts';
import { STALL_BOUND_MS, whileWorking } from './stall.ts';

const KEYS = Number(process.env.ISO_SYNC_N ?? 300_000);

describe('a full sync runs in slices', () => {
  const servers: Started[] = [];
  afterAll(async () => {
    for (const s of servers) await s.server.close();
  });

  it('copies every key while another node answers; writes made meanwhile arrive; WAIT waits for the copy', async () => {
    for (let i = 0; i < 3; i++) servers.push(await startServer());
    const [primary, replica, other] = servers as [Started, Started, Started];
    const db = primary.server.engine.ks.db(0);
    for (let i = 0; i < KEYS; i++) db.setString(`key:${i}`, `v${i}`);
    const h = newHash();
    for (let i = 0; i < 1000; i++) h.v.set(`f${i}`, 'x');
    h.big = true;
    db.set('hash', h);
    primary.server.engine.ks.db(3).setString('other-db', 'y');
    const c = await RawClient.connect(primary.port);
    try {
      let during!: Promise<string[]>;
      const { ping, loop, answered } = await whileWorking(other.port, async () => {
        replica.server.replicaOf(primary.server);
        // Sent while the copy is under way: a key the walk has not reached yet is deleted, one is added,
        // one already copied is changed, and WAIT must not count the replica before the copy ends.
        // WAIT's reply comes after the whole copy, whose wall time at load 20 passes call()'s 5 s: a minute each.
        const cmds = [['DEL', `key:${KEYS - 1}`], ['SET', 'new', 'n'], ['HSET', 'hash', 'f0', 'changed'], ['WAIT', '1', '0']];
        c.write(Buffer.concat(cmds.map((cmd) => encodeCommand(cmd))));
        during = (async () => {
          const out: string[] = [];
          for (let i = 0; i < cmds.length; i++) out.push((await c.read(60_000)).toString('latin1'));
          return out;
        })();
        await during;
      });
      expect(await during).toEqual([':1\r\n', '+OK\r\n', ':0\r\n', ':1\r\n']);
      expect(answered).toBeGreaterThan(0);
      expect(ping).toBeLessThan(STALL_BOUND_MS);
      expect(loop).toBeLessThan(STALL_BOUND_MS);
      const r = await RawClient.connect(replica.port);
      try {
        // The keys, less the deleted one, and the hash and the new key.
        expect(await r.call('DBSIZE')).toBe(`:${KEYS + 1}\r\n`);
        expect(await r.call('EXISTS', `key:${KEYS - 1}`)).toBe(':0\r\n');
        expect(await r.call('MGET', 'key:0', `key:${KEYS - 2}`, 'new')).toBe(`*3\r\n$2\r\nv0\r\n$${`v${KEYS - 2}`.length}\r\nv${KEYS - 2}\r\n$1\r\nn\r\n`);
        expect(await r.call('HGET', 'hash', 'f0')).toBe('$7\r\nchanged\r\n');
        await r.call('SELECT', '3');
        expect(await r.call('GET', 'other-db')).toBe('$1\r\ny\r\n');
      } finally {
        r.close();
      }
    } finally {
      c.close();
    }
  }, 60_000);
});
