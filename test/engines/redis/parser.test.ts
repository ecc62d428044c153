// The RESP parser must give the same commands however the input is split into chunks.
import { describe, expect, it } from 'vitest';
import { ProtocolError, RespParser, splitInline } from '../../../engines/redis/resp/parser.ts';
import { encodeCommand } from './helpers.ts';

const LIM = { maxBulkLen: 512 * 1024 * 1024, authenticated: true };

function parseChunks(chunks: Buffer[]): string[][] {
  const p = new RespParser();
  const out: string[][] = [];
  for (const ch of chunks) p.feed(ch, out, LIM);
  return out;
}

describe('RespParser', () => {
  const binary = Buffer.from([0, 1, 2, 13, 10, 255, 128, 36, 42]);
  const input = Buffer.concat([
    encodeCommand(['SET', 'key', 'value']),
    Buffer.from('PING\r\n'),
    encodeCommand(['SET', 'bin', binary]),
    Buffer.from('*0\r\n'),
    Buffer.from('  \r\n'),
    Buffer.from('set "a b" \'c d\' "\\x41\\n"\n'),
    encodeCommand(['GET', '']),
    encodeCommand(['MSET', 'x'.repeat(40000), 'y']),
  ]);
  const expected = [
    ['SET', 'key', 'value'],
    ['PING'],
    ['SET', 'bin', binary.toString('latin1')],
    ['set', 'a b', 'c d', 'A\n'],
    ['GET', ''],
    ['MSET', 'x'.repeat(40000), 'y'],
  ];

  it('parses a whole buffer', () => {
    expect(parseChunks([input])).toEqual(expected);
  });

  it('gives the same result when split at every byte position', () => {
    for (let i = 1; i < input.length; i += i < 300 ? 1 : 97) {
      expect(parseChunks([input.subarray(0, i), input.subarray(i)])).toEqual(expected);
    }
  });

  it('survives being fed one byte at a time', () => {
    const chunks: Buffer[] = [];
    for (let i = 0; i < input.length; i++) chunks.push(input.subarray(i, i + 1));
    expect(parseChunks(chunks)).toEqual(expected);
  });

  it('gives each argument its own bytes in a pipeline of similar commands, however split', () => {
    // The parser reuses the previous command's string for an argument with the same bytes at the same
    // index: arguments differing in their first, middle or last byte, in length, or moved to another
    // index must still come out as sent.
    const k = 'counter:__rand_int__';
    const cmds = [
      ['INCR', k],
      ['INCR', k],
      ['INCR', `d${k.slice(1)}`],
      ['INCR', `${k.slice(0, 10)}X${k.slice(11)}`],
      ['INCR', `${k.slice(0, -1)}!`],
      ['INCR', `${k}_`],
      ['incr', k],
      ['LPUSH', 'l', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'],
      ['LPUSH', 'l', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'j'],
      ['LPUSH', 'l', 'b', 'a', 'c', 'd', 'e', 'f', 'g', 'i', 'h'],
      ['SET', 'v'.repeat(64), 'w'.repeat(65)],
      ['SET', 'v'.repeat(64), 'w'.repeat(65)],
      ['SET', `${'v'.repeat(63)}u`, `${'w'.repeat(64)}x`],
      ['SET', '', ''],
      ['SET', '', 'x'],
      ['GET', 'x'.repeat(40000)],
      ['GET', 'x'.repeat(40000)],
    ];
    const bytes = Buffer.concat([...cmds.slice(0, 7).map((c) => encodeCommand(c)), Buffer.from('INCR inline\r\n'), ...cmds.slice(7).map((c) => encodeCommand(c))]);
    const want = [...cmds.slice(0, 7), ['INCR', 'inline'], ...cmds.slice(7)];
    expect(parseChunks([bytes])).toEqual(want);
    for (let i = 1; i < bytes.length; i += i < 700 ? 1 : 211) {
      expect(parseChunks([bytes.subarray(0, i), bytes.subarray(i)])).toEqual(want);
    }
  });

  it('keeps values binary-safe', () => {
    const all = Buffer.alloc(256);
    for (let i = 0; i < 256; i++) all[i] = i;
    const [cmd] = parseChunks([encodeCommand(['SET', all, all])]);
    expect(Buffer.from((cmd as string[])[1] as string, 'latin1')).toEqual(all);
  });

  it.each([
    ['*abc\r\n', 'invalid multibulk length'],
    ['*3000000000\r\n', 'invalid multibulk length'],
    ['*1\r\n$-1\r\n', 'invalid bulk length'],
    ['*1\r\n$536870913\r\n', 'invalid bulk length'],
    ['*1\r\n:1\r\n', "expected '$', got ':'"],
    ['SET "a\r\n', 'unbalanced quotes in request'],
    ['SET "a"b\r\n', 'unbalanced quotes in request'],
  ])('rejects %j', (text, msg) => {
    const p = new RespParser();
    expect(() => p.feed(Buffer.from(text), [], LIM)).toThrow(new ProtocolError(msg));
  });

  it('accepts a multibulk count of exactly INT_MAX and rejects one more', () => {
    const out: string[][] = [];
    new RespParser().feed(Buffer.from('*2147483647\r\n$1\r\nx\r\n'), out, LIM);
    expect(out).toEqual([]);
    expect(() => new RespParser().feed(Buffer.from('*2147483648\r\n'), [], LIM)).toThrow('invalid multibulk length');
  });

  it('accepts a bulk of exactly proto-max-bulk-len without buffering it up front', () => {
    const p = new RespParser();
    const out: string[][] = [];
    p.feed(Buffer.from('*1\r\n$536870912\r\n'), out, LIM);
    expect(out).toEqual([]);
  });

  it('limits unauthenticated clients like Redis', () => {
    const lim = { maxBulkLen: LIM.maxBulkLen, authenticated: false };
    expect(() => new RespParser().feed(Buffer.from('*11\r\n'), [], lim)).toThrow('unauthenticated multibulk length');
    expect(() => new RespParser().feed(Buffer.from('*1\r\n$16385\r\n'), [], lim)).toThrow('unauthenticated bulk length');
    const out: string[][] = [];
    new RespParser().feed(encodeCommand(['AUTH', 'x'.repeat(16384)]), out, lim);
    expect(out.length).toBe(1);
  });

  it('rejects an inline request over 64KB and an unterminated header over 64KB', () => {
    expect(() => new RespParser().feed(Buffer.from('a'.repeat(64 * 1024 + 1)), [], LIM)).toThrow('too big inline request');
    const out: string[][] = [];
    new RespParser().feed(Buffer.from('a'.repeat(64 * 1024)), out, LIM);
    expect(() => new RespParser().feed(Buffer.from('*1' + '1'.repeat(64 * 1024)), [], LIM)).toThrow('too big mbulk count string');
  });

  it('splits inline arguments like redis-cli', () => {
    expect(splitInline('a  "b c"   \'d\\\'e\'')).toEqual(['a', 'b c', "d'e"]);
    expect(splitInline('"\\x4g"')).toEqual(['\\x4g'.replace('\\', '')]);
  });
  it('keeps arguments that repeat across reads apart from ones that differ in one byte, at either end', () => {
    // The parser hands back a string it parsed before when the bytes at the same position match (reads
    // reuse one socket buffer); a match must be byte for byte, in every read.
    const p = new RespParser();
    const out: string[][] = [];
    const reads = [
      ['SET', 'key:000001', 'v'],
      ['SET', 'key:000001', 'v'],
      ['SET', 'key:000002', 'v'],
      ['SET', 'Key:000002', 'v'],
      ['set', 'Key:000002', '\xff'],
      ['set', 'Key:000002', '\xfe', 'x'.repeat(70)],
      ['set', 'Key:000002', '\xfe', 'x'.repeat(69) + 'y'],
      ['GET', ''],
      ['GET', ''],
    ];
    const shared = Buffer.alloc(4096);
    for (const args of reads) {
      const bytes = encodeCommand(args.map((a) => Buffer.from(a, 'latin1')));
      bytes.copy(shared);
      p.feed(shared.subarray(0, bytes.length), out, LIM);
      shared.fill(0x2a);
    }
    expect(out).toEqual(reads);
    expect(new Set(out).size).toBe(reads.length);
  });
});
