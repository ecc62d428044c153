// `watch`: a connection turned log stream sees the same fetch and store events from real memcached
// and from our engine (timestamps, log ids and connection numbers aside).
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { realMemcachedAvailable, textExchange } from './helpers.ts';
import { realAndOursForTests } from './pair.ts';

const available = realMemcachedAvailable();

const COMMANDS =
  'set wk 5 100 2\r\nhi\r\nget wk nokey\r\nmg wk v\r\nms wm 1 T0\r\nx\r\ndelete wk\r\nmd wm\r\nadd wk 0 0 1\r\nx\r\n' +
  'add wk 0 0 1\r\nx\r\nincr wk 1\r\ntouch wk 1000\r\ngat 1000 wk\r\nappend wk 0 0 1\r\ny\r\ncas wk 0 0 1 1\r\nz\r\n' +
  'set w%2 0 0 1\r\nx\r\nget w%2\r\nset zz 0 0 1\r\n.\r\nget zz\r\n';

/** Opens a watcher, runs COMMANDS on another connection, and returns the log lines up to the last event. */
async function watchedLines(port: number, flags: string): Promise<string[]> {
  const watcher = net.connect(port, '127.0.0.1');
  let log = '';
  watcher.on('data', (c: Buffer) => (log += c.toString('latin1')));
  await new Promise<void>((resolve) => watcher.once('connect', () => resolve()));
  watcher.write(`watch${flags}\r\n`);
  await until(() => log.startsWith('OK\r\n'));
  await textExchange(port, COMMANDS);
  // The script ends with "set zz" then "get zz": wait for the last event this watcher can see.
  const last = flags.includes('fetchers') || flags === '' ? 'type=item_get key=zz status=found' : 'type=item_store key=zz';
  await until(() => log.includes(last));
  watcher.destroy();
  return log
    .split('\n')
    .filter((l) => l.startsWith('ts='))
    .map((l) => l.replace(/^ts=\d+\.\d+ gid=\d+ /, '').replace(/ cfd=\d+/, ''));
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!condition()) throw new Error('condition not met in 4 s');
}

describe.skipIf(!available)('watch matches real memcached', () => {
  const pair = realAndOursForTests({ ours: { version: '1.6.18' } });

  for (const flags of ['', ' mutations', ' fetchers mutations']) {
    it(`watch${flags}`, async () => {
      await textExchange(pair.real.port, 'flush_all\r\n');
      await textExchange(pair.ours.port, 'flush_all\r\n');
      const a = await watchedLines(pair.real.port, flags);
      const b = await watchedLines(pair.ours.port, flags);
      expect(b).toEqual(a);
      expect(a.length).toBeGreaterThan(5);
    });
  }

  it('a watcher reads no more commands, and watch refuses to follow queued replies', async () => {
    for (const script of ['watch\r\nversion\r\n', 'version\r\nwatch\r\n', 'watch fetchers noreply\r\nversion\r\n', 'watch bogus\r\n']) {
      const a = await textExchange(pair.real.port, script, 300);
      const b = await textExchange(pair.ours.port, script, 300);
      expect(b.reply.toString()).toEqual(a.reply.toString());
    }
  });
});
