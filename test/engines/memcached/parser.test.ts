// The parser must produce the same requests however the bytes are split across chunks.
import { describe, expect, it } from 'vitest';
import { MAX_UNTERMINATED_LINE } from '../../../engines/memcached/limits.ts';
import { RequestParser, type Request } from '../../../engines/memcached/parser.ts';
import { textDataLength } from '../../../engines/memcached/text.ts';
import { packet, setExtras } from './binary-helpers.ts';

function describeRequest(r: Request): string {
  switch (r.kind) {
    case 'text':
      return `text ${JSON.stringify(r.tokens)} data=${r.data === null ? 'none' : JSON.stringify(r.data.toString('latin1'))} skipped=${r.dataDiscarded}`;
    case 'binary':
      return `binary ${r.header.toString('hex')} body=${r.body === null ? 'skipped' : r.body.toString('hex')}${r.head ? ` head=${r.head.toString('hex')}` : ''}`;
    case 'close':
      return `close ${r.reason}`;
  }
}

function parseChunks(chunks: Buffer[], maxBuffered = 1024): string[] {
  const parser = new RequestParser({ dataLength: textDataLength, maxBuffered });
  const seen: string[] = [];
  for (const c of chunks) parser.push(c, (r) => (seen.push(describeRequest(r)), r.kind !== 'close'));
  return seen;
}

function everySplit(input: Buffer, maxBuffered?: number): void {
  const whole = parseChunks([input], maxBuffered);
  for (let i = 1; i < input.length; i++) {
    expect(parseChunks([input.subarray(0, i), input.subarray(i)], maxBuffered), `split at ${i}`).toEqual(whole);
  }
  const bytes = [...input].map((b) => Buffer.from([b]));
  expect(parseChunks(bytes, maxBuffered), 'byte at a time').toEqual(whole);
}

const TEXT = Buffer.from(
  'set a 0 0 5\r\nhello\r\nget a b\r\nms k 3 T10\r\nxyz\r\nmg k v\nset b 0 0 2 noreply\r\nab\r\n' +
    'set bad 0 0 1\r\nxx\r\n\r\n  get   spaced  \r\nset big 0 0 40\r\n' + 'z'.repeat(40) + '\r\nmn\r\n',
  'latin1',
);

describe('request parser', () => {
  it('delivers an oversized store at its command line, before the skipped value has arrived', () => {
    // memcached answers and counts "object too large" on reading the line; a client that hangs up
    // mid-value has still moved store_too_large (the stats differential raced on this).
    expect(parseChunks([Buffer.from('set big 0 0 100\r\nzzz')], 10)).toEqual([
      'text ["set","big","0","0","100"] data=none skipped=true',
    ]);
  });

  it('parses text commands with data blocks', () => {
    expect(parseChunks([TEXT])).toEqual([
      'text ["set","a","0","0","5"] data="hello\\r\\n" skipped=false',
      'text ["get","a","b"] data=none skipped=false',
      'text ["ms","k","3","T10"] data="xyz\\r\\n" skipped=false',
      'text ["mg","k","v"] data=none skipped=false',
      'text ["set","b","0","0","2","noreply"] data="ab\\r\\n" skipped=false',
      'text ["set","bad","0","0","1"] data="xx\\r" skipped=false',
      // "xx\r" was the 3-byte block; the stray "\n" and the "\r\n" are then two empty lines.
      'text [] data=none skipped=false',
      'text [] data=none skipped=false',
      'text ["get","spaced"] data=none skipped=false',
      'text ["set","big","0","0","40"] data="' + 'z'.repeat(40) + '\\r\\n" skipped=false',
      'text ["mn"] data=none skipped=false',
    ]);
  });

  it('resumes text at every split point', () => everySplit(TEXT));

  it('skips data blocks above the buffering limit without holding them', () => {
    const input = Buffer.from('set big 0 0 100\r\n' + 'q'.repeat(100) + '\r\nget big\r\n');
    expect(parseChunks([input], 50)).toEqual([
      'text ["set","big","0","0","100"] data=none skipped=true',
      'text ["get","big"] data=none skipped=false',
    ]);
    everySplit(input, 50);
  });

  it('resumes binary packets at every split point', () => {
    const input = Buffer.concat([
      packet({ opcode: 0x01, key: 'k', extras: setExtras(1, 0), value: 'value', opaque: 7 }),
      packet({ opcode: 0x00, key: 'k', opaque: 8 }),
      packet({ opcode: 0x0a }),
      packet({ opcode: 0x01, key: 'big', extras: setExtras(0, 0), value: 'v'.repeat(80) }),
      packet({ opcode: 0x0a }),
    ]);
    expect(parseChunks([input], 64)).toHaveLength(5);
    everySplit(input, 64);
  });

  it('reads the extras and key of a storage body too large to hold before skipping its value', () => {
    // memcached knows the key of a refused SET (it unlinks the old item); a GET's body is never a value.
    const big = packet({ opcode: 0x11, key: 'big', extras: setExtras(0, 0), value: 'v'.repeat(80) });
    const input = Buffer.concat([big, packet({ opcode: 0x00, key: 'x'.repeat(70) }), packet({ opcode: 0x0a })]);
    const seen = parseChunks([input], 64);
    expect(seen[0]).toBe(`binary ${big.subarray(0, 24).toString('hex')} body=skipped head=${big.subarray(24, 35).toString('hex')}`);
    expect(seen[1]).toMatch(/body=skipped$/);
    expect(seen).toHaveLength(3);
    everySplit(input, 64);
  });

  it('closes on an unterminated line longer than memcached allows, except a multiget', () => {
    expect(parseChunks([Buffer.from('x'.repeat(MAX_UNTERMINATED_LINE))])).toEqual([]);
    expect(parseChunks([Buffer.from('x'.repeat(MAX_UNTERMINATED_LINE + 1))])).toEqual(['close line too long']);
    const longGet = 'get ' + 'key '.repeat(MAX_UNTERMINATED_LINE);
    expect(parseChunks([Buffer.from(longGet)])).toEqual([]);
    expect(parseChunks([Buffer.from(longGet), Buffer.from('\r\n')])).toHaveLength(1);
  });

  it('closes a binary connection that sends a bad magic byte, once a whole header is in', () => {
    const short = Buffer.concat([packet({ opcode: 0x0a }), Buffer.from('get a\r\n')]);
    expect(parseChunks([short])).toEqual([expect.stringMatching(/^binary /)]);
    const input = Buffer.concat([packet({ opcode: 0x0a }), Buffer.from('get a\r\n'.repeat(4))]);
    expect(parseChunks([input])).toEqual([expect.stringMatching(/^binary /), 'close invalid magic']);
  });
});
