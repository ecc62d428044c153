// A bare engine as the replica of a redis-server 7.0.15 in another process, over Redis's replication
// protocol, compared with a redis-server replica of the same primary doing the same: the full sync's RDB
// replaces what the replica had, every later write arrives (transactions, expiry, databases), the replica
// refuses writes and acknowledges its offset (WAIT), continues from the primary's backlog after its link
// broke (the primary counts a partial sync), and REPLICAOF NO ONE makes it a primary with the data and the
// old stream as replid2.
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient, realRedisAvailable, startRealRedis, startServer, waitUntil } from './helpers.ts';
import { STALL_BOUND_MS, whileWorking } from './stall.ts';

const available = realRedisAvailable();

const field = (info: string, name: string): string => new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim() ?? 'none';
const flat = (reply: string): string => reply.replace(/\r\n/g, ' ').trim();

type Server = { port: number; stop(): Promise<void> };

describe.skipIf(!available)('REPLICAOF a redis-server in another process, as a redis-server replica', () => {
  const stops: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop();
  });

  /** A fresh redis-server primary started with `primaryArgs`, and connections to it and to the replica at `replicaPort`, let go after. */
  async function withPrimary<T>(replicaPort: number, primaryArgs: string[], scenario: (p: RawClient, r: RawClient, primaryPort: number) => Promise<T>): Promise<T> {
    const primary = await startRealRedis(primaryArgs);
    stops.push(primary.stop);
    const p = await RawClient.connect(primary.port);
    const r = await RawClient.connect(replicaPort);
    try {
      return await scenario(p, r, primary.port);
    } finally {
      await r.call('REPLICAOF', 'NO', 'ONE');
      r.close();
      p.close();
    }
  }

  /** `run` with a redis-server replica, then with ours: both transcripts. */
  async function onBoth(run: (replicaPort: number) => Promise<string[]>, realArgs: string[] = []): Promise<[theirs: string[], ours: string[]]> {
    const realReplica = await startRealRedis(realArgs);
    stops.push(realReplica.stop);
    const theirs = await run(realReplica.port);
    const ours = await startServer();
    stops.push(() => ours.server.close());
    return [theirs, await run(ours.port)];
  }

  it('syncs, follows, acknowledges, continues after a broken link and is promoted, as a redis-server replica', async () => {
    const run = async (replica: Server): Promise<string[]> => {
      // A fresh primary for each replica, so both see the same primary-side counts.
      const primary = await startRealRedis(['--repl-diskless-sync-delay', '0', '--enable-debug-command', 'yes']);
      stops.push(primary.stop);
      const p = await RawClient.connect(primary.port);
      const r = await RawClient.connect(replica.port);
      const out: string[] = [];
      try {
        // No periodic PING in the quiet second measured below.
        await p.call('CONFIG', 'SET', 'repl-ping-replica-period', '3600');
        await p.call('SET', 'before', 'in-the-rdb');
        await p.call('HSET', 'h', 'f', '1', 'g', '2');
        await p.call('SET', 'ttl', 'x', 'EX', '1000');
        await r.call('SET', 'replaced', 'by the full sync');
        out.push(`replicaof: ${flat(await r.call('REPLICAOF', '127.0.0.1', String(primary.port)))}`);
        await waitUntil('the link up', async () => field(await r.call('INFO', 'replication'), 'master_link_status') === 'up', 20000);
        out.push(`synced: ${flat(await r.call('GET', 'before'))} | ${flat(await r.call('EXISTS', 'replaced'))} | ttl set ${/^:(99\d|1000)\r\n$/.test(await r.call('TTL', 'ttl'))}`);
        await p.call('SELECT', '2');
        await p.call('MULTI');
        await p.call('RPUSH', 'l', 'a', 'b', 'c');
        await p.call('INCRBY', 'n', '7');
        await p.call('EXEC');
        await p.call('SET', 'short', 'v', 'PX', '100');
        await p.call('SELECT', '0');
        await p.call('HDEL', 'h', 'f');
        out.push(`WAIT: ${flat(await p.call('WAIT', '1', '5000'))}`);
        const digest = await p.call('DEBUG', 'DIGEST');
        await waitUntil('the replica to hold the same data', async () => {
          const d = await r.call('DEBUG', 'DIGEST');
          return d === digest;
        }, 20000);
        await r.call('SELECT', '2');
        out.push(`db 2: ${flat(await r.call('LRANGE', 'l', '0', '-1'))} | ${flat(await r.call('GET', 'n'))}`);
        await r.call('SELECT', '0');
        out.push(`write: ${flat(await r.call('SET', 'x', '1'))}`);
        const info = await r.call('INFO', 'replication');
        const pinfo = await p.call('INFO', 'replication');
        out.push(`role ${field(info, 'role')}, master ${field(info, 'master_host')}:${field(info, 'master_port') === String(primary.port)}, ID is the primary's ${field(info, 'master_replid') === field(pinfo, 'master_replid')}`);
        await waitUntil('the ACK of the offset', async () => {
          const i = await p.call('INFO', 'replication');
          return field(i, 'slave0').includes(`offset=${field(i, 'master_repl_offset')},`);
        });
        out.push(`the primary lists it: ${field(await p.call('INFO', 'replication'), 'slave0').replace(/ip=[^,]*,port=\d+,/, '').replace(/offset=\d+,lag=-?\d+/, '')}`);
        // The primary drops the link; writes made meanwhile come from its backlog when the replica is back.
        await p.call('CLIENT', 'KILL', 'TYPE', 'replica');
        await p.call('SET', 'during', 'the break');
        await waitUntil('the link up again', async () => field(await p.call('INFO', 'replication'), 'connected_slaves') === '1', 20000);
        await waitUntil('the write made during the break', async () => (await r.call('GET', 'during')) === '$9\r\nthe break\r\n', 20000);
        out.push(`primary's syncs: ${((await p.call('INFO', 'stats')).match(/\bsync_\w+:\d+/g) ?? []).join(' ')}`);
        await waitUntil('the short key gone', async () => (await r.call('EXISTS', 'short')) === ':0\r\n');
        await new Promise((resolve) => setTimeout(resolve, 1500));
        out.push(`quiet: last I/O a second ago or more ${Number(field(await r.call('INFO', 'replication'), 'master_last_io_seconds_ago')) >= 1}`);
        const before = await r.call('INFO', 'replication');
        out.push(`promoted: ${flat(await r.call('REPLICAOF', 'NO', 'ONE'))} | ${flat(await r.call('SET', 'x', '1'))} | ${flat(await r.call('GET', 'during'))}`);
        const after = await r.call('INFO', 'replication');
        out.push(`role ${field(after, 'role')}, new ID ${field(after, 'master_replid') !== field(before, 'master_replid')}, replid2 is the old ${field(after, 'master_replid2') === field(before, 'master_replid')}, second offset ${Number(field(after, 'second_repl_offset')) === Number(field(before, 'master_repl_offset')) + 1}`);
        return out;
      } finally {
        await r.call('REPLICAOF', 'NO', 'ONE');
        r.close();
        p.close();
      }
    };
    const realReplica = await startRealRedis(['--enable-debug-command', 'yes']);
    stops.push(realReplica.stop);
    const theirs = await run(realReplica);
    expect(theirs.join('\n')).not.toMatch(/false/);
    const ours = await startServer();
    stops.push(() => ours.server.close());
    expect(await run({ port: ours.port, stop: () => ours.server.close() })).toEqual(theirs);
  }, 120000);

  it('a full sync of 300k keys and a 20 MB value, length-prefixed (disk-based), loads in slices: another node answers meanwhile', async () => {
    const primary = await startRealRedis(['--repl-diskless-sync', 'no', '--enable-debug-command', 'yes']);
    stops.push(primary.stop);
    const replica = await startServer();
    const other = await startServer();
    stops.push(() => replica.server.close(), () => other.server.close());
    const p = await RawClient.connect(primary.port);
    const r = await RawClient.connect(replica.port);
    try {
      await p.call('DEBUG', 'POPULATE', '300000');
      await p.call('SET', 'big', 'b'.repeat(20 << 20));
      let sawSync = false;
      const { ping, loop, answered } = await whileWorking(other.port, async () => {
        await r.call('REPLICAOF', '127.0.0.1', String(primary.port));
        await waitUntil('the link up', async () => {
          const info = await r.call('INFO', 'replication');
          sawSync ||= field(info, 'master_sync_in_progress') === '1';
          return field(info, 'master_link_status') === 'up';
        }, 60000);
      });
      // The 30 MB payload takes a while to arrive and load: INFO answers meanwhile, and says so.
      expect(sawSync).toBe(true);
      expect(field(await r.call('INFO', 'replication'), 'master_sync_in_progress')).toBe('0');
      expect(answered).toBeGreaterThan(0);
      expect(ping).toBeLessThan(STALL_BOUND_MS);
      expect(loop).toBeLessThan(STALL_BOUND_MS);
      expect(await r.call('DBSIZE')).toBe(':300001\r\n');
      expect(await r.call('STRLEN', 'big')).toBe(`:${20 << 20}\r\n`);
      expect(await r.call('DEBUG', 'DIGEST')).toBe(await p.call('DEBUG', 'DIGEST'));
    } finally {
      await r.call('REPLICAOF', 'NO', 'ONE');
      r.close();
      p.close();
    }
  }, 120000);

  it('authenticates with masterauth (and masteruser) to a primary that asks for a password', async () => {
    const run = async (replicaPort: number): Promise<string[]> => {
      const primary = await startRealRedis(['--repl-diskless-sync-delay', '0']);
      stops.push(primary.stop);
      const p = await RawClient.connect(primary.port);
      const r = await RawClient.connect(replicaPort);
      try {
        await p.call('ACL', 'SETUSER', 'repl', 'on', '>pw2', '+psync', '+replconf', '+ping');
        await p.call('CONFIG', 'SET', 'requirepass', 'pw1');
        await p.call('AUTH', 'pw1');
        await p.call('SET', 'k', 'v');
        const out: string[] = [];
        for (const [user, pass] of [['', 'wrong'], ['', 'pw1'], ['repl', 'pw2']] as const) {
          await r.call('CONFIG', 'SET', 'masteruser', user);
          await r.call('CONFIG', 'SET', 'masterauth', pass);
          await r.call('REPLICAOF', '127.0.0.1', String(primary.port));
          if (pass === 'wrong') {
            await new Promise((resolve) => setTimeout(resolve, 1500));
            out.push(`${user}/${pass}: link ${field(await r.call('INFO', 'replication'), 'master_link_status')}`);
          } else {
            await waitUntil('the link up', async () => field(await r.call('INFO', 'replication'), 'master_link_status') === 'up', 20000);
            out.push(`${user}/${pass}: link up, ${flat(await r.call('GET', 'k'))}`);
          }
          await r.call('REPLICAOF', 'NO', 'ONE');
          await r.call('FLUSHALL');
        }
        return out;
      } finally {
        await r.call('CONFIG', 'SET', 'masterauth', '');
        await r.call('CONFIG', 'SET', 'masteruser', '');
        r.close();
        p.close();
      }
    };
    const realReplica = await startRealRedis();
    stops.push(realReplica.stop);
    const theirs = await run(realReplica.port);
    expect(theirs).toEqual(['/wrong: link down', '/pw1: link up, $1 v', 'repl/pw2: link up, $1 v']);
    const ours = await startServer();
    stops.push(() => ours.server.close());
    expect(await run(ours.port)).toEqual(theirs);
  }, 60000);

  it('relays its primary\'s stream to a sub-replica: the sync names the stream\'s database and the primary\'s ID and offsets; the sub-replica continues after a broken link and after this replica\'s promotion', async () => {
    const run = async (middlePort: number): Promise<string[]> => {
      const primary = await startRealRedis(['--repl-diskless-sync-delay', '0', '--enable-debug-command', 'yes']);
      const sub = await startRealRedis(['--enable-debug-command', 'yes']);
      stops.push(primary.stop, sub.stop);
      const p = await RawClient.connect(primary.port);
      const m = await RawClient.connect(middlePort);
      const r = await RawClient.connect(sub.port);
      const out: string[] = [];
      const linkUp = (c: RawClient) => waitUntil('the link up', async () => field(await c.call('INFO', 'replication'), 'master_link_status') === 'up', 20000);
      try {
        await m.call('CONFIG', 'SET', 'repl-diskless-sync-delay', '0');
        await m.call('REPLICAOF', '127.0.0.1', String(primary.port));
        await linkUp(m);
        // The primary's stream is in database 3 when the sub-replica syncs: the middle's RDB must say so.
        await p.call('SELECT', '3');
        await p.call('SET', 'k3', 'a');
        await waitUntil('k3 on the middle', async () => (await m.call('INFO', 'keyspace')).includes('db3:keys=1'));
        out.push(`sub: ${flat(await r.call('REPLICAOF', '127.0.0.1', String(middlePort)))}`);
        await linkUp(r);
        await p.call('SET', 'k3b', 'b');
        await p.call('SELECT', '0');
        await p.call('RPUSH', 'l', 'x');
        const digest = await p.call('DEBUG', 'DIGEST');
        await waitUntil('the sub-replica to hold the same data', async () => (await r.call('DEBUG', 'DIGEST')) === digest, 20000);
        const [pi, mi, ri] = [await p.call('INFO', 'replication'), await m.call('INFO', 'replication'), await r.call('INFO', 'replication')];
        out.push(`one stream: IDs ${field(mi, 'master_replid') === field(pi, 'master_replid') && field(ri, 'master_replid') === field(pi, 'master_replid')}, offsets ${field(mi, 'master_repl_offset') === field(pi, 'master_repl_offset') && field(ri, 'master_repl_offset') === field(pi, 'master_repl_offset')}`);
        out.push(`middle: ${field(mi, 'role')}, ${field(mi, 'connected_slaves')} replica, backlog ${field(mi, 'repl_backlog_active')}`);
        // The middle drops the sub-replica: it continues from the middle's backlog.
        await m.call('CLIENT', 'KILL', 'TYPE', 'replica');
        await p.call('SET', 'during', '1');
        await waitUntil('the sub-replica back', async () => (await r.call('GET', 'during')) === '$1\r\n1\r\n', 20000);
        out.push(`middle's syncs: ${((await m.call('INFO', 'stats')).match(/\bsync_\w+:\d+/g) ?? []).join(' ')}`);
        // The middle is promoted: the sub-replica continues under its new ID, and gets its writes.
        await m.call('REPLICAOF', 'NO', 'ONE');
        await m.call('SET', 'from-middle', 'yes');
        await waitUntil('the middle\'s write on the sub-replica', async () => (await r.call('GET', 'from-middle')) === '$3\r\nyes\r\n', 20000);
        const [mi2, ri2] = [await m.call('INFO', 'replication'), await r.call('INFO', 'replication')];
        out.push(`after promotion: sub follows the new ID ${field(ri2, 'master_replid') === field(mi2, 'master_replid')}, middle's replid2 is the primary's ${field(mi2, 'master_replid2') === field(pi, 'master_replid')}`);
        out.push(`middle's syncs: ${((await m.call('INFO', 'stats')).match(/\bsync_\w+:\d+/g) ?? []).join(' ')}`);
        return out;
      } finally {
        await r.call('REPLICAOF', 'NO', 'ONE');
        await m.call('REPLICAOF', 'NO', 'ONE');
        for (const c of [p, m, r]) c.close();
      }
    };
    const realMiddle = await startRealRedis(['--enable-debug-command', 'yes']);
    stops.push(realMiddle.stop);
    const theirs = await run(realMiddle.port);
    expect(theirs.join('\n')).not.toMatch(/false/);
    const ours = await startServer();
    stops.push(() => ours.server.close());
    expect(await run(ours.port)).toEqual(theirs);
  }, 120000);

  it('a key past its TTL is still there for the primary\'s commands: an INCR that reaches the replica after the expiry increments it, and clients still see it expired', async () => {
    const run = (replicaPort: number) =>
      withPrimary(replicaPort, ['--repl-diskless-sync-delay', '0', '--enable-debug-command', 'yes'], async (p, r, primaryPort) => {
        await r.call('REPLICAOF', '127.0.0.1', String(primaryPort));
        await waitUntil('the link up', async () => field(await r.call('INFO', 'replication'), 'master_link_status') === 'up', 20000);
        // Inside EXEC the primary's clock stands still, so its INCR finds k alive; the replica gets both 300 ms later.
        await p.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
        await p.call('MULTI');
        await p.call('SET', 'k', '1', 'PX', '100');
        await p.call('DEBUG', 'SLEEP', '0.3');
        await p.call('INCR', 'k');
        await p.call('EXEC');
        await p.call('SET', 'after', '1');
        await waitUntil('the stream applied', async () => (await r.call('EXISTS', 'after')) === ':1\r\n', 20000);
        const object = await r.call('DEBUG', 'OBJECT', 'k');
        return [`EXISTS k ${flat(await r.call('EXISTS', 'k'))}`, `DEBUG OBJECT k: ${object.startsWith('+Value') ? 'there' : flat(object)}`];
      });
    const [theirs, ours] = await onBoth(run, ['--enable-debug-command', 'yes']);
    expect(theirs).toEqual(['EXISTS k :0', 'DEBUG OBJECT k: there']);
    expect(ours).toEqual(theirs);
  }, 60000);

  it('runs the stream on a master client: CLIENT LIST shows it, commandstats count its commands, CLIENT KILL TYPE master breaks the link and it continues', async () => {
    const run = (replicaPort: number) =>
      withPrimary(replicaPort, ['--repl-diskless-sync-delay', '0'], async (p, r, primaryPort) => {
        await r.call('CONFIG', 'RESETSTAT');
        await r.call('REPLICAOF', '127.0.0.1', String(primaryPort));
        await waitUntil('the link up', async () => field(await r.call('INFO', 'replication'), 'master_link_status') === 'up', 20000);
        await p.call('SET', 'a', '1');
        await p.call('RPUSH', 'l', 'x', 'y');
        await waitUntil('the writes on the replica', async () => (await r.call('EXISTS', 'l')) === ':1\r\n');
        const list = (await r.call('CLIENT', 'LIST', 'TYPE', 'master')).split('\n').filter((l) => l.includes('id='));
        const stats = await r.call('INFO', 'commandstats');
        const out = [
          `master clients ${list.length}, ${list.map((l) => `${/ addr=(\S+)/.exec(l)?.[1] === `127.0.0.1:${primaryPort}` ? 'addr of the primary' : 'other addr'} ${/ flags=(\S+)/.exec(l)?.[1]}`).join()}`,
          `commandstats: ${(stats.match(/cmdstat_(set|rpush):calls=\d+/g) ?? []).sort().join(' ')}`,
          `kill: ${flat(await r.call('CLIENT', 'KILL', 'TYPE', 'master'))}`,
        ];
        await p.call('SET', 'b', '2');
        await waitUntil('the link back', async () => (await r.call('GET', 'b')) === '$1\r\n2\r\n', 20000);
        out.push(`primary: ${((await p.call('INFO', 'stats')).match(/\bsync_(full|partial_ok):\d+/g) ?? []).join(' ')}`);
        return out;
      });
    const [theirs, ours] = await onBoth(run);
    expect(theirs).toEqual(['master clients 1, addr of the primary M', 'commandstats: cmdstat_rpush:calls=1 cmdstat_set:calls=1', 'kill: :1', 'primary: sync_full:1 sync_partial_ok:1']);
    expect(ours).toEqual(theirs);
  }, 60000);

  it('a writable replica whose key the primary\'s command cannot apply to keeps its own value and logs the error, as 7.0', async () => {
    const primary = await startRealRedis(['--repl-diskless-sync-delay', '0']);
    stops.push(primary.stop);
    const ours = await startServer();
    stops.push(() => ours.server.close());
    const logged: string[] = [];
    ours.server.engine.notice = (m) => logged.push(m);
    const p = await RawClient.connect(primary.port);
    const r = await RawClient.connect(ours.port);
    try {
      await r.call('REPLICAOF', '127.0.0.1', String(primary.port));
      await waitUntil('the link up', async () => field(await r.call('INFO', 'replication'), 'master_link_status') === 'up', 20000);
      await r.call('CONFIG', 'SET', 'replica-read-only', 'no');
      await r.call('SET', 'number2', 'foo');
      await p.call('INCRBY', 'number2', '1');
      expect(await p.call('WAIT', '1', '5000')).toBe(':1\r\n');
      expect([await p.call('GET', 'number2'), await r.call('GET', 'number2')]).toEqual(['$1\r\n1\r\n', '$3\r\nfoo\r\n']);
      expect(logged.filter((m) => m.includes('incrby'))).toEqual(["== CRITICAL == This replica is sending an error to its master: 'ERR value is not an integer or out of range' after processing the command 'incrby'"]);
    } finally {
      await r.call('REPLICAOF', 'NO', 'ONE');
      r.close();
      p.close();
    }
  }, 60000);

  it('DEBUG REPLICATE: a command the primary sends without running it; a replica logs one it does not know and goes on', async () => {
    // Ours as the primary of a redis-server replica, compared with a redis-server primary.
    const diverge = async (primaryPort: number): Promise<string[]> => {
      const p = await RawClient.connect(primaryPort);
      await p.call('CONFIG', 'SET', 'repl-diskless-sync-delay', '0');
      const replica = await startRealRedis(['--replicaof', '127.0.0.1', String(primaryPort)]);
      stops.push(replica.stop);
      const r = await RawClient.connect(replica.port);
      try {
        await waitUntil('the link up', async () => field(await r.call('INFO', 'replication'), 'master_link_status') === 'up', 20000);
        const out = [flat(await p.call('DEBUG', 'REPLICATE', 'SET', 'only', 'there')), flat(await p.call('DEBUG', 'REPLICATE'))];
        await p.call('SET', 'after', '1');
        await waitUntil('the stream applied', async () => (await r.call('EXISTS', 'after')) === ':1\r\n', 20000);
        out.push(`primary ${flat(await p.call('EXISTS', 'only'))}, replica ${flat(await r.call('GET', 'only'))}`);
        return out;
      } finally {
        r.close();
        p.close();
      }
    };
    const realPrimary = await startRealRedis(['--enable-debug-command', 'yes']);
    stops.push(realPrimary.stop);
    const ourPrimary = await startServer();
    stops.push(() => ourPrimary.server.close());
    const theirs = await diverge(realPrimary.port);
    expect(theirs[0]).toBe('+OK');
    expect(await diverge(ourPrimary.port)).toEqual(theirs);
    // Ours as the replica of a redis-server primary that sends a command nobody knows.
    const ours = await startServer();
    stops.push(() => ours.server.close());
    const logged: string[] = [];
    ours.server.engine.notice = (m) => logged.push(m);
    await withPrimary(ours.port, ['--repl-diskless-sync-delay', '0', '--enable-debug-command', 'yes'], async (p, r, primaryPort) => {
      await r.call('REPLICAOF', '127.0.0.1', String(primaryPort));
      await waitUntil('the link up', async () => field(await r.call('INFO', 'replication'), 'master_link_status') === 'up', 20000);
      await p.call('DEBUG', 'REPLICATE', 'fake-command-1');
      await p.call('SET', 'foo', 'bar2');
      expect(await p.call('WAIT', '1', '5000')).toBe(':1\r\n');
      expect(await r.call('GET', 'foo')).toBe('$4\r\nbar2\r\n');
    });
    expect(logged.filter((m) => m.includes('fake-command-1'))).toEqual(["== CRITICAL == This replica is sending an error to its master: 'ERR unknown command 'fake-command-1', with args beginning with: ' after processing the command '<unknown>'"]);
  }, 60000);
});
