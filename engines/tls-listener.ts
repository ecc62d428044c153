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
  key?: string | Buffer;
  cert?: string | Buffer;
  /** A context the caller built (CA file, versions, ciphers), used instead of one made from key and cert. */
  context?: tls.SecureContext;
  /** Default required. */
  mode?: TlsMode;
  /**
   * Client certificates (OpenSSL's verify modes): 'request' asks for one (SSL_VERIFY_PEER), 'require' also
   * fails a handshake without one (FAIL_IF_NO_PEER_CERT). Either way a certificate that does not verify
   * against the context's CAs ends the connection.
   */
  clientCert?: 'request' | 'require';
  /** A connection whose handshake failed: bytes that are not TLS, a refused version or certificate, a client gone. */
  onHandshakeError?: () => void;
  /** Ends a failed handshake with a TCP reset, as a server closing a socket with the client's bytes unread does. */
  resetOnHandshakeError?: boolean;
  /** A completed handshake, before the connection is handed over. */
  onSecure?: (socket: tls.TLSSocket) => void;
}

/** What Node's own TLS server asks of a server socket after its handshake: the peer's verification result. */
interface VerifiableHandle {
  verifyError(): Error | null;
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

/**
 * `beforeTls`, when given, sees each socket about to start a TLS handshake: false means it has dealt with
 * the socket itself (a server past its connection limit refuses in plain text, before any handshake).
 */
export function createSecurableServer(
  initial: ListenerTls | undefined,
  onConnection: (socket: net.Socket) => void,
  beforeTls?: (raw: net.Socket) => boolean,
): SecurableServer {
  let context: tls.SecureContext | undefined;
  let mode: TlsMode = 'required';
  let current: ListenerTls | undefined;
  const pending = new Set<net.Socket>();

  const setTls = (options: ListenerTls | undefined) => {
    // Built once per change, so no handshake parses a key.
    context = options && (options.context ?? tls.createSecureContext({ key: options.key, cert: options.cert }));
    mode = options?.mode ?? 'required';
    current = options;
  };
  setTls(initial);

  const secure = (raw: net.Socket, transport: net.Socket | Duplex, secureContext: tls.SecureContext) => {
    const options = current;
    const socket = new tls.TLSSocket(transport as net.Socket, {
      isServer: true,
      secureContext,
      requestCert: options?.clientCert !== undefined,
      rejectUnauthorized: options?.clientCert === 'require',
    });
    samePath(raw, socket);
    if (transport !== raw) {
      // Over a replayed stream the TLS socket knows no addresses: CLIENT LIST and the like read the raw one's.
      for (const name of ['remoteAddress', 'remotePort', 'remoteFamily', 'localAddress', 'localPort'] as const) {
        Object.defineProperty(socket, name, { value: raw[name], configurable: true });
      }
    }
    let secured = false;
    const failed = () => {
      if (!secured) options?.onHandshakeError?.();
      secured = true;
    };
    socket.on('error', () => {
      const unsecured = !secured;
      failed();
      if (unsecured && options?.resetOnHandshakeError === true && !raw.destroyed) raw.resetAndDestroy();
      socket.destroy();
    });
    socket.once('close', failed);
    socket.once('secure', () => {
      pending.delete(raw);
      // Node accepts any certificate during the handshake and leaves the verdict to tls.Server, which a
      // socket made here does not go through: this is the check tls.Server makes.
      if (options?.clientCert !== undefined && (options.clientCert === 'require' || Object.keys(socket.getPeerCertificate()).length > 0)) {
        const handle = (socket as unknown as { _handle: VerifiableHandle | null })._handle;
        if (handle === null || handle.verifyError() !== null) {
          failed();
          socket.destroy();
          return;
        }
      }
      secured = true;
      options?.onSecure?.(socket);
      onConnection(socket);
    });
  };

  const server = net.createServer((raw) => {
    const secureContext = context;
    if (!secureContext) return onConnection(raw);
    if (beforeTls !== undefined && !beforeTls(raw)) return;
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
