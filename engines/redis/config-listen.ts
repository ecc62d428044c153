// CONFIG SET port / bind in a bare engine: redis-server listens anew, closes the old listener once the
// new one is up and keeps every connection; when it cannot listen, the whole CONFIG SET is rolled back
// and fails. Listening is asynchronous here, so the client waits for the answer (other clients are
// served meanwhile). Every listener binds a loopback address, so any other address fails as one that
// cannot be bound. Nodes created through the API have no CONFIG: their listener is the control plane's.
import net from 'node:net';
import type { Client } from './client.ts';
import type { Engine } from './engine.ts';

const CANNOT_LISTEN = 'Unable to listen on this port. Check server logs.';
const CANNOT_BIND = 'Failed to bind to specified addresses.';

/** Moves a bare engine's listener; set by createRedisServer. */
export type Relisten = (port: number, host: string) => Promise<void>;

const relisteners = new WeakMap<Engine, Relisten>();

export function allowRelisten(e: Engine, relisten: Relisten): void {
  relisteners.set(e, relisten);
  e.config.listenerMovable = true;
}

interface Move {
  port: number;
  host: string | null;
  /** The argument a failure names, as written. */
  portArg: string | null;
  bindArg: string | null;
}

function isLoopback(addr: string): boolean {
  return (net.isIPv4(addr) && addr.startsWith('127.')) || addr === '::1';
}

/** What the pairs ask of the listener, or null when it stays as it is. */
function wantedMove(e: Engine, pairs: readonly (readonly [string, string])[]): Move | null {
  const move: Move = { port: e.config.port, host: null, portArg: null, bindArg: null };
  for (const [name, value] of pairs) {
    const key = name.toLowerCase();
    if (key === 'port' && Number(value) !== e.config.port) [move.port, move.portArg] = [Number(value), name];
    if (key === 'bind' && value !== e.config.bind) {
      move.bindArg = name;
      // A leading '-' marks an address redis-server may skip when it is missing; one address is kept.
      const words = value.split(' ').filter((w) => w.length > 0).map((w) => w.replace(/^-/, ''));
      move.host = words.length === 1 && isLoopback(words[0] as string) ? (words[0] as string) : '';
    }
  }
  return move.portArg === null && move.bindArg === null ? null : move;
}

/**
 * Called by CONFIG SET after the other parameters are in (`before` holds their old values). Returns false
 * when the listener stays, and the caller answers; otherwise this answers once the move succeeded or failed.
 */
export function moveListener(c: Client, pairs: readonly (readonly [string, string])[], before: readonly (readonly [string, string])[]): boolean {
  const e = c.engine;
  const relisten = relisteners.get(e);
  const move = relisten === undefined ? null : wantedMove(e, pairs);
  if (relisten === undefined || move === null) return false;
  // As redis-server: a value that could not be applied rolls the whole CONFIG SET back.
  const failure = (why: string, arg: string): string => {
    try {
      e.config.setMany(before);
    } catch {
      // The old values were in force before: they pass their own checks.
    }
    return `ERR CONFIG SET failed (possibly related to argument '${arg}') - ${why}`;
  };
  if (move.host === '') {
    const msg = failure(CANNOT_BIND, move.bindArg as string);
    c.w.error(msg);
    e.countError(msg);
    return true;
  }
  const moving = relisten(move.port, move.host ?? e.config.bind).then(
    () => null,
    (err: NodeJS.ErrnoException) =>
      err.code === 'EADDRINUSE' && move.portArg !== null ? failure(CANNOT_LISTEN, move.portArg) : failure(CANNOT_BIND, move.bindArg ?? (move.portArg as string)),
  );
  // Inside EXEC, or with no reply wanted, nothing can wait: the move finishes after the answer.
  if (e.execDepth !== 0 || c.replyMode !== 'on') {
    c.w.ok();
    void moving;
    return true;
  }
  e.block(c, [], 0, { tryServe: () => false, onTimeout: () => undefined, busy: true });
  void moving.then((msg) => answer(c, msg));
  return true;
}

function answer(c: Client, error: string | null): void {
  if (c.closed) return;
  const e = c.engine;
  e.unblock(c);
  if (error === null) c.w.ok();
  else {
    c.w.error(error);
    e.countError(error);
  }
  e.queueFlush(c);
  e.resume(c);
}
