// `stats` log_watchers and -W refusing watch, as memcached (found by t/watcher.t, which also checks
// the conn_close connevents lines and the skipped=N line a watcher that stops reading gets).
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { realMemcachedAvailable } from './helpers.ts';
import { closeAll, pair, send, stats } from './memory-helpers.ts';

const available = realMemcachedAvailable();
afterEach(closeAll);

async function until(condition: () => boolean | Promise<boolean>, ms = 5000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 20))) if (await condition()) return true;
  return false;
}

async function watcher(port: number, flags: string): Promise<{ socket: net.Socket; log: () => string }> {
  const socket = net.connect(port, '127.0.0.1');
  let text = '';
  socket.on('data', (c: Buffer) => (text += c.toString('latin1')));
  socket.on('error', () => undefined);
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(`watch ${flags}\r\n`);
  await until(() => text.startsWith('OK\r\n'));
  return { socket, log: () => text };
}

describe.skipIf(!available)('watch as memcached', () => {
  it('log_watchers counts the open watchers; -W refuses watch', async () => {
    const [real, ours] = await pair([], {});
    for (const t of [real, ours]) {
      const a = await watcher(t.port, 'fetchers');
      const b = await watcher(t.port, 'mutations');
      const count = async () => stats(await send(t, 'stats\r\n')).get('log_watchers');
      expect(await until(async () => (await count()) === '2')).toBe(true);
      a.socket.destroy();
      b.socket.destroy();
      expect(await until(async () => (await count()) === '0')).toBe(true);
    }
    const [noWatchReal, noWatchOurs] = await pair(['-W'], { settings: { watchEnabled: false } });
    expect(await send(noWatchOurs, 'watch\r\n')).toEqual(await send(noWatchReal, 'watch\r\n'));
  });
});
