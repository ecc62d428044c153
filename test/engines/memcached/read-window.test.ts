// memcached reads a text connection into a 16 KB buffer, and what a client sees depends on where those reads
// end (engines/memcached/read-window.ts): a cut-off line holding more than 2048 bytes of the buffer closes
// the connection unless it is a get/gets, and replies queued before each read are written, so a later
// error that discards unwritten replies spares them. Each case is one write, compared with memcached 1.6.18
// byte for byte (CAS numbers aside), with whether the connection was closed. When memcached closes, the
// bytes it has not read make its kernel reset the connection, and the client may lose replies it had been
// sent: the cases that close write nothing before (under 21 requests, memcached's first yield).
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { exchange, normalize, realMemcachedAvailable } from './helpers.ts';
import { realAndOursForTests } from './pair.ts';

const available = realMemcachedAvailable();

/** Sets of one-byte values, `bytes` long in all. */
function sets(bytes: number, prefix = 'p'): string {
  let s = '';
  for (let i = 0; s.length < bytes; i++) s += `set ${prefix}${i} 0 0 1\r\nz\r\n`;
  return s;
}

/** A `command` line of keys k0..k49 over and over, `bytes` long. */
function line(command: string, bytes: number): string {
  let s = command;
  for (let i = 0; s.length < bytes; i++) s += ` k${i % 50}`;
  return s + '\r\n';
}

const CASES: [string, string][] = [
  ['a gat line that fits the buffer after a set', 'set k1 0 0 1\r\ny\r\n' + line('gat 0', 15_000)],
  ['a gat line past 16 KB: closed', line('gat 0', 17_000)],
  ['a touch line past 16 KB: closed', line('touch', 17_000)],
  ['a gat line cut off with 6 KB of it in the buffer: closed, the replies before it lost', line('gat 0', 10_000) + line('gat 0', 8_000)],
  ['a gat line cut off with 1.4 KB of it in the buffer: read again, answered', sets(15_000) + line('gats 0', 8_000)],
  ['3 KB gat lines, one of them across a buffer end with 738 bytes in it', sets(600) + line('gat 0', 3_000).repeat(10)],
  ['3 KB gat lines, one of them across a buffer end with 2.9 KB in it: closed', line('get', 1_400) + line('gat 0', 3_000).repeat(6)],
  ['2.5 KB gat lines', line('gat 0', 2_500).repeat(12)],
  ['a too-long get key after 30 KB of sets: the replies of earlier reads were written', sets(30_000) + `get ${'x'.repeat(300)}\r\nset q 0 0 1\r\nq\r\n`],
  ['a bad data chunk after a read', sets(20_000) + 'set b 0 0 1\r\nxyz\r\nget b k1\r\n'],
  ['a get line past 16 KB with a too-long key, after a set', 'set k2 0 0 1\r\nw\r\n' + line('get', 20_000).replace('\r\n', ` ${'L'.repeat(251)}\r\n`)],
  ['3 KB of junk cut off by the buffer: closed', line('get', 14_000) + 'junk'.repeat(750) + '\r\n'],
  ['3 KB of junk in the buffer: ERROR', line('get', 9_000) + 'junk'.repeat(750) + '\r\n'],
];

describe.skipIf(!available)("memcached's 16 KB read buffer", () => {
  const servers = realAndOursForTests();

  for (const [name, script] of CASES) {
    it(name, async () => {
      const data = `flush_all noreply\r\nset k1 0 0 1\r\ny\r\n${script}mn\r\n`;
      const ended = (b: Buffer) => b.subarray(b.length - 4).toString() === 'MN\r\n';
      const [a, b] = await Promise.all([exchange(servers.ours.port, data, ended, 300), exchange(servers.real.port, data, ended, 300)]);
      expect(a.closed, 'closed').toBe(b.closed);
      const [x, y] = [normalize(a.reply.toString('latin1')), normalize(b.reply.toString('latin1'))];
      expect(x.length, 'reply length').toBe(y.length);
      expect(x === y, 'replies differ from memcached 1.6.18').toBe(true);
    });
  }
});

describe.skipIf(!available)('reads that end at 64 KB', () => {
  const servers = realAndOursForTests();

  it('two get lines with too-long keys in one 90 KB write: the second discards the first one\'s error, as memcached', async () => {
    // memcached's grown buffer takes the whole write in one read; ours stop at 64 KB and wait for the rest.
    const bad = (n: number) => line('get', n).replace('\r\n', ` ${'L'.repeat(251)}\r\n`);
    const data = `get k1\r\n${bad(50_000)}${bad(40_000)}mn\r\n`;
    const ended = (b: Buffer) => b.subarray(b.length - 4).toString() === 'MN\r\n';
    const [a, b] = await Promise.all([exchange(servers.ours.port, data, ended, 300), exchange(servers.real.port, data, ended, 300)]);
    expect(b.reply.toString('latin1')).toBe('END\r\nCLIENT_ERROR bad command line format\r\nMN\r\n');
    expect(a.reply.toString('latin1')).toBe(b.reply.toString('latin1'));
  });

  it('a bad data chunk makes the rest of a 48 KB get line an unknown command, read whole and not closed on', async () => {
    // (memcached took the whole 68 KB write in one read; ours stop at 64 KB, inside that line.)
    const data = `${line('gets', 19_600)}replace b 3 0 4\r\n42\r\n ${line('get', 48_000)}mn\r\n`;
    const ended = (b: Buffer) => b.subarray(b.length - 4).toString() === 'MN\r\n';
    const [a, b] = await Promise.all([exchange(servers.ours.port, data, ended, 300), exchange(servers.real.port, data, ended, 300)]);
    expect(b.reply.toString('latin1')).toBe('END\r\nCLIENT_ERROR bad data chunk\r\nERROR\r\nMN\r\n');
    expect(a.reply.toString('latin1')).toBe(b.reply.toString('latin1'));
    expect(a.closed).toBe(false);
  });

  it('a write of exactly 64 KB ending inside a line: the replies before it come before the rest is sent', async () => {
    let head = sets(40_000) + 'get';
    while (head.length < 65_536) head += ' k1';
    head = head.slice(0, 65_536);
    const replies = await Promise.all([servers.ours, servers.real].map((t) => firstReplies(t.port, head, ' k1\r\nmn\r\n')));
    expect(replies[0]!.early).toBeGreaterThan(0);
    expect(replies[0]).toEqual(replies[1]);
  });
});

/** Sends `head`, counts the reply bytes that come within 300 ms, then sends `tail` and reads to MN. */
function firstReplies(port: number, head: string, tail: string): Promise<{ early: number; all: string }> {
  return new Promise((resolve, reject) => {
    const c = net.connect(port, '127.0.0.1', () => {
      c.write(head);
      setTimeout(() => {
        early = received.length;
        c.write(tail);
      }, 300);
    });
    let received = '';
    let early = -1;
    c.on('data', (b: Buffer) => {
      received += b.toString('latin1');
      if (early >= 0 && received.endsWith('MN\r\n')) {
        c.destroy();
        resolve({ early, all: received });
      }
    });
    c.on('error', reject);
  });
}
