// Keyspace notification differences the random differential (tools/redis-fuzz) found, compared with
// redis-server 7.0: the events a sequence publishes and the keyspace hit/miss counters after it.
import { describe, expect, it } from 'vitest';
import { collectKeyspaceEvents } from './events.ts';
import { RawClient, realRedisAvailable } from './helpers.ts';
import { serverPair } from './server-pair.ts';

const available = realRedisAvailable();

async function hitsAndMisses(port: number): Promise<string> {
  const c = await RawClient.connect(port);
  try {
    const info = await c.call('INFO', 'stats');
    return (info.match(/keyspace_(hits|misses):\d+/g) ?? []).join(' ');
  } finally {
    c.close();
  }
}

describe.skipIf(!available)('keyspace events found by the random differential', () => {
  const pair = serverPair(['--enable-debug-command', 'yes']);

  it('DUMP, COPY, TOUCH and PFMERGE read their keys as lookupKeyRead: a missing one is a miss with its keymiss event (seeds 40945, 41959, 42540, 42965, 43134)', async () => {
    const commands = [['CONFIG', 'RESETSTAT'], ['DUMP', 'm'], ['COPY', 'm', 'n'], ['TOUCH', 'm', 'm2'], ['PFMERGE', 'd', 'm'], ['SET', 'x', '1'], ['DUMP', 'x'], ['TOUCH', 'x', 'm'], ['PFADD', 'd', 'a'], ['PFMERGE', 'd', 'm'], ['COPY', 'x', 'y']];
    const [ours, real] = await Promise.all([collectKeyspaceEvents(pair.ours.port, commands, 'KEm'), collectKeyspaceEvents(pair.real.port, commands, 'KEm')]);
    expect(ours).toEqual(real);
    expect(real.length).toBe(2 * 8);
    expect(await hitsAndMisses(pair.ours.port)).toBe(await hitsAndMisses(pair.real.port));
  });
  it("RENAME onto a key that exists announces the destination as new, as redis-server deletes it and adds the key anew (seed 40866)", async () => {
    const commands = [['SET', 'a', '1'], ['SET', 'c', '1'], ['RENAME', 'a', 'c'], ['SET', 'x', '1'], ['EXPIRE', 'x', '100'], ['RENAME', 'c', 'x'], ['TTL', 'x'], ['RENAMENX', 'x', 'c'], ['RENAME', 'c', 'c']];
    const [ours, real] = await Promise.all([collectKeyspaceEvents(pair.ours.port, commands, 'KEAn'), collectKeyspaceEvents(pair.real.port, commands, 'KEAn')]);
    expect(ours).toEqual(real);
  });
  it('XAUTOCLAIM reads its key before parsing its arguments (keymiss on a COUNT error) and checks the type after them (seed 40643)', async () => {
    const commands = [['CONFIG', 'RESETSTAT'], ['XAUTOCLAIM', 'x2', 'g1', 'c1', '0', '0-0', 'COUNT', '-10', 'JUSTID'], ['SET', 's', '1'], ['XAUTOCLAIM', 's', 'g1', 'c1', '0', '0-0', 'COUNT', '-10'], ['XAUTOCLAIM', 'x2', 'g1', 'c1', 'x', '0-0'], ['XADD', 'x3', '1-1', 'f', 'v'], ['XGROUP', 'CREATE', 'x3', 'g1', '0'], ['XREADGROUP', 'GROUP', 'g1', 'c1', 'STREAMS', 'x3', '>'], ['XAUTOCLAIM', 'x3', 'g1', 'c2', '0', '0-0']];
    const [ours, real] = await Promise.all([collectKeyspaceEvents(pair.ours.port, commands, 'KEAm'), collectKeyspaceEvents(pair.real.port, commands, 'KEAm')]);
    expect(ours).toEqual(real);
    expect(await hitsAndMisses(pair.ours.port)).toBe(await hitsAndMisses(pair.real.port));
  });
  it('LPOP/RPOP with a count look their key up for writing, as without one: no miss, no keymiss (seed 40945)', async () => {
    const commands = [['CONFIG', 'RESETSTAT'], ['LPOP', 'm'], ['LPOP', 'm', '5'], ['RPOP', 'm', '2'], ['RPUSH', 'l', 'a', 'b'], ['LPOP', 'l', '1'], ['RPOP', 'l', '0']];
    const [ours, real] = await Promise.all([collectKeyspaceEvents(pair.ours.port, commands, 'KEAm'), collectKeyspaceEvents(pair.real.port, commands, 'KEAm')]);
    expect(ours).toEqual(real);
    expect(await hitsAndMisses(pair.ours.port)).toBe(await hitsAndMisses(pair.real.port));
  });
  it("SORT's BY and GET patterns read each key as lookupKeyRead: misses and keymiss events (seed 44289)", async () => {
    const commands = [['CONFIG', 'RESETSTAT'], ['RPUSH', 'l', '3', '1', '2'], ['SET', 's1', 'x'], ['SORT', 'l', 'BY', 'h*->f1', 'GET', 's*', 'GET', '#'], ['SORT', 'l', 'ALPHA', 'BY', 'nosort', 'GET', 's*'], ['HSET', 'h2', 'f1', '5'], ['SORT', 'l', 'BY', 'h*->f1']];
    const [ours, real] = await Promise.all([collectKeyspaceEvents(pair.ours.port, commands, 'KEAm'), collectKeyspaceEvents(pair.real.port, commands, 'KEAm')]);
    expect(ours).toEqual(real);
    expect(await hitsAndMisses(pair.ours.port)).toBe(await hitsAndMisses(pair.real.port));
  });
  it('RESTORE REPLACE over a key that exists announces it as new, as redis-server deletes it and adds the key anew (seeds 42916, 44492)', async () => {
    const commands = [['RPUSH', 'S1', 'foo', 'v18'], ['SET', 'k', 'x'], ['DUMP', 'k'], ['RESTORE', 'S1', '0', '\x00\x05hello\x0a\x00cr\xdfve4 \x0a', 'REPLACE'], ['RESTORE', 'n', '0', '\x00\x05hello\x0a\x00cr\xdfve4 \x0a'], ['RESTORE', 'n', '1', '\x00\x05hello\x0a\x00cr\xdfve4 \x0a', 'REPLACE', 'ABSTTL']];
    const [ours, real] = await Promise.all([collectKeyspaceEvents(pair.ours.port, commands, 'KEAn'), collectKeyspaceEvents(pair.real.port, commands, 'KEAn')]);
    expect(ours).toEqual(real);
    expect(real.some((e) => e.includes('__keyevent@0__:new') && e.includes('S1'))).toBe(true);
  });
  it('MSET and MSETNX announce each key new then set before the next key, as redis-server sets and announces pair by pair (seeds 41119, 43670, 44786)', async () => {
    const commands = [['SET', 'b', '0'], ['MSET', 'a', '1', 'b', '2', 'c', '3', 'a', '4'], ['MSETNX', 'd', '1', 'e', '2', 'd', '3'], ['MSETNX', 'f', '1', 'a', '2']];
    const [ours, real] = await Promise.all([collectKeyspaceEvents(pair.ours.port, commands, 'KEAn'), collectKeyspaceEvents(pair.real.port, commands, 'KEAn')]);
    expect(ours).toEqual(real);
    expect(real.length).toBe(2 * 13);
    // Without n, and one class alone on the keyspace channel ($ is strings; s would be sets): still redis-server's order.
    for (const [flags, count] of [['KEA', 2 * 8], ['Kn', 5], ['K$', 8]] as const) {
      const [o, r] = await Promise.all([collectKeyspaceEvents(pair.ours.port, commands, flags), collectKeyspaceEvents(pair.real.port, commands, flags)]);
      expect(o, flags).toEqual(r);
      expect(r.length, flags).toBe(count);
    }
  });
  it('INCRBYFLOAT looks its key up for writing (no miss, no keymiss) and SET ... GET reads it first (a hit or a miss with keymiss), as redis-server 7.0 (seed 45668)', async () => {
    const commands = [['CONFIG', 'RESETSTAT'], ['INCRBYFLOAT', 'm', '1.5'], ['INCRBYFLOAT', 'm2', '(-0'], ['SET', 'g', 'x', 'GET'], ['SET', 'g', 'y', 'GET'], ['SET', 'g', 'z', 'NX', 'GET'], ['SET', 'g2', '1', 'XX', 'GET'], ['HSET', 'h', 'f', 'v'], ['SET', 'h', '1', 'GET'], ['INCRBYFLOAT', 'm', '1']];
    const [ours, real] = await Promise.all([collectKeyspaceEvents(pair.ours.port, commands, 'KEm'), collectKeyspaceEvents(pair.real.port, commands, 'KEm')]);
    expect(ours).toEqual(real);
    expect(real.length).toBe(2 * 2);
    expect(await hitsAndMisses(pair.ours.port)).toBe(await hitsAndMisses(pair.real.port));
  });
  it("a CONFIG SET that fails puts notify-keyspace-events back from its CONFIG GET text, which drops n after A: no new events after it (seed 52840)", async () => {
    const commands = [['CONFIG', 'SET', 'notify-keyspace-events', 'KEAn'], ['LPUSH', 'p1', 'a'], ['CONFIG', 'SET', 'notify-keyspace-events', 'Q'], ['LPUSH', 'p2', 'c'], ['CONFIG', 'SET', 'notify-keyspace-events', 'KEAn', 'maxmemory-policy', 'x'], ['LPUSH', 'p3', 'c'], ['CONFIG', 'SET', 'notify-keyspace-events', 'KEn'], ['CONFIG', 'SET', 'notify-keyspace-events', 'Q'], ['SET', 'p4', 'c']];
    const [ours, real] = await Promise.all([collectKeyspaceEvents(pair.ours.port, commands, 'KEAn'), collectKeyspaceEvents(pair.real.port, commands, 'KEAn')]);
    expect(ours).toEqual(real);
  });
  it('DEBUG RELOAD loads its keys without new events, as redis-server loads an RDB (seed 70670)', async () => {
    const commands = [['CONFIG', 'SET', 'notify-keyspace-events', 'KEAn'], ['ZADD', 'z1', '1', 'a'], ['SELECT', '1'], ['RPUSH', 'l1', 'a'], ['SELECT', '0'], ['DEBUG', 'RELOAD'], ['SET', 's', 'v']];
    const [ours, real] = await Promise.all([collectKeyspaceEvents(pair.ours.port, commands, 'KEAn'), collectKeyspaceEvents(pair.real.port, commands, 'KEAn')]);
    expect(ours).toEqual(real);
    expect(real.length).toBe(3 * 4);
  });
  it("ZADD's and SET's options as strcasecmp reads them: 'INCR\\0' is INCR (event zincr), 'EX\\0' is EX (event expire) (docs seeds 203017, 204371)", async () => {
    const commands = [['ZADD', 'z', 'INCR\x00', '1', 'a'], ['ZADD', 'z', 'NX\x00x', 'INCR\x00', '1', 'b'], ['ZADD', 'z', 'CH\x00', '2', 'a'], ['ZINCRBY', 'z', '1', 'a'], ['SET', 's', 'v', 'EX\x00', '1000'], ['SET', 's', 'v', 'GET\x00', 'PXAT\x00x', '99999999999999']];
    const [ours, real] = await Promise.all([collectKeyspaceEvents(pair.ours.port, commands, 'KEA'), collectKeyspaceEvents(pair.real.port, commands, 'KEA')]);
    expect(ours).toEqual(real);
    expect(real.join(' ')).toContain('zincr');
  });
});
