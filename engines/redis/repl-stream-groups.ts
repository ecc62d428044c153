// Consumer-group reads and claims as redis-server 7.0 replicates them: every entry a consumer was
// given (XREADGROUP, XCLAIM, XAUTOCLAIM) goes out as an XCLAIM that sets its pending state exactly
// (streamPropagateXCLAIM), and a read that moved the group's last ID without claiming anything (NOACK)
// as XGROUP SETID with the read counter (streamPropagateGroupID). Read from the group's pending list
// before and after the command.
import type { Database } from './db/keyspace.ts';
import type { Argv, Rule } from './repl-rewrite.ts';
import { cmpId, idText, type PendingEntry, type StreamId } from './types/stream.ts';

interface GroupState {
  lastId: StreamId;
  entriesRead: bigint;
  pending: Map<string, { consumer: string; deliveredAt: number; deliveries: number }>;
}

function groupState(db: Database, key: string, group: string): GroupState | null {
  const o = db.dict.getRaw(key);
  if (o === undefined || typeof o === 'string' || o.type !== 'stream') return null;
  const g = o.v.groups.get(group);
  if (g === undefined) return null;
  const pending = new Map<string, { consumer: string; deliveredAt: number; deliveries: number }>();
  for (const [id, p] of g.pending) pending.set(id, { consumer: p.consumer, deliveredAt: p.deliveredAt, deliveries: p.deliveries });
  return { lastId: g.lastId, entriesRead: g.entriesRead, pending };
}

function livePending(db: Database, key: string, group: string): Map<string, PendingEntry> {
  const o = db.dict.getRaw(key);
  if (o === undefined || typeof o === 'string' || o.type !== 'stream') return new Map();
  return o.v.groups.get(group)?.pending ?? new Map();
}

/** XCLAIMs for the pending entries `given` picks; `lastOf` says which LASTID each carries. */
function claims(db: Database, key: string, group: string, given: (id: string, p: PendingEntry) => boolean, lastOf: (p: PendingEntry) => StreamId): Argv[] {
  const out: PendingEntry[] = [];
  for (const [id, p] of livePending(db, key, group)) if (given(id, p)) out.push(p);
  out.sort((a, b) => cmpId(a.id, b.id));
  return out.map((p) => ['XCLAIM', key, group, p.consumer, '0', idText(p.id), 'TIME', String(p.deliveredAt), 'RETRYCOUNT', String(p.deliveries), 'FORCE', 'JUSTID', 'LASTID', idText(lastOf(p))]);
}

/** The stream keys of an XREADGROUP: the first half of what follows STREAMS. */
function readKeys(args: readonly string[]): string[] {
  const at = args.findIndex((a, i) => i >= 4 && a.toLowerCase() === 'streams');
  if (at < 0) return [];
  const rest = args.slice(at + 1);
  return rest.slice(0, Math.floor(rest.length / 2));
}

export const xreadgroupRule: Rule = {
  always: true,
  before: (db, args) => readKeys(args).map((k) => groupState(db, k, args[2] as string)),
  after(_e, db, args, before) {
    const group = args[2] as string;
    const noack = args.some((a, i) => i >= 4 && a.toLowerCase() === 'noack');
    const states = before as (GroupState | null)[];
    const out: Argv[] = [];
    readKeys(args).forEach((key, i) => {
      const was = states[i];
      const now = groupState(db, key, group);
      if (was === null || was === undefined || now === null) return;
      // Only new deliveries go out (7.0.15 replicates no read of a consumer's history), each with its
      // own ID as LASTID: the group's last ID as it was set for it.
      const got = claims(db, key, group, (id, p) => !was.pending.has(id) && cmpId(p.id, was.lastId) > 0, (p) => p.id);
      out.push(...got);
      if (cmpId(now.lastId, was.lastId) !== 0 && (noack || got.length === 0)) out.push(['XGROUP', 'SETID', key, group, idText(now.lastId), 'ENTRIESREAD', now.entriesRead.toString()]);
    });
    return out;
  },
};

/** Whether the command took the entry: now the consumer's, and (by its state) given again or idle long enough before. */
function taken(was: GroupState, consumer: string, minIdle: number, now: number, id: string, p: PendingEntry): boolean {
  if (p.consumer !== consumer) return false;
  const before = was.pending.get(id);
  if (before === undefined) return true;
  return before.consumer !== consumer || before.deliveries !== p.deliveries || before.deliveredAt !== p.deliveredAt || now - before.deliveredAt >= minIdle;
}

/** XCLAIM: the IDs it names that it took. XAUTOCLAIM: any it took. Key, group, consumer, min-idle lead both. */
export const xclaimRule: Rule = {
  always: true,
  before: (db, args) => groupState(db, args[1] as string, args[2] as string),
  after(e, db, args, before) {
    const was = before as GroupState | null;
    const now = groupState(db, args[1] as string, args[2] as string);
    if (was === null || now === null) return [];
    const consumer = args[3] as string;
    const minIdle = Number(args[4]);
    const clock = e.clock.now();
    const named = args[0]?.toLowerCase() === 'xclaim' ? new Set(args.slice(5)) : null;
    const key = args[1] as string;
    const group = args[2] as string;
    const out = claims(db, key, group, (id, p) => (named === null || named.has(id)) && taken(was, consumer, minIdle, clock, id, p), () => now.lastId);
    // An entry deleted from the stream leaves the pending list when claimed; 7.0.15 still sends an
    // XCLAIM for it, with the state it had (its owner, time and count), in ID order with the others.
    for (const [id, p] of was.pending) {
      if (!now.pending.has(id) && (named === null || named.has(id))) {
        out.push(['XCLAIM', key, group, p.consumer, '0', id, 'TIME', String(p.deliveredAt), 'RETRYCOUNT', String(p.deliveries), 'FORCE', 'JUSTID', 'LASTID', idText(now.lastId)]);
      }
    }
    return out.sort((a, b) => cmpId(parseId(a[5] as string), parseId(b[5] as string)));
  },
};

function parseId(text: string): StreamId {
  const dash = text.indexOf('-');
  return { ms: BigInt(text.slice(0, dash)), seq: BigInt(text.slice(dash + 1)) };
}
