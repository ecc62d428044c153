// The server's users: authentication, permission checks and the changes ACL SETUSER/DELUSER and an
// embedding control plane make. The default user follows `requirepass` as in Redis.
import { asCString } from '../c-string.ts';
import type { Client } from '../client.ts';
import type { CommandDef } from '../command-table.ts';
import type { Engine } from '../engine.ts';
import { RedisError } from '../errors.ts';
import { AclRuleError } from './errors.ts';
import { AclLog, type LogContext } from './log.ts';
import type { AclCommands, Denial } from './selector.ts';
import { AclUser, type ChannelRules } from './user.ts';
import { globMatch } from '../glob.ts';

export const DEFAULT_USER = 'default';

/** A user as an embedder hands it over: a name and ACL SETUSER rules. */
export interface UserSpec {
  name: string;
  rules: string[];
  /** Checks AUTH passwords instead of the rules' passwords (tokens the control plane verifies). */
  verifyPassword?: (password: string) => boolean;
}

/** Redis's replies for a refused command. */
export function noPermMessage(d: Denial): string {
  if (d.reason === 'command') return `NOPERM this user has no permissions to run the '${d.object}' command`;
  if (d.reason === 'key') return 'NOPERM this user has no permissions to access one of the keys used as arguments';
  return 'NOPERM this user has no permissions to access one of the channels used as arguments';
}

/** ACL DRYRUN's wording of the same refusals. */
export function dryRunMessage(d: Denial): string {
  const what = d.reason === 'command' ? `run the '${d.object}' command` : `access the '${d.object}' ${d.reason}`;
  return `This user has no permissions to ${what}`;
}

/**
 * Joins arguments that together form one selector, "(~a" "+get)" -> "(~a +get)", as ACL SETUSER
 * accepts them.
 */
function mergeSelectors(ops: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i] as string;
    if (op.startsWith('(') && !op.endsWith(')')) {
      let j = i;
      let joined = op;
      while (!joined.endsWith(')') && j + 1 < ops.length) joined += ` ${ops[++j]}`;
      if (!joined.endsWith(')')) throw new RedisError(`ERR Unmatched parenthesis in acl selector starting at '${op}'.`);
      out.push(joined);
      i = j;
    } else out.push(op);
  }
  return out;
}

export class Acl {
  private readonly users = new Map<string, AclUser>();
  readonly log = new AclLog();
  private top: CommandDef[] | null = null;
  private requirepassSeen: string | null = null;
  readonly cmds: AclCommands;

  constructor(private readonly engine: Engine) {
    this.cmds = {
      lookup: (name) => engine.lookup(name),
      // The engine's mode is only known once it is constructed, so the visible commands are listed lazily.
      topLevel: () => (this.top ??= [...engine.table.all()].filter((d) => engine.lookup(d.name) !== undefined)),
    };
  }

  /** The default user, its password kept in step with `requirepass`. */
  get defaultUser(): AclUser {
    let u = this.users.get(DEFAULT_USER);
    if (u === undefined) {
      u = new AclUser(DEFAULT_USER);
      for (const r of ['on', 'nopass', '~*', '&*', '+@all']) u.apply(r, this.cmds);
      u.refresh(this.cmds);
      this.users.set(DEFAULT_USER, u);
    }
    const pass = this.engine.config.requirepass;
    if (pass !== this.requirepassSeen) {
      this.requirepassSeen = pass;
      u.apply('resetpass', this.cmds);
      u.apply(pass === '' ? 'nopass' : `>${pass}`, this.cmds);
    }
    return u;
  }

  get(name: string): AclUser | undefined {
    return name === DEFAULT_USER ? this.defaultUser : this.users.get(name);
  }

  /** Users by name in byte order, as Redis keeps them. */
  all(): AclUser[] {
    void this.defaultUser;
    return [...this.users.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** New connections start as the default user, already authenticated when it needs no password. */
  autoAuthenticated(): boolean {
    const u = this.defaultUser;
    return u.enabled && u.nopass;
  }

  /** ACL SETUSER: all rules apply or none does. */
  setUser(name: string, ops: readonly string[]): void {
    if (/[\s\0]/.test(name)) throw new RedisError("ERR Usernames can't contain spaces or null characters");
    const merged = mergeSelectors(ops);
    const existing = this.get(name);
    const draft = existing ? existing.clone() : this.newUser(name);
    for (const op of merged) {
      try {
        draft.apply(op, this.cmds);
      } catch (err) {
        if (err instanceof AclRuleError) throw new RedisError(`ERR Error in ACL SETUSER modifier '${asCString(op)}': ${err.message}`);
        throw err;
      }
    }
    draft.refresh(this.cmds);
    if (existing) {
      const before = existing.channelRules();
      existing.assign(draft);
      this.killRevokedSubscribers(existing, before);
    } else this.users.set(name, draft);
  }

  /**
   * As Redis's ACLKillPubsubClientsIfNeeded: when a user's channel rules lose a pattern it had,
   * its connections subscribed to a channel (or pattern, compared literally) no longer allowed are
   * closed at once. Gaining allchannels or keeping every old pattern closes nobody.
   */
  private killRevokedSubscribers(user: AclUser, before: ChannelRules): void {
    const now = user.channelRules();
    if (now.all) return;
    if (!before.all && before.patterns.every((p) => now.patterns.includes(p))) return;
    const allowed = (name: string, literal: boolean) => now.patterns.some((p) => (literal ? p === name : globMatch(p, name)));
    for (const c of [...this.engine.clients.values()]) {
      if (c.user !== user || !c.inPubSubContext) continue;
      const revoked =
        [...c.psubs].some((p) => !allowed(p, true)) || [...c.subs].some((ch) => !allowed(ch, false)) || [...c.ssubs].some((ch) => !allowed(ch, false));
      if (!revoked) continue;
      if (c === this.engine.currentClient) c.closing = true;
      else this.engine.closeClient(c, true);
    }
  }

  private newUser(name: string): AclUser {
    const u = new AclUser(name);
    // acl-pubsub-default is resetchannels in 7.0: a new user starts with no channels and no commands.
    u.apply('-@all', this.cmds);
    return u;
  }

  /** Deletes users and drops their connections; answers how many existed. */
  deleteUsers(names: readonly string[], caller: Client | null): number {
    let n = 0;
    for (const name of names) {
      const u = this.users.get(name);
      if (u === undefined || name === DEFAULT_USER) continue;
      this.users.delete(name);
      this.disconnect(u, caller);
      n++;
    }
    return n;
  }

  /** Closes every connection authenticated as `user`; the caller's own closes after its reply. */
  disconnect(user: AclUser, caller: Client | null): void {
    for (const c of [...this.engine.clients.values()]) {
      if (c.user !== user) continue;
      if (c === caller) c.closing = true;
      else this.engine.closeClient(c, true);
    }
  }

  /**
   * Replaces the whole user list (an ElastiCache user group reaching a node). Users no longer listed
   * or turned off lose their connections; the others keep them with the new rules. A user whose rules
   * do not parse is left out (and so refused), and its error answered.
   */
  replaceUsers(specs: readonly UserSpec[]): string[] {
    const errors: string[] = [];
    const kept = new Set<string>();
    for (const spec of specs) {
      try {
        this.setUser(spec.name, ['reset', ...spec.rules]);
        (this.get(spec.name) as AclUser).verifier = spec.verifyPassword ?? null;
        kept.add(spec.name);
      } catch (err) {
        errors.push(`${spec.name}: ${err instanceof Error ? err.message : String(err)}`);
        continue;
      }
      const user = this.get(spec.name) as AclUser;
      if (!user.enabled) this.disconnect(user, null);
    }
    if (!kept.has(DEFAULT_USER)) {
      // Without a usable default user nobody gets in unauthenticated.
      this.setUser(DEFAULT_USER, ['reset']);
      this.disconnect(this.defaultUser, null);
    }
    this.deleteUsers([...this.users.keys()].filter((n) => !kept.has(n)), null);
    return errors;
  }

  /** AUTH/HELLO AUTH: on success the client becomes `name`; a failure is logged. */
  /** Whether the name and password log in, with no client touched and nothing logged. */
  accepts(name: string, pass: string): boolean {
    const u = this.get(name);
    return u !== undefined && u.enabled && u.checkPassword(pass);
  }

  authenticate(c: Client, name: string, pass: string, via: string): boolean {
    const u = this.get(name);
    if (u === undefined || !u.enabled || !u.checkPassword(pass)) {
      // A failed AUTH inside EXEC is logged in the 'multi' context, as redis-server's ACLAuthenticateUser does.
      this.log.add(c, 'auth', c.multi !== null || c.execQueued >= 0 ? 'multi' : 'toplevel', via, name);
      return false;
    }
    c.user = u;
    c.authenticated = true;
    return true;
  }

  /** The NOPERM reply for a refused call (logged), or null when the client's user may run it. */
  check(c: Client, def: CommandDef, args: string[], context: LogContext): string | null {
    const user = c.user;
    if (user.unrestricted) return null;
    const d = user.check(def, args);
    if (d === null) return null;
    this.log.add(c, d.reason, context, d.object, user.name);
    return noPermMessage(d);
  }
}

/**
 * The one permission check every path that runs a command goes through (client commands, EXEC,
 * scripts' redis.call): null when allowed, else the NOPERM reply, with the refusal logged.
 */
export function checkPermission(
  engine: Engine,
  c: Client,
  def: CommandDef,
  args: string[],
  // A refusal while queuing a transaction is logged in the multi context, as when EXEC runs it.
  context: LogContext = c.multi !== null ? 'multi' : 'toplevel',
): string | null {
  return c.user.unrestricted ? null : engine.acl.check(c, def, args, context);
}
