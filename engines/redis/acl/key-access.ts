// Which access each key argument of a command needs, as Redis 7.0's key specs say: read when the
// command reads the key's value (key spec ACCESS), write when it changes the key (INSERT/UPDATE/
// DELETE), neither (EXISTS, TYPE, ...: any matching key pattern will do). %R~ grants only read, %W~ only write.
import { publishedMeta } from '../command-docs.ts';
import { keyPositions, type CommandDef } from '../command-table.ts';
import { is } from '../commands/util.ts';

export interface KeyAccess {
  pos: number;
  read: boolean;
  write: boolean;
}

type Access = { read: boolean; write: boolean; notKey?: boolean };

const bySpecs = new Map<CommandDef, Access[] | null>();

/**
 * The access of each key spec, in order, from redis-server 7.0's published key specs: ACCESS needs
 * read permission, INSERT/UPDATE/DELETE write; a NOT_KEY spec (SPUBLISH's channel) is no key at all.
 * The first key position takes the first spec, each later position the next one, the last repeating.
 */
function specsOf(def: CommandDef): Access[] | null {
  let specs = bySpecs.get(def);
  if (specs === undefined) {
    const published = publishedMeta(def.fullName)?.keySpecs;
    specs =
      published === undefined || published.length === 0
        ? null
        : published.map((k) => ({
            read: k.flags.includes('access'),
            write: k.flags.includes('insert') || k.flags.includes('update') || k.flags.includes('delete'),
            notKey: k.flags.includes('not_key'),
          }));
    bySpecs.set(def, specs);
  }
  return specs;
}

const READ: Access = { read: true, write: false };
const WRITE: Access = { read: false, write: true };
const READ_WRITE: Access = { read: true, write: true };

/** Keys Redis's key specs find that our command table leaves to the handler (SORT/GEORADIUS STORE). */
function storeKeys(def: CommandDef, args: string[]): number[] {
  if (def.name !== 'sort' && def.name !== 'georadius' && def.name !== 'georadiusbymember') return [];
  const out: number[] = [];
  for (let i = 2; i + 1 < args.length; i++) {
    if (is(args[i], 'store') || (def.name !== 'sort' && is(args[i], 'storedist'))) out.push(++i);
  }
  return out;
}

/**
 * Whether a BITFIELD call only reads, as Redis's bitfieldGetKeys decides (then its key needs only
 * read permission): nothing but well-formed GET and OVERFLOW; any SET, INCRBY or malformed part writes.
 */
function bitfieldReadsOnly(args: string[]): boolean {
  for (let i = 2; i < args.length; i++) {
    const left = args.length - i - 1;
    if (is(args[i], 'get') && left >= 2) i += 2;
    else if (is(args[i], 'overflow') && left >= 1) i += 1;
    else return false;
  }
  return true;
}

/** Every key argument of this call with the access the command needs on it. */
export function keyAccesses(def: CommandDef, args: string[]): KeyAccess[] {
  const positions = keyPositions(def, args);
  const extra = storeKeys(def, args);
  if (positions.length === 0 && extra.length === 0) return [];
  const specs = specsOf(def) ?? [def.isWrite ? READ_WRITE : READ];
  const out: KeyAccess[] = [];
  for (let i = 0; i < positions.length; i++) {
    // A STORE destination the command's key finder also reports is checked once, below, as the write it is.
    if (extra.includes(positions[i] as number)) continue;
    let a = specs[Math.min(i, specs.length - 1)] as Access;
    if (a.notKey === true) continue;
    // SET without GET only overwrites (its key spec has variable flags).
    if (def.name === 'set' && !args.some((x, j) => j > 2 && is(x, 'get'))) a = WRITE;
    if (def.name === 'bitfield' && bitfieldReadsOnly(args)) a = READ;
    out.push({ pos: positions[i] as number, read: a.read, write: a.write });
  }
  for (const pos of extra) out.push({ pos, ...WRITE });
  return out;
}
