// Replication between engines that do not share a thread (a node in a worker thread and its primary or
// replica elsewhere): the same stream the in-process path applies directly, carried over a MessagePort.
// The primary gathers one event loop turn of changes and posts them as one batch (replayed commands in
// order, then copies of keys changed some other way, taken at the end of the turn so they bring the
// replica to the primary's state); a full sync is an RDB file. The replica acknowledges each batch's
// offset, which WAIT and INFO's slaveN lines read. Posting costs the primary a structured clone of the
// arguments, not a second run of the handler: the replica's thread does that.
import { forgetOwnExpires } from './replica-expires.ts';
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { Client, discardingConn } from './client.ts';
import type { Engine } from './engine.ts';
import { decodeDump, encodeDump } from './rdb/dump.ts';
import { iterateRdb, readRdb } from './rdb/reader.ts';
import type { RdbEntry } from './rdb/entries.ts';
import { loadEntries, valueFromRdb, valueToRdb } from './rdb/keyspace-adapter.ts';
import { listOptionsOf } from './db/list-options.ts';
import { DB_COUNT } from './db/keyspace.ts';
import { viewOf } from './db/keydict.ts';
import { asBuffer } from './port-links.ts';
import { pauseAll } from './sliced.ts';
import { silenced } from './notify.ts';
import { announce } from './replica-events.ts';
import { drainSliced, rangeSliced } from '../slices.ts';

/**
 * A command to replay ([0, db, args]), a key's state ([1, db, key, DUMP payload as latin1 or null when
 * gone, expiry or -1]), or a keyspace event the replica announces ([2, db, class, event, key]: replica-events.ts).
 */
export type StreamItem = [0, number, string[]] | [1, number, string, string | null, number] | [2, number, string, string, string];

/**
 * Primary to replica. `full` replaces the dataset first. The items travel as one JSON text, made once per
 * turn for every replica: cloning arrays of small strings per message cost the primary twice as much.
 */
interface StreamBatch {
  offset: number;
  full?: Uint8Array;
  items: string;
}

/** Replica to primary; `events`: whether it announces keyspace events (its notify-keyspace-events, or replicas of its own). */
interface StreamAck {
  ack?: number;
  events?: boolean;
}


/** The primary's end of one replica's port. */
export class PortReplica {
  /** The offset the replica acknowledged. */
  offset = 0;
  /** Whether the replica said, with its last acknowledgement, that it announces keyspace events. */
  wantsEvents = false;

  constructor(
    private readonly port: MessagePort,
    readonly address: string,
    onAck: () => void,
    onClose: () => void,
  ) {
    port.on('message', (m: StreamAck) => {
      if (typeof m?.events === 'boolean') this.wantsEvents = m.events;
      if (typeof m?.ack === 'number' && m.ack > this.offset) {
        this.offset = m.ack;
        onAck();
      }
    });
    port.on('close', onClose);
    // The primary's thread must not stay alive for a replica's sake.
    port.unref();
  }

  /** A full sync. */
  full(rdb: Buffer, offset: number): void {
    this.port.postMessage({ offset, full: rdb, items: '[]' } satisfies StreamBatch);
  }

  /** Posts one turn's items (JSON of StreamItem[]), bringing the replica to `offset`. */
  post(items: string, offset: number): void {
    this.port.postMessage({ offset, items } satisfies StreamBatch);
  }

  close(): void {
    this.port.close();
  }
}

/** `key`'s current state in `engine` (its deletion when it is gone), as a stream item. */
export function keyItem(engine: Engine, db: number, key: string): StreamItem {
  const d = engine.ks.dbs[db];
  const raw = d?.dict.getRaw(key);
  if (d === undefined || raw === undefined) return [1, db, key, null, -1];
  return [1, db, key, encodeDump(valueToRdb(viewOf(raw))).toString('latin1'), d.expires.get(key) ?? -1];
}

/** A replica's end of its primary's port; `stop()` applies what already arrived, then lets go. */
export interface PortFollower {
  stop(): void;
  /** The replica's notify-keyspace-events may have changed: the primary learns at once whether to send events. */
  reportEvents(): void;
}

/**
 * Makes `engine` a read-only replica fed by `port`. The primary is in another thread, so the engine's
 * `replication.primary` is a stand-in that only carries the primary's address (INFO, ROLE) and defaults.
 */
export function followPort(engine: Engine, port: MessagePort, primaryAddress: string, makeStandIn: () => Engine): PortFollower {
  engine.replicaOf(null);
  const standIn = makeStandIn();
  standIn.address = primaryAddress;
  engine.replication.primary = standIn;
  engine.replication.linkUp = true;
  const link = new Client(engine, 0, discardingConn('primary', 'replica'));
  link.authenticated = true;
  const queue: StreamBatch[] = [];
  let waiting = false;
  const following = () => engine.replication.primary === standIn;
  /** A full sync being loaded in slices, with the batch that brought it. */
  let loading: { batch: StreamBatch; live: boolean } | null = null;

  const applyItems = (b: StreamBatch): void => {
    for (const it of JSON.parse(b.items) as StreamItem[]) {
      if (it[0] === 0) replayCommand(engine, link, it[1], it[2]);
      else if (it[0] === 1) applyKey(engine, it[1], it[2], it[3], it[4]);
      else announce(engine, [[it[1], it[2], it[3], it[4]]]);
    }
    engine.replication.offset = b.offset;
  };
  const apply = (b: StreamBatch): void => {
    if (b.full !== undefined) loadFull(engine, asBuffer(b.full));
    applyItems(b);
  };
  // A full sync's file is loaded in slices: in one turn, a million keys held this thread for seconds, and
  // a synchronous call of the control plane (stats, the slow log, users) held the main thread as long.
  // The batches after it wait in the queue.
  const loadInSlices = (b: StreamBatch): void => {
    const load = { batch: b, live: true };
    loading = load;
    waiting = true;
    void loadFullSliced(engine, asBuffer(b.full as Uint8Array), () => load.live && following()).then((done) => {
      if (!done || loading !== load) return;
      loading = null;
      applyItems(b);
      port.postMessage({ ack: b.offset, events: engine.notifying } satisfies StreamAck);
      drain();
    });
  };
  // A script on the replica is atomic: the stream is read after it, as Redis reads its master link.
  const drain = (): void => {
    waiting = false;
    if (!following()) return;
    if (engine.scripting.running !== null) {
      waiting = true;
      setTimeout(drain, 1).unref?.();
      return;
    }
    let last = -1;
    while (queue.length !== 0) {
      const b = queue.shift() as StreamBatch;
      if (b.full !== undefined) {
        loadInSlices(b);
        break;
      }
      apply(b);
      last = b.offset;
    }
    if (last >= 0) port.postMessage({ ack: last, events: engine.notifying } satisfies StreamAck);
  };
  port.on('message', (b: StreamBatch) => {
    if (!following()) return;
    queue.push(b);
    if (!waiting) drain();
  });
  port.on('close', () => {
    if (following()) engine.replication.linkLost();
  });
  port.unref();

  return {
    reportEvents: () => {
      if (following()) port.postMessage({ events: engine.notifying } satisfies StreamAck);
    },
    stop: () => {
      // Batches the primary posted before a promotion are applied first: a promotion loses no acknowledged write.
      if (following()) {
        for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) queue.push(m.message as StreamBatch);
        waiting = false;
        // A file half loaded in slices is loaded again, whole, now: the promotion cannot wait for slices.
        const unfinished = loading;
        loading = null;
        if (unfinished !== null) {
          unfinished.live = false;
          queue.unshift(unfinished.batch);
        }
        while (queue.length !== 0) apply(queue.shift() as StreamBatch);
        engine.replication.primary = null;
      }
      port.close();
    },
  };
}

function loadFull(engine: Engine, rdb: Buffer): void {
  const file = readRdb(rdb);
  for (let db = 0; db < DB_COUNT; db++) engine.ks.db(db).flush();
  engine.scripting.functions.restore((file.functions ?? []).map((b) => b.toString('latin1')), 'flush');
  loadEntries(engine, file.entries);
}

/** Keys loaded per piece of a sliced load. */
const LOAD_PIECE = 256;
const CANCELLED = Symbol('cancelled');

/**
 * loadFull in slices, while `live()`: the file is parsed with the old dataset still served, then the
 * replica's clients wait while it is replaced, as redis-server's replica serves nothing while it loads.
 * False when stopped midway (a promotion, another sync). The file's aux fields go into `aux` when given.
 */
export async function loadFullSliced(engine: Engine, rdb: Buffer, live: () => boolean, aux?: Map<string, Buffer>): Promise<boolean> {
  const entries: RdbEntry[] = [];
  const functions: string[] = [];
  try {
    // The file comes from the primary's own memory: no checksum to verify.
    await drainSliced(iterateRdb(rdb, { verifyChecksum: false }), (rec) => {
      if (!live()) throw CANCELLED;
      if (rec.kind === 'entry') entries.push(rec.entry);
      else if (rec.kind === 'function') functions.push(rec.payload.toString('latin1'));
      else if (rec.kind === 'aux') aux?.set(rec.key, rec.value);
    });
  } catch (err) {
    if (err === CANCELLED) return false;
    throw err;
  }
  if (!live()) return false;
  const release = pauseAll(engine);
  try {
    for (let db = 0; db < DB_COUNT; db++) engine.ks.db(db).flush();
    // The replica's own keys went with the flush; a key of the same name from the primary is not its own.
    forgetOwnExpires(engine);
    engine.scripting.functions.restore(functions, 'flush');
    await rangeSliced(entries.length, LOAD_PIECE, (from, to) => {
      if (live()) loadEntries(engine, entries.slice(from, to));
    });
    return live();
  } finally {
    release();
  }
}

function replayCommand(engine: Engine, link: Client, db: number, args: string[]): void {
  const def = engine.lookup(args[0] as string);
  if (def === undefined) return;
  link.dbIndex = db;
  const mark = link.w.mark;
  const current = engine.currentClient;
  engine.currentClient = null;
  try {
    // Its events arrive as items of their own, as the primary raised them.
    silenced(engine, () => def.handler(link, args));
  } catch {
    // Only a key whose copy is still on its way can disagree; that copy sets it right.
  }
  engine.currentClient = current;
  link.w.rewind(mark);
}

function applyKey(engine: Engine, db: number, key: string, payload: string | null, expireAt: number): void {
  const d = engine.ks.db(db);
  if (payload === null) {
    d.delete(key);
    return;
  }
  // A list keeps the payload's quicklist nodes and takes this node's settings for what comes next.
  d.set(key, valueFromRdb(decodeDump(Buffer.from(payload, 'latin1')).value, undefined, listOptionsOf(engine)));
  if (expireAt >= 0) d.setExpire(key, expireAt);
}
