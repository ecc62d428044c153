// One ACL selector: which commands, keys and channels it allows. A user is a root selector plus
// optional extra ones; a command runs when any of them allows all of it.
import { asCString } from '../c-string.ts';
import { CATEGORIES, type CommandDef } from '../command-table.ts';
import { globMatch } from '../glob.ts';
import { AclRuleError } from './errors.ts';
import { keyAccesses } from './key-access.ts';

/** ACLStringHasSpaces: a key or channel pattern may hold no C whitespace and no NUL byte. */
const HAS_SPACE = /[ \t\n\v\f\r\0]/;

/** The commands an ACL can name: a server's visible commands, each with its subcommands. */
export interface AclCommands {
  lookup(name: string): CommandDef | undefined;
  /** Top-level commands in table order. */
  topLevel(): CommandDef[];
}

export function inCategory(def: CommandDef, cat: string): boolean {
  return def.categories.includes(`@${cat}`);
}

function withSubcommands(def: CommandDef): CommandDef[] {
  return def.subcommands ? [def, ...def.subcommands.values()] : [def];
}

export interface KeyPattern {
  pattern: string;
  read: boolean;
  write: boolean;
}

export type DenialReason = 'command' | 'key' | 'channel';

export interface Denial {
  reason: DenialReason;
  /** The command's full name, the key or the channel. */
  object: string;
  /** The argument index the denial is about (Redis reports the last one when selectors disagree). */
  pos: number;
}

const PUBLISHERS = new Set(['publish', 'spublish']);
const SUBSCRIBERS = new Set(['subscribe', 'ssubscribe', 'psubscribe']);

export class Selector {
  /** Ids of the commands and subcommands allowed. */
  allowed = new Set<number>();
  /** Set only by +@all / allcommands: commands added later are allowed too. */
  allCommands = false;
  /** `+select|0`: first arguments allowed for a command that is otherwise refused. */
  firstArgs = new Map<number, string[]>();
  keys: KeyPattern[] = [];
  allKeys = false;
  channels: string[] = [];
  allChannels = false;

  constructor(readonly root: boolean) {}

  clone(): Selector {
    const s = new Selector(this.root);
    s.allowed = new Set(this.allowed);
    s.allCommands = this.allCommands;
    s.firstArgs = new Map([...this.firstArgs].map(([k, v]) => [k, [...v]]));
    s.keys = this.keys.map((k) => ({ ...k }));
    s.allKeys = this.allKeys;
    s.channels = [...this.channels];
    s.allChannels = this.allChannels;
    return s;
  }

  /** Nothing is refused: lets the dispatcher skip checking entirely. */
  unrestricted(cmds: AclCommands): boolean {
    if (!this.allKeys || !this.allChannels) return false;
    return cmds.topLevel().every((d) => withSubcommands(d).every((x) => this.allowed.has(x.id)));
  }

  /** Applies one selector rule; false when `op` is not a selector rule at all. */
  apply(op: string, cmds: AclCommands): boolean {
    // Flags and the '~*'/'&*' shorthands are compared with strcasecmp: up to a NUL ('on\0' is on).
    const lower = asCString(op).toLowerCase();
    if (lower === 'allkeys' || lower === '~*') {
      this.allKeys = true;
      this.keys = [];
    } else if (lower === 'resetkeys') {
      this.allKeys = false;
      this.keys = [];
    } else if (lower === 'allchannels' || lower === '&*') {
      this.allChannels = true;
      this.channels = [];
    } else if (lower === 'resetchannels') {
      this.allChannels = false;
      this.channels = [];
    } else if (lower === 'allcommands' || lower === '+@all') {
      this.setAll(cmds, true);
    } else if (lower === 'nocommands' || lower === '-@all') {
      this.setAll(cmds, false);
    } else if (op[0] === '~' || op[0] === '%') {
      this.addKeyPattern(op);
    } else if (op[0] === '&') {
      if (this.allChannels) throw new AclRuleError("Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels");
      const pattern = op.slice(1);
      if (HAS_SPACE.test(pattern)) throw new AclRuleError('Syntax error');
      if (!this.channels.includes(pattern)) this.channels.push(pattern);
    } else if (op[0] === '+' || op[0] === '-') {
      this.applyCommandRule(op[0] === '+', op.slice(1), cmds);
    } else {
      return false;
    }
    return true;
  }

  private setAll(cmds: AclCommands, on: boolean): void {
    this.allCommands = on;
    this.firstArgs.clear();
    this.allowed.clear();
    if (on) for (const d of cmds.topLevel()) for (const x of withSubcommands(d)) this.allowed.add(x.id);
  }

  private addKeyPattern(op: string): void {
    let read = true;
    let write = true;
    let i = 1;
    if (op[0] === '%') {
      read = write = false;
      for (; i < op.length && op[i] !== '~'; i++) {
        // Each of R and W once: '%RR~x' is refused.
        const f = (op[i] as string).toUpperCase();
        if (f === 'R' && !read) read = true;
        else if (f === 'W' && !write) write = true;
        else throw new AclRuleError('Syntax error');
      }
      if (i >= op.length || (!read && !write)) throw new AclRuleError('Syntax error');
      i++;
    }
    if (this.allKeys) throw new AclRuleError("Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns");
    const pattern = op.slice(i);
    if (HAS_SPACE.test(pattern)) throw new AclRuleError('Syntax error');
    const existing = this.keys.find((k) => k.pattern === pattern);
    if (existing) {
      existing.read ||= read;
      existing.write ||= write;
    } else this.keys.push({ pattern, read, write });
  }

  private applyCommandRule(allow: boolean, whole: string, cmds: AclCommands): void {
    // redis-server reads the rule as a C string: `+get\0x` allows GET.
    const spec = asCString(whole);
    if (spec[0] === '@') {
      const cat = spec.slice(1).toLowerCase();
      if (!CATEGORIES.includes(cat)) throw new AclRuleError('Unknown command or category name in ACL');
      for (const d of cmds.topLevel()) {
        for (const x of withSubcommands(d)) if (inCategory(x, cat)) this.setCommand(x, allow);
      }
      return;
    }
    const bar = spec.indexOf('|');
    if (bar === -1) {
      const def = cmds.lookup(spec);
      if (def === undefined) throw new AclRuleError('Unknown command or category name in ACL');
      for (const x of withSubcommands(def)) this.setCommand(x, allow);
      return;
    }
    const parent = cmds.lookup(spec.slice(0, bar));
    const rest = spec.slice(bar + 1);
    if (parent === undefined || rest === '') throw new AclRuleError('Unknown command or category name in ACL');
    if (rest.includes('|')) {
      // Redis splits `+a|b|c` at the last bar: a first argument of `a|b`, refused as such only when
      // `a|b` is a real subcommand.
      const named = allow && parent.subcommands?.has(rest.slice(0, rest.indexOf('|')).toLowerCase()) === true;
      throw new AclRuleError(named ? 'Allowing first-arg of a subcommand is not supported' : 'Unknown command or category name in ACL');
    }
    if (parent.subcommands) {
      const sub = parent.subcommands.get(rest.toLowerCase());
      if (sub === undefined) throw new AclRuleError('Unknown command or category name in ACL');
      this.setCommand(sub, allow);
      return;
    }
    // A command without subcommands: `+select|0` allows just that first argument.
    if (!allow) throw new AclRuleError('Unknown command or category name in ACL');
    if (this.allowed.has(parent.id)) return;
    const list = this.firstArgs.get(parent.id) ?? [];
    const arg = rest.toLowerCase();
    if (!list.includes(arg)) list.push(arg);
    this.firstArgs.set(parent.id, list);
  }

  private setCommand(def: CommandDef, allow: boolean): void {
    this.firstArgs.delete(def.id);
    if (allow) this.allowed.add(def.id);
    else this.allowed.delete(def.id);
  }

  /** Why this selector refuses the call, or null when it allows it. */
  check(def: CommandDef, args: string[]): Denial | null {
    if (!def.noAuth && !this.allowed.has(def.id)) {
      const firsts = this.firstArgs.get(def.id);
      if (firsts === undefined || args.length < 2 || !firsts.includes((args[1] as string).toLowerCase())) {
        return { reason: 'command', object: def.fullName, pos: 0 };
      }
    }
    if (!this.allKeys) {
      for (const k of keyAccesses(def, args)) {
        const key = args[k.pos] as string;
        if (!this.keys.some((p) => (!k.read || p.read) && (!k.write || p.write) && globMatch(p.pattern, key))) {
          return { reason: 'key', object: key, pos: k.pos };
        }
      }
    }
    if (!this.allChannels) {
      const name = def.name;
      if (PUBLISHERS.has(name)) {
        if (!this.channelAllowed(args[1] as string, false)) return { reason: 'channel', object: args[1] as string, pos: 1 };
      } else if (SUBSCRIBERS.has(name)) {
        const literal = name === 'psubscribe';
        for (let i = 1; i < args.length; i++) {
          if (!this.channelAllowed(args[i] as string, literal)) return { reason: 'channel', object: args[i] as string, pos: i };
        }
      }
    }
    return null;
  }

  /** allkeys, or a read pattern that is `*` itself. */
  readsAnyKey(): boolean {
    return this.allKeys || this.keys.some((k) => k.read && k.pattern === '*');
  }

  /** A channel matches the user's patterns; a subscribed pattern must equal one of them literally. */
  channelAllowed(channel: string, literal: boolean): boolean {
    if (this.allChannels) return true;
    return this.channels.some((p) => (literal ? p === channel : globMatch(p, channel)));
  }

  describeKeys(): string {
    if (this.allKeys) return '~*';
    return this.keys.map((k) => `${k.read && k.write ? '' : k.read ? '%R' : '%W'}~${k.pattern}`).join(' ');
  }

  describeChannels(): string {
    if (this.allChannels) return '&*';
    return this.channels.map((c) => `&${c}`).join(' ');
  }

  /**
   * The command rules, found as Redis 7.0 finds them: start from +@all or -@all, greedily add the
   * category that best fits what is left, then name single commands for the remaining differences.
   */
  describeCommands(cmds: AclCommands): string {
    const additive = !this.allCommands;
    const rules = [additive ? '-@all' : '+@all'];
    const defs = cmds.topLevel().flatMap(withSubcommands);
    const fake = new Set<number>(additive ? [] : defs.map((d) => d.id));
    const temp = new Set(this.allowed);
    const applied = new Set<string>();
    for (;;) {
      let best: string | null = null;
      let minDiff = Infinity;
      let maxSame = 0;
      for (const cat of CATEGORIES) {
        if (applied.has(cat)) continue;
        let on = 0;
        let off = 0;
        for (const d of defs) if (inCategory(d, cat)) temp.has(d.id) ? on++ : off++;
        const diff = additive ? off : on;
        const same = additive ? on : off;
        if (same > diff && (diff < minDiff || (diff === minDiff && same > maxSame))) {
          best = cat;
          minDiff = diff;
          maxSame = same;
        }
      }
      if (best === null) break;
      applied.add(best);
      rules.push(`${additive ? '+' : '-'}@${best}`);
      for (const d of defs) {
        if (!inCategory(d, best)) continue;
        if (additive) {
          fake.add(d.id);
          temp.delete(d.id);
        } else {
          fake.delete(d.id);
          temp.add(d.id);
        }
      }
    }
    for (const top of cmds.topLevel()) {
      for (const d of withSubcommands(top)) {
        const want = this.allowed.has(d.id);
        if (want !== fake.has(d.id)) {
          rules.push(`${want ? '+' : '-'}${d.fullName}`);
          // Naming a container names its subcommands too.
          for (const x of d === top ? withSubcommands(d) : [d]) want ? fake.add(x.id) : fake.delete(x.id);
        }
      }
      for (const arg of this.firstArgs.get(top.id) ?? []) rules.push(`+${top.name}|${arg}`);
    }
    return rules.join(' ');
  }

  /** The selector as ACL LIST prints it (without the parentheses of a non-root selector). */
  describe(cmds: AclCommands): string {
    const parts: string[] = [];
    const keys = this.describeKeys();
    if (keys) parts.push(keys);
    if (this.allChannels) parts.push('&*');
    else {
      parts.push('resetchannels');
      const ch = this.describeChannels();
      if (ch) parts.push(ch);
    }
    parts.push(this.describeCommands(cmds));
    return parts.join(' ');
  }
}
