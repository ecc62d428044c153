// Command lines split as memcached's tokenizer does: on single spaces, empty tokens dropped, every
// other byte (tabs, NULs, bytes above 127) kept inside its token.
import { describe, expect, it } from 'vitest';
import { tokenize } from '../../../engines/memcached/parser.ts';

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
