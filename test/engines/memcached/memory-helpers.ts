// Shared by the memory differentials: real memcached and our engine started alike, the same scripts
// sent to both, and what memcached's allocator decides (pages, chunks, per-class item counters).
//
// Not compared: where memcached's background LRU maintainer has put items at the moment we look
// (number_hot/warm/cold, ages, moves_*, direct_reclaims, hits_to_*), since that depends on its timing;
// nor lrutail_reflocked: a store that finds the tail item referenced by the maintainer thread at that
// instant counts one (seen in CI: real memcached 1 in one run, 0 in others; ours has no such thread).
import { startOurs, startReal, textExchange, type Target } from './helpers.ts';
import type { MemcachedServerOptions } from '../../../engines/memcached/index.ts';

export const MB = 1024 * 1024;

/** Fields the maintainer's timing decides (see above), plus those of the process and the clock. */
export const MAINTAINER_TIMING: ReadonlySet<string> = new Set([
  'number_hot', 'number_warm', 'number_cold', 'age_hot', 'age_warm', 'age', 'evicted_time', 'moves_to_cold',
  'moves_to_warm', 'moves_within_lru', 'direct_reclaims', 'hits_to_hot', 'hits_to_warm', 'hits_to_cold', 'hits_to_temp',
  'lrutail_reflocked',
]);
const GLOBAL = ['bytes', 'curr_items', 'total_items', 'cmd_set', 'evictions', 'limit_maxbytes', 'slab_global_page_pool', 'store_no_memory', 'slabs_moved'];

let servers: Target[] = [];

/** Stops the servers `pair` started (call from afterEach). */
export async function closeAll(): Promise<void> {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
}

export async function pair(realArgs: string[], ours: Partial<MemcachedServerOptions>): Promise<[Target, Target]> {
  const started = await Promise.all([startReal(realArgs), startOurs({ version: '1.6.18', ...ours })]);
  servers.push(...started);
  return started;
}

export async function send(t: Target, script: string): Promise<string> {
  return (await textExchange(t.port, script, 5000)).reply.toString('latin1');
}

export function stats(reply: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of reply.split('\r\n')) {
    const [tag, name, value] = line.split(' ');
    if (tag === 'STAT' && name !== undefined && !MAINTAINER_TIMING.has(name.split(':').pop()!)) m.set(name, value ?? '');
  }
  return m;
}

/** Every STAT line of `stats<group>`, timing fields included (`stats` leaves the maintainer's out). */
export async function allStats(t: Target, group = ''): Promise<Map<string, string>> {
  const m = new Map<string, string>();
  for (const line of (await send(t, `stats${group}\r\n`)).split('\r\n')) {
    const [tag, name, value] = line.split(' ');
    if (tag === 'STAT' && name !== undefined) m.set(name, value ?? '');
  }
  return m;
}

/** Polls `what` every `everyMs` until it answers true (true) or `ms` pass (false). */
export async function until(what: () => Promise<boolean>, ms: number, everyMs = 250): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, everyMs))) if (await what()) return true;
  return false;
}

/** Everything memcached's allocator decides, from one server. */
export async function memoryPicture(t: Target): Promise<Record<string, unknown>> {
  const general = stats(await send(t, 'stats\r\n'));
  return {
    slabs: Object.fromEntries(stats(await send(t, 'stats slabs\r\n'))),
    items: Object.fromEntries(stats(await send(t, 'stats items\r\n'))),
    stats: Object.fromEntries(GLOBAL.map((k) => [k, general.get(k)])),
  };
}

/**
 * `set` of keys prefix+from .. prefix+(to-1). With `width`, numbers are zero-padded to it, so that every item has
 * the same size and byte counts do not hang on which items survived.
 */
export function sets(prefix: string, from: number, to: number, size: number, extra = '', width = 0): string {
  const value = 'v'.repeat(size);
  let s = '';
  for (let i = from; i < to; i++) s += `set ${keyName(prefix, i, width)} 0 ${extra || '0'} ${size}\r\n${value}\r\n`;
  return s;
}

function keyName(prefix: string, i: number, width: number): string {
  return prefix + String(i).padStart(width, '0');
}

/** Which of the keys are still there (mg without flags: HD or EN). */
export async function survivors(t: Target, keys: string[]): Promise<string> {
  const reply = await send(t, keys.map((k) => `mg ${k}\r\n`).join(''));
  return reply
    .split('\r\n')
    .filter((l) => l === 'HD' || l === 'EN')
    .map((l) => (l === 'HD' ? '1' : '0'))
    .join('');
}

/**
 * Positions where two survivors strings differ. Which item of a class goes first can hang on where
 * memcached's maintainer thread had moved items between HOT and COLD when the class ran out of chunks:
 * under load it runs later, and one item more or less has aged out of HOT.
 */
export function differences(a: string, b: string): number {
  let n = Math.abs(a.length - b.length);
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) n++;
  return n;
}

export function keys(prefix: string, n: number, width = 0): string[] {
  return Array.from({ length: n }, (_, i) => keyName(prefix, i, width));
}

/** Polls until `probe` gives the same answer on both servers (memcached moves pages in a background thread). */
export async function settle(real: Target, ours: Target, probe: (t: Target) => Promise<string>, tries = 100): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if ((await probe(real)) === (await probe(ours))) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}
