// Every command is declared once, as data; arity checks, COMMAND, ACL categories and key
// extraction all derive from these declarations. Arity, flags and ACL categories come from
// redis-server 7.0's published metadata (command-docs.ts) for every command it has; a spec's own
// arity/flags/acl only stand for commands redis-server 7.0 lacks (CLIENT SETINFO, CLIENT NO-TOUCH).
import type { Client } from './client.ts';
import { publishedMeta } from './command-docs.ts';

export type Handler = (c: Client, args: string[]) => void;

export type Flag =
  | 'write'
  | 'readonly'
  | 'denyoom'
  | 'admin'
  | 'pubsub'
  | 'noscript'
  | 'blocking'
  | 'loading'
  | 'stale'
  | 'fast'
  | 'no_auth'
  | 'no_multi'
  | 'allow_busy'
  | 'may_replicate'
  | 'sentinel'
  | 'movablekeys'
  | 'node_disabled';

export interface CommandDef {
  name: string;
  /** Positive: exact argument count including the name; negative: at least -arity. */
  arity: number;
  /** Redis's flags as COMMAND INFO spells them (Flag, plus the ones no code here tests). */
  flags: readonly string[];
  firstKey: number;
  lastKey: number;
  step: number;
  categories: readonly string[];
  group: string;
  handler: Handler;
  /** Container commands (CONFIG, CLIENT, ...) dispatch on their second word. */
  subcommands?: Map<string, CommandDef>;
  /** Full name reported in errors and stats: "get", "config|get". */
  fullName: string;
  /** Keys beyond the fixed positions (e.g. ZUNIONSTORE numkeys), for COMMAND GETKEYS. */
  keysOf?: (args: string[]) => number[];
  /** Flags the dispatcher tests on every call, precomputed. */
  noAuth: boolean;
  denyOom: boolean;
  /** Dense id so per-server statistics live in an array instead of a name-keyed map. */
  id: number;
  noMulti: boolean;
  isWrite: boolean;
  isFast: boolean;
  /** Declared may_replicate (7.0's COMMAND INFO does not show it): CLIENT PAUSE WRITE holds such commands too. */
  mayReplicate: boolean;
  /** A protected command's refusal (7.0's CMD_PROTECTED under enable-*-command no), checked before AUTH; null for the rest. */
  protectedReply: string | null;
}

export interface CommandSpec {
  name: string;
  arity: number;
  flags?: readonly Flag[];
  keys?: [first: number, last: number, step: number];
  handler: Handler;
  subcommands?: CommandSpec[];
  keysOf?: (args: string[]) => number[];
  /** Extra ACL categories beyond the ones implied by group and flags. */
  acl?: readonly string[];
  /** See CommandDef.protectedReply. */
  protectedReply?: string;
}

const GROUP_CATEGORY: Record<string, string> = {
  string: '@string',
  keyspace: '@keyspace',
  hash: '@hash',
  list: '@list',
  set: '@set',
  sorted_set: '@sortedset',
  bitmap: '@bitmap',
  hyperloglog: '@hyperloglog',
  stream: '@stream',
  pubsub: '@pubsub',
  transactions: '@transaction',
  connection: '@connection',
  server: '',
  generic: '@keyspace',
  geo: '@geo',
};

/** Redis's ACL categories in acl.c's order: ACL CAT prints them so, ACL describing tries them so, COMMAND INFO sorts by it. */
export const CATEGORIES = ['keyspace', 'read', 'write', 'set', 'sortedset', 'list', 'hash', 'string', 'bitmap', 'hyperloglog', 'geo', 'stream', 'pubsub', 'admin', 'fast', 'slow', 'blocking', 'dangerous', 'connection', 'transaction', 'scripting'];

function categoriesFor(group: string, flags: readonly Flag[], extra: readonly string[]): string[] {
  const out: string[] = [];
  if (flags.includes('write')) out.push('@write');
  if (flags.includes('readonly')) out.push('@read');
  const g = GROUP_CATEGORY[group];
  if (g) out.push(g);
  if (flags.includes('admin')) out.push('@admin', '@dangerous');
  if (flags.includes('pubsub') && g !== '@pubsub') out.push('@pubsub');
  out.push(flags.includes('fast') ? '@fast' : '@slow');
  if (flags.includes('blocking')) out.push('@blocking');
  for (const e of extra) if (!out.includes(e)) out.push(e);
  // COMMAND INFO lists categories in the order of acl.c's category table.
  return out.sort((x, y) => CATEGORIES.indexOf(x.slice(1)) - CATEGORIES.indexOf(y.slice(1)));
}

export function defineGroup(group: string, specs: CommandSpec[]): CommandDef[] {
  return specs.map((s) => build(group, s, null));
}

let nextId = 0;

function build(group: string, s: CommandSpec, parent: string | null): CommandDef {
  const fullName = parent ? `${parent}|${s.name}` : s.name;
  const published = publishedMeta(fullName);
  const flags: readonly string[] = published?.flags ?? s.flags ?? [];
  const [firstKey, lastKey, step] = s.keys ?? [0, 0, 0];
  const def: CommandDef = {
    name: s.name,
    arity: published?.arity ?? s.arity,
    flags,
    firstKey,
    lastKey,
    step,
    categories: published?.acl ?? categoriesFor(group, s.flags ?? [], s.acl ?? []),
    group,
    handler: s.handler,
    fullName,
    keysOf: s.keysOf,
    id: nextId++,
    noAuth: flags.includes('no_auth'),
    denyOom: flags.includes('denyoom'),
    noMulti: flags.includes('no_multi'),
    isWrite: flags.includes('write'),
    isFast: flags.includes('fast'),
    mayReplicate: (s.flags ?? []).includes('may_replicate'),
    protectedReply: s.protectedReply ?? null,
  };
  if (s.subcommands) {
    def.subcommands = new Map(s.subcommands.map((sub) => [sub.name, build(group, sub, s.name)]));
  }
  return def;
}

/** Positions of key arguments in `args` for this command. */
export function keyPositions(def: CommandDef, args: string[]): number[] {
  if (def.keysOf) return def.keysOf(args);
  if (def.firstKey === 0) return [];
  const last = def.lastKey < 0 ? args.length + def.lastKey : def.lastKey;
  const out: number[] = [];
  for (let i = def.firstKey; i <= last && i < args.length; i += def.step || 1) out.push(i);
  return out;
}

export class CommandTable {
  readonly byName = new Map<string, CommandDef>();
  /** Lower- and upper-case spellings, so the usual client spellings need no case folding. */
  private readonly fast = new Map<string, CommandDef>();

  constructor(groups: CommandDef[][]) {
    for (const g of groups) {
      for (const d of g) {
        this.byName.set(d.name, d);
        this.fast.set(d.name, d);
        this.fast.set(d.name.toUpperCase(), d);
      }
    }
  }

  lookup(name: string): CommandDef | undefined {
    return this.fast.get(name) ?? this.byName.get(name.toLowerCase());
  }

  /** Puts `def` in place of the command of the same name, for this table only (the definitions are shared). */
  replace(def: CommandDef): void {
    this.byName.set(def.name, def);
    this.fast.set(def.name, def);
    this.fast.set(def.name.toUpperCase(), def);
  }

  get size(): number {
    return this.byName.size;
  }

  all(): IterableIterator<CommandDef> {
    return this.byName.values();
  }
}
