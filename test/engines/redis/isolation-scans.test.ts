// SCAN, HSCAN, SSCAN and ZSCAN with a COUNT as big as the collection answer it all in one page: the page is
// made (a score formatted, MATCH applied) and written in steps, so another node keeps answering PING (ZSCAN
// of a million members held every node 2.4 s in one turn, HSCAN 1.1 s). The pages hold what redis-server's
// hold; the order is each server's own hash order, so they are compared as sorted pairs.
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { encodeCommand, realRedisAvailable } from './helpers.ts';
import { STALL_BOUND_MS, stallServers, whileWorking } from './stall.ts';

const N = Number(process.env.ISO_N ?? 250_000);
const available = realRedisAvailable();

function fill(): string[][] {
  const out: string[][] = [];
  for (let from = 0; from < N; from += 1000) {
    const hash = ['HSET', 'h'];
    const set = ['SADD', 's'];
    const zset = ['ZADD', 'z'];
    const keys = ['MSET'];
    for (let i = from; i < Math.min(N, from + 1000); i++) {
      hash.push(`f${i}`, `v${i % 977}`);
      set.push(`m${i}`);
      zset.push(String((i % 1000) / 7), `m${i}`);
      keys.push(`k${i}`, 'x');
    }
    out.push(hash, set, zset, keys);
  }
  return out;
}

interface Page {
  cursor: string;
  items: string[];
}

/**
 * The page `cmd` answers, read on a new connection: chunks are only gathered as they come, and parsed once
 * the reply is whole (an array of two: the cursor, then an array of bulks).
 */
function page(port: number, cmd: string[]): Promise<Page> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1', () => sock.write(Buffer.concat([encodeCommand(cmd), encodeCommand(['ECHO', 'end-of-page'])])));
    const chunks: Buffer[] = [];
    let tail = '';
    sock.on('data', (d: Buffer) => {
      chunks.push(d);
      tail = (tail + d.toString('latin1', Math.max(0, d.length - 32))).slice(-32);
      if (!tail.endsWith('$11\r\nend-of-page\r\n')) return;
      sock.destroy();
      const lines = Buffer.concat(chunks).toString('latin1').split('\r\n');
      // *2, $n, cursor, *count, then $len/value pairs.
      const count = Number((lines[3] as string).slice(1));
      resolve({ cursor: lines[2] as string, items: Array.from({ length: count }, (_, i) => lines[5 + 2 * i] as string) });
    });
    sock.on('error', reject);
  });
}

/** A page's items as sorted entries (pairs for HSCAN and ZSCAN). */
function sorted(items: string[], pairs: boolean): string[] {
  const out: string[] = [];
  for (let i = 0; i < items.length; i += pairs ? 2 : 1) out.push(pairs ? `${items[i]}=${items[i + 1]}` : (items[i] as string));
  return out.sort();
}

describe.skipIf(!available)('scans with a COUNT as big as the collection', () => {
  const s = stallServers(fill);

  it('answer every element in steps while another node answers PING, as redis-server does', async () => {
    const big = String(4 * N);
    for (const [cmd, pairs] of [
      [['ZSCAN', 'z', '0', 'COUNT', big], true],
      [['HSCAN', 'h', '0', 'COUNT', big], true],
      [['SSCAN', 's', '0', 'COUNT', big], false],
      [['ZSCAN', 'z', '0', 'MATCH', 'm1*', 'COUNT', big], true],
      [['SCAN', '0', 'COUNT', big, 'MATCH', 'k*'], false],
    ] as const) {
      const label = cmd.join(' ');
      let ours!: Promise<Page>;
      const { ping, loop, answered } = await whileWorking(s.other.port, () => (ours = page(s.busy.port, [...cmd])));
      expect(answered, label).toBeGreaterThan(0);
      expect(ping, label).toBeLessThan(STALL_BOUND_MS);
      expect(loop, label).toBeLessThan(STALL_BOUND_MS);
      const [a, b] = [await ours, await page(s.real.port, [...cmd])];
      expect(a.cursor, label).toBe('0');
      expect(b.cursor, label).toBe('0');
      expect(a.items.length, label).toBe(b.items.length);
      expect(sorted(a.items, pairs), label).toEqual(sorted(b.items, pairs));
    }
  }, 120_000);
});
