import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemcachedServer, type MemcachedServer } from '../../../engines/memcached/index.ts';
import { exchange } from '../../support/net.ts';

let evicting: MemcachedServer;
let strict: MemcachedServer;

beforeAll(async () => {
  evicting = createMemcachedServer({ port: 0, memoryLimit: 2 * 1024 * 1024 });
  strict = createMemcachedServer({ port: 0, memoryLimit: 2 * 1024 * 1024, errorOnMemoryExhausted: true });
  await evicting.listen();
  await strict.listen();
});
afterAll(async () => {
  await evicting.close();
  await strict.close();
});

async function fill(port: number): Promise<string[]> {
  const value = 'x'.repeat(1000);
  // Two 1 MB slab pages hold about 1770 of these items.
  let script = '';
  for (let i = 0; i < 2500; i++) script += `set k${i} 0 0 ${value.length}\r\n${value}\r\n`;
  const reply = await exchange(port, script + 'mn\r\n', /MN\r\n$/);
  return reply.split('\r\n').filter((l) => l !== '' && l !== 'MN').map((l) => l + '\r\n');
}

describe('memory exhausted (memcached -M, parameter error_on_memory_exhausted)', () => {
  it('evicts by default', async () => {
    const replies = await fill(evicting.port);
    expect(new Set(replies)).toEqual(new Set(['STORED\r\n']));
    expect(await exchange(evicting.port, 'stats\r\n', /END\r\n$/)).toMatch(/STAT evictions [1-9]\d*\r\n/);
  });

  it('answers out of memory instead of evicting when asked to', async () => {
    const replies = await fill(strict.port);
    expect(replies).toContain('SERVER_ERROR out of memory storing object\r\n');
    expect(await exchange(strict.port, 'get k0\r\n', /END\r\n$/)).toMatch(/^VALUE k0 /);
    expect(await exchange(strict.port, 'stats\r\n', /END\r\n$/)).toContain('STAT evictions 0\r\n');
  });
});
