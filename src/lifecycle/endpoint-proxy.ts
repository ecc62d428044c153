import net from 'node:net';
import { NetworkFaults } from '../../engines/redis/light.ts';

/**
 * A replication group's primary or reader endpoint, or a Memcached configuration endpoint: AWS gives
 * these DNS names that follow the current node; locally each is a port whose every new connection goes
 * to the node the resolver names. A node in this process takes the socket itself (`handOff`: it then
 * serves it at its own speed, TLS included); otherwise bytes are forwarded untouched.
 */
export class EndpointProxy {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  private readonly clients = new Set<net.Socket>();
  /** Faults of this endpoint only (the fault API's `<group>/primary` targets): connections through the node's own port keep their speed. */
  readonly network = new NetworkFaults();
  port = 0;

  constructor(
    readonly host: string,
    private readonly connectHost: string,
    private readonly resolveTarget: () => number | undefined,
    private readonly handOff: (port: number, socket: net.Socket) => boolean = () => false,
  ) {}

  async listen(port: number): Promise<number> {
    const server = net.createServer((client) => this.forward(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: this.host, port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.port = (server.address() as net.AddressInfo).port;
    return this.port;
  }

  private forward(client: net.Socket): void {
    if (!this.network.admit(client)) return;
    const target = this.resolveTarget();
    this.sockets.add(client);
    this.clients.add(client);
    client.once('close', () => {
      this.sockets.delete(client);
      this.clients.delete(client);
    });
    // The node that takes the socket adds this endpoint's latency to every request on it.
    this.network.carry(client);
    if (!target) {
      client.destroy();
      return;
    }
    // Still tracked after the hand-off: closing the endpoint strands its clients, as a moved DNS name does.
    if (this.handOff(target, client)) return;
    const upstream = net.connect({ host: this.connectHost, port: target });
    this.sockets.add(upstream);
    upstream.once('close', () => {
      this.sockets.delete(upstream);
      client.destroy();
    });
    client.once('close', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    upstream.setNoDelay(true);
    client.setNoDelay(true);
    client.pipe(upstream);
    upstream.pipe(client);
  }

  /** Resets (TCP RST) every client connection made through this endpoint; answers how many. */
  resetConnections(): number {
    return this.network.resetAll(this.clients);
  }

  /** Closes the listener and every connection through it, as a moved DNS name strands old clients. */
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
