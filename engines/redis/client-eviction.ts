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

/** The clients client eviction may close, with the memory each holds (CLIENT LIST's tot-mem). */
function evictableSizes(e: Engine): [Client, number][] {
  const now = e.clock.now();
  const sized: [Client, number][] = [];
  for (const c of e.clients.values()) {
    // CLIENT NO-EVICT clients are neither evicted nor counted, as Redis leaves them out of its buckets.
    if (c.noEvict || c.closed || c.closing || c.isPrimary) continue;
    sized.push([c, clientMemory(c, now)]);
  }
  return sized;
}

/** Redis's client memory buckets: the first holds clients under 32 KiB, each next one twice as much, the last 4 GiB and over. */
const BUCKET_MIN_LOG = 15;
const BUCKET_MAX_LOG = 33;

/** DEBUG CLIENT-EVICTION's table of the evictable clients by memory bucket, as redis-server 7.0 prints it. */
export function clientEvictionBuckets(e: Engine): string | null {
  if (e.config.maxmemoryClients === '0') return null;
  const count = BUCKET_MAX_LOG - BUCKET_MIN_LOG + 1;
  const mem = new Array<number>(count).fill(0);
  const clients = new Array<number>(count).fill(0);
  for (const [, bytes] of evictableSizes(e)) {
    const bits = bytes > 0 ? Math.floor(Math.log2(bytes)) + 1 : 0;
    const j = Math.min(BUCKET_MAX_LOG, Math.max(BUCKET_MIN_LOG, bits)) - BUCKET_MIN_LOG;
    mem[j]! += bytes;
    clients[j]!++;
  }
  const pad = (n: number): string => String(n).padStart(10);
  let out = '';
  for (let j = 0; j < count; j++) {
    out += j === 0 ? 'bucket          0' : `bucket ${pad(2 ** (j - 1 + BUCKET_MIN_LOG))}`;
    out += j === count - 1 ? '+            : ' : ` - ${pad(2 ** (j + BUCKET_MIN_LOG) - 1)}: `;
    out += `tot-mem: ${pad(mem[j]!)}, clients: ${clients[j]}\n`;
  }
  return out;
}

/** Closes the biggest evictable clients while their total passes maxmemory-clients; answers whether `self` was one. */
export function evictClients(e: Engine, self: Client | null): boolean {
  const setting = e.config.maxmemoryClients;
  if (setting === '0') return false;
  const limit = limitBytes(e, setting);
  if (limit <= 0) return false;
  const sized = evictableSizes(e);
  let total = 0;
  for (const [, mem] of sized) total += mem;
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
