// The binary protocol as a real client library uses it (memjs), including SASL PLAIN.
import memjs from 'memjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOurs, type Target } from './helpers.ts';

function client(port: number, auth?: { username: string; password: string }) {
  return memjs.Client.create(`127.0.0.1:${port}`, { retries: 0, timeout: 2, logger: { log: () => {} }, ...auth });
}

describe('memjs against our engine', () => {
  let server: Target;
  let mc: memjs.Client;
  beforeAll(async () => {
    server = await startOurs();
    mc = client(server.port);
  });
  afterAll(async () => {
    mc.close();
    await server.close();
  });

  it('sets, gets and deletes', async () => {
    expect(await mc.set('k1', 'v1', { expires: 0 })).toBe(true);
    const got = await mc.get('k1');
    expect(got.value?.toString()).toBe('v1');
    expect(await mc.delete('k1')).toBe(true);
    expect((await mc.get('k1')).value).toBeNull();
    expect(await mc.delete('k1')).toBe(false);
  });

  it('round-trips binary values and flags', async () => {
    const value = Buffer.from([0, 1, 2, 255, 13, 10, 0]);
    await mc.set('bin', value, {});
    expect((await mc.get('bin')).value).toEqual(value);
  });

  it('adds and replaces', async () => {
    expect(await mc.add('a1', 'x', {})).toBe(true);
    expect(await mc.add('a1', 'y', {})).toBe(false);
    expect(await mc.replace('a1', 'z', {})).toBe(true);
    expect(await mc.replace('missing-r', 'z', {})).toBe(false);
    expect((await mc.get('a1')).value?.toString()).toBe('z');
  });

  it('increments and decrements with an initial value', async () => {
    expect(await mc.increment('ctr', 5, { initial: 10 })).toEqual({ success: true, value: 10 });
    expect(await mc.increment('ctr', 5, {})).toEqual({ success: true, value: 15 });
    expect(await mc.decrement('ctr', 100, {})).toEqual({ success: true, value: 0 });
  });

  // memjs 1.3 sends prepend with the append opcode, so prepend is covered by the raw binary tests.
  it('appends and touches', async () => {
    await mc.set('ap', 'm', {});
    expect(await mc.append('ap', 'z')).toBe(true);
    expect((await mc.get('ap')).value?.toString()).toBe('mz');
    expect(await mc.touch('ap', 100)).toBe(true);
    expect(await mc.touch('nothing-here', 100)).toBe(false);
  });

  it('reports stats and version, and flushes', async () => {
    const stats = await new Promise<Record<string, string>>((resolve, reject) =>
      mc.stats((err, _server, s) => (err ? reject(err) : resolve(s ?? {}))),
    );
    expect(stats.version).toBe('1.6.22');
    expect(Number(stats.curr_items)).toBeGreaterThan(0);
    const flushed = await mc.flush();
    expect(Object.values(flushed).every(Boolean)).toBe(true);
    expect((await mc.get('a1')).value).toBeNull();
  });
});

describe('SASL PLAIN over the binary protocol', () => {
  const auth = { username: 'alice', password: 's3cret' };
  let server: Target;
  beforeAll(async () => {
    server = await startOurs({ sasl: auth });
  });
  afterAll(async () => {
    await server.close();
  });

  it('serves a client with the right credentials', async () => {
    const mc = client(server.port, auth);
    try {
      expect(await mc.set('s', 'v', {})).toBe(true);
      expect((await mc.get('s')).value?.toString()).toBe('v');
    } finally {
      mc.close();
    }
  });

  it('refuses a client with the wrong password', async () => {
    const mc = client(server.port, { username: 'alice', password: 'nope' });
    try {
      await expect(mc.get('s')).rejects.toBeTruthy();
    } finally {
      mc.close();
    }
  });
});
