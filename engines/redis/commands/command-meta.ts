// What COMMAND INFO and COMMAND DOCS report: redis-server 7.0's published metadata for the commands
// we implement (engines/redis/command-docs.json, made by scripts/gen-command-docs.ts), replayed in
// the shapes Redis writes for RESP2 and RESP3. Commands redis-server 7.0 lacks fall back to our table.
import { publishedMeta } from '../command-docs.ts';
import type { CommandDef } from '../command-table.ts';
import type { ReplyWriter } from '../resp/writer.ts';

/** A docs or key-spec value as stored: strings are bulk strings, numbers integers, objects maps. */
export type DocValue = string | number | DocValue[] | { [key: string]: DocValue };

export interface KeySpec {
  notes?: string;
  /** RO/RW/OW/RM, access/update/insert/delete, not_key, incomplete, variable_flags. */
  flags: string[];
  begin_search: { type: string; spec: Record<string, string | number> };
  find_keys: { type: string; spec: Record<string, string | number> };
}

export interface CommandMeta {
  arity: number;
  flags: string[];
  first: number;
  last: number;
  step: number;
  acl: string[];
  tips: string[];
  keySpecs: KeySpec[];
  /** Everything COMMAND DOCS says of the command except its subcommands. */
  docs: Record<string, DocValue>;
}

function fromTable(d: CommandDef): CommandMeta {
  const flags: string[] = d.flags.filter((f) => f !== 'node_disabled' && f !== 'sentinel' && f !== 'may_replicate' && f !== 'movablekeys');
  if (d.keysOf !== undefined) flags.push('movablekeys');
  return { arity: d.arity, flags, first: d.firstKey, last: d.lastKey, step: d.step, acl: [...d.categories], tips: [], keySpecs: [], docs: { group: d.group } };
}

const derived = new Map<CommandDef, CommandMeta>();

export function metaOf(d: CommandDef): CommandMeta {
  const m = publishedMeta(d.fullName);
  if (m !== undefined) return m;
  let f = derived.get(d);
  if (f === undefined) derived.set(d, (f = fromTable(d)));
  return f;
}

// Which stored arrays Redis sends as sets, and of what.
function writeDoc(w: ReplyWriter, key: string, v: DocValue): void {
  if (typeof v === 'string') return w.bulk(v);
  if (typeof v === 'number') return w.int(v);
  if (Array.isArray(v)) {
    if (key === 'flags' || key === 'doc_flags') {
      w.setHeader(v.length);
      for (const f of v) w.simple(f as string);
    } else if (key === 'history') {
      w.setHeader(v.length);
      for (const h of v) w.bulks(h as string[]);
    } else {
      w.array(v.length);
      for (const x of v) writeDoc(w, '', x);
    }
    return;
  }
  const keys = Object.keys(v);
  w.map(keys.length);
  for (const k of keys) {
    w.bulk(k);
    writeDoc(w, k, v[k] as DocValue);
  }
}

/** One COMMAND INFO entry: the 10 fields of Redis 7.0, subcommands included. */
export function writeCommandInfo(w: ReplyWriter, d: CommandDef): void {
  const m = metaOf(d);
  w.array(10);
  w.bulk(d.fullName);
  w.int(m.arity);
  w.setHeader(m.flags.length);
  for (const f of m.flags) w.simple(f);
  w.int(m.first);
  w.int(m.last);
  w.int(m.step);
  w.setHeader(m.acl.length);
  for (const a of m.acl) w.simple(a);
  w.setOfBulks(m.tips);
  // RESP3 shapes as redis-server 7.0 sends them: key specs are a set, and so is an empty subcommand list.
  w.setHeader(m.keySpecs.length);
  for (const s of m.keySpecs) writeDoc(w, '', s as unknown as DocValue);
  const subs = d.subcommands ? [...d.subcommands.values()] : [];
  if (subs.length === 0) return w.setHeader(0);
  w.array(subs.length);
  for (const s of subs) writeCommandInfo(w, s);
}

/** The value of one COMMAND DOCS entry (the caller writes the name before it). */
export function writeCommandDocs(w: ReplyWriter, d: CommandDef): void {
  const docs = metaOf(d).docs;
  const keys = Object.keys(docs);
  const subs = d.subcommands ? [...d.subcommands.values()] : [];
  w.map(keys.length + (subs.length > 0 ? 1 : 0));
  for (const k of keys) {
    w.bulk(k);
    writeDoc(w, k, docs[k] as DocValue);
  }
  if (subs.length === 0) return;
  w.bulk('subcommands');
  w.map(subs.length);
  for (const s of subs) {
    w.bulk(s.fullName);
    writeCommandDocs(w, s);
  }
}
