// What a dashboard reads from a server without a socket: live figures, and one command run as an
// internal, already authenticated client whose raw RESP2 reply is handed back.
import type { Conn } from './client.ts';
import type { Engine } from './engine.ts';

export interface ServerStats {
  role: 'primary' | 'replica';
  opsPerSec: number;
  usedMemory: number;
  maxmemory: number;
  keys: number;
  clients: number;
  hits: number;
  misses: number;
  evicted: number;
  /** A replica's link: how far its offset trails its primary's, and INFO's master_link_status and last I/O. */
  link?: { behind: number; up: boolean; lastIoSeconds: number };
}

export function serverStats(engine: Engine): ServerStats {
  let keys = 0;
  for (const db of engine.ks.dbs) keys += db.size;
  const s = engine.ks.stats;
  return {
    role: engine.replication.primary === null ? 'primary' : 'replica',
    opsPerSec: engine.instantaneousOps,
    usedMemory: engine.usedMemory(),
    maxmemory: engine.config.maxmemory,
    keys,
    clients: engine.clients.size,
    hits: s.hits,
    misses: s.misses,
    evicted: s.evicted,
    ...(engine.replication.primary === null ? {} : { link: linkStats(engine) }),
  };
}

function linkStats(engine: Engine): NonNullable<ServerStats['link']> {
  const r = engine.replication;
  const view = r.linkView();
  return { behind: Math.max(0, (r.primary?.replication.offset ?? r.offset) - r.offset), up: view.up, lastIoSeconds: view.lastIoSeconds };
}

const INTERNAL_TIMEOUT_MS = 2000;

function encodeCommand(args: string[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = Buffer.from(a, 'utf8');
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/**
 * Runs one command as a connection-less client and resolves with its raw reply (RESP2). A command that
 * runs in slices (a sliced read, XREADGROUP of a million entries) writes its reply in pieces and changes
 * data at its end: the reply is whole once the client is no longer held by it, and it is not timed out,
 * nor while it waits for such work of the node's (heldBySlices).
 */
export function runCommand(engine: Engine, args: string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    let settled = false;
    const inSlices = () => client?.blocked?.busy === true;
    const conn: Conn = {
      write: (b) => {
        out.push(Buffer.from(b));
        if (!inSlices()) finish();
      },
      end: () => finish(),
      destroy: () => finish(),
      pauseReading: () => undefined,
      resumeReading: () => undefined,
      writableLength: 0,
      remote: 'elasticache-local:console',
      local: 'internal',
    };
    const client = engine.addClient(conn);
    // Held behind work the node does in slices (another client's sliced command, a replica loading its
    // full sync), it waits as on redis-server it would wait for that work; a CLIENT PAUSE times it out.
    const heldBySlices = () => client?.postponed === true && engine.pause !== null && engine.pause.clientPause !== true;
    const expire = (): void => {
      if (inSlices() || heldBySlices()) timer = setTimeout(expire, INTERNAL_TIMEOUT_MS);
      else finish(out.length > 0 ? undefined : new Error('the command did not answer in time'));
    };
    let timer = setTimeout(expire, INTERNAL_TIMEOUT_MS);
    function finish(err?: Error): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (client) engine.removeClient(client);
      if (err) reject(err);
      else resolve(Buffer.concat(out));
    }
    if (client === null) return finish(new Error('the node refused the connection (maxclients)'));
    client.authenticated = true;
    engine.onData(client, encodeCommand(args));
  });
}
