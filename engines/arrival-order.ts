// Serves a just-accepted connection's first bytes before bytes that reached an older connection later.
// libuv registers a new socket with epoll only at the start of the next poll, so when its first command
// and a later one on an older connection are both waiting by then, epoll lists the older connection
// first (its readiness was queued before the registration) and the later command ran first. redis-server
// registers at accept, so a client that connects, sends, then sends on another connection (the tcl
// suite's deferring clients under --singledb) sees its commands served in the order sent.
// Here, until the new socket is surely registered, a read on any other connection first reads the new
// one synchronously: on loopback what was sent first has arrived first.
import fs from 'node:fs';
import type net from 'node:net';

interface Fresh {
  fd: number;
  onChunk: (chunk: Buffer) => void;
}

const fresh = new Map<net.Socket, Fresh>();
/** Bounds the synchronous reads a burst of accepts costs each chunk; later ones keep libuv's order. */
const MAX_FRESH = 64;
/** Separate from the direct-read buffer, which holds the chunk being delivered while this runs. */
const scratch = Buffer.allocUnsafe(64 * 1024);

/**
 * Watches `socket` (plain TCP, read directly) until libuv has surely registered it: its first read,
 * or the end of the next event-loop turn's poll (two check phases on), or its close.
 */
export function watchFirstBytes(socket: net.Socket, onChunk: (chunk: Buffer) => void): void {
  const fd = (socket as unknown as { _handle?: { fd?: number } | null })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0 || fresh.size >= MAX_FRESH) return;
  fresh.set(socket, { fd, onChunk });
  const forget = (): void => {
    fresh.delete(socket);
  };
  socket.once('close', forget);
  setImmediate(() => setImmediate(() => {
    forget();
    socket.off('close', forget);
  }));
}

/** Called before `socket`'s chunk is delivered: every other fresh socket's waiting bytes go first. */
export function readFreshBefore(socket: net.Socket): void {
  if (fresh.size === 0) return;
  fresh.delete(socket);
  for (const [other, { fd, onChunk }] of fresh) {
    const handle = (other as unknown as { _handle?: { reading?: boolean } | null })._handle;
    // Paused (CLIENT PAUSE, output limits) or gone: libuv reads it when it should.
    if (other.destroyed || other.isPaused() || handle?.reading !== true) continue;
    let n: number;
    try {
      n = fs.readSync(fd, scratch, 0, scratch.length, null);
    } catch {
      // EAGAIN: nothing sent yet, watch on. Another error is libuv's to report on its own read.
      continue;
    }
    // 0 is the peer's FIN, which libuv's next read sees again; bytes read here reach the client in order.
    fresh.delete(other);
    if (n > 0) onChunk(scratch.subarray(0, n));
  }
}
