// A replica's link as INFO replication, ROLE and WAIT show it: healthy, after the primary went away, and
// cut or delayed by the fault API (on the engine clock, so repl-timeout's 60 s pass at once).
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient, realRedisAvailable, startRealRedis, startServer, waitBlocked, type RealRedis, type Started } from './helpers.ts';

const started: Started[] = [];
const real: RealRedis[] = [];
const clients: RawClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const s of started.splice(0)) await s.server.close();
  for (const r of real.splice(0)) await r.stop();
});

async function connect(port: number): Promise<RawClient> {
  const c = await RawClient.connect(port);
  clients.push(c);
  return c;
}

/** A primary and its replica, both on manual clocks when asked. */
async function pair(manualClock = false) {
  const primary = await startServer({}, manualClock);
  const replica = await startServer({}, manualClock);
  started.push(primary, replica);
  replica.server.replicaOf(primary.server);
  return { primary, replica, p: await connect(primary.port), r: await connect(replica.port) };
}

const fields = (info: string) =>
  Object.fromEntries(info.split('\r\n').filter((l) => l.includes(':')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)]));
/** INFO replication's field names in order; a slaveN line also by the names of its parts. */
const shape = (info: string) =>
  info.split('\r\n').filter((l) => l.includes(':')).map((l) => {
    const [name, value] = [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)];
    return /^slave\d+$/.test(name) ? `${name}:${value.split(',').map((kv) => kv.split('=')[0]).join(',')}` : name;
  });
const bulkBody = (reply: string) => reply.slice(reply.indexOf('\r\n') + 2);

async function until(probe: () => Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('INFO replication against redis-server 7.0', () => {
  it.runIf(realRedisAvailable())('has its fields in its order on a primary, a replica, and a replica whose primary went away', async () => {
    const realPrimary = await startRealRedis(['--repl-diskless-sync-delay', '0']);
    const realReplica = await startRealRedis(['--replicaof', '127.0.0.1', '0']);
    real.push(realPrimary, realReplica);
    const rp = await connect(realPrimary.port);
    const rr = await connect(realReplica.port);
    await rr.call('REPLICAOF', '127.0.0.1', String(realPrimary.port));
    await rp.call('SET', 'k', 'v');
    await until(async () => fields(bulkBody(await rr.call('INFO', 'replication'))).master_link_status === 'up' && bulkBody(await rp.call('INFO', 'replication')).includes('state=online'));
    const { primary, p, r } = await pair();
    await p.call('SET', 'k', 'v');

    expect(shape(bulkBody(await p.call('INFO', 'replication')))).toEqual(shape(bulkBody(await rp.call('INFO', 'replication'))));
    expect(shape(bulkBody(await r.call('INFO', 'replication')))).toEqual(shape(bulkBody(await rr.call('INFO', 'replication'))));

    await rp.call('SHUTDOWN', 'NOSAVE').catch(() => undefined);
    await primary.server.close();
    await until(async () => fields(bulkBody(await rr.call('INFO', 'replication'))).master_link_status === 'down');
    const [ours, theirs] = [bulkBody(await r.call('INFO', 'replication')), bulkBody(await rr.call('INFO', 'replication'))];
    expect(shape(ours)).toEqual(shape(theirs));
    expect(fields(ours)).toMatchObject({ master_link_status: 'down', master_last_io_seconds_ago: '-1', master_link_down_since_seconds: '0' });
    expect(fields(theirs)).toMatchObject({ master_link_status: 'down', master_last_io_seconds_ago: '-1' });
  }, 30_000);
});

describe('a link held back by the fault API', () => {
  it('cut: the primary shows the last acknowledged offset and a growing lag, then drops the replica at repl-timeout; the replica then reports its link down', async () => {
    const { primary, replica, p, r } = await pair(true);
    await p.call('SET', 'a', '1');
    expect(await p.call('WAIT', '1', '0')).toBe(':1\r\n');
    const acked = Number(fields(bulkBody(await p.call('INFO', 'replication'))).master_repl_offset);
    replica.server.faultReplication({ delayMs: null });
    await p.call('SET', 'b', '2');
    // Blocked timeouts run on the engine clock too.
    const waited = p.call('WAIT', '1', '50');
    await waitBlocked(await connect(primary.port), 1);
    primary.clock!.advance(30_000);
    replica.clock!.advance(30_000);
    expect(await waited).toBe(':0\r\n');
    let info = fields(bulkBody(await p.call('INFO', 'replication')));
    expect(info.slave0).toBe(`ip=127.0.0.1,port=${replica.port},state=online,offset=${acked},lag=30`);
    expect(Number(info.master_repl_offset)).toBeGreaterThan(acked);
    expect(fields(bulkBody(await r.call('INFO', 'replication')))).toMatchObject({
      master_link_status: 'up', master_last_io_seconds_ago: '30', slave_repl_offset: String(acked),
    });
    expect(await r.call('GET', 'b')).toBe('$-1\r\n');

    // repl-timeout is 60 s on both sides.
    primary.clock!.advance(31_000);
    replica.clock!.advance(32_000);
    info = fields(bulkBody(await p.call('INFO', 'replication')));
    expect(info.connected_slaves).toBe('0');
    expect(info.slave0).toBeUndefined();
    expect(await p.call('ROLE')).toMatch(/^\*3\r\n\$6\r\nmaster\r\n:\d+\r\n\*0\r\n$/);
    expect(fields(bulkBody(await r.call('INFO', 'replication')))).toMatchObject({
      master_link_status: 'down', master_last_io_seconds_ago: '-1', master_link_down_since_seconds: '2',
    });
    expect(await r.call('ROLE')).toContain('$7\r\nconnect\r\n');

    replica.server.faultReplication(null);
    expect(await r.call('GET', 'b')).toBe('$1\r\n2\r\n');
    info = fields(bulkBody(await p.call('INFO', 'replication')));
    expect(info.slave0).toBe(`ip=127.0.0.1,port=${replica.port},state=online,offset=${info.master_repl_offset},lag=0`);
    expect(fields(bulkBody(await r.call('INFO', 'replication'))).master_link_status).toBe('up');
  });

  it('delayed: each change lands delayMs later on the engine clock, acknowledged then; lag stays 0 as ACKs still flow', async () => {
    const { primary, replica, p, r } = await pair(true);
    replica.server.faultReplication({ delayMs: 10_000 });
    await p.call('SET', 'k', '1');
    await p.call('INCR', 'n');
    const waiting = p.call('WAIT', '1', '0');
    await waitBlocked(await connect(primary.port), 1);
    expect(await r.call('GET', 'k')).toBe('$-1\r\n');
    const info = fields(bulkBody(await r.call('INFO', 'replication')));
    expect(info.master_link_status).toBe('up');

    primary.clock!.advance(10_000);
    replica.clock!.advance(10_000);
    expect(await waiting).toBe(':1\r\n');
    expect(await r.call('GET', 'k')).toBe('$1\r\n1\r\n');
    expect(await r.call('GET', 'n')).toBe('$1\r\n1\r\n');
    const after = fields(bulkBody(await p.call('INFO', 'replication')));
    expect(after.slave0).toBe(`ip=127.0.0.1,port=${replica.port},state=online,offset=${after.master_repl_offset},lag=0`);
    // An idle primary still pings every repl-ping-replica-period (10 s), so the replica's last I/O is never older.
    replica.clock!.advance(25_000);
    expect(fields(bulkBody(await r.call('INFO', 'replication'))).master_last_io_seconds_ago).toBe('10');
  });
});
