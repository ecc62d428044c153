// -o read_buf_mem_limit shared by the connections of a worker thread, as memcached 1.6.18 does it: with
// -t 32 each thread has two 16 KiB buffers. Once every thread has served a command it keeps a bundle of
// response objects (one buffer); a connection waiting for the rest of a request holds the other as its
// read buffer, and then a further connection on that thread finds none: memcached closes it unanswered
// and counts read_buf_oom. Compared with real memcached.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realMemcachedAvailable, startOurs, startReal, textExchange, type Target } from './helpers.ts';

const available = realMemcachedAvailable();
const THREADS = 32;

/** Sends `text` on a new connection: the reply, or null when the server closed it without one. */
function ask(port: number, text: string): Promise<string | null> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let reply = '';
    s.on('data', (c: Buffer) => {
      reply += c.toString('latin1');
      if (reply.endsWith('\r\n')) {
        s.destroy();
        resolve(reply);
      }
    });
    s.on('error', () => undefined);
    s.on('close', () => resolve(reply === '' ? null : reply));
    s.write(text);
  });
}

async function readBufOom(t: Target): Promise<number> {
  const reply = (await textExchange(t.port, 'stats\r\n')).reply.toString();
  return Number(/STAT read_buf_oom (\d+)/.exec(reply)?.[1]);
}

describe.skipIf(!available)('read_buf_mem_limit=1 with -t 32: the buffers of a thread are shared by its connections', () => {
  let real: Target;
  let ours: Target;
  beforeAll(async () => {
    [real, ours] = await Promise.all([
      startReal(['-o', 'read_buf_mem_limit=1', '-t', String(THREADS), '-R', '500']),
      startOurs({ version: '1.6.18', settings: { readBufMemLimit: 1024 * 1024, workerThreads: THREADS, reqsPerEvent: 500 } }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([real?.close(), ours?.close()]);
  });

  for (const name of ['real', 'ours'] as const) {
    it(`${name}: connections holding read buffers leave none for another connection on their thread`, async () => {
      const t = name === 'real' ? real : ours;
      // Every thread serves one command, so each keeps a bundle whichever thread connections start from.
      for (let i = 0; i < THREADS; i++) expect(await ask(t.port, 'version\r\n')).toMatch(/^VERSION /);
      const before = await readBufOom(t);
      // One connection per thread waits for a value: it holds the thread's last buffer.
      const waiting: net.Socket[] = [];
      for (let i = 0; i < THREADS; i++) {
        const s = net.connect(t.port, '127.0.0.1');
        s.on('error', () => undefined);
        await new Promise((resolve) => s.once('connect', resolve));
        s.write('set foo 0 0 2\r\n');
        waiting.push(s);
      }
      try {
        // A thread may not have read its waiting connection yet when the next one arrives (memcached's
        // threads run on their own): the next arrivals are refused once it has.
        let refused = false;
        for (let i = 0; i < 50 && !refused; i++) refused = (await ask(t.port, 'version\r\n')) === null;
        expect(refused).toBe(true);
        expect(await readBufOom(t).catch(() => NaN)).toBeNaN();
      } finally {
        for (const s of waiting) s.destroy();
      }
      // With the waiting connections gone, their buffers are back and stats can be read again.
      let after = NaN;
      for (let i = 0; i < 50 && Number.isNaN(after); i++) after = await readBufOom(t).catch(() => NaN);
      expect(after).toBeGreaterThan(before);
      expect(await ask(t.port, 'version\r\n')).toMatch(/^VERSION /);
    }, 60_000);
  }
});
