// In-process replication: a replica follows its primary's data, refuses writes, and can be promoted.
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient, startServer, waitBlocked, type Started } from './helpers.ts';

const started: Started[] = [];
const clients: RawClient[] = [];
async function server(opts: Parameters<typeof startServer>[0] = {}): Promise<Started> {
  const s = await startServer(opts);
  started.push(s);
  return s;
}
async function connect(port: number): Promise<RawClient> {
  const c = await RawClient.connect(port);
  clients.push(c);
  return c;
}
const settle = () => new Promise((r) => setTimeout(r, 20));

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const s of started.splice(0)) await s.server.close();
});

describe('replication', () => {
  it('copies existing data, then follows every change including non-deterministic ones', async () => {
    const primary = await server();
    const replica = await server();
    const p = await connect(primary.port);
    const r = await connect(replica.port);
    await p.call('SET', 'before', 'yes', 'EX', '1000');
    replica.server.replicaOf(primary.server);
    expect(await r.call('GET', 'before')).toBe('$3\r\nyes\r\n');
    expect(await r.call('TTL', 'before')).toBe(':1000\r\n');
    await p.call('SADD', 's', 'a', 'b', 'c');
    const popped = await p.call('SPOP', 's');
    const id = await p.call('XADD', 'x', '*', 'f', 'v');
    await p.call('HSET', 'h', 'f', 'v');
    await p.call('DEL', 'before');
    await settle();
    expect(await r.call('SCARD', 's')).toBe(':2\r\n');
    expect(await r.call('SISMEMBER', 's', popped.split('\r\n')[1] as string)).toBe(':0\r\n');
    expect(await r.call('XRANGE', 'x', '-', '+')).toContain(id.split('\r\n')[1] as string);
    expect(await r.call('HGET', 'h', 'f')).toBe('$1\r\nv\r\n');
    expect(await r.call('EXISTS', 'before')).toBe(':0\r\n');
  });

  it('refuses writes on the replica, also inside MULTI, and reports roles', async () => {
    const primary = await server();
    const replica = await server();
    replica.server.replicaOf(primary.server);
    const r = await connect(replica.port);
    const p = await connect(primary.port);
    expect(await r.call('SET', 'k', 'v')).toBe("-READONLY You can't write against a read only replica.\r\n");
    await r.call('MULTI');
    expect(await r.call('INCR', 'n')).toBe("-READONLY You can't write against a read only replica.\r\n");
    expect(await r.call('EXEC')).toBe('-EXECABORT Transaction discarded because of previous errors.\r\n');
    expect(await r.call('ROLE')).toBe(`*5\r\n$5\r\nslave\r\n$9\r\n127.0.0.1\r\n:${primary.port}\r\n$9\r\nconnected\r\n:0\r\n`);
    expect(await r.call('INFO', 'replication')).toContain(`role:slave\r\nmaster_host:127.0.0.1\r\nmaster_port:${primary.port}\r\nmaster_link_status:up`);
    expect(await p.call('INFO', 'replication')).toContain(`role:master\r\nconnected_slaves:1\r\nslave0:ip=127.0.0.1,port=${replica.port},state=online`);
    expect(await p.call('WAIT', '1', '0')).toBe(':1\r\n');
  });

  it('mirrors FLUSHALL and SWAPDB, and a served blocking pop', async () => {
    const primary = await server();
    const replica = await server();
    replica.server.replicaOf(primary.server);
    const p = await connect(primary.port);
    const b = await connect(primary.port);
    const r = await connect(replica.port);
    await p.call('MSET', 'a', '1', 'b', '2');
    await p.call('SELECT', '1');
    await p.call('SET', 'in1', 'x');
    await p.call('SWAPDB', '0', '1');
    await p.call('SELECT', '0');
    await settle();
    expect(await r.call('EXISTS', 'in1', 'a')).toBe(':1\r\n');
    await p.call('FLUSHALL');
    await settle();
    expect(await r.call('DBSIZE')).toBe(':0\r\n');
    const pending = b.call('BLPOP', 'q', '5');
    await waitBlocked(p, 1);
    await p.call('RPUSH', 'q', 'one', 'two');
    expect(await pending).toBe('*2\r\n$1\r\nq\r\n$3\r\none\r\n');
    await settle();
    expect(await r.call('LRANGE', 'q', '0', '-1')).toBe('*1\r\n$3\r\ntwo\r\n');
  });

  it('keeps data when the primary goes away and becomes writable when promoted', async () => {
    const primary = await server();
    const replica = await server();
    replica.server.replicaOf(primary.server);
    const p = await connect(primary.port);
    await p.call('SET', 'k', 'v');
    await settle();
    await primary.server.close();
    const r = await connect(replica.port);
    expect(await r.call('GET', 'k')).toBe('$1\r\nv\r\n');
    expect(await r.call('INFO', 'replication')).toContain('master_link_status:down');
    replica.server.replicaOf(null);
    expect(await r.call('SET', 'k', 'w')).toBe('+OK\r\n');
    expect(await r.call('ROLE')).toMatch(/^\*3\r\n\$6\r\nmaster\r\n:\d+\r\n\*0\r\n$/);
  });

  it('supports REPLICAOF host port and REPLICAOF NO ONE between servers of this process', async () => {
    const primary = await server();
    const replica = await server();
    const p = await connect(primary.port);
    const r = await connect(replica.port);
    await p.call('SET', 'k', 'v');
    expect(await r.call('REPLICAOF', '127.0.0.1', String(primary.port))).toBe('+OK\r\n');
    expect(await r.call('GET', 'k')).toBe('$1\r\nv\r\n');
    expect(await r.call('REPLICAOF', 'NO', 'ONE')).toBe('+OK\r\n');
    expect(await r.call('SET', 'k', 'mine')).toBe('+OK\r\n');
  });

  it('delivers PUBLISH to replica subscribers and invalidates client-side caches on replicas', async () => {
    const primary = await server();
    const replica = await server();
    replica.server.replicaOf(primary.server);
    const p = await connect(primary.port);
    const sub = await connect(replica.port);
    const cache = await connect(replica.port);
    await sub.call('SUBSCRIBE', 'news');
    expect(await p.call('PUBLISH', 'news', 'hi')).toBe(':0\r\n');
    expect((await sub.read()).toString()).toBe('*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$2\r\nhi\r\n');
    await cache.call('HELLO', '3');
    await cache.call('CLIENT', 'TRACKING', 'ON');
    await cache.call('GET', 'cached');
    await p.call('SET', 'cached', 'new');
    expect((await cache.read()).toString()).toBe('>2\r\n$10\r\ninvalidate\r\n*1\r\n$6\r\ncached\r\n');
  });
});
