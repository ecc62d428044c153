// Reads a plain TCP connection the way a socket created with Node's `onread` option does: the kernel
// fills one buffer that the process reuses, and the bytes go to a callback without passing through
// the Readable stream. Under redis-benchmark -P 1 the stream path (a new ArrayBuffer per read,
// push, emit, maybeReadMore on the next tick) cost about a third of a node's user CPU per request.
// net.Server has no such option for the sockets it accepts, so the same switch is made on them
// right after accept, through the two symbols the socket already carries for it.
import net from 'node:net';
import tls from 'node:tls';
import { readFreshBefore, watchFirstBytes } from './arrival-order.ts';

interface UserBufferHandle {
  useUserBuffer(buffer: Uint8Array): void;
}

/** The socket's own slots for a user buffer and its callback, found once on a socket made with `onread`. */
const slots = ((): { buffer: symbol; callback: symbol } | null => {
  const buffer = Buffer.alloc(1);
  const callback = (): void => undefined;
  // Node's typings list `onread` for connect() only; the constructor takes it too.
  const socket = new net.Socket({ onread: { buffer, callback } } as net.SocketConstructorOpts);
  const probe = socket as unknown as Record<symbol, unknown>;
  const own = Object.getOwnPropertySymbols(probe);
  const b = own.find((k) => probe[k] === buffer);
  const c = own.find((k) => probe[k] === callback);
  socket.destroy();
  return b !== undefined && c !== undefined ? { buffer: b, callback: c } : null;
})();

/**
 * One buffer for every connection: reads are delivered one at a time and synchronously, so whoever
 * keeps bytes past the callback must copy them (the RESP parser copies what it holds back).
 */
const shared = Buffer.allocUnsafe(64 * 1024);

/**
 * Delivers what `socket` receives to `onChunk` (a view of the shared buffer, valid only during the
 * call) and answers true; false, changing nothing, when the socket cannot be read this way (a TLS
 * socket, bytes already buffered by a reader before us, a Node without the slots): the caller then
 * listens for 'data' as usual. Pausing and resuming the socket keep working, and end and close are
 * emitted as before.
 */
export function readDirectly(socket: net.Socket, onChunk: (chunk: Buffer) => void): boolean {
  const handle = (socket as unknown as { _handle?: Partial<UserBufferHandle> | null })._handle;
  if (slots === null || socket instanceof tls.TLSSocket || typeof handle?.useUserBuffer !== 'function' || socket.readableLength !== 0 || socket.listenerCount('data') !== 0) return false;
  const own = socket as unknown as Record<symbol, unknown>;
  if (!(slots.buffer in own) || own[slots.buffer] !== null) return false;
  own[slots.buffer] = shared;
  own[slots.callback] = (n: number, buf: Buffer): void => {
    readFreshBefore(socket);
    onChunk(buf.subarray(0, n));
  };
  handle.useUserBuffer(shared);
  watchFirstBytes(socket, onChunk);
  return true;
}
