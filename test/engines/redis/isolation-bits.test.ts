// BITOP, BITPOS, BITCOUNT and BITFIELD over strings of many megabytes run in slices (BITOP of two 64 MB strings held
// every node for 16 s): another node keeps answering PING, and replies and results equal redis-server's.
import { describe, expect, it } from 'vitest';
import { digestOf, onBoth, replies, STALL_BOUND_MS, stallServers, whileWorking } from './stall.ts';
import { encodeCommand, RawClient, realRedisAvailable } from './helpers.ts';

const MB = 1024 * 1024;
const SIZE = Number(process.env.ISO_BITS_MB ?? 16) * MB;
const available = realRedisAvailable();

/** Deterministic bytes (every value 0-255 occurs) as a latin1 string. */
function noise(n: number, seed: number): string {
  const b = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b.toString('latin1');
}

function fill(): string[][] {
  const out: string[][] = [];
  const chunk = noise(MB, 7);
  for (let i = 0; i < SIZE; i += MB) out.push(['APPEND', 'a', chunk], ['APPEND', 'o', '\xff'.repeat(MB)]);
  // b is shorter than a and not a multiple of 4 bytes long.
  out.push(['SET', 'b', noise(SIZE / 2 + 3, 11)]);
  out.push(['SETBIT', 'z', String(SIZE * 8 - 5), '1'], ['SETBIT', 'o', String(SIZE * 8 - 3), '0']);
  return out;
}

describe.skipIf(!available)('bit operations on big strings', () => {
  const s = stallServers(fill);

  it('BITOP AND/OR/XOR/NOT of big strings: the result equals redis-server\'s, another node answers', async () => {
    for (const cmd of [
      ['BITOP', 'AND', 'd', 'a', 'b'],
      ['BITOP', 'OR', 'd', 'b', 'a', 'missing'],
      ['BITOP', 'XOR', 'd', 'a', 'b', 'o'],
      ['BITOP', 'NOT', 'd', 'b'],
    ]) {
      let both!: Promise<{ reply: string; content: string }[]>;
      const { ping, loop } = await whileWorking(s.other.port, () => (both = onBoth(s, cmd, ['GET', 'd'])));
      const [mine, real] = await both;
      expect(mine, cmd.join(' ')).toEqual(real);
      expect(ping, cmd.join(' ')).toBeLessThan(STALL_BOUND_MS);
      expect(loop, cmd.join(' ')).toBeLessThan(STALL_BOUND_MS);
    }
  }, 180_000);

  it('BITPOS and BITCOUNT over a big string answer as redis-server while another node answers', async () => {
    const last = String(SIZE - 1);
    for (const cmd of [
      ['BITPOS', 'z', '1'],
      ['BITPOS', 'o', '0'],
      ['BITPOS', 'o', '0', '0', last],
      ['BITPOS', 'z', '1', '3', String(SIZE * 8 - 6), 'BIT'],
      ['BITCOUNT', 'a'],
      ['BITCOUNT', 'a', '5', String(-7), 'BIT'],
      ['BITCOUNT', 'o', '1', '-2'],
    ]) {
      let mine!: Promise<string[]>;
      const { ping, loop } = await whileWorking(s.other.port, () => (mine = replies(s.busy.port, [cmd])));
      expect(await mine, cmd.join(' ')).toEqual(await replies(s.real.port, [cmd]));
      expect(ping, cmd.join(' ')).toBeLessThan(STALL_BOUND_MS);
      expect(loop, cmd.join(' ')).toBeLessThan(STALL_BOUND_MS);
    }
  }, 180_000);

  it('BITFIELD with many ops answers each in slices: replies and the string equal redis-server\'s, another node answers', async () => {
    const ops = Array.from({ length: 60_000 }, (_, i) => {
      const at = String((i * 7919) % (SIZE * 8 - 64));
      return i % 3 === 0 ? ['GET', 'i13', at] : i % 3 === 1 ? ['OVERFLOW', 'SAT', 'INCRBY', 'u8', at, '200'] : ['SET', 'i32', at, String(i - 30_000)];
    }).flat();
    for (const key of ['a', 'fresh']) {
      // Encoded before the watch: encoding 240k arguments is this process's own work.
      const cmd = encodeCommand(['BITFIELD', key, ...ops]);
      const send = async (port: number) => {
        const c = await RawClient.connect(port);
        c.write(cmd);
        const reply = (await c.read(60_000)).toString('latin1');
        c.close();
        return { reply, content: (await digestOf(port, ['GET', key])).sha };
      };
      let mine!: Promise<{ reply: string; content: string }>;
      const { ping, loop } = await whileWorking(s.other.port, () => (mine = send(s.busy.port)));
      expect(await mine, key).toEqual(await send(s.real.port));
      expect(ping, key).toBeLessThan(STALL_BOUND_MS);
      expect(loop, key).toBeLessThan(STALL_BOUND_MS);
    }
  }, 180_000);

  it('small strings and every kind of range answer as redis-server (BITOP, BITPOS, BITCOUNT, in and out of MULTI)', async () => {
    let seed = 5;
    const rnd = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % n;
    const cmds: string[][] = [];
    const pick = ['\x00', '\xff', 'a', '\x80', '\x01'];
    for (let k = 0; k < 400; k++) {
      const key = `s${k % 8}`;
      if (k < 8) {
        const len = rnd(12);
        cmds.push(['SET', key, Array.from({ length: len }, () => (rnd(3) === 0 ? pick[rnd(5)] : String.fromCharCode(rnd(256)))).join('')]);
        continue;
      }
      const r = () => String(rnd(200) - 100);
      const unit = rnd(3) === 0 ? [] : [rnd(2) === 0 ? 'BIT' : 'BYTE'];
      switch (rnd(4)) {
        case 0:
          cmds.push(['BITCOUNT', key, r(), r(), ...unit]);
          break;
        case 1:
          cmds.push(['BITPOS', key, String(rnd(2)), ...(rnd(3) === 0 ? [r()] : [r(), r(), ...unit])]);
          break;
        default: {
          const op = ['AND', 'OR', 'XOR', 'NOT'][rnd(4)] as string;
          const srcs = op === 'NOT' ? [`s${rnd(9)}`] : Array.from({ length: 1 + rnd(4) }, () => `s${rnd(9)}`);
          cmds.push(['BITOP', op, 'd', ...srcs], ['GET', 'd']);
        }
      }
    }
    const inMulti = [['MULTI'], ...cmds.slice(8), ['EXEC']];
    expect(await replies(s.busy.port, cmds)).toEqual(await replies(s.real.port, cmds));
    expect(await replies(s.busy.port, inMulti)).toEqual(await replies(s.real.port, inMulti));
  }, 60_000);
});
