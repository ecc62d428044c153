// Command lines split as memcached's tokenizer does: on single spaces, empty tokens dropped, every
// other byte (tabs, NULs, bytes above 127) kept inside its token.
import { describe, expect, it } from 'vitest';
import { KeyCursor } from '../../../engines/memcached/key-cursor.ts';
import { RequestParser, tokenize, type TextRequest } from '../../../engines/memcached/parser.ts';

describe('tokenize', () => {
  it('splits on spaces and drops empty tokens', () => {
    expect(tokenize('set k 0 0 5')).toEqual(['set', 'k', '0', '0', '5']);
    expect(tokenize('  get   a  b ')).toEqual(['get', 'a', 'b']);
    expect(tokenize('')).toEqual([]);
    expect(tokenize('   ')).toEqual([]);
    expect(tokenize('get\ta\0b \xe9')).toEqual(['get\ta\0b', '\xe9']);
  });

  it('agrees with splitting on spaces and dropping empty parts, for random lines', () => {
    const alphabet = [' ', 'a', 'b', '\t', '\0', '\xff'];
    let seed = 7;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed % n;
    };
    for (let i = 0; i < 20000; i++) {
      let line = '';
      for (let j = next(14); j > 0; j--) line += alphabet[next(alphabet.length)];
      expect(tokenize(line)).toEqual(line.split(' ').filter((t) => t.length > 0));
    }
  });
});

/** The keys of one line as the parser hands it over (long get lines split only at their head) and a cursor reads them. */
function keysRead(line: string): { keys: string[]; longerThan3: boolean } {
  const parser = new RequestParser({ dataLength: () => -1, maxBuffered: 1 << 20, splitLater: (c) => c === 'get' || c === 'gat' });
  let request: TextRequest | undefined;
  parser.push(Buffer.from(line + '\r\n', 'latin1'), (r) => {
    request = r as TextRequest;
    return true;
  });
  const first = request!.tokens[0] === 'gat' ? 2 : 1;
  const cursor = new KeyCursor(request!.tokens, first, request!.rest ?? '');
  const longerThan3 = cursor.anyLongerThan(3);
  const keys = [...request!.tokens.slice(0, first)];
  for (let k = cursor.next(); k !== undefined; k = cursor.next()) keys.push(k);
  return { keys, longerThan3 };
}

describe('long get lines, split as their keys are read', () => {
  it('give the keys tokenize gives, and tell a too-long key ahead', () => {
    let seed = 11;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed % n;
    };
    for (let i = 0; i < 200; i++) {
      // Past the 8 KB a line is split at once; spaces in runs at the start, between keys and at the end.
      let line = ' '.repeat(next(3)) + (i % 2 === 0 ? 'get' : 'gat  0');
      const length = i % 3 === 0 ? 100 : 8_200 + next(4_000);
      while (line.length < length) line += ' '.repeat(1 + (next(5) === 0 ? next(4) : 0)) + 'k'.repeat(1 + next(i % 10 === 0 ? 4 : 3));
      line += ' '.repeat(next(3));
      const { keys, longerThan3 } = keysRead(line);
      const tokens = tokenize(line);
      expect(keys).toEqual(tokens);
      expect(longerThan3).toBe(tokens.slice(i % 2 === 0 ? 1 : 2).some((t) => t.length > 3));
    }
  });
});
