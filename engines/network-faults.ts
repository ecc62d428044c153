// Network conditions a test can impose on one server (the emulator's fault API): added latency, a
// frozen process, connections reset. Requests of one connection always run in the order they came.
import type net from 'node:net';

interface Held {
  due: number;
  run: () => void;
}

interface Queue {
  items: Held[];
  timer: NodeJS.Timeout | null;
}

/** An RST where the socket allows it (a TLS socket may not expose its handle): a plain close otherwise. */
function reset(socket: net.Socket): void {
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}

/** The faults of the way a connection came in (an endpoint's port), when it came through one. */
const paths = new WeakMap<object, NetworkFaults>();

/** A socket built over another (TLS over the accepted one) came the same way. */
export function samePath(from: object, to: object): void {
  const path = paths.get(from);
  if (path) paths.set(to, path);
}

export class NetworkFaults {
  /** Added to every request before it runs. */
  latencyMs = 0;
  /** New connections to reset on arrival; Infinity refuses all. */
  refuseNext = 0;
  /** Told of each connection refused (counted faults end after their count). */
  onRefused: (() => void) | null = null;
  private frozenNow = false;
  private readonly queues = new Map<net.Socket, Queue>();
  /** When the server froze (Date.now()), 0 while it answers: its cluster peers time it out from then. */
  frozenSince = 0;

  get frozen(): boolean {
    return this.frozenNow;
  }

  /** A frozen server accepts connections and reads requests but answers nothing, as a stopped process. */
  freeze(on: boolean): void {
    if (on !== this.frozenNow) this.frozenSince = on ? Date.now() : 0;
    this.frozenNow = on;
    if (!on) for (const [socket, q] of this.queues) this.pump(socket, q);
  }

  /** False when the connection was reset instead of admitted. */
  admit(socket: net.Socket): boolean {
    if (this.refuseNext <= 0) return true;
    this.refuseNext--;
    reset(socket);
    this.onRefused?.();
    return false;
  }

  /** Marks a connection as come through these (an endpoint's) faults: the node serving it adds their latency to its own. */
  carry(socket: net.Socket): void {
    paths.set(socket, this);
  }

  /** Resets (TCP RST) every given connection, as a crashed host does. */
  resetAll(sockets: Iterable<net.Socket>): number {
    let n = 0;
    for (const s of [...sockets]) {
      if (s.destroyed) continue;
      reset(s);
      n++;
    }
    return n;
  }

  /** Added latency of this connection: these faults' own, plus the endpoint's it came through. */
  private latencyOf(socket: net.Socket): number {
    const path = paths.get(socket);
    return this.latencyMs + (path !== undefined && path !== this ? path.latencyMs : 0);
  }

  /** Whether deliver would run a request of this connection at once (a reader may then lend it bytes it reuses). */
  immediate(socket: net.Socket): boolean {
    return !this.frozenNow && !this.queues.has(socket) && this.latencyOf(socket) === 0;
  }

  /** Runs `run` now, or after the added latency / the thaw, behind what the connection sent before. */
  deliver(socket: net.Socket, run: () => void): void {
    const latencyMs = this.latencyOf(socket);
    let q = this.queues.get(socket);
    if (q === undefined) {
      if (latencyMs === 0 && !this.frozenNow) return run();
      q = { items: [], timer: null };
      const queue = q;
      this.queues.set(socket, queue);
      socket.once('close', () => {
        if (queue.timer) clearTimeout(queue.timer);
        this.queues.delete(socket);
      });
    }
    q.items.push({ due: performance.now() + latencyMs, run });
    this.pump(socket, q);
  }

  private pump(socket: net.Socket, q: Queue): void {
    if (this.frozenNow || q.timer !== null) return;
    const now = performance.now();
    while (q.items.length > 0 && (q.items[0] as Held).due <= now) {
      (q.items.shift() as Held).run();
      if (this.frozenNow) return;
    }
    const next = q.items[0];
    if (next === undefined) {
      this.queues.delete(socket);
      return;
    }
    q.timer = setTimeout(() => {
      q.timer = null;
      this.pump(socket, q);
    }, Math.max(1, next.due - now));
    q.timer.unref();
  }
}
