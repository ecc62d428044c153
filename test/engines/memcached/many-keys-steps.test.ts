// A get of thousands of keys runs in turns of the loop every node shares, and (with no read_buf_mem_limit)
// its reply goes out turn by turn: only once the keys left were checked, since a too-long key later on
// makes memcached discard every reply it has not written. Its line (up to 1 MB) is split as it is read.
// Each case is compared byte for byte with memcached 1.6.18, and the counters the gets move with its stats.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realMemcachedAvailable, startOurs, startReal, textExchange, type Target } from './helpers.ts';

const KEYS = 30_000;
const available = realMemcachedAvailable();

function fill(): string {
  let s = '';
  for (let i = 0; i < KEYS; i++) s += `set k:${i} ${i % 5} 0 ${4 + (i % 9)} noreply\r\n${'v'.repeat(4 + (i % 9))}\r\n`;
  return s;
}

/** Keys hit and missed, with runs of spaces between some of them and around the line. */
function keyList(n: number, step: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += (i % 97 === 0 ? '   ' : ' ') + `k:${(i * step) % (KEYS + 5_000)}`;
  return s + '  ';
}

async function both(script: string, timeoutMs = 20_000): Promise<[string, string]> {
  const [a, b] = await Promise.all([textExchange(ours.port, script, timeoutMs), textExchange(real.port, script, timeoutMs)]);
  return [a.reply.toString('latin1'), b.reply.toString('latin1')];
}

/** The counters a get or gat moves. */
async function counters(port: number): Promise<string> {
  const text = (await textExchange(port, 'stats\r\n')).reply.toString('latin1');
  const wanted = ['cmd_get', 'get_hits', 'get_misses', 'cmd_touch', 'touch_hits', 'touch_misses'];
  return text
    .split('\r\n')
    .filter((l) => wanted.includes(l.split(' ')[1] ?? ''))
    .join('\n');
}

let ours: Target;
let real: Target;

describe.skipIf(!available)('a get of thousands of keys, in steps', () => {
  beforeAll(async () => {
    [ours, real] = await Promise.all([startOurs(), startReal()]);
    await both(fill(), 30_000);
  });
  afterAll(async () => {
    await Promise.all([ours?.close(), real?.close()]);
  });

  it('get and gets of many keys after a set, then a get: replies and counters as memcached', async () => {
    const script = `set pre 1 0 3\r\nabc\r\nget${keyList(KEYS, 7)}\r\ngets${keyList(8_000, 13)}\r\nget pre\r\n`;
    const [a, b] = await both(script);
    expect(a.length).toBeGreaterThan(500_000);
    expect(a === b, 'replies differ from memcached 1.6.18').toBe(true);
    expect(await counters(ours.port)).toBe(await counters(real.port));
  }, 60_000);

  it('a too-long key near the end discards the whole reply, as memcached', async () => {
    // The set's STORED is written: memcached writes what it has while it reads the rest of a line.
    const script = `set x 0 0 1\r\ny\r\nget${keyList(KEYS, 11)} ${'L'.repeat(251)} k:1\r\nget x k:2\r\n`;
    const [a, b] = await both(script);
    expect(b).toBe('STORED\r\nCLIENT_ERROR bad command line format\r\nVALUE x 0 1\r\ny\r\nVALUE k:2 2 6\r\nvvvvvv\r\nEND\r\nMN\r\n');
    expect(a).toBe(b);
  }, 60_000);

  it('gat and gats lines past 8 KB (split as they are read) touch and answer as memcached', async () => {
    // memcached lets only get/gets lines outgrow its 16 KB read buffer: these fit in one.
    for (const cmd of ['gat 100', 'gats 0']) {
      const [a, b] = await both(`${cmd}${keyList(1_300, 17)}\r\n`);
      expect(a.length).toBeGreaterThan(10_000);
      expect(a === b, `${cmd}: replies differ from memcached 1.6.18`).toBe(true);
    }
    expect(await counters(ours.port)).toBe(await counters(real.port));
  }, 60_000);

  it('a client slow to read an 8 MB reply gets it whole, in order', async () => {
    const big = 'w'.repeat(4_000);
    let set = '';
    for (let i = 0; i < 2_000; i++) set += `set big:${i} 0 0 ${big.length} noreply\r\n${big}\r\n`;
    await both(set);
    let get = 'get';
    for (let i = 0; i < 2_000; i++) get += ` big:${(i * 7) % 2_100}`;
    const [a, b] = await Promise.all([slowReader(ours.port, `${get}\r\nmn\r\n`), slowReader(real.port, `${get}\r\nmn\r\n`)]);
    expect(a.length).toBeGreaterThan(7_000_000);
    expect(a.equals(b), 'replies differ from memcached 1.6.18').toBe(true);
  }, 60_000);
});

/** Sends `data`, reads nothing for a while (the server's writes back up), then reads up to MN. */
function slowReader(port: number, data: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let tail = '';
    const c = net.connect(port, '127.0.0.1', () => {
      c.pause();
      c.write(data);
      setTimeout(() => c.resume(), 300);
    });
    c.on('data', (b: Buffer) => {
      chunks.push(b);
      tail = (tail + b.toString('latin1')).slice(-8);
      if (tail.endsWith('MN\r\n')) {
        c.destroy();
        resolve(Buffer.concat(chunks));
      }
    });
    c.on('error', reject);
  });
}
