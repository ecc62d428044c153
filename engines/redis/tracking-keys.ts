// The keys a tracking client is remembered for after a read-only command. redis-server asks the
// command's own getkeys function (getKeysFromCommand), not its key specs (COMMAND GETKEYS): for
// the read-only commands that have one, a numkeys it cannot use or an unbalanced XREAD gives no
// keys at all, though the command failed and COMMAND GETKEYS still names some.
import type { CommandDef } from './command-table.ts';
import { keyPositions } from './command-table.ts';

/** C's atoi: leading blanks, a sign, digits up to the first other byte; an int's 32 bits. */
function atoi(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s);
  if (m === null) return 0;
  const v = BigInt(m[1] as string);
  const clamped = v > 0x7fffffffffffffffn ? 0x7fffffffffffffffn : v < -0x8000000000000000n ? -0x8000000000000000n : v;
  return Number(BigInt.asIntN(32, clamped));
}

/** db.c genericGetKeys for numkeys at 1, keys from 2, step 1 (ZUNION/ZINTER/ZDIFF, SINTERCARD, ZINTERCARD). */
function numkeysFirst(args: string[]): number[] {
  const n = atoi(args[1] ?? '');
  if (n < 1 || n > args.length - 2) return [];
  return Array.from({ length: n }, (_, i) => i + 2);
}

/** t_stream.c xreadGetKeys: options up to STREAMS, then as many keys as IDs (none when unbalanced). */
function xreadKeys(args: string[]): number[] {
  let at = -1;
  for (let i = 1; i < args.length; i++) {
    const a = (args[i] as string).toLowerCase();
    if (a === 'block' || a === 'count') i++;
    else if (a === 'group') i += 2;
    else if (a === 'noack') continue;
    else if (a === 'streams') {
      at = i;
      break;
    } else break;
  }
  const rest = args.length - at - 1;
  if (at === -1 || rest === 0 || rest % 2 !== 0) return [];
  return Array.from({ length: rest / 2 }, (_, i) => at + 1 + i);
}

const GETKEYS: Record<string, (args: string[]) => number[]> = {
  zunion: numkeysFirst,
  zinter: numkeysFirst,
  zdiff: numkeysFirst,
  sintercard: numkeysFirst,
  zintercard: numkeysFirst,
  xread: xreadKeys,
};

/** The keys tracking remembers for a read-only command `def` run with `args`. */
export function trackedKeys(def: CommandDef, args: string[]): string[] {
  return (GETKEYS[def.name] ?? ((a: string[]) => keyPositions(def, a)))(args).map((p) => args[p] as string);
}
