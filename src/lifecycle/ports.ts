import net from 'node:net';

export type PortRange = { from: number; to: number } | 'ephemeral';

function canBind(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/**
 * Hands out node and endpoint ports from the configured range, skipping ports that are taken by
 * our own resources or by anything else on the machine. With 'ephemeral' the OS picks (port 0).
 */
export class PortAllocator {
  private readonly reserved = new Set<number>();

  constructor(
    private readonly range: PortRange,
    private readonly host: string,
  ) {}

  /** Marks ports that records already own, so a restart hands them out to nobody else. */
  reserve(port: number): void {
    if (port > 0) this.reserved.add(port);
  }

  release(port: number): void {
    this.reserved.delete(port);
  }

  /** A port believed free now; the listener that binds it confirms by succeeding. */
  async allocate(): Promise<number> {
    if (this.range === 'ephemeral') return 0;
    for (let port = this.range.from; port <= this.range.to; port++) {
      if (this.reserved.has(port)) continue;
      this.reserved.add(port);
      if (await canBind(this.host, port)) return port;
      this.reserved.delete(port);
    }
    throw new Error(`no free port left in ${this.range.from}-${this.range.to}`);
  }

  /**
   * Binds `listen` on `port` (a fresh one when 0), moving to another free port when that one turns out to
   * be taken: AWS would keep the DNS name, but here someone else may have the port while we were down.
   */
  async bind<T>(port: number, listen: (port: number) => Promise<T & { port: number }>): Promise<T & { port: number }> {
    let candidate = port || (await this.allocate());
    for (let attempt = 0; ; attempt++) {
      try {
        const bound = await listen(candidate);
        this.reserve(bound.port);
        return bound;
      } catch (err) {
        if ((err as { code?: string }).code !== 'EADDRINUSE' || attempt >= MAX_BIND_ATTEMPTS) throw err;
        candidate = await this.allocate();
      }
    }
  }
}

const MAX_BIND_ATTEMPTS = 20;
