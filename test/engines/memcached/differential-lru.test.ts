// memcached 1.6's segmented LRU (HOT, WARM, COLD, TEMP) against real memcached. Its maintainer thread
// moves items in the background, so where items are *while* it works depends on timing; what it
// settles to does not: items age out of HOT into COLD, items hit twice go to WARM and stay there while
// younger than COLD's tail, short-TTL items live in TEMP when temp_lru is on, flat mode keeps COLD only.
// Each check polls both servers until their segment counts agree (or gives up and compares).
import { afterEach, describe, expect, it } from 'vitest';
import { realMemcachedAvailable, startOurs, startReal, textExchange, type Target } from './helpers.ts';

const available = realMemcachedAvailable();

let servers: Target[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function pair(): Promise<[Target, Target]> {
  const started = await Promise.all([startReal(['-m', '64']), startOurs({ version: '1.6.18' })]);
  servers.push(...started);
  return started;
}

async function send(t: Target, script: string): Promise<string> {
  return (await textExchange(t.port, script, 5000)).reply.toString('latin1');
}

async function both(real: Target, ours: Target, script: string): Promise<[string, string]> {
  return Promise.all([send(real, script), send(ours, script)]);
}

const SEGMENT_FIELDS = /^STAT items:\d+:(number|number_hot|number_warm|number_cold|number_temp|hits_to_\w+|evicted|reclaimed) /;

async function segments(t: Target): Promise<string> {
  return (await send(t, 'stats items\r\n'))
    .split('\r\n')
    .filter((l) => SEGMENT_FIELDS.test(l))
    .join('\n');
}

/** Waits until both servers report the same segment counts (and `done` holds for them); returns them. */
async function settled(real: Target, ours: Target, done: (s: string) => boolean = () => true): Promise<[string, string]> {
  let a = '';
  let b = '';
  for (let i = 0; i < 100; i++) {
    [a, b] = await Promise.all([segments(real), segments(ours)]);
    if (a === b && done(a)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return [a, b];
}

function sets(prefix: string, n: number, size: number, ttl = 0): string {
  let s = '';
  for (let i = 0; i < n; i++) s += `set ${prefix}${i} 0 ${ttl} ${size}\r\n${'v'.repeat(size)}\r\n`;
  return s;
}

describe.skipIf(!available)('segmented LRU settles as memcached', () => {
  it('unread items age from HOT into COLD; items read twice go to WARM; hits count where the item is', async () => {
    const [real, ours] = await pair();
    await both(real, ours, sets('k', 100, 100));
    // memcached's maintainer thread moves the oldest items out of HOT within microseconds; ours is a
    // timer on a shared event loop that a loaded machine delays, so the reads wait for the first moves.
    await settled(real, ours, (s) => !/number_hot 100\n/.test(s));
    await both(real, ours, 'get k0\r\nget k0\r\nget k1\r\n');
    // HOT empties once its items are older than a fifth of COLD's tail age (a second or two).
    const [a, b] = await settled(real, ours, (s) => s.includes('number_hot 0'));
    expect(b).toEqual(a);
    expect(b).toContain('number_warm 1');
    expect(b).toContain('number_hot 0');
    // Now every item is in COLD except k0 in WARM.
    await both(real, ours, 'get k5\r\nget k0\r\n');
    const [c, d] = await settled(real, ours);
    expect(d).toEqual(c);
  });

  it('temp_lru keeps short-TTL items in TEMP', async () => {
    const [real, ours] = await pair();
    const [r1, o1] = await both(real, ours, 'lru temp_ttl 100\r\n');
    expect(o1).toEqual(r1);
    await both(real, ours, sets('t', 20, 50, 60) + sets('n', 20, 50, 0));
    const [a, b] = await settled(real, ours);
    expect(b).toEqual(a);
    expect(b).toContain('number_temp 20');
  });

  it('flat mode keeps everything in COLD', async () => {
    const [real, ours] = await pair();
    const [r1, o1] = await both(real, ours, 'lru mode flat\r\n');
    expect(o1).toEqual(r1);
    await both(real, ours, sets('f', 50, 100) + 'get f1\r\nget f1\r\n');
    const [a, b] = await settled(real, ours);
    expect(b).toEqual(a);
    expect(b).toContain('number_cold 50');
  });

  it('lru tune changes the share HOT may keep', async () => {
    const [real, ours] = await pair();
    const [r1, o1] = await both(real, ours, 'lru tune 10 30 0.1 2.0\r\nlru tune 50 40 1 1\r\nlru tune 0 0 0 1\r\n');
    expect(o1).toEqual(r1);
    await both(real, ours, sets('h', 100, 100));
    const [a, b] = await settled(real, ours);
    expect(b).toEqual(a);
  });
});
