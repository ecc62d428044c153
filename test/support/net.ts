import net from 'node:net';

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
