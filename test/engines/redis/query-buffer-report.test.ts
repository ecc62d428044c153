// CLIENT LIST's qbuf/qbuf-free as redis-server 7.0 reports them (Redis's unit/querybuf checks them):
// a read's ~16k allocation, room for a large bulk once its header is in, and the trim of an idle client.
import net from 'node:net';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { realRedisAvailable } from './helpers.ts';
import { serverPair } from './server-pair.ts';

const available = realRedisAvailable();

/** qbuf + qbuf-free of the named client, as another client sees it. */
async function queryBufferOf(admin: Redis, name: string): Promise<{ total: number; idle: number }> {
  const list = (await admin.client('LIST')) as string;
  const line = list.split('\n').find((l) => l.includes(` name=${name} `)) ?? '';
  const field = (k: string): number => Number(new RegExp(` ${k}=(\\d+)`).exec(line)?.[1] ?? NaN);
  return { total: field('qbuf') + field('qbuf-free'), idle: field('idle') };
}

async function until<T>(what: () => Promise<T>, ok: (v: T) => boolean, ms: number): Promise<T> {
  const end = Date.now() + ms;
  let v = await what();
  while (!ok(v) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 100));
    v = await what();
  }
  return v;
}

/** The unit file's steps on one server; answers what a user of CLIENT LIST would read at each. */
async function observe(port: number): Promise<{ fresh: boolean; freshTrimmed: boolean; fatHeld: boolean; fatTrimmed: boolean }> {
  const admin = new Redis({ port, host: '127.0.0.1', lazyConnect: true });
  const idleOne = new Redis({ port, host: '127.0.0.1', lazyConnect: true, connectionName: 'idle_client' });
  const fat = net.connect({ port, host: '127.0.0.1' });
  const fatConnected = new Promise<void>((resolve) => fat.once('connect', resolve));
  try {
    await admin.connect();
    await idleOne.connect();
    await idleOne.ping();
    const fresh = await queryBufferOf(admin, 'idle_client');
    await fatConnected;
    fat.write('*3\r\n$6\r\nclient\r\n$7\r\nsetname\r\n$8\r\nfat_argv\r\n');
    fat.write('*3\r\n$3\r\nset\r\n$1\r\na\r\n$1000000\r\n');
    await new Promise((r) => setTimeout(r, 200));
    fat.write('a');
    const held = await until(() => queryBufferOf(admin, 'fat_argv'), (v) => v.total >= 1000000, 5000);
    // redis-server trims a buffer once its client has been idle more than 2 s.
    const trimmedFresh = await until(() => queryBufferOf(admin, 'idle_client'), (v) => v.idle >= 3 && v.total === 0, 10000);
    const trimmedFat = await until(() => queryBufferOf(admin, 'fat_argv'), (v) => v.idle >= 3 && v.total < 1000000, 10000);
    return {
      fresh: fresh.total >= 16384 && fresh.total < 32768,
      freshTrimmed: trimmedFresh.total === 0,
      fatHeld: held.total >= 1000000,
      fatTrimmed: trimmedFat.total < 1000000,
    };
  } finally {
    fat.destroy();
    admin.disconnect();
    idleOne.disconnect();
  }
}

/**
 * A 400 KB argument leaves a buffer of its size behind: kept while DEBUG PAUSE-CRON holds the clients
 * cron, trimmed (not to zero) once the cron sees the client's small commands.
 */
async function observeLeftover(port: number): Promise<{ held: boolean; shrunk: boolean }> {
  const admin = new Redis({ port, host: '127.0.0.1', lazyConnect: true });
  const big = new Redis({ port, host: '127.0.0.1', lazyConnect: true, connectionName: 'big_arg' });
  try {
    await admin.connect();
    await big.connect();
    await admin.call('DEBUG', 'PAUSE-CRON', '1');
    await big.set('x', 'A'.repeat(400000));
    const held = await queryBufferOf(admin, 'big_arg');
    await admin.call('DEBUG', 'PAUSE-CRON', '0');
    const shrunk = await until(
      async () => {
        await big.set('x', 'A'.repeat(100));
        return queryBufferOf(admin, 'big_arg');
      },
      (v) => v.total < held.total,
      5000,
    );
    // The cron may trim an emptied buffer to nothing (total 0) before CLIENT LIST reads it, on redis-server too.
    return { held: held.total > 32768, shrunk: Number.isFinite(shrunk.total) && shrunk.total < held.total };
  } finally {
    await admin.call('DEBUG', 'PAUSE-CRON', '0').catch(() => undefined);
    admin.disconnect();
    big.disconnect();
  }
}

describe.skipIf(!available)('query buffer sizes in CLIENT LIST, against redis-server 7.0', () => {
  const pair = serverPair(['--hz', '100', '--enable-debug-command', 'yes']);

  it('a fresh, a large-bulk and an idle client show the buffer sizes redis-server shows', async () => {
    const [a, b] = await Promise.all([observe(pair.ours.port), observe(pair.real.port)]);
    expect(b).toEqual({ fresh: true, freshTrimmed: true, fatHeld: true, fatTrimmed: true });
    expect(a).toEqual(b);
  }, 40000);

  it('CLIENT INFO and CLIENT LIST count the request being run in qbuf, as Redis keeps it buffered until it ran', async () => {
    const fields = async (port: number): Promise<string[]> => {
      const c = new Redis({ port, host: '127.0.0.1', lazyConnect: true });
      await c.connect();
      try {
        const out: string[] = [];
        for (const cmd of [['CLIENT', 'INFO'], ['CLIENT', 'LIST'], ['CLIENT', 'LIST', 'ID', String(await c.client('ID'))]]) {
          const line = String(await c.call(cmd[0] as string, ...cmd.slice(1)));
          const qbuf = Number(/ qbuf=(\d+)/.exec(line)?.[1]);
          const free = Number(/ qbuf-free=(\d+)/.exec(line)?.[1]);
          out.push(`${cmd.slice(0, 3).join(' ')}: qbuf=${qbuf} total=${qbuf + free}`);
        }
        return out;
      } finally {
        c.disconnect();
      }
    };
    expect(await fields(pair.ours.port)).toEqual(await fields(pair.real.port));
  });

  it('the buffer a large argument leaves stays while the cron is paused and shrinks after', async () => {
    pair.ours.server.engine.config.set('hz', '100');
    const [a, b] = await Promise.all([observeLeftover(pair.ours.port), observeLeftover(pair.real.port)]);
    expect(b).toEqual({ held: true, shrunk: true });
    expect(a).toEqual(b);
  }, 20000);
});
