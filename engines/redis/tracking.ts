// Server-assisted client-side caching (CLIENT TRACKING): remember which clients read which keys,
// and push an invalidation when one of those keys changes. Like Redis, keys are tracked by name
// across databases, and each key is forgotten once invalidated.
import type { Client } from './client.ts';
import type { CommandDef } from './command-table.ts';
import { keyPositions } from './command-table.ts';
import type { Engine } from './engine.ts';

export interface TrackingState {
  /** Client id that receives invalidations instead of this one; 0 = this client. */
  redirect: number;
  bcast: boolean;
  prefixes: string[];
  optin: boolean;
  optout: boolean;
  noloop: boolean;
  /** CLIENT CACHING yes/no for the next command, or null. */
  caching: boolean | null;
}

/** tracking-table-max-keys (Redis default). */
const TRACKING_TABLE_MAX_KEYS = 1_000_000;

export class Tracking {
  /** Key → ids of clients that may have cached it. */
  private readonly keys = new Map<string, Set<number>>();
  /** BCAST prefix → ids of clients subscribed to it. */
  private readonly prefixes = new Map<string, Set<number>>();
  clientsOn = 0;

  constructor(private readonly engine: Engine) {}

  get active(): boolean {
    return this.clientsOn > 0;
  }

  enable(c: Client, state: TrackingState): void {
    if (c.tracking === null) this.clientsOn++;
    else this.dropPrefixes(c);
    this.hook();
    c.tracking = state;
    if (state.bcast) {
      const list = state.prefixes.length > 0 ? state.prefixes : [''];
      for (const p of list) {
        let set = this.prefixes.get(p);
        if (set === undefined) this.prefixes.set(p, (set = new Set()));
        set.add(c.id);
      }
    }
  }

  disable(c: Client): void {
    if (c.tracking === null) return;
    this.dropPrefixes(c);
    c.tracking = null;
    this.clientsOn--;
    this.hook();
  }

  /** Keyspace changes are only routed here while someone tracks, keeping writes cheap otherwise. */
  private hook(): void {
    const ks = this.engine.ks;
    if (this.clientsOn > 0) {
      ks.onKeyChange = (key) => this.invalidate(key, this.engine.currentClient);
      ks.onFlush = () => this.invalidateAll();
    } else {
      ks.onKeyChange = null;
      ks.onFlush = null;
      this.keys.clear();
    }
  }

  private dropPrefixes(c: Client): void {
    for (const [p, set] of this.prefixes) {
      set.delete(c.id);
      if (set.size === 0) this.prefixes.delete(p);
    }
  }

  /** After a read-only command: remember the keys it read, honouring OPTIN/OPTOUT and CACHING. */
  afterCommand(c: Client, def: CommandDef, args: string[]): void {
    const t = c.tracking;
    if (t === null) return;
    const caching = t.caching;
    if (def.fullName !== 'client|caching') t.caching = null;
    if (t.bcast || !def.flags.includes('readonly')) return;
    if (t.optin && caching !== true) return;
    if (t.optout && caching === false) return;
    for (const p of keyPositions(def, args)) {
      const key = args[p] as string;
      let set = this.keys.get(key);
      if (set === undefined) this.keys.set(key, (set = new Set()));
      set.add(c.id);
    }
    // tracking-table-max-keys: past it, the oldest keys are invalidated to bound memory, like Redis.
    while (this.keys.size > TRACKING_TABLE_MAX_KEYS) {
      const oldest = this.keys.keys().next().value as string;
      this.invalidate(oldest, null, false);
    }
  }

  /** A key changed; `by` is the client whose command changed it (for NOLOOP). */
  invalidate(key: string, by: Client | null, broadcast = true): void {
    const ids = this.keys.get(key);
    if (ids !== undefined) {
      this.keys.delete(key);
      for (const id of ids) this.send(id, key, by);
    }
    if (broadcast && this.prefixes.size !== 0) {
      for (const [p, set] of this.prefixes) {
        if (!key.startsWith(p)) continue;
        for (const id of set) this.send(id, key, by);
      }
    }
  }

  /** FLUSHDB/FLUSHALL: every tracking client drops its whole cache (a null invalidation). */
  invalidateAll(): void {
    this.keys.clear();
    for (const c of this.engine.clients.values()) if (c.tracking !== null) this.send(c.id, null, null);
  }

  private send(id: number, key: string | null, by: Client | null): void {
    const owner = this.engine.clients.get(id);
    if (owner === undefined || owner.tracking === null) return;
    if (owner.tracking.noloop && by === owner) return;
    const target = owner.tracking.redirect === 0 ? owner : this.engine.clients.get(owner.tracking.redirect);
    if (target === undefined) return;
    const w = target.w;
    if (owner.tracking.redirect === 0 || target.w.proto === 3) {
      w.push(2);
      w.bulk('invalidate');
    } else {
      // A RESP2 redirect target reads invalidations as messages on __redis__:invalidate.
      if (!target.subs.has('__redis__:invalidate')) return;
      w.push(3);
      w.bulk('message');
      w.bulk('__redis__:invalidate');
    }
    if (key === null) w.nilArray();
    else {
      w.array(1);
      w.bulk(key);
    }
    this.engine.queueFlush(target);
  }
}
