// Clients' buffers count toward maxmemory, as in redis-server (its allocator counts query and output
// buffers in used_memory; maxmemory-clients 0 leaves every client alone): clients that ask for a big
// value and do not read make keys be evicted, the pending half of a request does too, and the memory
// is given back once those clients are gone. Replies count from the moment they are queued: a
// pipeline's earlier replies make keys be evicted before its later commands, though the client reads.
import { describe, expect, it } from 'vitest';
import { RawClient, realRedisAvailable, waitUntil } from './helpers.ts';
import { serverPair } from './server-pair.ts';

const needed = realRedisAvailable() || process.env.CI === 'true';
const KEYS = 30;

const info = async (r: RawClient, field: string): Promise<number> => Number(new RegExp(`\\r\\n${field}:(\\d+)`).exec(await r.call('INFO'))?.[1]);

/** 30 keys of 100 KB with a TTL (volatile-lru evicts those), a 1 MB `big` without one, maxmemory 1 MB above that. */
async function fill(r: RawClient): Promise<void> {
  await r.call('FLUSHALL');
  await r.call('CONFIG', 'SET', 'maxmemory', '0');
  await r.call('CONFIG', 'SET', 'maxmemory-policy', 'volatile-lru');
  await r.call('CONFIG', 'RESETSTAT');
  for (let i = 0; i < KEYS; i++) {
    await r.call('SETRANGE', `k${i}`, '100000', 'x');
    await r.call('EXPIRE', `k${i}`, '1000');
  }
  await r.call('SETRANGE', 'big', String(1024 * 1024), 'x');
  await r.call('CONFIG', 'SET', 'maxmemory', String((await info(r, 'used_memory')) + 1024 * 1024));
}

/** What `grow` makes the server hold: keys evicted or not, and used_memory under maxmemory after those clients went. */
async function evictionBy(port: number, grow: (c: RawClient) => void): Promise<{ evicted: boolean; bigKept: boolean; clientsEvicted: number; freedAfter: boolean }> {
  const r = await RawClient.connect(port);
  const clients: RawClient[] = [];
  try {
    await fill(r);
    for (let i = 0; i < 3; i++) {
      const c = await RawClient.connect(port);
      // Never read: what the socket does not take stays in the server's output buffer.
      c.socket.pause();
      clients.push(c);
      grow(c);
    }
    let evicted = true;
    await waitUntil('keys evicted', async () => (await info(r, 'evicted_keys')) > 0, 20000).catch(() => (evicted = false));
    const left = Number((await r.call('DBSIZE')).slice(1));
    const bigKept = (await r.call('EXISTS', 'big')) === ':1\r\n';
    const clientsEvicted = await info(r, 'evicted_clients');
    for (const c of clients) c.close();
    let freedAfter = true;
    await waitUntil('clients gone', async () => (await info(r, 'connected_clients')) === 1 && (await info(r, 'used_memory')) < (await info(r, 'maxmemory')), 20000).catch(() => (freedAfter = false));
    return { evicted: evicted && left < KEYS + 1, bigKept, clientsEvicted, freedAfter };
  } finally {
    for (const c of clients) c.close();
    await r.call('CONFIG', 'SET', 'maxmemory', '0');
    r.close();
  }
}

describe.skipIf(!needed)('clients\' buffers under maxmemory, as redis-server 7.0', () => {
  const pair = serverPair();
  const expected = { evicted: true, bigKept: true, clientsEvicted: 0, freedAfter: true };

  it('clients that GET a big value and do not read make keys be evicted', async () => {
    // 10 MB of replies each: the kernel takes a few MB per socket, the rest waits in the server.
    const grow = (c: RawClient) => c.write('GET big\r\n'.repeat(10));
    const [ours, real] = [await evictionBy(pair.ours.port, grow), await evictionBy(pair.real.port, grow)];
    expect(real).toEqual(expected);
    expect(ours).toEqual(real);
  }, 90000);

  it('replies a pipeline queued weigh in before its next command, though the client reads them', async () => {
    // Six 1 MB replies, then maxmemory off: only an eviction between the pipeline's commands is seen
    // (unit/maxmemory 'eviction due to output buffers of many MGET clients, client eviction: false').
    const evictedInPipeline = async (port: number): Promise<{ evicted: number; replies: number }> => {
      const r = await RawClient.connect(port);
      const c = await RawClient.connect(port);
      try {
        await fill(r);
        c.write(`${'GET big\r\n'.repeat(6)}CONFIG SET maxmemory 0\r\n`);
        let replies = 0;
        for (let i = 0; i < 7; i++) if ((await c.read(20000)).length > 0) replies++;
        return { evicted: Math.min(await info(r, 'evicted_keys'), 1), replies };
      } finally {
        await r.call('CONFIG', 'SET', 'maxmemory', '0');
        c.close();
        r.close();
      }
    };
    const [ours, real] = [await evictedInPipeline(pair.ours.port), await evictedInPipeline(pair.real.port)];
    expect(real).toEqual({ evicted: 1, replies: 7 });
    expect(ours).toEqual(real);
  }, 90000);

  it('requests whose end never comes make keys be evicted', async () => {
    // 600 KB of a 700-argument request each, argument by argument, never completed.
    const grow = (c: RawClient) => c.write(`*700\r\n$4\r\nMSET\r\n${`$1000\r\n${'x'.repeat(1000)}\r\n`.repeat(600)}`);
    const [ours, real] = [await evictionBy(pair.ours.port, grow), await evictionBy(pair.real.port, grow)];
    expect(real).toEqual(expected);
    expect(ours).toEqual(real);
  }, 90000);
});
