import crypto from 'node:crypto';
import type { Scope } from '../store/records.ts';
import type { Logger } from '../log.ts';
import type { World } from '../world.ts';
import type { FaultRequest, FaultView } from './types.ts';

/** What applying a fault left behind: how to undo it, and the nodes it touched. */
export interface Applied {
  nodes: string[];
  /** Puts things back (restarts, thaws, reconnects); runs once, when the fault ends or is deleted. */
  undo(): Promise<void> | void;
}

interface ActiveFault {
  id: string;
  request: FaultRequest;
  scope: Scope;
  createdAt: number;
  expiresAt?: number;
  remaining?: number;
  applied: Applied;
  timers: Set<NodeJS.Timeout>;
}

/**
 * The faults in force. Each has a count or a duration (or lasts until deleted); when it ends its undo
 * runs. Timers are the registry's own, so deleting a fault or a reset cancels its pending steps too.
 */
export class FaultRegistry {
  private readonly active = new Map<string, ActiveFault>();
  private disposed = false;

  constructor(private readonly log: Logger) {}

  add(request: FaultRequest, scope: Scope, applied: Applied, now: number): string {
    const id = `fault-${crypto.randomBytes(6).toString('hex')}`;
    const fault: ActiveFault = { id, request, scope, createdAt: now, applied, timers: new Set(), remaining: request.count };
    this.active.set(id, fault);
    if (request.durationMs !== undefined) {
      fault.expiresAt = now + request.durationMs;
      this.after(id, request.durationMs, async () => {
        await this.remove(id);
      });
    }
    return id;
  }

  /** Runs `step` after `ms` unless the fault ended meanwhile (or the emulator stopped). */
  after(id: string, ms: number, step: () => Promise<void> | void): void {
    const fault = this.active.get(id);
    if (!fault || this.disposed) return;
    const timer = setTimeout(() => {
      fault.timers.delete(timer);
      if (this.disposed || this.active.get(id) !== fault) return;
      Promise.resolve()
        .then(step)
        .catch((err: unknown) => this.log.error({ err, fault: id }, 'fault step failed'));
    }, ms);
    timer.unref();
    fault.timers.add(timer);
  }

  /** Counts one application of a counted fault; the last one ends it. */
  consume(id: string): void {
    const fault = this.active.get(id);
    if (!fault || fault.remaining === undefined) return;
    fault.remaining--;
    if (fault.remaining <= 0) void this.remove(id);
  }

  find(predicate: (request: FaultRequest, scope: Scope) => boolean): string | undefined {
    for (const f of this.active.values()) if (predicate(f.request, f.scope)) return f.id;
    return undefined;
  }

  requestOf(id: string): FaultRequest | undefined {
    return this.active.get(id)?.request;
  }

  /** Ends a fault and undoes it; false when there is no such fault. */
  async remove(id: string): Promise<boolean> {
    const fault = this.active.get(id);
    if (!fault) return false;
    this.active.delete(id);
    for (const t of fault.timers) clearTimeout(t);
    if (!this.disposed) await fault.applied.undo();
    return true;
  }

  async removeAll(): Promise<number> {
    const ids = [...this.active.keys()];
    for (const id of ids) await this.remove(id);
    return ids.length;
  }

  /** Forgets faults without undoing them: a reset is about to stop their nodes anyway. */
  clear(only?: Scope): void {
    for (const [id, f] of this.active) {
      if (only && (f.scope.account !== only.account || f.scope.region !== only.region)) continue;
      for (const t of f.timers) clearTimeout(t);
      this.active.delete(id);
    }
  }

  list(): FaultView[] {
    return [...this.active.values()].map((f) => {
      const { action, target, count: _count, durationMs: _duration, account: _a, region: _r, ...options } = f.request;
      const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
      return {
        id: f.id,
        action,
        target,
        account: f.scope.account,
        region: f.scope.region,
        createdAt: new Date(f.createdAt).toISOString(),
        ...(f.expiresAt !== undefined ? { expiresAt: new Date(f.expiresAt).toISOString() } : {}),
        ...(f.remaining !== undefined ? { remaining: f.remaining } : {}),
        options: defined,
        nodes: f.applied.nodes,
      };
    });
  }

  /** The emulator is stopping: no step may start a node after this. */
  dispose(): void {
    this.disposed = true;
    this.clear();
  }
}

const registries = new WeakMap<World, FaultRegistry>();

/** The fault registry of an emulator (one per World, kept beside it rather than in it). */
export function faultsOf(world: World): FaultRegistry {
  let r = registries.get(world);
  if (!r) registries.set(world, (r = new FaultRegistry(world.log)));
  return r;
}
