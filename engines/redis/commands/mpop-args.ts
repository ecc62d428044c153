// LMPOP/BLMPOP and ZMPOP/BZMPOP read the same arguments after their timeout, if any:
// numkeys key [key ...] <end> [COUNT count]. One reader keeps the two families' errors in the same order.
import { E, fail } from '../errors.ts';
import { parseRangeIntArg } from '../num.ts';
import { is } from './util.ts';

export interface MpopArgs<End> {
  keys: string[];
  end: End;
  count: number;
}

/** `from` is numkeys' position; `parseEnd` reads the word after the keys (LEFT|RIGHT, MIN|MAX) or fails. */
export function parseMpopArgs<End>(a: string[], from: number, parseEnd: (word: string) => End): MpopArgs<End> {
  const numkeys = parseRangeIntArg(a[from] as string, 1, Infinity, 'ERR numkeys should be greater than 0');
  if (from + 1 + numkeys > a.length - 1) fail(E.SYNTAX);
  const keys = a.slice(from + 1, from + 1 + numkeys);
  const end = parseEnd(a[from + 1 + numkeys] as string);
  let count = 1;
  let i = from + 2 + numkeys;
  if (i < a.length) {
    if (!is(a[i], 'count') || i + 1 >= a.length) fail(E.SYNTAX);
    count = parseRangeIntArg(a[i + 1] as string, 1, Infinity, 'ERR count should be greater than 0');
    i += 2;
  }
  if (i !== a.length) fail(E.SYNTAX);
  return { keys, end, count };
}
