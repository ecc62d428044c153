// Keyspace events on replicas. A redis-server 7.0 replica runs the commands its primary propagates, so a
// client subscribed on it gets the events those commands raise, filtered by the replica's own
// notify-keyspace-events. Ours take the primary's values over instead (replication-share.ts) and run
// nothing, so the primary hands them the events its writes raised, as the propagated commands would
// raise them on a replica (measured against a redis-server pair):
// - an expired or evicted key reaches replicas as DEL/UNLINK: they announce `del`, not `expired`/`evicted`;
// - INCRBYFLOAT and HINCRBYFLOAT go as SET/HSET, SPOP as SREMs or DEL (notify.ts's notifySpop);
// - keymiss is the primary's own reader's: nothing is propagated.
// A replica announces them once it holds what they describe, in the primary's order, and a replica whose
// link is cut or delayed only once the writes reach it.
import type { Engine } from './engine.ts';
import { notify } from './notify.ts';

/** A keyspace event, or (db -1) a PUBLISH / SPUBLISH the replica relays: [-1, 'publish', channel, message]. */
export type KeyEvent = [db: number, cls: string, name: string, key: string];

export function isRelayedMessage(ev: KeyEvent): boolean {
  return ev[0] === -1;
}

const AS_REPLICA_SEES: Record<string, [string, string] | null> = {
  expired: ['g', 'del'],
  evicted: ['g', 'del'],
  incrbyfloat: ['$', 'set'],
  hincrbyfloat: ['h', 'hset'],
  keymiss: null,
};

/** The primary's event as its replicas announce it, or null when they announce nothing. */
export function replicaEvent(cls: string, name: string, db: number, key: string): KeyEvent | null {
  const seen = AS_REPLICA_SEES[name];
  if (seen === undefined) return [db, cls, name, key];
  return seen === null ? null : [db, seen[0], seen[1], key];
}

/** The replica announces `events` and relays the messages (both go on to its own replicas: its tap, relayPublish). */
export function announce(replica: Engine, events: readonly KeyEvent[]): void {
  if (events.length === 0) return;
  const notifying = replica.notifying;
  for (const [db, cls, name, key] of events) {
    if (db === -1) relay(replica, cls, name, key);
    else if (notifying) notify(replica, cls, name, db, key);
  }
}

function relay(replica: Engine, kind: string, channel: string, message: string): void {
  if (kind === 'spublish') replica.pubsub.spublish(channel, message);
  else replica.pubsub.publish(channel, message);
  replica.replication.relayPublish(kind === 'spublish' ? 'spublish' : 'publish', channel, message);
}

/**
 * Events held for a replica that does not have the writes yet. Past repl-backlog-size bytes of them a
 * redis-server replica would have needed a full resync, which announces nothing: they are dropped.
 */
export class HeldEvents {
  private list: KeyEvent[] = [];
  private bytes = 0;
  private overflowed = false;

  constructor(private readonly limit: () => number) {}

  add(events: readonly KeyEvent[]): void {
    if (this.overflowed) return;
    for (const ev of events) {
      this.bytes += ev[2].length + ev[3].length + 32;
      this.list.push(ev);
    }
    if (this.bytes > this.limit()) {
      this.overflowed = true;
      this.list = [];
    }
  }

  take(): KeyEvent[] {
    const out = this.list;
    this.list = [];
    this.bytes = 0;
    this.overflowed = false;
    return out;
  }
}

export function backlogLimit(primary: Engine): () => number {
  return () => Number(primary.config.get('repl-backlog-size') ?? 1048576) || 1048576;
}
