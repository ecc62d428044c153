// Expiration, touch and delayed flush with an injected clock: time moves, nothing sleeps.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOurs, textExchange, type Target } from './helpers.ts';

const START = Date.UTC(2030, 0, 1) ;
let nowMs = START;
const advance = (seconds: number) => {
  nowMs += seconds * 1000;
};

async function run(server: Target, script: string): Promise<string> {
  const r = await textExchange(server.port, script);
  return r.reply.toString('latin1').replace(/MN\r\n$/, '');
}

describe('expiry with an injected clock', () => {
  let server: Target;
  beforeAll(async () => {
    server = await startOurs({ clock: () => nowMs });
  });
  afterAll(() => server.close());

  it('expires relative TTLs at the second they run out', async () => {
    await run(server, 'set rel 0 10 1\r\nx\r\n');
    advance(9);
    expect(await run(server, 'get rel\r\n')).toBe('VALUE rel 0 1\r\nx\r\nEND\r\n');
    advance(1);
    expect(await run(server, 'get rel\r\n')).toBe('END\r\n');
  });

  it('treats more than 30 days as an absolute Unix time', async () => {
    const at = Math.floor(nowMs / 1000) + 100;
    await run(server, `set abs 0 ${at} 1\r\nx\r\nset past 0 ${at - 200} 1\r\nx\r\n`);
    expect(await run(server, 'get abs past\r\n')).toBe('VALUE abs 0 1\r\nx\r\nEND\r\n');
    advance(100);
    expect(await run(server, 'get abs\r\n')).toBe('END\r\n');
  });

  it('treats a negative TTL as already expired', async () => {
    expect(await run(server, 'set neg 0 -1 1\r\nx\r\nget neg\r\n')).toBe('STORED\r\nEND\r\n');
  });

  it('touch and gat replace the TTL', async () => {
    await run(server, 'set t 0 5 1\r\nx\r\nset g 0 5 1\r\ny\r\n');
    expect(await run(server, 'touch t 100\r\ngat 100 g\r\n')).toBe('TOUCHED\r\nVALUE g 0 1\r\ny\r\nEND\r\n');
    advance(50);
    expect(await run(server, 'get t g\r\n')).toBe('VALUE t 0 1\r\nx\r\nVALUE g 0 1\r\ny\r\nEND\r\n');
    advance(50);
    expect(await run(server, 'get t g\r\n')).toBe('END\r\n');
  });

  it('reports remaining TTL through meta and me', async () => {
    await run(server, 'ms mt 1 T60\r\nx\r\n');
    advance(20);
    // memcached 1.6's me prints the remaining time negated; la counts from the last access.
    expect(await run(server, 'me mt\r\n')).toMatch(/^ME mt exp=-40 la=20 cas=\d+ fetch=no cls=1 size=\d+\r\n$/);
    expect(await run(server, 'mg mt t\r\n')).toBe('HD t40\r\n');
    // The first hit only marks the item fetched; its last-access time moves on the second (memcached's segmented LRU).
    expect(await run(server, 'me mt\r\n')).toMatch(/^ME mt exp=-40 la=20 cas=\d+ fetch=yes /);
    expect(await run(server, 'mg mt T5 t\r\n')).toBe('HD t5\r\n');
  });

  it('applies a delayed flush_all when its time comes', async () => {
    await run(server, 'set f1 0 0 1\r\nx\r\n');
    expect(await run(server, 'flush_all 10\r\n')).toBe('OK\r\n');
    advance(5);
    expect(await run(server, 'get f1\r\n')).toBe('VALUE f1 0 1\r\nx\r\nEND\r\n');
    advance(5);
    expect(await run(server, 'get f1\r\n')).toBe('END\r\n');
    expect(await run(server, 'set f2 0 0 1\r\ny\r\nget f2\r\n')).toBe('STORED\r\nVALUE f2 0 1\r\ny\r\nEND\r\n');
  });

  it('uptime and time in stats follow the clock', async () => {
    const stats = await run(server, 'stats\r\n');
    expect(stats).toContain(`STAT time ${Math.floor(nowMs / 1000)}\r\n`);
    // memcached's uptime starts at 2 (its clock, 62 at start-up, less 60).
    expect(stats).toContain(`STAT uptime ${Math.floor(nowMs / 1000) - Math.floor(START / 1000) + 2}\r\n`);
  });
});
