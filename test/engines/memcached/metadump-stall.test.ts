// lru_crawler metadump of a big cache is written in slices: another node sharing the event loop keeps
// answering meanwhile, and the dump still lists every item.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { watchLoop } from '../../support/loop-hold.ts';
import { startOurs, textExchange, type Target } from './helpers.ts';

const ITEMS = 200_000;

/** Sends `data` and counts the reply's lines until it ends with END, without keeping it. */
function countLines(port: number, data: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(data));
    let lines = 0;
    let tail = '';
    s.on('data', (c: Buffer) => {
      for (const b of c) if (b === 10) lines++;
      tail = (tail + c.toString('latin1')).slice(-8);
      if (tail.endsWith('END\r\n')) {
        s.destroy();
        resolve(lines);
      }
    });
    s.on('error', reject);
  });
}

describe('metadump of a big cache', () => {
  let big: Target;
  let other: Target;
  beforeAll(async () => {
    [big, other] = await Promise.all([startOurs({ memoryLimit: 256 * 1024 * 1024 }), startOurs()]);
    for (let i = 0; i < ITEMS; i += 20_000) {
      let script = '';
      for (let j = i; j < i + 20_000; j++) script += `set key:${j} 0 0 1 noreply\r\nv\r\n`;
      await textExchange(big.port, script, 30_000);
    }
  }, 120_000);
  afterAll(async () => {
    await Promise.all([big?.close(), other?.close()]);
  });

  for (const order of ['all', 'hash']) {
    it(`metadump ${order}: every item, and another node answers meanwhile`, async () => {
      const client = net.connect(other.port, '127.0.0.1');
      await new Promise((r) => client.once('connect', r));
      const watch = watchLoop();
      let done = false;
      let answered = 0;
      const dump = countLines(big.port, `lru_crawler metadump ${order}\r\n`).finally(() => (done = true));
      while (!done) {
        await new Promise<void>((resolve) => {
          client.once('data', () => resolve());
          client.write('version\r\n');
        });
        answered++;
      }
      const held = watch.stop();
      client.destroy();
      expect(await dump).toBe(ITEMS + 1);
      expect(answered).toBeGreaterThan(1);
      // CPU time, room for GC pauses; the whole dump in one turn held the loop for seconds.
      expect(held.cpu, `worst hold ${held.cpu.toFixed(0)} ms CPU, ${held.wall.toFixed(0)} ms wall`).toBeLessThan(500);
    }, 60_000);
  }
});
