// CONFIG SET port and bind (unit/networking): a bare engine listens anew as redis-server 7.0 does, keeps the
// connections it has, and when it cannot listen answers 7.0's error and rolls the whole CONFIG SET back.
// A node created through the API has no CONFIG: its listener stays the control plane's.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, realRedisAvailable, startRealRedis, startServer, type Started } from './helpers.ts';

const available = realRedisAvailable();

function holdPort(): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => resolve(s));
  });
}

const portOf = (s: net.Server): number => (s.address() as net.AddressInfo).port;

async function freePort(): Promise<number> {
  const s = await holdPort();
  const port = portOf(s);
  await new Promise((r) => s.close(r));
  return port;
}

async function refused(port: number, host = '127.0.0.1'): Promise<boolean> {
  try {
    (await RawClient.connect(port, host)).close();
    return false;
  } catch {
    return true;
  }
}

describe.runIf(available)('CONFIG SET port and bind, as redis-server 7.0', () => {
  let ours: Started;
  let real: Awaited<ReturnType<typeof startRealRedis>>;
  let busy: net.Server;
  beforeAll(async () => {
    [ours, real, busy] = await Promise.all([startServer(), startRealRedis(), holdPort()]);
  }, 60000);
  afterAll(async () => {
    await ours?.server.close();
    await real?.stop();
    busy?.close();
  });

  async function run(start: number): Promise<string[]> {
    const first = await RawClient.connect(start);
    const moved = await freePort();
    const out: string[] = [];
    const see = (s: string) => out.push(s.replaceAll(String(moved), 'MOVED').replaceAll(String(portOf(busy)), 'BUSY'));
    try {
      see(await first.call('CONFIG', 'SET', 'port', String(moved)));
      // The connection made before the move stays; the old port no longer answers.
      see(await first.call('PING'));
      out.push(`old port refused: ${await refused(start)}`);
      const c = await RawClient.connect(moved);
      see(await c.call('PING'));
      const maxmemory = await c.call('CONFIG', 'GET', 'maxmemory');
      for (const args of [
        ['CONFIG', 'SET', 'port', String(portOf(busy))],
        ['CONFIG', 'SET', 'maxmemory', '5mb', 'port', String(portOf(busy))],
        ['CONFIG', 'SET', 'bind', '999.999.999.999'],
        ['CONFIG', 'SET', 'bind', Array.from({ length: 17 }, (_, i) => `127.0.0.${i + 1}`).join(' ')],
        ['CONFIG', 'SET', 'port', 'abc'],
        ['CONFIG', 'SET', 'port', '70000'],
        ['CONFIG', 'GET', 'port'],
      ]) see(await c.call(...args));
      // Every failure rolled back: maxmemory as before, still listening where it was.
      out.push(`maxmemory kept: ${(await c.call('CONFIG', 'GET', 'maxmemory')) === maxmemory}`);
      see(await c.call('CONFIG', 'SET', 'bind', '127.0.0.2'));
      const other = await RawClient.connect(moved, '127.0.0.2');
      see(await other.call('CONFIG', 'GET', 'bind'));
      see(await other.call('CONFIG', 'SET', 'bind', '127.0.0.1'));
      out.push(`127.0.0.2 refused: ${await refused(moved, '127.0.0.2')}`);
      see(await c.call('PING'));
      other.close();
      c.close();
      return out;
    } finally {
      first.close();
    }
  }

  it('moves the listener, keeps connections, and fails as redis-server where it cannot listen', async () => {
    const theirs = await run(real.port);
    expect(theirs[0]).toBe('+OK\r\n');
    expect(await run(ours.port)).toEqual(theirs);
  }, 60000);

  it('a node created through the API still has no CONFIG', async () => {
    const node = await startServer({ mode: 'node' });
    const c = await RawClient.connect(node.port);
    try {
      expect(await c.call('CONFIG', 'SET', 'port', String(await freePort()))).toMatch(/^-ERR unknown command 'CONFIG'/);
      expect(await c.call('PING')).toBe('+PONG\r\n');
    } finally {
      c.close();
      await node.server.close();
    }
  });
});
