// INFO's lazyfreed_objects: which deletions redis-server 7.0 hands to its background thread. Nothing
// here frees anything in the background (V8's collector does that for every deletion alike); only the
// count clients and Redis's tests read is kept as Redis keeps it.
import type { Client } from '../client.ts';
import { nodeLimits } from '../commands/stream-args.ts';
import { encodingOf, type RObj } from './objects.ts';

/** Above this much work redis-server frees a value in the background (LAZYFREE_THRESHOLD). */
const LAZYFREE_THRESHOLD = 64;
/** A quicklist node holds up to 8 KB under list-max-listpack-size -2 (the default). */
const QUICKLIST_NODE_BYTES = 8192;

/** Allocations redis-server would free for `o` (lazyfreeGetFreeEffort): one for compact encodings. */
function freeEffort(c: Client, o: RObj): number {
  const enc = encodingOf(o);
  switch (o.type) {
    case 'list':
      return Math.ceil(o.mem / QUICKLIST_NODE_BYTES);
    case 'set':
    case 'hash':
      return enc === 'hashtable' ? o.v.size : 1;
    case 'zset':
      return enc === 'skiplist' ? o.v.size : 1;
    case 'stream': {
      const s = o.v;
      let effort = s.raxNodeCount(nodeLimits(c));
      // Redis weighs every group by the first one's PEL.
      const first = s.groups.values().next();
      if (!first.done) effort += s.groups.size * (1 + first.value.pending.size);
      return effort;
    }
    default:
      return 1;
  }
}

/** Counts a value UNLINK (or DEL under lazyfree-lazy-user-del) removes, if Redis would free it in the background. */
export function countLazyFree(c: Client, o: RObj): void {
  if (freeEffort(c, o) > LAZYFREE_THRESHOLD) c.engine.ks.stats.lazyfreed++;
}

/** FLUSHALL/FLUSHDB ASYNC hand every key of the emptied databases to the background thread. */
export function countLazyFlush(c: Client, keys: number): void {
  c.engine.ks.stats.lazyfreed += keys;
}

/** Whether a FLUSHALL/FLUSHDB without SYNC or ASYNC runs asynchronously (lazyfree-lazy-user-flush). */
export function flushIsAsync(c: Client, option: string | undefined): boolean {
  if (option !== undefined) return option.toLowerCase() === 'async';
  return c.engine.config.get('lazyfree-lazy-user-flush') === 'yes';
}
