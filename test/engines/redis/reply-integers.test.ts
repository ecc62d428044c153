// Integer replies and length headers are written digit by digit into the reply buffer: every digit
// count, the edges where one more digit starts, and the large values that take the string path.
import { describe, expect, it } from 'vitest';
import { ReplyWriter } from '../../../engines/redis/resp/writer.ts';

const text = (w: ReplyWriter): string => (w.take() as Buffer).toString('latin1');

describe('ReplyWriter integers', () => {
  const edges: number[] = [0, 1, 9, 10, 99, 100, 101, 999, 1000, 2147483647, 2147483648, 999999999, 1000000000, 2 ** 53 - 1];
  for (let p = 10; p <= 1e9; p *= 10) edges.push(p - 1, p, p + 1);

  it('writes :n for integers as String(n) does', () => {
    const w = new ReplyWriter();
    for (const n of [...edges, -1, -100, -2147483649]) {
      w.int(n);
      expect(text(w)).toBe(`:${n}\r\n`);
    }
  });

  it('writes array and bulk length headers of every size', () => {
    const w = new ReplyWriter();
    for (const n of edges) {
      w.array(n);
      expect(text(w)).toBe(`*${n}\r\n`);
    }
    const s = 'x'.repeat(12345);
    w.bulk(s);
    expect(text(w)).toBe(`$12345\r\n${s}\r\n`);
  });
});
