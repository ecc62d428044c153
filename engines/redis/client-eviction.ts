// maxmemory-clients (Redis 7.0's client eviction): when the clients that may be evicted together
// hold more than the limit, the biggest are closed until the rest fit. Checked as redis-server does:
// before each command runs and after a read grows a query buffer.
import type { Client } from './client.ts';
import { clientMemory } from './client-memory.ts';
import type { Engine } from './engine.ts';

/** The limit in bytes, 0 when off; a percentage is of maxmemory (off while maxmemory is 0). */
function limitBytes(e: Engine, setting: string): number {
  if (!setting.endsWith('%')) return Number(setting);
  return Math.floor((e.config.maxmemory * Number(setting.slice(0, -1))) / 100);
}

/** Closes the biggest evictable clients while their total passes maxmemory-clients; answers whether `self` was one. */
export function evictClients(e: Engine, self: Client | null): boolean {
  const setting = e.config.maxmemoryClients;
  if (setting === '0') return false;
  const limit = limitBytes(e, setting);
  if (limit <= 0) return false;
  const now = e.clock.now();
  const sized: [Client, number][] = [];
  let total = 0;
  for (const c of e.clients.values()) {
    // CLIENT NO-EVICT clients are neither evicted nor counted, as Redis leaves them out of its buckets.
    if (c.noEvict || c.closed || c.closing) continue;
    const mem = clientMemory(c, now);
    sized.push([c, mem]);
    total += mem;
  }
  if (total <= limit) return false;
  sized.sort((a, b) => b[1] - a[1]);
  let evictedSelf = false;
  for (const [c, mem] of sized) {
    if (total <= limit) break;
    total -= mem;
    e.evictedClients++;
    if (c === self) evictedSelf = true;
    // Closed unanswered, as Redis frees an evicted client without a reply.
    c.w.take();
    e.closeClient(c, true);
  }
  return evictedSelf;
}
