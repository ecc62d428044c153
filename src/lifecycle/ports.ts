import net from 'node:net';
import { fault } from '../protocol/errors.ts';

export type PortRange = { from: number; to: number } | 'ephemeral';

function canBind(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/** A published port (an endpoint clients were given) that another program holds: it cannot move. */
export class PortInUse extends Error {
  constructor(readonly port: number) {
    super(`port ${port} is in use by another program`);
  }
}

/**
 * Hands out node and endpoint ports from the configured range, skipping ports that are taken by
 * our own resources or by anything else on the machine. With 'ephemeral' the OS picks (port 0).
 */
export class PortAllocator {
  private readonly reserved = new Set<number>();
  /** `address:port` of named endpoint ports held at a loopback alias (see placeFor). */
  private readonly atAliases = new Set<string>();
  /** Ports another program was found holding, and when: claims take them last for a while. */
  private readonly heldElsewhere = new Map<number, number>();

  constructor(
    private readonly range: PortRange,
    readonly host: string,
    /** Other loopback addresses a named endpoint port may move to, keeping its number (empty: none). */
    private readonly aliases: readonly string[] = [],
  ) {}

  /** Marks ports that records already own, so a restart hands them out to nobody else. */
  reserve(port: number): void {
    if (port > 0) this.reserved.add(port);
  }

  release(...ports: number[]): void {
    for (const port of ports) this.reserved.delete(port);
  }

  /**
   * Takes `count` ports of the range for a resource being created, at request time, so a create the range
   * cannot serve is refused before anything exists (AWS's answer when it has no capacity for the nodes).
   * Ports are not probed here: one that another program holds is swapped for a free one when bound.
   * With 'ephemeral' every port is 0 (the OS picks when the node starts).
   */
  claim(count: number): number[] {
    if (this.range === 'ephemeral') return new Array<number>(count).fill(0);
    // Ports lately found held by another program come last: it may have let go of them since.
    const now = Date.now();
    const free: number[] = [];
    const lately: number[] = [];
    for (let port = this.range.from; port <= this.range.to && free.length < count; port++) {
      if (this.reserved.has(port)) continue;
      const seen = this.heldElsewhere.get(port);
      (seen !== undefined && now - seen < HELD_ELSEWHERE_MS ? lately : free).push(port);
    }
    const claimed = [...free, ...lately].slice(0, count);
    if (claimed.length < count) {
      throw fault(
        'InsufficientCacheClusterCapacityFault',
        `The requested cache node type is not available in the specified Availability Zone. (elasticache-local: ${count} node and endpoint ports are needed and only ${claimed.length} are free in ${this.range.from}-${this.range.to}; see --node-port-range.)`,
      );
    }
    for (const port of claimed) this.reserved.add(port);
    return claimed;
  }

  /** As reserve/release, for a port at `address` (the host or one of the aliases). */
  reserveAt(address: string, port: number): void {
    if (address === this.host) this.reserve(port);
    else if (port > 0) this.atAliases.add(`${address}:${port}`);
  }

  releaseAt(address: string, port: number): void {
    if (address === this.host) this.release(port);
    else this.atAliases.delete(`${address}:${port}`);
  }

  /**
   * Where a named endpoint port (Redis's 6379, or the Port a create asked for) can be had without moving
   * its number: the host when none of our resources has it there, else the first loopback alias where none
   * does; undefined when no address is left. On AWS every group's endpoint has a DNS name of its own on the
   * same port; Terraform reads the port back and plans a replacement when it differs from the one named.
   */
  placeFor(port: number): string | undefined {
    if (!this.reserved.has(port)) return this.host;
    return this.aliases.find((a) => !this.atAliases.has(`${a}:${port}`));
  }

  /**
   * Binds a named endpoint port at `address`; when another program holds it there (or the alias cannot be
   * bound), at the next alias where it is free, keeping the number; failing all, at a port of the range on
   * the host, as bind() moves any port found taken. The reservation follows the address it ends at.
   */
  async bindNamed<T>(
    address: string,
    port: number,
    listen: (host: string, port: number) => Promise<T & { port: number }>,
  ): Promise<T & { port: number; address: string }> {
    const others = this.aliases.filter((a) => a !== address && !this.atAliases.has(`${a}:${port}`));
    const candidates = [address, ...others].slice(0, MAX_ALIAS_ATTEMPTS);
    for (const candidate of candidates) {
      try {
        const bound = await listen(candidate, port);
        this.releaseAt(address, port);
        this.reserveAt(candidate, port);
        return { ...bound, address: candidate };
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code !== 'EADDRINUSE' && code !== 'EADDRNOTAVAIL') throw err;
        if (candidate === this.host) this.heldElsewhere.set(port, Date.now());
      }
    }
    this.releaseAt(address, port);
    const bound = await this.bind(0, (p) => listen(this.host, p));
    return { ...bound, address: this.host };
  }

  /** Refuses (as claim does) a change that will need `count` more ports than the range has free. */
  requireFree(count: number): void {
    this.release(...this.claim(count));
  }

  /** A port believed free now; the listener that binds it confirms by succeeding. */
  async allocate(): Promise<number> {
    if (this.range === 'ephemeral') return 0;
    for (let port = this.range.from; port <= this.range.to; port++) {
      if (this.reserved.has(port)) continue;
      this.reserved.add(port);
      if (await canBind(this.host, port)) return port;
      this.reserved.delete(port);
      this.heldElsewhere.set(port, Date.now());
    }
    throw new Error(`no free port left in ${this.range.from}-${this.range.to}`);
  }

  /**
   * Binds `listen` on `port` (a fresh one when 0). A port nobody was told of yet (a node being created)
   * moves to another free port when that one turns out to be taken; a published one (`keep`) does not,
   * since clients hold it as they would hold a DNS name on AWS: it fails with PortInUse.
   */
  async bind<T>(port: number, listen: (port: number) => Promise<T & { port: number }>, keep = false): Promise<T & { port: number }> {
    let candidate = port || (await this.allocate());
    for (let attempt = 0; ; attempt++) {
      try {
        const bound = await listen(candidate);
        this.reserve(bound.port);
        // The record moves to the port it really got: the one it named before is nobody's now.
        if (port !== 0 && bound.port !== port) this.release(port);
        return bound;
      } catch (err) {
        // A candidate found here that failed is released; the record's own port stays its owner's until
        // the record moves off it or is removed.
        if (candidate !== port) this.release(candidate);
        const taken = (err as { code?: string }).code === 'EADDRINUSE';
        if (taken) this.heldElsewhere.set(candidate, Date.now());
        if (taken && keep && candidate === port) throw new PortInUse(port);
        if (!taken || attempt >= MAX_BIND_ATTEMPTS) throw err;
        candidate = await this.allocate();
      }
    }
  }
}

const MAX_BIND_ATTEMPTS = 20;
// A program listening on every address (0.0.0.0:6379) takes the port at all of them: a few tries tell.
const MAX_ALIAS_ATTEMPTS = 8;
// Long enough that the claims of one burst of creates skip a port found taken, short enough that a program
// that let go of it does not keep it out of the range for good.
const HELD_ELSEWHERE_MS = 60_000;
