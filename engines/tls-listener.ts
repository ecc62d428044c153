// One listener for both engines: plaintext, TLS only, or both on one port ("preferred", ElastiCache's
// no-downtime migration mode), telling them apart by the first byte a client sends (0x16 opens a TLS
// handshake record; RESP and memcached commands never start with it). The mode can change while the
// server runs: it applies to connections accepted afterwards, as on ElastiCache.
import net from 'node:net';
import { Duplex } from 'node:stream';
import tls from 'node:tls';
import { samePath } from './network-faults.ts';

export type TlsMode = 'required' | 'preferred';

export interface ListenerTls {
  key: string | Buffer;
  cert: string | Buffer;
  /** Default required. */
  mode?: TlsMode;
}

export interface SecurableServer {
  readonly server: net.Server;
  /** Turns TLS on or off, or changes its mode, for connections accepted from now on. */
  setTls(options: ListenerTls | undefined): void;
  /** Destroys connections still in their TLS handshake or not yet sniffed, so close() never waits on them. */
  destroyPending(): void;
}

const TLS_HANDSHAKE_RECORD = 0x16;

/**
 * The socket seen through its first chunk, already read while sniffing: TLS reads it again from here.
 * (A TLSSocket over the net.Socket itself would read from the file descriptor and miss that chunk.)
 */
class ReplayedSocket extends Duplex {
  constructor(
    private readonly raw: net.Socket,
    first: Buffer,
  ) {
    super();
    this.push(first);
    raw.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) raw.pause();
    });
    raw.on('end', () => this.push(null));
    raw.on('close', () => this.destroy());
    raw.on('error', (err) => this.destroy(err));
  }

  override _read(): void {
    this.raw.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    this.raw.write(chunk, done);
  }

  override _final(done: () => void): void {
    this.raw.end();
    done();
  }

  override _destroy(err: Error | null, done: (err: Error | null) => void): void {
    this.raw.destroy();
    done(err);
  }
}

export function createSecurableServer(initial: ListenerTls | undefined, onConnection: (socket: net.Socket) => void): SecurableServer {
  let context: tls.SecureContext | undefined;
  let mode: TlsMode = 'required';
  const pending = new Set<net.Socket>();

  const setTls = (options: ListenerTls | undefined) => {
    context = options && tls.createSecureContext({ key: options.key, cert: options.cert });
    mode = options?.mode ?? 'required';
  };
  setTls(initial);

  const secure = (raw: net.Socket, transport: net.Socket | Duplex, secureContext: tls.SecureContext) => {
    const socket = new tls.TLSSocket(transport as net.Socket, { isServer: true, secureContext });
    samePath(raw, socket);
    if (transport !== raw) {
      // Over a replayed stream the TLS socket knows no addresses: CLIENT LIST and the like read the raw one's.
      for (const name of ['remoteAddress', 'remotePort', 'remoteFamily', 'localAddress', 'localPort'] as const) {
        Object.defineProperty(socket, name, { value: raw[name], configurable: true });
      }
    }
    socket.on('error', () => socket.destroy());
    socket.once('secure', () => {
      pending.delete(raw);
      onConnection(socket);
    });
  };

  const server = net.createServer((raw) => {
    const secureContext = context;
    if (!secureContext) return onConnection(raw);
    pending.add(raw);
    raw.once('close', () => pending.delete(raw));
    raw.on('error', () => raw.destroy());
    if (mode === 'required') return secure(raw, raw, secureContext);
    raw.once('data', (first: Buffer) => {
      raw.pause();
      if (first[0] === TLS_HANDSHAKE_RECORD) return secure(raw, new ReplayedSocket(raw, first), secureContext);
      pending.delete(raw);
      raw.unshift(first);
      onConnection(raw);
      raw.resume();
    });
  });

  return {
    server,
    setTls,
    destroyPending: () => {
      for (const s of pending) s.destroy();
      pending.clear();
    },
  };
}
