// Keyspace events of the stream commands (notify-keyspace-events KEA), received by a subscriber on
// each server and compared with redis-server 7.0's, in order: consumers that XREADGROUP, XCLAIM and
// XAUTOCLAIM create only when they read or claim something, and the xtrim that follows an XADD whose
// MAXLEN/MINID removed entries.
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { realRedisAvailable } from './helpers.ts';
import { serverPair } from './server-pair.ts';

const available = realRedisAvailable();

const COMMANDS: string[][] = [
  ['XADD', 's', '1-1', 'f', 'v'],
  ['XADD', 's', '2-1', 'f', 'v'],
  ['XADD', 's', '3-1', 'f', 'v'],
  ['XGROUP', 'CREATE', 's', 'g', '0'],
  ['XGROUP', 'CREATE', 's', 'g', '0'],
  ['XGROUP', 'CREATECONSUMER', 's', 'g', 'c1'],
  ['XGROUP', 'CREATECONSUMER', 's', 'g', 'c1'],
  ['XGROUP', 'CREATECONSUMER', 's', 'g', 'c2'],
  ['XREADGROUP', 'GROUP', 'g', 'c2', 'COUNT', '2', 'STREAMS', 's', '>'],
  ['XCLAIM', 's', 'g', 'c1', '0', '1-1'],
  ['XAUTOCLAIM', 's', 'g', 'c1', '0', '0-0', 'COUNT', '1'],
  ['XAUTOCLAIM', 's', 'g', 'c1', '0', '0-0', 'COUNT', '1', 'JUSTID'],
  ['XGROUP', 'DELCONSUMER', 's', 'g', 'c2'],
  ['XGROUP', 'DELCONSUMER', 's', 'g', 'nobody'],
  ['XGROUP', 'SETID', 's', 'g', '0'],
  ['XSETID', 's', '5-0'],
  ['XDEL', 's', '1-1', '9-9'],
  ['XDEL', 's', '9-9'],
  ['XTRIM', 's', 'MAXLEN', '1'],
  ['XTRIM', 's', 'MAXLEN', '1'],
  ['XACK', 's', 'g', '3-1'],
  ['XGROUP', 'DESTROY', 's', 'g'],
  ['XGROUP', 'DESTROY', 's', 'g'],
  ['XADD', 't', 'NOMKSTREAM', '*', 'f', 'v'],
  ['XADD', 't', '1-1', 'f', 'v'],
  ['XGROUP', 'CREATE', 'u', 'g', '$', 'MKSTREAM'],
  ['XADD', 'v', '1-1', 'f', 'v'],
  ['XADD', 'v', '2-1', 'f', 'v'],
  ['XADD', 'v', '3-1', 'f', 'v'],
  ['XGROUP', 'CREATE', 'v', 'g', '0'],
  ['XREADGROUP', 'GROUP', 'g', 'r1', 'COUNT', '1', 'STREAMS', 'v', '>'],
  ['XREADGROUP', 'GROUP', 'g', 'r2', 'STREAMS', 'v', '0'],
  ['XREADGROUP', 'GROUP', 'g', 'r3', 'STREAMS', 'v', '>'],
  ['XREADGROUP', 'GROUP', 'g', 'r4', 'STREAMS', 'v', '>'],
  ['XREADGROUP', 'GROUP', 'g', 'r5', 'BLOCK', '10', 'STREAMS', 'v', '>'],
  ['XREADGROUP', 'GROUP', 'g', 'r6', 'STREAMS', 'v', 'nokey', '>', '>'],
  ['XCLAIM', 'v', 'g', 'k1', '0', '1-1'],
  ['XCLAIM', 'v', 'g', 'k2', '0', '9-9'],
  ['XCLAIM', 'v', 'g', 'k3', '999999999', '1-1'],
  ['XAUTOCLAIM', 'v', 'g', 'k4', '0', '0-0', 'COUNT', '1'],
  ['XAUTOCLAIM', 'v', 'g', 'k5', '0', '9-0', 'COUNT', '1', 'JUSTID'],
  ['XAUTOCLAIM', 'v', 'g', 'k6', '99999999', '0-0'],
  ['XADD', 'v', 'MAXLEN', '2', '5-1', 'f', 'v'],
  ['XADD', 'v', 'MAXLEN', '10', '6-1', 'f', 'v'],
  ['XADD', 'v', 'MINID', '5-1', '7-1', 'f', 'v'],
  ['XADD', 'v', 'MINID', '~', '7-1', '8-1', 'f', 'v'],
  ['XADD', 'v', 'MAXLEN', '~', '1', '9-1', 'f', 'v'],
  ['XADD', 'w', 'MAXLEN', '0', '1-1', 'f', 'v'],
  ['XTRIM', 'v', 'MAXLEN', '0'],
  ['XREADGROUP', 'GROUP', 'g', 'r7', 'STREAMS', 'v', '0'],
  ['XCLAIM', 'v', 'g', 'k7', '0', '1-1', 'JUSTID'],
  ['XAUTOCLAIM', 'v', 'g', 'k8', '0', '0-0'],
  ['SET', 'done', '1'],
];

async function events(port: number): Promise<string[]> {
  const r = new Redis(port, '127.0.0.1');
  const sub = new Redis(port, '127.0.0.1');
  const seen: string[] = [];
  try {
    await r.flushall();
    await r.config('SET', 'notify-keyspace-events', 'KEA');
    sub.on('pmessage', (_p: string, channel: string, message: string) => seen.push(`${channel} ${message}`));
    await sub.psubscribe('__key*__:*');
    for (const c of COMMANDS) await r.call(c[0] as string, ...c.slice(1)).catch(() => undefined);
    for (let i = 0; i < 500 && !seen.includes('__keyspace@0__:done set'); i++) await new Promise((res) => setTimeout(res, 10));
    return seen;
  } finally {
    r.disconnect();
    sub.disconnect();
  }
}

describe.skipIf(!available)('stream keyspace events as redis-server 7.0', () => {
  const pair = serverPair();

  it('XADD (and the trim it causes), XGROUP subcommands, XREADGROUP, XCLAIM, XAUTOCLAIM (and the consumers they create), XSETID, XDEL, XTRIM, XACK notify as Redis does', async () => {
    const [a, b] = [await events(pair.ours.port), await events(pair.real.port)];
    expect(b.length).toBeGreaterThan(20);
    expect(a).toEqual(b);
  });
});
