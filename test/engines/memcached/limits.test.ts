// Resource limits at their edges: item size, memory with LRU eviction, connections, slow readers.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_ITEM_SIZE_MAX,
  DEFAULT_MAX_CONNECTIONS,
  MAX_UNTERMINATED_LINE,
  OUTPUT_HIGH_WATER,
} from '../../../engines/memcached/limits.ts';
import { exchange, startOurs, textExchange, type Target } from './helpers.ts';

let server: Target | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function run(port: number, script: string | Buffer, quietMs?: number): Promise<string> {
  return (await textExchange(port, script, quietMs)).reply.toString('latin1').replace(/MN\r\n$/, '');
}

function setCommand(key: string, size: number, flags = 0): Buffer {
  return Buffer.concat([Buffer.from(`set ${key} ${flags} 0 ${size}\r\n`), Buffer.alloc(size, 97), Buffer.from('\r\n')]);
}

function stat(stats: string, name: string): number {
  const m = new RegExp(`STAT ${name} (\\d+)`).exec(stats);
  return m ? Number(m[1]) : NaN;
}

describe('limits', () => {
  it('defaults match memcached', () => {
    expect(DEFAULT_ITEM_SIZE_MAX).toBe(1024 * 1024);
    expect(DEFAULT_MAX_CONNECTIONS).toBe(1024);
    expect(MAX_UNTERMINATED_LINE).toBe(2048);
  });

  it('accepts an item exactly at the size limit and rejects one byte more', async () => {
    server = await startOurs();
    // 48-byte header + 8 CAS + key + NUL + value + CRLF must fit in 1 MiB (memcached's arithmetic).
    const max = DEFAULT_ITEM_SIZE_MAX - 48 - 8 - 1 - 1 - 2;
    expect(await run(server.port, setCommand('a', max))).toBe('STORED\r\n');
    expect(await run(server.port, setCommand('a', max + 1))).toBe('SERVER_ERROR object too large for cache\r\n');
    // A failed set removes the old value, so readers never see stale data.
    expect(await run(server.port, 'get a\r\n')).toBe('END\r\n');
    // Non-zero flags cost 4 more bytes.
    expect(await run(server.port, setCommand('a', max - 4, 1))).toBe('STORED\r\n');
    expect(await run(server.port, setCommand('a', max - 3, 1))).toBe('SERVER_ERROR object too large for cache\r\n');
  });

  it('honours a custom maxItemSize', async () => {
    server = await startOurs({ maxItemSize: 2048 });
    expect(await run(server.port, setCommand('k', 2048 - 60))).toBe('STORED\r\n');
    expect(await run(server.port, setCommand('k', 2048 - 59))).toBe('SERVER_ERROR object too large for cache\r\n');
  });

  it('evicts least recently used items when memory is full, sparing recently read ones', async () => {
    // Memory comes in 1 MB slab pages (and a class always gets its first one), so -m 2 holds two pages
    // of these items: about 1770.
    server = await startOurs({ memoryLimit: 2 * 1024 * 1024 });
    const value = 1000;
    let script = '';
    for (let i = 0; i < 1500; i++) script += `set k${i} 0 0 ${value}\r\n${'v'.repeat(value)}\r\n`;
    await run(server.port, script);
    // Two reads make k0 active (one only marks it fetched): it gets a second chance at eviction.
    expect(await run(server.port, 'get k0\r\nget k0\r\n')).toContain('VALUE k0');
    expect(await run(server.port, 'get k2\r\n')).toContain('VALUE k2');
    script = '';
    for (let i = 1500; i < 3000; i++) script += `set k${i} 0 0 ${value}\r\n${'v'.repeat(value)}\r\n`;
    await run(server.port, script);
    const stats = await run(server.port, 'stats\r\n');
    expect(stat(stats, 'evictions')).toBeGreaterThan(0);
    expect(stat(stats, 'bytes')).toBeLessThanOrEqual(2 * 1024 * 1024);
    expect(await run(server.port, 'get k1\r\n')).toBe('END\r\n');
    expect(await run(server.port, 'get k2\r\n')).toBe('END\r\n');
    expect(await run(server.port, 'get k2999\r\n')).toContain('VALUE k2999');
    expect(await run(server.port, 'get k0\r\n')).toContain('VALUE k0');
  });

  it('dumps keys with lru_crawler metadump and stats cachedump', async () => {
    server = await startOurs({ clock: () => 1_800_000_000_000 });
    await run(server.port, 'set a%b 0 100 1\r\nx\r\nset c 5 0 2\r\nxy\r\n');
    const dump = (await exchange(server.port, 'lru_crawler metadump all\r\n', (b) => b.toString().endsWith('END\r\n'))).reply;
    expect(dump.toString()).toMatch(
      /^key=a%25b exp=1800000100 la=1800000000 cas=\d+ fetch=no cls=1 size=63\nkey=c exp=-1 la=1800000000 cas=\d+ fetch=no cls=1 size=66\nEND\r\n$/,
    );
    // cachedump lists the COLD queue only (as 1.6.18); the LRU maintainer moves the two items there
    // on its own schedule, so the dump waits for it.
    for (let i = 0; i < 100 && !(await run(server.port, 'stats items\r\n')).includes('items:1:number_cold 2\r\n'); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await run(server.port, 'stats cachedump 1 10\r\n')).toBe('ITEM c [2 b; 0 s]\r\nITEM a%b [1 b; 1800000100 s]\r\nEND\r\n');
  });

  it('serves hundreds of concurrent connections', async () => {
    server = await startOurs();
    const port = server.port;
    // Each exchange ends at its MN; its quiet time only ends one that never answers. The default 1.5 s from
    // connecting is too short here: this process runs both ends of 300 connections, and on a loaded machine
    // the last replies can come later than that.
    const replies = await Promise.all(
      Array.from({ length: 300 }, (_, i) => run(port, `set c${i} 0 0 ${String(i).length}\r\n${i}\r\nget c${i}\r\n`, 20_000)),
    );
    replies.forEach((r, i) => expect(r).toBe(`STORED\r\nVALUE c${i} 0 ${String(i).length}\r\n${i}\r\nEND\r\n`));
  });

  it('refuses connections past maxConnections like memcached', async () => {
    server = await startOurs({ maxConnections: 2 });
    const port = server.port;
    const open = () =>
      new Promise<net.Socket>((resolve) => {
        const s = net.connect(port, '127.0.0.1', () => resolve(s));
      });
    const a = await open();
    const b = await open();
    const third = await exchange(port, 'version\r\n');
    expect(third.reply.toString()).toBe('ERROR Too many open connections\r\n');
    expect(third.closed).toBe(true);
    a.destroy();
    b.destroy();
    await new Promise((r) => setTimeout(r, 50));
    expect((await run(port, 'version\r\n')).startsWith('VERSION ')).toBe(true);
    const stats = await run(port, 'stats\r\n');
    expect(stat(stats, 'rejected_connections')).toBe(1);
  });

  it('closes a connection whose command line never ends', async () => {
    server = await startOurs();
    const r = await exchange(server.port, 'x'.repeat(MAX_UNTERMINATED_LINE + 1));
    expect(r.closed).toBe(true);
    const ok = await exchange(server.port, 'x'.repeat(MAX_UNTERMINATED_LINE), () => false, 100);
    expect(ok.closed).toBe(false);
  });

  it('returns several large values in one reply intact', async () => {
    server = await startOurs();
    const a = Buffer.alloc(600 * 1024, 97);
    const b = Buffer.alloc(700 * 1024, 98);
    await run(server.port, Buffer.concat([setCommand('la', 0), Buffer.from(`set la 0 0 ${a.length}\r\n`), a, Buffer.from(`\r\nset lb 0 0 ${b.length}\r\n`), b, Buffer.from('\r\n')]));
    const reply = (await textExchange(server.port, 'get la lb\r\n')).reply;
    const expected = Buffer.concat([
      Buffer.from(`VALUE la 0 ${a.length}\r\n`), a, Buffer.from(`\r\nVALUE lb 0 ${b.length}\r\n`), b, Buffer.from('\r\nEND\r\nMN\r\n'),
    ]);
    expect(reply.equals(expected)).toBe(true);
  });

  it('a client that never reads does not stall other clients', async () => {
    server = await startOurs();
    const port = server.port;
    await run(port, setCommand('big', 500 * 1024));
    const hog = net.connect(port, '127.0.0.1');
    hog.pause();
    await new Promise((r) => hog.once('connect', r));
    // Ask for far more output than the socket buffers and the high-water mark can hold.
    const requests = Math.ceil((OUTPUT_HIGH_WATER * 4) / (500 * 1024));
    hog.write('get big\r\n'.repeat(requests));
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    expect(await run(port, 'get big\r\n')).toContain('VALUE big 0 512000');
    expect(Date.now() - started).toBeLessThan(1000);
    hog.destroy();
  });
});
