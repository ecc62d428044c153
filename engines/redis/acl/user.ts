// An ACL user: on/off, passwords (kept as SHA-256 hex like Redis), a root selector and extra selectors.
import { asCString } from '../c-string.ts';
import { splitInline } from '../resp/parser.ts';
import { createHash } from 'node:crypto';
import { AclRuleError } from './errors.ts';
import { Selector, type AclCommands, type Denial } from './selector.ts';

export function hashPassword(pass: string): string {
  return createHash('sha256').update(Buffer.from(pass, 'latin1')).digest('hex');
}

const HASH = /^[0-9a-f]{64}$/;

export interface ChannelRules {
  all: boolean;
  patterns: string[];
}

const DENIAL_RANK = { command: 1, key: 2, channel: 4 } as const;

export class AclUser {
  enabled = false;
  nopass = false;
  /** null: neither sanitize-payload nor skip-sanitize-payload was ever set. */
  sanitize: 'sanitize-payload' | 'skip-sanitize-payload' | null = null;
  passwords: string[] = [];
  root = new Selector(true);
  selectors: Selector[] = [];
  /** Cached: the user may run anything, so the dispatcher need not look closer. */
  unrestricted = false;
  /**
   * A password check the embedding control plane supplies instead of stored passwords (ElastiCache IAM
   * users sign a short-lived token); no ACL rule sets or shows it.
   */
  verifier: ((password: string) => boolean) | null = null;

  constructor(readonly name: string) {}

  clone(): AclUser {
    const u = new AclUser(this.name);
    u.enabled = this.enabled;
    u.nopass = this.nopass;
    u.sanitize = this.sanitize;
    u.passwords = [...this.passwords];
    u.root = this.root.clone();
    u.selectors = this.selectors.map((s) => s.clone());
    u.unrestricted = this.unrestricted;
    u.verifier = this.verifier;
    return u;
  }

  /** Copies another user's rules into this one (ACL SETUSER changes users in place, atomically). */
  assign(from: AclUser): void {
    this.enabled = from.enabled;
    this.nopass = from.nopass;
    this.sanitize = from.sanitize;
    this.passwords = from.passwords;
    this.root = from.root;
    this.selectors = from.selectors;
    this.unrestricted = from.unrestricted;
    this.verifier = from.verifier;
  }

  /** Applies one rule; throws AclRuleError with Redis's reason text. */
  apply(op: string, cmds: AclCommands): void {
    // redis-server 7.0: an empty rule is a no-operation.
    if (op === '') return;
    if (op.startsWith('(') && op.endsWith(')')) {
      const sel = new Selector(false);
      // sdssplitargs reads a selector's rules: as a C string (a NUL ends them), split at any blank,
      // quotes and escapes read as redis-cli reads them. Rules it cannot split (`~"a b"*`, an open
      // quote) leave 7.0 with an empty selector, not an error.
      for (const part of splitInline(asCString(op.slice(1, -1))) ?? []) {
        if (!sel.apply(part, cmds)) throw new AclRuleError('Syntax error');
      }
      this.selectors.push(sel);
      return;
    }
    // Flags are compared with strcasecmp: up to a NUL byte ('on\0' is on).
    const lower = asCString(op).toLowerCase();
    if (lower === 'on') this.enabled = true;
    else if (lower === 'off') this.enabled = false;
    else if (lower === 'nopass') {
      this.nopass = true;
      this.passwords = [];
    } else if (lower === 'resetpass') {
      this.nopass = false;
      this.passwords = [];
    } else if (lower === 'sanitize-payload' || lower === 'skip-sanitize-payload') this.sanitize = lower;
    else if (lower === 'clearselectors') this.selectors = [];
    else if (lower === 'reset') {
      for (const r of ['resetpass', 'resetkeys', 'resetchannels', 'off', 'sanitize-payload', 'clearselectors', '-@all']) this.apply(r, cmds);
    } else if (op[0] === '>' || op[0] === '#') {
      const hash = op[0] === '>' ? hashPassword(op.slice(1)) : op.slice(1);
      if (op[0] === '#' && !HASH.test(hash)) throw new AclRuleError('The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters');
      if (!this.passwords.includes(hash)) this.passwords.push(hash);
      this.nopass = false;
    } else if (op[0] === '<' || op[0] === '!') {
      const hash = op[0] === '<' ? hashPassword(op.slice(1)) : op.slice(1);
      if (op[0] === '!' && !HASH.test(hash)) throw new AclRuleError('The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters');
      const i = this.passwords.indexOf(hash);
      if (i === -1) throw new AclRuleError('The password you are trying to remove from the user does not exist');
      this.passwords.splice(i, 1);
    } else if (!this.root.apply(op, cmds)) throw new AclRuleError('Syntax error');
  }

  refresh(cmds: AclCommands): void {
    this.unrestricted = this.root.unrestricted(cmds);
  }

  checkPassword(pass: string): boolean {
    if (this.verifier !== null) return this.verifier(pass);
    return this.nopass || this.passwords.includes(hashPassword(pass));
  }

  /** Null when the root selector or any other allows the call; else the most relevant refusal. */
  check(def: Parameters<Selector['check']>[0], args: string[]): Denial | null {
    if (this.unrestricted) return null;
    let worst: Denial | null = null;
    for (const sel of [this.root, ...this.selectors]) {
      const d = sel.check(def, args);
      if (d === null) return null;
      if (worst === null || DENIAL_RANK[d.reason] > DENIAL_RANK[worst.reason] || (d.reason === worst.reason && d.pos > worst.pos)) worst = d;
    }
    return worst;
  }

  /**
   * Whether a selector that allows this call may also read every key (allkeys, or a `~*`/`%R~*`
   * pattern): SORT's BY and GET read keys no key spec names, so Redis asks for that.
   */
  readsAnyKey(def: Parameters<Selector['check']>[0], args: string[]): boolean {
    if (this.unrestricted) return true;
    return [this.root, ...this.selectors].some((sel) => sel.check(def, args) === null && sel.readsAnyKey());
  }

  /** Every selector's channel patterns together: what a subscriber of this user may keep. */
  channelRules(): ChannelRules {
    const sels = [this.root, ...this.selectors];
    return { all: sels.some((s) => s.allChannels), patterns: sels.flatMap((s) => s.channels) };
  }

  flags(): string[] {
    const out = [this.enabled ? 'on' : 'off'];
    if (this.nopass) out.push('nopass');
    if (this.sanitize !== null) out.push(this.sanitize);
    return out;
  }

  /** The line ACL LIST prints for this user. */
  describe(cmds: AclCommands): string {
    const parts = ['user', this.name, ...this.flags(), ...this.passwords.map((p) => `#${p}`), this.root.describe(cmds)];
    for (const s of this.selectors) parts.push(`(${s.describe(cmds)})`);
    return parts.join(' ');
  }
}
