// slab_chunk_max far below its default (ElastiCache's parameter accepts any positive value): the slab
// classes are memcached's, small chunked items chain as memcached chains them, and a chunk max too
// small to hold a chunk header refuses stores instead of looping forever (memcached 1.6.18 crashes
// on the first set; our node must keep the other nodes of the process answering).
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { slabClassSizes, DEFAULT_GEOMETRY } from '../../../engines/memcached/item.ts';
import { freePort, REAL_MEMCACHED, realMemcachedAvailable, startOurs, textExchange, type Target } from './helpers.ts';
import { closeAll, memoryPicture, pair, send } from './memory-helpers.ts';

const available = realMemcachedAvailable();
afterEach(closeAll);

/** The slab classes memcached -vv lists at start-up: [chunk size, chunks per page] per class. */
async function realClasses(chunkMax: number): Promise<number[][]> {
  const args = ['-vv', '-U', '0', '-l', '127.0.0.1', '-p', String(await freePort()), '-o', `slab_chunk_max=${chunkMax}`];
  if (process.getuid?.() === 0) args.push('-u', 'root');
  const child = spawn(REAL_MEMCACHED, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let text = '';
  await new Promise<void>((resolve) => {
    child.stderr!.on('data', (c: Buffer) => {
      text += c.toString();
      if (text.includes('server listening')) resolve();
    });
    child.once('exit', () => resolve());
  });
  child.kill('SIGKILL');
  return [...text.matchAll(/chunk size\s+(\d+) perslab\s+(\d+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
}

describe.skipIf(!available)('slab_chunk_max below the default', () => {
  it('slab classes as memcached computes them', async () => {
    for (const chunkMax of [16, 64, 128, 256, 1024, 4096, 16384]) {
      const ours = slabClassSizes(1024 * 1024, { ...DEFAULT_GEOMETRY, slabChunkMax: chunkMax }).map((size) => [
        size,
        Math.floor((1024 * 1024) / size),
      ]);
      expect(ours, `slab_chunk_max=${chunkMax}`).toEqual(await realClasses(chunkMax));
    }
  });

  it('values chained over 256-byte chunks: replies, contents and memory as memcached', async () => {
    const [real, ours] = await pair(['-m', '64', '-o', 'slab_chunk_max=256'], { geometry: { slabChunkMax: 256 } });
    const sizes = [10, 150, 200, 300, 1000, 5000, 100000];
    const script =
      sizes.map((n, i) => `set k${i} ${i} 0 ${n}\r\n${String(i).repeat(n)}\r\n`).join('') +
      'append k3 0 0 300\r\n' + 'a'.repeat(300) + '\r\nprepend k4 0 0 7\r\nprefix!\r\n';
    expect(await send(ours, script)).toEqual(await send(real, script));
    const probe = sizes.map((_, i) => `get k${i}\r\n`).join('');
    expect(await send(ours, probe)).toEqual(await send(real, probe));
    expect(await memoryPicture(ours)).toEqual(await memoryPicture(real));
  });
});

describe('a chunk max too small to chain into', () => {
  let nodes: Target[] = [];
  afterEach(async () => {
    await Promise.all(nodes.map((n) => n.close()));
    nodes = [];
  });

  for (const chunkMax of [16, 48, 64]) {
    it(`slab_chunk_max=${chunkMax}: stores refused with out of memory, the process keeps answering`, async () => {
      const tiny = await startOurs({ version: '1.6.18', geometry: { slabChunkMax: chunkMax } });
      const other = await startOurs();
      nodes.push(tiny, other);
      const script =
        'set a 0 0 30\r\n' + 'x'.repeat(30) + '\r\nset b 0 0 100000\r\n' + 'y'.repeat(100000) + '\r\nms c 40\r\n' + 'z'.repeat(40) + '\r\nget a b\r\nstats settings\r\n';
      const reply = (await textExchange(tiny.port, script, 5000)).reply.toString();
      expect(reply.startsWith('SERVER_ERROR out of memory storing object\r\n'.repeat(2))).toBe(true);
      expect(reply).toContain('SERVER_ERROR out of memory storing object\r\nEND\r\n');
      expect(reply).toContain(`STAT slab_chunk_max ${chunkMax}\r\n`);
      const pong = (await textExchange(other.port, 'version\r\n')).reply.toString();
      expect(pong).toMatch(/^VERSION /);
    });
  }
});
