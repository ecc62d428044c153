// Which arguments of a call are keys, and with which key-spec flags, as Redis 7.0's COMMAND GETKEYS
// and GETKEYSANDFLAGS find them: key specs first; the command's own key finder when a spec is
// incomplete, has variable flags, or cannot be followed (a numkeys that is not a number).
import { keyword } from './util.ts';
import { toI64 } from '../num.ts';
import type { CommandDef } from '../command-table.ts';
import { metaOf, type KeySpec } from './command-meta.ts';

export interface FoundKey {
  pos: number;
  flags: readonly string[];
}

const NO_FLAGS: readonly string[] = [];
const RO_ACCESS = ['RO', 'access'];
const OW_UPDATE = ['OW', 'update'];
const RW_ACCESS_UPDATE = ['RW', 'access', 'update'];
const RW_ACCESS_DELETE = ['RW', 'access', 'delete'];

// The getkeys functions compare option words with strcasecmp: up to a NUL byte, as the commands do.
const lower = (s: string | undefined): string => (s === undefined ? '' : keyword(s));

/** C's atoi: leading blanks, a sign, digits up to the first other character; wraps like (int)strtol. */
function atoi(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?)([0-9]*)/.exec(s) as RegExpExecArray;
  let n = 0;
  for (const ch of m[2] as string) {
    n = n * 10 + (ch.charCodeAt(0) - 48);
    if (n > 2 ** 63) break;
  }
  const long = m[1] === '-' ? (n > 2 ** 63 ? -(2 ** 63) : -n) : Math.min(n, 2 ** 63 - 1);
  return Number(BigInt.asIntN(32, BigInt(long)));
}

/** Redis's genericGetKeys: numkeys keys (sanity-checked), then the destination key if any. */
function counted(store: number, count: number, first: number, a: string[]): FoundKey[] {
  const num = atoi(a[count] as string);
  if (num < 1 || num > a.length - first) return [];
  const out: FoundKey[] = [];
  for (let i = 0; i < num; i++) out.push({ pos: first + i, flags: NO_FLAGS });
  if (store) out.push({ pos: store, flags: NO_FLAGS });
  return out;
}

function sortKeys(a: string[]): FoundKey[] {
  const out: FoundKey[] = [{ pos: 1, flags: RO_ACCESS }];
  let store = -1;
  const skip: Record<string, number> = { limit: 2, get: 1, by: 1 };
  for (let i = 2; i < a.length; i++) {
    const w = lower(a[i]);
    if (skip[w] !== undefined) i += skip[w];
    else if (w === 'store' && i + 1 < a.length) store = i + 1;
  }
  if (store > 0) out.push({ pos: store, flags: OW_UPDATE });
  return out;
}

function migrateKeys(a: string[]): FoundKey[] {
  let first = 3;
  let num = 1;
  const skip: Record<string, number> = { copy: 0, replace: 0, auth: 1, auth2: 2 };
  if (a.length > 6) {
    for (let i = 6; i < a.length; i++) {
      const w = lower(a[i]);
      if (w === 'keys') {
        if ((a[3] as string).length > 0) num = 0;
        else {
          first = i + 1;
          num = a.length - first;
        }
        break;
      }
      if (skip[w] !== undefined) i += skip[w];
    }
  }
  return Array.from({ length: num }, (_, i) => ({ pos: first + i, flags: RW_ACCESS_DELETE }));
}

function georadiusKeys(a: string[]): FoundKey[] {
  let stored = -1;
  for (let i = 5; i < a.length; i++) {
    const w = lower(a[i]);
    if ((w === 'store' || w === 'storedist') && i + 1 < a.length) stored = ++i;
  }
  const out: FoundKey[] = [{ pos: 1, flags: NO_FLAGS }];
  if (stored > 0) out.push({ pos: stored, flags: NO_FLAGS });
  return out;
}

function xreadKeys(a: string[]): FoundKey[] {
  let streams = -1;
  for (let i = 1; i < a.length; i++) {
    const w = lower(a[i]);
    if (w === 'block' || w === 'count') i++;
    else if (w === 'group') i += 2;
    else if (w === 'noack') continue;
    else {
      if (w === 'streams') streams = i;
      break;
    }
  }
  const num = streams < 0 ? 0 : a.length - streams - 1;
  if (num === 0 || num % 2 !== 0) return [];
  return Array.from({ length: num / 2 }, (_, i) => ({ pos: streams + 1 + i, flags: NO_FLAGS }));
}

function setKeys(a: string[]): FoundKey[] {
  for (let i = 3; i < a.length; i++) if (lower(a[i]) === 'get') return [{ pos: 1, flags: RW_ACCESS_UPDATE }];
  return [{ pos: 1, flags: OW_UPDATE }];
}

function bitfieldKeys(a: string[]): FoundKey[] {
  let readonly = true;
  for (let i = 2; i < a.length; i++) {
    const left = a.length - i - 1;
    const w = lower(a[i]);
    if (w === 'get' && left >= 2) i += 2;
    else if ((w === 'set' || w === 'incrby') && left >= 3) {
      readonly = false;
      break;
    } else if (w === 'overflow' && left >= 1) i += 1;
    else {
      readonly = false;
      break;
    }
  }
  return [{ pos: 1, flags: readonly ? RO_ACCESS : RW_ACCESS_UPDATE }];
}

/** The commands Redis gives their own key finder (its getkeys_proc). */
const FINDERS: Record<string, (a: string[]) => FoundKey[]> = {
  sintercard: (a) => counted(0, 1, 2, a),
  zunion: (a) => counted(0, 1, 2, a),
  zinter: (a) => counted(0, 1, 2, a),
  zdiff: (a) => counted(0, 1, 2, a),
  zintercard: (a) => counted(0, 1, 2, a),
  lmpop: (a) => counted(0, 1, 2, a),
  zmpop: (a) => counted(0, 1, 2, a),
  zunionstore: (a) => counted(1, 2, 3, a),
  zinterstore: (a) => counted(1, 2, 3, a),
  zdiffstore: (a) => counted(1, 2, 3, a),
  eval: (a) => counted(0, 2, 3, a),
  evalsha: (a) => counted(0, 2, 3, a),
  eval_ro: (a) => counted(0, 2, 3, a),
  evalsha_ro: (a) => counted(0, 2, 3, a),
  fcall: (a) => counted(0, 2, 3, a),
  fcall_ro: (a) => counted(0, 2, 3, a),
  blmpop: (a) => counted(0, 2, 3, a),
  bzmpop: (a) => counted(0, 2, 3, a),
  sort: sortKeys,
  sort_ro: () => [{ pos: 1, flags: RO_ACCESS }],
  migrate: migrateKeys,
  georadius: georadiusKeys,
  georadiusbymember: georadiusKeys,
  xread: xreadKeys,
  xreadgroup: xreadKeys,
  set: setKeys,
  bitfield: bitfieldKeys,
};

/** Follows the key specs; null when one of them cannot be followed or is incomplete. */
function bySpecs(specs: readonly KeySpec[], a: string[], arity: number): FoundKey[] | null {
  const out: FoundKey[] = [];
  const argc = a.length;
  for (const spec of specs) {
    if (spec.flags.includes('not_key')) continue;
    let first = 0;
    const bs = spec.begin_search.spec;
    if (spec.begin_search.type === 'index') first = bs.index as number;
    else if (spec.begin_search.type === 'keyword') {
      const from = bs.startfrom as number;
      const keyword = (bs.keyword as string).toLowerCase();
      const start = from > 0 ? from : argc + from;
      const end = from > 0 ? argc - 1 : 1;
      for (let i = start; i !== end; i = start <= end ? i + 1 : i - 1) {
        if (i >= argc || i < 1) break;
        if (lower(a[i]) === keyword) {
          first = i + 1;
          break;
        }
      }
      if (first === 0) continue;
    } else return null;

    let last: number;
    let step: number;
    const fk = spec.find_keys.spec;
    if (spec.find_keys.type === 'range') {
      step = fk.keystep as number;
      const lastkey = fk.lastkey as number;
      const limit = fk.limit as number;
      if (lastkey >= 0) last = first + lastkey;
      else if (limit === 0) last = argc + lastkey;
      else last = first + (Math.trunc((argc - first) / limit) + lastkey);
    } else if (spec.find_keys.type === 'keynum') {
      step = fk.keystep as number;
      const idx = fk.keynumidx as number;
      const numkeys = idx >= argc ? null : toI64(a[first + idx] ?? '');
      if (numkeys === null || numkeys < 0n) return null;
      first += fk.firstkey as number;
      // `last = first + (int)numkeys - 1`: the count is cut to an int (4294967297 is one key).
      last = first + Number(BigInt.asIntN(32, numkeys)) - 1;
    } else return null;

    if (last >= argc || last < first || first >= argc) return null;
    for (let i = first; i <= last; i += step) {
      // Only commands of variable arity can get here with too few arguments; they find no key there.
      if (i >= argc && arity < 0) continue;
      out.push({ pos: i, flags: spec.flags });
    }
    if (spec.flags.includes('incomplete')) return null;
  }
  return out;
}

/** Whether Redis would say the command takes keys at all (else "The command has no key arguments"). */
export function hasKeys(d: CommandDef): boolean {
  if (FINDERS[d.fullName] !== undefined) return true;
  return metaOf(d).keySpecs.some((s) => !s.flags.includes('not_key'));
}

/** The keys of a call (args[0] is the command name), in the order Redis reports them. */
export function findKeys(d: CommandDef, args: string[]): FoundKey[] {
  const m = metaOf(d);
  const hasSpec = m.keySpecs.some((s) => !s.flags.includes('not_key'));
  const varFlags = m.keySpecs.some((s) => s.flags.includes('variable_flags'));
  if (hasSpec && !varFlags) {
    const found = bySpecs(m.keySpecs, args, m.arity);
    if (found !== null) return found;
  }
  const finder = FINDERS[d.fullName];
  return finder === undefined ? [] : finder(args);
}
