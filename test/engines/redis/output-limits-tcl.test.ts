// client-output-buffer-limit as redis-server 7.0 applies it (found by Redis's unit/obuf-limits): the
// replica class is stored; a client closed for its hard limit gets nothing of the reply that passed it
// (not even the array header of a reply written in slices) nor of the replies queued before it in the
// same batch; a client left over its soft limit is closed once the seconds pass, with no more traffic.
// Differential on both servers.
import { describe, expect, it } from 'vitest';
import { RawClient, encodeCommand, realRedisAvailable, waitUntil } from './helpers.ts';
import { serverPair } from './server-pair.ts';

const available = realRedisAvailable();

const listed = async (admin: RawClient, name: string): Promise<string | undefined> =>
  (await admin.call('CLIENT', 'LIST')).split('\n').find((l) => l.includes(`name=${name} `));

describe.runIf(available)('client-output-buffer-limit as redis-server 7.0', () => {
  const pair = serverPair(['--enable-debug-command', 'yes']);

  async function withLimit<T>(port: number, limit: string, body: (admin: RawClient) => Promise<T>): Promise<T> {
    const admin = await RawClient.connect(port);
    const old = (await admin.call('CONFIG', 'GET', 'client-output-buffer-limit')).split('\r\n')[4] as string;
    try {
      await admin.call('FLUSHALL');
      await admin.call('CONFIG', 'SET', 'client-output-buffer-limit', limit);
      return await body(admin);
    } finally {
      await admin.call('CONFIG', 'SET', 'client-output-buffer-limit', old);
      admin.close();
    }
  }

  it('stores every class, the replica class included', async () => {
    const set = 'normal 1mb 2mb 60 replica 3mb 4mb 70 pubsub 5mb 6mb 80';
    const shown = (port: number) => withLimit(port, set, (admin) => admin.call('CONFIG', 'GET', 'client-output-buffer-limit'));
    expect(await shown(pair.ours.port)).toBe(await shown(pair.real.port));
  });

  /** What the limited client received before it was closed. */
  async function received(port: number, send: (c: RawClient, admin: RawClient) => Promise<void>, limit = 'normal 100000 0 0'): Promise<string> {
    return withLimit(port, limit, async (admin) => {
      await admin.call('RPUSH', 'big', ...Array.from({ length: 150 }, () => 'x'.repeat(1000)));
      await admin.call('SET', 'bigkey', 'y'.repeat(10000));
      const c = await RawClient.connect(port);
      await c.call('CLIENT', 'SETNAME', 'limited');
      await send(c, admin);
      await c.waitClosed(10000);
      return c.pending();
    });
  }

  it('a reply past the hard limit sends nothing, a sliced one not even its header', async () => {
    const send = async (c: RawClient) => c.write(encodeCommand(['LRANGE', 'big', '0', '-1']));
    const theirs = await received(pair.real.port, send);
    expect(await received(pair.ours.port, send)).toBe(theirs);
  });

  it('a reply written over many slices past the hard limit sends nothing either', async () => {
    // 24 MB against a 16 MB limit: written in many slices on our node, the first ones well below the limit
    // (they went out as they were written, and a loaded run sent even a 150 KB reply's first slice so).
    const send = async (c: RawClient, admin: RawClient) => {
      for (let i = 0; i < 12; i++) await admin.call('RPUSH', 'huge', ...Array.from({ length: 10_000 }, (_, j) => `${i}:${j}`.padEnd(200, 'z')));
      c.write(encodeCommand(['LRANGE', 'huge', '0', '-1']));
    };
    const limit = 'normal 16mb 0 0';
    const theirs = await received(pair.real.port, send, limit);
    expect(theirs).toBe('');
    expect(await received(pair.ours.port, send, limit)).toBe(theirs);
  }, 60_000);

  it('replies queued in the same batch before the one past the limit are not sent either', async () => {
    const send = async (c: RawClient, admin: RawClient) => {
      const sleeper = await RawClient.connect(admin.socket.remotePort as number);
      sleeper.write(encodeCommand(['DEBUG', 'SLEEP', '0.5']));
      // The pipeline arrives while the server sleeps, and runs as one batch once it wakes.
      await waitUntil('the sleep to start', async () => (await listed(admin, 'limited')) !== undefined);
      const batch: Buffer[] = [];
      for (let i = 0; i < 15; i++) batch.push(encodeCommand(['SET', `k${i}`, `${i}`]), encodeCommand(['GET', `k${i}`]), encodeCommand(['GET', 'bigkey']));
      c.write(Buffer.concat(batch));
      await sleeper.read(10000);
      sleeper.close();
    };
    const theirs = await received(pair.real.port, send);
    expect(await received(pair.ours.port, send)).toBe(theirs);
  });

  async function softLimitIdle(port: number): Promise<string> {
    return withLimit(port, 'pubsub 0 100000 1', async (admin) => {
      const sub = await RawClient.connect(port);
      await sub.call('CLIENT', 'SETNAME', 'idlesub');
      await sub.call('SUBSCRIBE', 'ch');
      // The subscriber never reads: publish until its output passes the soft limit, then stop.
      sub.socket.pause();
      const batch = Buffer.concat(Array.from({ length: 200 }, () => encodeCommand(['PUBLISH', 'ch', 'z'.repeat(1000)])));
      await waitUntil('output over the soft limit', async () => {
        admin.write(batch);
        for (let i = 0; i < 200; i++) await admin.read();
        const line = await listed(admin, 'idlesub');
        return line === undefined || Number(/omem=(\d+)/.exec(line)?.[1]) > 100000;
      }, 30000);
      const stopped = Date.now();
      await waitUntil('the subscriber to be closed', async () => (await listed(admin, 'idlesub')) === undefined, 10000);
      sub.close();
      return Date.now() - stopped < 8000 ? 'closed with no more traffic' : 'closed late';
    });
  }

  it('a subscriber left over its soft limit is closed once its seconds pass, with no more traffic', async () => {
    const theirs = await softLimitIdle(pair.real.port);
    expect(await softLimitIdle(pair.ours.port)).toBe(theirs);
  }, 60000);
});
