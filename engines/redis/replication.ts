// In-process replication between engines of the same process (how the emulator runs a
// replication group's nodes). Instead of streaming commands, the primary ships the resulting state
// of every key that changed: that is deterministic even for SPOP, XADD *, served blocking pops or
// expiry, which Redis has to rewrite before propagating. Changes are batched once per event loop
// turn, so replicas lag by a moment, like real asynchronous replicas.
import { cloneObject } from './db/clone.ts';
import { viewOf } from './db/keydict.ts';
import { DB_COUNT } from './db/keyspace.ts';
import type { Engine } from './engine.ts';

export class Replication {
  readonly replicas = new Set<Engine>();
  /** Set on a replica: the engine it follows. */
  primary: Engine | null = null;
  /** False once the primary went away (the replica keeps its data, read-only, until promoted). */
  linkUp = true;
  /** Monotonic count of shipped changes, reported as the replication offset. */
  offset = 0;
  private readonly pending = new Map<string, [number, string]>();
  private fullResync = false;
  private scheduled = false;

  constructor(private readonly engine: Engine) {}

  /** Starts shipping this engine's changes to `replica`, after a full copy. */
  attach(replica: Engine): void {
    this.flushNow();
    replica.replication.linkUp = true;
    this.replicas.add(replica);
    this.copyAll(replica);
    this.hook();
  }

  detach(replica: Engine): void {
    this.replicas.delete(replica);
    this.hook();
  }

  /** Keyspace changes only cost anything while replicas are attached. */
  private hook(): void {
    const ks = this.engine.ks;
    if (this.replicas.size === 0) {
      ks.onReplicate = null;
      ks.onReplicateReset = null;
      this.pending.clear();
      return;
    }
    ks.onReplicate = (db, key) => {
      this.pending.set(`${db}\0${key}`, [db, key]);
      this.schedule();
    };
    ks.onReplicateReset = () => {
      this.fullResync = true;
      this.schedule();
    };
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flushNow());
  }

  /** Ships everything pending now (WAIT uses this to report replicas as caught up). */
  flushNow(): void {
    this.scheduled = false;
    if (this.replicas.size === 0) return;
    if (this.fullResync) {
      this.fullResync = false;
      this.pending.clear();
      for (const r of this.replicas) this.copyAll(r);
      this.offset++;
      return;
    }
    if (this.pending.size === 0) return;
    const changes = [...this.pending.values()];
    this.pending.clear();
    for (const r of this.replicas) {
      for (const [db, key] of changes) this.copyKey(r, db, key);
      r.replication.offset = this.offset + changes.length;
    }
    this.offset += changes.length;
  }

  private copyKey(replica: Engine, dbIndex: number, key: string): void {
    const src = this.engine.ks.dbs[dbIndex];
    const dst = replica.ks.dbs[dbIndex];
    if (src === undefined || dst === undefined) return;
    const raw = src.dict.getRaw(key);
    if (raw === undefined) {
      dst.delete(key);
      return;
    }
    dst.set(key, cloneObject(viewOf(raw)), false, src.dict.metaOf(key));
    const ttl = src.expires.get(key);
    if (ttl !== undefined) dst.setExpire(key, ttl);
  }

  private copyAll(replica: Engine): void {
    for (let i = 0; i < DB_COUNT; i++) {
      const src = this.engine.ks.dbs[i];
      const dst = replica.ks.dbs[i];
      if (src === undefined || dst === undefined) continue;
      dst.flush();
      for (const [key, o, slot] of src.dict.entries()) {
        dst.set(key, cloneObject(o), false, src.dict.metaAt(slot));
        const ttl = src.expires.get(key);
        if (ttl !== undefined) dst.setExpire(key, ttl);
      }
    }
    replica.replication.offset = this.offset;
  }
}
