// FUNCTION DUMP payloads byte for byte as redis-server 7.0 writes them (the fuzzer once saw ours 2
// bytes longer): the RDB function opcode, the code as an RDB string (LZF-compressed exactly when
// and as liblzf would), the RDB version and the CRC64. One library per dump: with several, Redis
// lists them in its hash order. FUNCTION RESTORE of what is not such a payload.
import { describe, expect, it } from 'vitest';
import { RawClient, realRedisAvailable } from './helpers.ts';
import { serverPair } from './server-pair.ts';
import { STALL_BOUND_MS, stallServers, whileWorking } from './stall.ts';

const available = realRedisAvailable();

const lib = (name: string, body: string): string => `#!lua name=${name}\n${body}`;

const LIBRARIES = [
  lib('tiny', "redis.register_function('f', function() return 1 end)"),
  lib('spin', "redis.register_function('spin', function(KEYS, ARGV)\n local a = 1 while true do a = a + 1 end\nend)"),
  lib('rep', `local function x() return '${'a'.repeat(70)}' end\n${[1, 2, 3].map((i) => `redis.register_function('f${i}', function() return ${Array(i).fill('x()').join(' .. ')} end)`).join('\n')}`),
  lib('noise', `redis.register_function('n', function() return '${Array.from({ length: 300 }, (_, i) => String.fromCharCode(33 + ((i * 7919) % 90))).join('').replace(/['\\]/g, '.')}' end)`),
  lib('long', Array.from({ length: 200 }, (_, i) => `redis.register_function('fn${i}', function(keys, args) return redis.call('incrby', keys[1], ${i}) end)`).join('\n')),
];

async function dumps(port: number): Promise<string[]> {
  const c = await RawClient.connect(port);
  try {
    const out: string[] = [];
    for (const code of LIBRARIES) {
      await c.call('FUNCTION', 'FLUSH');
      await c.call('FUNCTION', 'LOAD', code);
      out.push(await c.call('FUNCTION', 'DUMP'));
    }
    return out;
  } finally {
    c.close();
  }
}

/** FUNCTION RESTORE of payloads that are not a function dump, or whose footer is wrong, then the policies. */
async function restores(port: number): Promise<string[]> {
  const c = await RawClient.connect(port);
  const bulk = (reply: string): Buffer => Buffer.from(reply.slice(reply.indexOf('\r\n') + 2, -2), 'latin1');
  try {
    await c.call('FUNCTION', 'FLUSH');
    await c.call('FLUSHALL');
    await c.call('SET', 'k', 'v');
    const keyDump = bulk(await c.call('DUMP', 'k'));
    await c.call('FUNCTION', 'LOAD', lib('a', "redis.register_function('fa', function() return 1 end)"));
    const d = bulk(await c.call('FUNCTION', 'DUMP'));
    const flip = (at: number): Buffer => {
      const b = Buffer.from(d);
      b[at] = (b[at] as number) ^ 1;
      return b;
    };
    const out = [
      await c.call('FUNCTION', 'RESTORE', keyDump),
      await c.call('FUNCTION', 'RESTORE', d.subarray(0, d.length - 1)),
      await c.call('FUNCTION', 'RESTORE', flip(d.length - 10)),
      await c.call('FUNCTION', 'RESTORE', flip(d.length - 1)),
      await c.call('FUNCTION', 'RESTORE', Buffer.from([0xf5, 0x00, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0])),
      await c.call('FUNCTION', 'RESTORE', Buffer.from([0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0])),
      await c.call('FUNCTION', 'RESTORE', ''),
      await c.call('FUNCTION', 'RESTORE', d, 'bogus'),
      await c.call('FUNCTION', 'RESTORE', d),
      await c.call('FUNCTION', 'RESTORE', d, 'REPLACE'),
    ];
    await c.call('FUNCTION', 'FLUSH');
    await c.call('FUNCTION', 'LOAD', lib('b', "redis.register_function('fa', function() return 2 end)"));
    out.push(await c.call('FUNCTION', 'RESTORE', d, 'REPLACE'), await c.call('FUNCTION', 'RESTORE', d, 'APPEND'), await c.call('FUNCTION', 'RESTORE', d, 'FLUSH'), await c.call('FCALL', 'fa', '0'));
    return out;
  } finally {
    c.close();
  }
}

describe.skipIf(!available)('FUNCTION DUMP', () => {
  const servers = serverPair();

  it('RESTORE refuses what redis-server refuses, with its errors', async () => {
    const want = await restores(servers.real.port);
    expect(want[0]).toBe('-ERR given type is not a function\r\n');
    expect(await restores(servers.ours.port)).toEqual(want);
  }, 60_000);

  it('gives the payload redis-server gives, byte for byte', async () => {
    const want = await dumps(servers.real.port);
    expect(await dumps(servers.ours.port)).toEqual(want);
  }, 60_000);

  it('leaves the code uncompressed under rdbcompression no, as redis-server does', async () => {
    const withConfig = async (port: number): Promise<string[]> => {
      const c = await RawClient.connect(port);
      await c.call('CONFIG', 'SET', 'rdbcompression', 'no');
      try {
        return await dumps(port);
      } finally {
        await c.call('CONFIG', 'SET', 'rdbcompression', 'yes');
        c.close();
      }
    };
    const want = await withConfig(servers.real.port);
    expect(await withConfig(servers.ours.port)).toEqual(want);
    expect(want[2]).toContain('a'.repeat(70));
  }, 60_000);
});

describe.skipIf(!available)('FUNCTION DUMP of thousands of libraries', () => {
  const LIBS = 2000;
  const s = stallServers(() => Array.from({ length: LIBS }, (_, i) => ['FUNCTION', 'LOAD', lib(`lib${i}`, `redis.register_function('f${i}', function() return ${i} end)`)]));

  // Redis lists several libraries in its hash order, so the dump is checked by what redis-server restores from it.
  it('is made in slices, another node answering, and redis-server restores every library from it', async () => {
    const c = await RawClient.connect(s.busy.port);
    const real = await RawClient.connect(s.real.port);
    try {
      let dump = '';
      const { ping, loop } = await whileWorking(s.other.port, async () => (dump = await c.call('FUNCTION', 'DUMP')));
      expect(ping).toBeLessThan(STALL_BOUND_MS);
      expect(loop).toBeLessThan(STALL_BOUND_MS);
      const payload = dump.slice(dump.indexOf('\r\n') + 2, -2);
      expect(await real.call('FUNCTION', 'RESTORE', payload, 'FLUSH')).toBe('+OK\r\n');
      expect(await real.call('FUNCTION', 'STATS')).toContain(`$15\r\nlibraries_count\r\n:${LIBS}\r\n`);
      for (const i of [0, 777, LIBS - 1]) expect(await real.call('FCALL', `f${i}`, '0')).toBe(`:${i}\r\n`);
      expect(await c.call('FUNCTION', 'RESTORE', payload, 'FLUSH')).toBe('+OK\r\n');
      expect(await c.call('FUNCTION', 'DUMP')).toBe(dump);
    } finally {
      c.close();
      real.close();
    }
  }, 120_000);
});
