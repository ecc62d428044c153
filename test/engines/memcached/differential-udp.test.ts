// memcached -U: the same datagrams to memcached 1.6.18 and to our engine get the same datagrams back,
// headers included. memcached runs with -t 1 (one UDP connection object, as ours), so what a datagram
// leaves half read is always completed by the next one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemcachedServer, type MemcachedServer } from '../../../engines/memcached/index.ts';
import { deltaExtras, packet, setExtras } from './binary-helpers.ts';
import { realMemcachedAvailable, startReal, textExchange, type Target } from './helpers.ts';
import { frame, freeUdpPort, udpExchange, type Step } from './udp-helpers.ts';

const available = realMemcachedAvailable();

/** A value of `n` bytes that shows where a datagram boundary cut it. */
function pattern(n: number): string {
  let s = '';
  for (let i = 0; s.length < n; i++) s += `${i}:`;
  return s.slice(0, n);
}

const BIG = pattern(20000);
const MID = pattern(3000);

interface Server {
  tcp: number;
  udp: number;
}

async function statsRows(port: number, sub: string): Promise<[string, string][]> {
  const reply = (await textExchange(port, `stats ${sub}\r\n`)).reply.toString('latin1');
  return reply
    .split('\r\n')
    .filter((l) => l.startsWith('STAT '))
    .map((l) => {
      const [, name, ...rest] = l.split(' ');
      return [name!, rest.join(' ')];
    });
}

/**
 * `stats conns` with file descriptors and ports masked (only memcached has descriptors), once the
 * connections of earlier exchanges are gone: the server may list a closed one for a moment.
 */
async function connsShape(port: number): Promise<string[]> {
  for (;;) {
    const shape = (await statsRows(port, 'conns')).map(
      ([name, value]) => `${name.replace(/^\d+:/, 'fd:')} ${name.endsWith('secs_since_last_cmd') ? '?' : value.replace(/:\d+$/, ':port')}`,
    );
    if (shape.filter((row) => row.startsWith('fd:listen_addr tcp:')).length === 1) return shape;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** curr_connections, read with `stats conns` showing only the asking connection. */
async function currConnections(port: number): Promise<string[]> {
  for (;;) {
    const reply = (await textExchange(port, 'stats\r\nstats conns\r\n')).reply.toString('latin1');
    const clients = reply.match(/^STAT \d+:listen_addr tcp:/gm)?.length ?? 0;
    if (clients === 1) return reply.match(/^STAT curr_connections \d+/gm) ?? [];
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.skipIf(!available)('UDP datagrams match real memcached', () => {
  let real: Target;
  let realUdp: number;
  let ours: MemcachedServer;
  let servers: Server[];

  beforeAll(async () => {
    realUdp = await freeUdpPort();
    real = await startReal(['-U', String(realUdp)]);
    ours = createMemcachedServer({ port: 0, udpPort: await freeUdpPort(), version: '1.6.18' });
    await ours.listen();
    servers = [
      { tcp: real.port, udp: realUdp },
      { tcp: ours.port, udp: ours.udpPort! },
    ];
  });
  afterAll(async () => {
    await Promise.all([real?.close(), ours?.close()]);
  });

  /** Sends the same steps to both servers; expects the same datagrams back and answers them. */
  async function same(steps: (s: Server) => Step[]) {
    const [a, b] = [await udpExchange(servers[0]!.udp, steps(servers[0]!)), await udpExchange(servers[1]!.udp, steps(servers[1]!))];
    expect(b).toEqual(a);
    return b;
  }

  it('echoes the request id, ignoring sequence and reserved; one response per multi-get key', async () => {
    const got = await same(() => [
      frame(1, 'set a 0 0 1\r\nx\r\n'),
      frame(0x1234, 'get a\r\n', { sequence: 5, reserved: 7 }),
      frame(3, 'get a b a\r\n'),
      frame(4, 'get nope\r\n'),
      frame(5, 'get a\r\nget a\r\nversion\r\n'),
    ]);
    expect(got[1]).toEqual({ id: 0x1234, sequence: 0, total: 1, reserved: 0, payload: 'VALUE a 0 1\r\nx\r\nEND\r\n' });
  });

  it('splits replies larger than one datagram into 1400-byte datagrams, per response object', async () => {
    const got = await same(() => [
      frame(10, `set mid 0 0 ${MID.length}\r\n${MID}\r\n`),
      frame(11, `set big 5 0 ${BIG.length}\r\n${BIG}\r\n`),
      frame(12, 'get mid a missing big\r\n'),
      frame(13, 'gets big\r\n'),
      frame(14, 'mg big v f t s\r\n'),
    ]);
    expect(got.filter((d) => d.id === 12).map((d) => `${d.sequence}/${d.total}`)).toEqual(['0/3', '1/3', '2/3', '0/1', '0/15', ...Array.from({ length: 14 }, (_, i) => `${i + 1}/15`)]);
    expect(Math.max(...got.map((d) => d.payload.length + 8))).toBe(1400);
  });

  it('sends an empty response heading a write as a bare header, never a noreply one', async () => {
    await same(() => [
      frame(20, 'get b a\r\n'),
      frame(21, 'set x 0 0 1 noreply\r\nx\r\nget b a\r\n'),
      frame(22, 'mg miss v q\r\nmn\r\n'),
      frame(23, 'get a b\r\n'),
      frame(24, 'touch x 10 noreply\r\nget b b b\r\n'),
      frame(25, 'bogus\r\nget a\r\n'),
      frame(26, 'set n 0 0 1 noreply\r\nz\r\nget n\r\n'),
      frame(27, 'ms q 1 q\r\nz\r\nmg q v q\r\nmg qq v q\r\nmn\r\n'),
    ]);
  });

  it('speaks the binary protocol, one datagram sequence per response', async () => {
    await same(() => [
      frame(30, packet({ opcode: 0x01, key: 'bk', extras: setExtras(3, 0), value: 'binary value', opaque: 7 })),
      frame(31, packet({ opcode: 0x00, key: 'bk', opaque: 8 })),
      frame(32, packet({ opcode: 0x0c, key: 'bk' })),
      frame(33, packet({ opcode: 0x11, key: 'bq', extras: setExtras(0, 0), value: 'quiet' })),
      frame(34, Buffer.concat([packet({ opcode: 0x09, key: 'nope' }), packet({ opcode: 0x0a })])),
      frame(35, Buffer.concat([packet({ opcode: 0x09, key: 'bq' }), packet({ opcode: 0x09, key: 'nope' }), packet({ opcode: 0x00, key: 'bq' })])),
      frame(36, packet({ opcode: 0x05, key: 'counter', extras: deltaExtras(5n, 10n, 0) })),
      frame(37, packet({ opcode: 0x05, key: 'counter', extras: deltaExtras(5n, 10n, 0) })),
      frame(38, packet({ opcode: 0x00, key: 'big' })),
      frame(39, Buffer.concat([packet({ opcode: 0x04, key: 'bk' }), packet({ opcode: 0x0b })])),
      frame(40, Buffer.concat([packet({ opcode: 0x07 }), packet({ opcode: 0x00, key: 'bq' })])),
    ]);
  });

  it('drops malformed frames and unfinished requests without a reply', async () => {
    const got = await same(() => [
      Buffer.from([0, 50]),
      frame(51, ''),
      frame(52, 'get a\r\n', { total: 2 }),
      frame(53, 'get a\r\n', { total: 0 }),
      frame(54, 'get a'),
      frame(55, '\r\n'),
      frame(56, packet({ opcode: 0x00, key: 'a' }).subarray(0, 20)),
      frame(57, Buffer.concat([packet({ opcode: 0x0a }), Buffer.from('get a\r\n')])),
      frame(58, 'version\r\n'),
    ]);
    expect(got.map((d) => d.id)).toEqual([55, 57, 58]);
  });

  it('completes a value left unfinished with the next datagram read raw, its header included', async () => {
    const got = await same(() => [
      frame(60, 'set c 0 0 10\r\nab'),
      frame(61, 'cdefghij\r\n'),
      frame(62, 'set d 0 0 12\r\n'),
      frame(63, 'abcd\r\n'),
      frame(64, 'get c d\r\n'),
      // A binary value is read raw the same way; extras and key must have come whole.
      frame(65, packet({ opcode: 0x01, key: 'bd', extras: setExtras(0, 0), value: '0123456789', opaque: 9 }).subarray(0, 38)),
      frame(66, 'xx'),
      frame(67, packet({ opcode: 0x00, key: 'bd' })),
      frame(68, packet({ opcode: 0x01, key: 'be', extras: setExtras(0, 0), value: '0123456789' }).subarray(0, 30)),
      frame(69, 'xxxxxxx'),
      frame(70, packet({ opcode: 0x00, key: 'be' })),
    ]);
    expect(got[0]).toEqual({ id: 60, sequence: 0, total: 1, reserved: 0, payload: 'CLIENT_ERROR bad data chunk\r\n' });
    expect(got.map((d) => d.id)).toEqual([60, 62, 64, 64, 65, 67, 70]);
  });

  // Not compared: `watch` over UDP, which memcached's logger thread races (the rest of the datagram
  // is served or not); ours serves nothing after it.
  it('closes as memcached does: quit and HTTP drop the rest of the datagram', async () => {
    await same(() => [
      frame(71, 'version\r\nquit\r\nget a\r\n'),
      frame(72, 'quit\r\nget a\r\n'),
      frame(73, 'get a\r\nGET / HTTP/1.1\r\n'),
      frame(74, 'version\r\nGET / HTTP/1.1\r\n'),
      frame(76, 'get a\r\n'),
    ]);
  });

  it('lists the UDP connection in stats conns, waiting and mid-value, and counts it', async () => {
    for (const s of servers) expect(await statsRows(s.tcp, 'settings')).toContainEqual(['udpport', String(s.udp)]);
    expect(await connsShape(servers[1]!.tcp)).toEqual(await connsShape(servers[0]!.tcp));
    expect(await currConnections(servers[1]!.tcp)).toEqual(await currConnections(servers[0]!.tcp));

    const midValue: string[][] = [];
    await same((s) => [
      frame(80, 'set k 0 0 20\r\nab'),
      async () => {
        // Wait until the server has read the datagram and waits for the rest of the value.
        for (let shape = await connsShape(s.tcp); ; shape = await connsShape(s.tcp)) {
          if (shape.includes('fd:state conn_nread')) return void midValue.push(shape);
          await new Promise((r) => setTimeout(r, 20));
        }
      },
      frame(81, 'abcdefghij\r\n'),
      frame(82, 'get k\r\n'),
    ]);
    expect(midValue[1]).toEqual(midValue[0]);
    expect(midValue[0]).toContain('fd:listen_addr udp:127.0.0.1:port');
  });

  it('counts datagram bytes, headers included, in bytes_read and bytes_written', async () => {
    const counted = async (s: Server) => {
      const before = await textExchange(s.tcp, 'stats\r\n');
      await udpExchange(s.udp, [
        frame(90, 'get a mid\r\n'),
        frame(91, 'get a\r\n', { total: 2 }),
        frame(92, ''),
        frame(93, 'set r 0 0 10\r\nab'),
        frame(94, 'cdefghijklmnop\r\n'),
      ]);
      const after = (await textExchange(s.tcp, 'stats\r\n')).reply.toString('latin1');
      const value = (text: string, name: string) => Number(new RegExp(`STAT ${name} (\\d+)`).exec(text)![1]);
      const first = before.reply.toString('latin1');
      // The first exchange's own reply is counted as written by the time of the second.
      return [value(after, 'bytes_read') - value(first, 'bytes_read'), value(after, 'bytes_written') - value(first, 'bytes_written') - before.reply.length];
    };
    expect(await counted(servers[1]!)).toEqual(await counted(servers[0]!));
  });
});
