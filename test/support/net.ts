import net from 'node:net';
import tls from 'node:tls';

/** Whether a listener could take `host`:`port` now (nothing else holds it). */
export function canBind(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/** A port free right now on loopback (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Sends one raw protocol request on a fresh loopback connection and resolves with what came back once it
 * matches `until` (by default: the first chunk), so tests can assert exact bytes on the wire.
 */
export function exchange(port: number, request: string, until?: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => socket.write(request));
    let data = '';
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
      if (!until || until.test(data)) {
        socket.end();
        resolve(data);
      }
    });
    socket.on('error', reject);
  });
}

/**
 * Sends `request` on a new connection (TLS when `ca` is given) and resolves with the first chunk that
 * comes back, or 'closed' when the server hangs up without one.
 */
export function firstReply(target: { port: number; host?: string; ca?: Buffer }, request: string): Promise<string> {
  const host = target.host ?? '127.0.0.1';
  return new Promise((resolve) => {
    const socket: net.Socket = target.ca
      ? tls.connect({ host, port: target.port, ca: target.ca }, () => socket.write(request))
      : net.connect(target.port, host, () => socket.write(request));
    let done = false;
    const finish = (reply: string) => {
      if (done) return;
      done = true;
      socket.destroy();
      resolve(reply);
    };
    socket.once('data', (d) => finish(d.toString()));
    socket.once('close', () => finish('closed'));
    socket.once('error', () => finish('closed'));
  });
}

/** Whether anything accepts connections on a loopback port now. */
export function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
